"""The quiz draws questions from the published cases, per staff group.

The author picks which cases are asked and of whom; each person answers the written quiz,
then the cases for their own groups (department or rule), and is marked against exactly
the questions they were shown.
"""

from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils.html import escape

from audit.models import AuditEvent
from guidelines.cases import (
    CASE_QUESTIONS_MAX,
    catalogue_scenarios,
    clean,
    question,
    section_name,
)
from guidelines.quiz import personal_quiz, record_fingerprint
from publishing import services
from publishing.models import Acknowledgement
from publishing.quiz import member_groups, quiz_for
from tests.conftest import make_persona
from tests.factories import StaffGroupFactory
from tests.publishing.test_view_evidence_pack import unzip

from .conftest import QUIZ

SCENARIOS = catalogue_scenarios()


def _case(index: int, *, groups=(), wrong=("Post it anyway",)) -> dict:
    scenario = SCENARIOS[index]
    return {
        **scenario,
        "answer": f"The guideline's answer to case {index}.",
        "wrong": list(wrong),
        "groups": list(groups),
    }


def _ack_url(version) -> str:
    return reverse("publishing:acknowledge", args=[version.pk])


def test_clean_keeps_wrong_answers_and_groups_only_for_asked_cases() -> None:
    kept, problems = clean(
        [
            {**SCENARIOS[0], "answer": "Yes.", "wrong": "No\n\n No \nMaybe", "groups": ["3", 2]},
            {**SCENARIOS[1], "answer": "Ask first.", "wrong": "", "groups": ["5"]},
        ]
    )
    assert problems == []
    assert kept[0]["wrong"] == ["No", "Maybe"] and kept[0]["groups"] == [2, 3]
    assert "wrong" not in kept[1] and "groups" not in kept[1]  # not asked: no audience either


def test_clean_refuses_too_many_or_too_long_wrong_answers_and_odd_groups() -> None:
    _kept, problems = clean([{**SCENARIOS[0], "answer": "Yes.", "wrong": "a\nb\nc\nd"}])
    assert "at most 3" in problems[0]
    _kept, problems = clean([{**SCENARIOS[0], "answer": "Yes.", "wrong": "x" * 301}])
    assert "longer than 300" in problems[0]
    _kept, problems = clean([{**SCENARIOS[0], "answer": "Y", "wrong": "N", "groups": ["x"]}])
    assert "could not be read" in problems[0]


def test_a_case_question_keeps_the_answer_among_the_choices_in_a_fixed_order() -> None:
    case = _case(0, wrong=("First wrong", "Second wrong"))
    asked = question(case)
    assert asked["question"].startswith(SCENARIOS[0]["scenario"])
    assert asked["choices"][asked["answer"]] == case["answer"]
    assert sorted(asked["choices"]) == sorted([case["answer"], "First wrong", "Second wrong"])
    assert question(case) == asked  # the same every time: the page and the marking agree


def test_a_person_gets_their_groups_cases_first_then_everyones_capped() -> None:
    cases = [_case(0), _case(1, groups=[7]), _case(2, groups=[8]), _case(3), _case(4), _case(5)]
    mine = personal_quiz(QUIZ, cases, {7})
    assert [q["question"] for q in mine[:2]] == [q["question"] for q in QUIZ]
    assert [q["section"] for q in mine[2:]] == [
        cases[1]["section"],
        cases[0]["section"],
        cases[3]["section"],
    ]
    assert len(mine) == len(QUIZ) + CASE_QUESTIONS_MAX
    nobody = personal_quiz([], [_case(2, groups=[8])], {7})
    assert nobody == []


def test_rule_groups_count_and_the_lookup_is_two_queries(
    org, nursing, pharmacy, employee, django_assert_num_queries
) -> None:
    by_type = StaffGroupFactory(
        organization=org,
        name="Everyone employed",
        rule={"include": [{"field": "employee_type", "values": ["employee"]}]},
    )
    contractors = StaffGroupFactory(
        organization=org,
        name="Contractors",
        rule={"include": [{"field": "employee_type", "values": ["contractor"]}]},
    )
    with django_assert_num_queries(2):
        found = member_groups(
            employee.membership, {nursing.pk, pharmacy.pk, by_type.pk, contractors.pk}
        )
    assert found == {nursing.pk, by_type.pk}
    with django_assert_num_queries(0):
        assert member_groups(employee.membership, set()) == set()


def test_nurse_and_pharmacist_answer_their_own_cases(
    org, make_version, do_publish, employee, pharmacy, nursing
) -> None:
    pharmacist = make_persona(org, "pharma@riverside.test", "Phil Pharma", group=pharmacy)
    cases = [_case(0, groups=[nursing.pk]), _case(1, groups=[pharmacy.pk]), _case(2)]
    version = _with_cases(make_version, cases)
    do_publish(version)

    nurse_page = employee.client().get(_ack_url(version)).content.decode()
    pharma_page = pharmacist.client().get(_ack_url(version)).content.decode()
    first, second, third = (escape(SCENARIOS[i]["scenario"]) for i in range(3))
    assert first in nurse_page and second not in nurse_page
    assert second in pharma_page and first not in pharma_page
    assert third in nurse_page and third in pharma_page
    assert "First, 4 short questions" in nurse_page


def _with_cases(make_version, cases):
    """Version 1 frozen with the written quiz and these cases."""
    return make_version(1, quiz=QUIZ, cases=cases)


def _right_answers(questions) -> dict[str, str]:
    return {f"q{i}": str(q["answer"]) for i, q in enumerate(questions)}


def _last_one_wrong(questions) -> dict[str, str]:
    """Every answer right but the last question's (a case's: two choices, 0 and 1)."""
    answers = _right_answers(questions)
    last = len(questions) - 1
    answers[f"q{last}"] = str(1 - questions[last]["answer"])
    return answers


@pytest.fixture
def nurses_case(make_version, do_publish, employee, nursing):
    """Version 1 published with the written quiz and one case for nurses, and the questions
    the employee (a nurse) is asked: the quiz's two, then the case."""
    version = _with_cases(make_version, [_case(0, groups=[nursing.pk])])
    publication = do_publish(version)
    questions = quiz_for(version, employee.membership)
    return SimpleNamespace(version=version, publication=publication, questions=questions)


def test_the_case_answers_are_marked_and_the_record_says_a_quiz_was_answered(
    nurses_case, employee
) -> None:
    version, questions = nurses_case.version, nurses_case.questions
    assert len(questions) == 3
    client = employee.client()
    response = client.post(_ack_url(version), {"confirm": "on", **_last_one_wrong(questions)})
    assert response.status_code == 200
    assert "check your answer to question 3" in response.content.decode()
    assert not Acknowledgement.objects.exists()
    response = client.post(_ack_url(version), {"confirm": "on", **_right_answers(questions)})
    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert ack.quiz_answered and ack.content_hash == version.content_hash


def test_the_service_asks_the_same_questions_without_being_told(nurses_case, employee) -> None:
    version, questions = nurses_case.version, nurses_case.questions
    answers = {i: q["answer"] for i, q in enumerate(questions[:2])}
    try:
        services.acknowledge(version=version, user=employee.user, confirmed=True, answers=answers)
    except services.PublishingError as exc:
        assert "question 3" in str(exc)
    else:  # pragma: no cover - the case question was left unanswered
        raise AssertionError("an unanswered case question was accepted")
    answers[2] = questions[2]["answer"]
    _ack, created = services.acknowledge(
        version=version, user=employee.user, confirmed=True, answers=answers
    )
    assert created


def test_acknowledging_stays_bounded_however_many_cases_and_groups(
    org, make_version, do_publish, employee, nursing, django_assert_max_num_queries
) -> None:
    many = [StaffGroupFactory(organization=org, name=f"Ward {i}") for i in range(30)]
    cases = [_case(i, groups=[g.pk for g in many] + [nursing.pk]) for i in range(20)]
    version = _with_cases(make_version, cases)
    do_publish(version)
    client = employee.client()
    client.get(_ack_url(version))  # warm the session
    with django_assert_max_num_queries(25):
        response = client.get(_ack_url(version))
    assert response.status_code == 200
    questions = quiz_for(version, employee.membership)
    with django_assert_max_num_queries(30):
        response = client.post(_ack_url(version), {"confirm": "on", **_right_answers(questions)})
    assert response.status_code == 302


def test_what_was_asked_and_chosen_is_kept_with_the_acknowledgement(nurses_case, employee) -> None:
    version, questions = nurses_case.version, nurses_case.questions
    response = employee.client().post(
        _ack_url(version), {"confirm": "on", **_right_answers(questions)}
    )
    assert response.status_code == 302
    ack = Acknowledgement.objects.get()
    assert [q["question"] for q in ack.quiz_record] == [q["question"] for q in questions]
    assert [q["chosen"] for q in ack.quiz_record] == [q["answer"] for q in questions]
    assert [q["choices"] for q in ack.quiz_record] == [q["choices"] for q in questions]
    assert "section" not in ack.quiz_record[0]  # the written quiz
    assert ack.quiz_record[2]["section"] == SCENARIOS[0]["section"]
    event = AuditEvent.objects.filter(action="publishing.version.acknowledged").get()
    assert event.details["quiz_questions"] == 3
    assert event.details["quiz_fingerprint"] == record_fingerprint(ack.quiz_record)


def test_after_answering_the_person_reads_each_case_answer_and_its_section(
    nurses_case, employee
) -> None:
    version, questions = nurses_case.version, nurses_case.questions
    client = employee.client()
    refused = client.post(
        _ack_url(version), {"confirm": "on", **_last_one_wrong(questions)}
    ).content.decode()
    # A wrong case answer points to its section, without giving the answer away.
    assert escape(f"Not quite: {section_name(SCENARIOS[0]['section'])} has the answer.") in (
        refused
    )
    assert escape("The guideline's answer to case 0.") in refused  # a choice, as asked
    assert 'data-testid="case-answers"' not in refused

    response = client.post(_ack_url(version), {"confirm": "on", **_right_answers(questions)})
    assert response.status_code == 302
    assert response["Location"] == _ack_url(version) + "#case-answers"
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="case-answers"' in page
    assert escape(SCENARIOS[0]["scenario"]) in page
    assert "<strong>Answer:</strong> The guideline&#x27;s answer to case 0." in page
    assert f'href="#section-{SCENARIOS[0]["section"]}"' in page


def test_without_cases_acknowledging_still_leads_to_my_acknowledgements(
    make_version, do_publish, employee
) -> None:
    version = _with_cases(make_version, [])
    do_publish(version)
    questions = quiz_for(version, employee.membership)
    response = employee.client().post(
        _ack_url(version), {"confirm": "on", **_right_answers(questions)}
    )
    thanked = f"?acknowledged={version.pk}"  # the page thanks the person for this version
    assert response["Location"] == reverse("publishing:my_acknowledgements") + thanked
    assert len(Acknowledgement.objects.get().quiz_record) == len(QUIZ)


def test_the_evidence_pack_lists_what_each_person_was_asked_and_chose(
    nurses_case, employee, auditor
) -> None:
    version, publication, questions = (
        nurses_case.version,
        nurses_case.publication,
        nurses_case.questions,
    )
    services.acknowledge(
        version=version,
        user=employee.user,
        confirmed=True,
        answers={i: q["answer"] for i, q in enumerate(questions)},
    )
    response = auditor.client().get(reverse("publishing:evidence_pack", args=[publication.pk]))
    files = unzip(response)
    rows = list(csv.DictReader(io.StringIO(files["quiz-answers.csv"].decode())))
    assert [r["number"] for r in rows] == ["1", "2", "3"]
    assert {r["email"] for r in rows} == {employee.email}
    assert all(r["chosen"] == r["right_answer"] for r in rows)
    assert rows[2]["question"] == questions[2]["question"]
    assert rows[2]["section"] == section_name(SCENARIOS[0]["section"])
    assert rows[0]["section"] == ""
    manifest = json.loads(files["manifest.json"])
    assert "quiz-answers.csv" in manifest["files"] and "quiz-answers.csv" in manifest["contents"]
