"""The draft's optional quiz: up to five questions, each with its right answer marked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from guidelines import services


def _url(guideline):
    return reverse("guidelines:quiz", args=[guideline.pk])


def _post(questions, action="save", loaded=()):
    """What the browser posts: each question as (text, [choices], index of the marked one).

    ``loaded`` is the stored quiz the page was opened with (empty by default).
    """
    data = {
        "count": str(len(questions)),
        "action": action,
        "quiz_base": services.quiz_token(list(loaded)),
    }
    for i, (text, choices, answer) in enumerate(questions):
        data[f"q-{i}-question"] = text
        for j in range(5):
            data[f"q-{i}-choice-{j}"] = choices[j] if j < len(choices) else ""
        if answer is not None:
            data[f"q-{i}-answer"] = str(answer)
    return data


PHOTO = ("May you post a photo of a patient who agreed in the corridor?", ["Yes", "No"], 1)
REPORT = (
    "Whom do you tell about a hacked official account?",
    ["Nobody", "The social media team", "The patient", ""],
    1,
)


def test_author_saves_a_quiz_and_it_is_audited(author, wizard_guideline, wizard_draft):
    response = author.client().post(_url(wizard_guideline), _post([PHOTO, REPORT]))
    assert response.status_code == 302 and response["Location"] == _url(wizard_guideline)
    wizard_draft.refresh_from_db()
    assert wizard_draft.quiz == [
        {"question": PHOTO[0], "choices": ["Yes", "No"], "answer": 1},
        {
            "question": REPORT[0],
            "choices": ["Nobody", "The social media team", "The patient"],
            "answer": 1,
        },
    ]
    event = AuditEvent.objects.get(action="guidelines.quiz.saved")
    assert event.actor == author.user and event.details["questions"] == 2


def test_quiz_page_shows_the_saved_questions_with_the_right_answer_marked(
    author, wizard_guideline, wizard_draft
):
    quiz = [{"question": PHOTO[0], "choices": PHOTO[1], "answer": PHOTO[2]}]
    services.save_quiz(draft=wizard_draft, quiz=quiz, by=author.user)
    html = author.client().get(_url(wizard_guideline)).content.decode()
    assert "Quiz (optional)" in html and 'aria-current="step"' in html
    assert f'value="{PHOTO[0]}"' in html
    assert 'name="q-0-answer" id="id_q-0-answer-1" value="1" checked' in html
    assert 'name="q-0-choice-4"' in html  # room for five choices


def test_saving_and_going_to_the_checklist(author, wizard_guideline):
    response = author.client().post(_url(wizard_guideline), _post([PHOTO], action="checklist"))
    assert response["Location"] == reverse("guidelines:checklist", args=[wizard_guideline.pk])


def test_checklist_and_sidebar_link_the_quiz_and_show_it(author, wizard_guideline, wizard_draft):
    client = author.client()
    client.post(_url(wizard_guideline), _post([PHOTO]))
    page = client.get(reverse("guidelines:checklist", args=[wizard_guideline.pk])).content.decode()
    assert f'href="{_url(wizard_guideline)}"' in page and "Quiz (optional)" in page
    assert PHOTO[0] in page and "No <span" in page and "(right answer)" in page
    step = client.get(reverse("guidelines:step", args=[wizard_guideline.pk, "scope"]))
    assert f'href="{_url(wizard_guideline)}"' in step.content.decode()
    assert "1 question" in step.content.decode()


def test_add_and_remove_change_the_form_without_saving(author, wizard_guideline, wizard_draft):
    client = author.client()
    added = client.post(_url(wizard_guideline), _post([PHOTO], action="add")).content.decode()
    assert 'name="q-1-question"' in added and "Not saved yet" in added
    assert f'value="{PHOTO[0]}"' in added  # the typing is kept
    removed = client.post(_url(wizard_guideline), _post([PHOTO, REPORT], action="remove:0"))
    html = removed.content.decode()
    assert f'value="{REPORT[0]}"' in html and PHOTO[0] not in html
    assert 'name="q-0-answer" id="id_q-0-answer-1" value="1" checked' in html
    wizard_draft.refresh_from_db()
    assert wizard_draft.quiz == []


def test_saving_no_questions_removes_the_quiz(author, wizard_guideline, wizard_draft):
    client = author.client()
    client.post(_url(wizard_guideline), _post([PHOTO]))
    wizard_draft.refresh_from_db()  # the page reloaded after saving
    response = client.post(
        _url(wizard_guideline), _post([("", ["", ""], None)], loaded=wizard_draft.quiz)
    )
    assert response.status_code == 302
    wizard_draft.refresh_from_db()
    assert wizard_draft.quiz == []


def test_bad_input_shows_field_errors_and_keeps_the_typing(author, wizard_guideline, wizard_draft):
    questions = [
        ("", ["Yes", "No"], 0),  # no question text
        ("Is a de-identified story safe to post?", ["Not always", ""], 0),  # one choice
        ("Who may hold official passwords?", ["Anyone", "Named owners"], None),  # no answer
        ("Which step needs two-factor?", ["Signing in", "Reading"], 3),  # empty box marked
    ]
    response = author.client().post(_url(wizard_guideline), _post(questions))
    html = response.content.decode()
    assert response.status_code == 422
    assert "Quiz not saved" in html and "What you typed is still here" in html
    assert 'id="err-q-0-question"' in html and "This question has no text." in html
    assert 'id="err-q-1-choices"' in html and "needs at least two choices" in html
    assert 'id="err-q-2-choices"' in html and "has no valid right answer" in html
    assert 'id="err-q-3-choices"' in html
    assert 'value="Is a de-identified story safe to post?"' in html
    assert 'value="Named owners"' in html and 'aria-invalid="true"' in html
    wizard_draft.refresh_from_db()
    assert wizard_draft.quiz == []
    assert not AuditEvent.objects.filter(action="guidelines.quiz.saved").exists()


def test_more_than_five_questions_are_refused(author, wizard_guideline, wizard_draft):
    six = [(f"Question about rule {n}?", ["Yes", "No"], 0) for n in range(6)]
    response = author.client().post(_url(wizard_guideline), _post(six))
    html = response.content.decode()
    assert response.status_code == 422
    assert "A quiz has at most 5 questions." in html
    assert 'value="Question about rule 5?"' in html
    wizard_draft.refresh_from_db()
    assert wizard_draft.quiz == []


def test_a_sixth_question_cannot_be_added(author, wizard_guideline):
    five = [(f"Question about rule {n}?", ["Yes", "No"], 0) for n in range(5)]
    response = author.client().post(_url(wizard_guideline), _post(five, action="add"))
    html = response.content.decode()
    assert response.status_code == 422
    assert "A quiz has at most 5 questions." in html and 'name="q-5-question"' not in html
    assert 'value="add"' not in html


def test_frozen_draft_carries_the_quiz_into_the_version(author, wizard_guideline, wizard_draft):
    author.client().post(_url(wizard_guideline), _post([PHOTO]))
    version = services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    assert version.quiz == [{"question": PHOTO[0], "choices": ["Yes", "No"], "answer": 1}]
    # The next draft copied from it starts with the same quiz.
    draft = services.start_draft(
        guideline=wizard_guideline, by=author.user, start="copy", copy_from=version
    )
    assert draft.quiz == version.quiz


def test_quiz_of_a_submitted_draft_cannot_be_changed(author, wizard_guideline, wizard_draft):
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    response = author.client().post(_url(wizard_guideline), _post([PHOTO]))
    assert response.status_code == 302
    assert response["Location"] == reverse("guidelines:detail", args=[wizard_guideline.pk])
    with pytest.raises(services.GuidelineError):
        services.save_quiz(draft=wizard_draft, quiz=[], by=author.user)


def test_service_refuses_over_long_entries_and_too_many_choices(author, wizard_draft):
    with pytest.raises(services.QuizInvalid) as exc:
        services.save_quiz(
            draft=wizard_draft,
            quiz=[
                {"question": "Q" * 301, "choices": ["a", "b"], "answer": 0},
                {"question": "Pick one", "choices": list("abcdef"), "answer": 0},
            ],
            by=author.user,
        )
    assert exc.value.problems == [
        "Question 1 is longer than 300 characters.",
        "Question 2 has more than 5 choices.",
    ]


def test_admin_may_edit_the_quiz(admin, wizard_guideline):
    assert admin.client().get(_url(wizard_guideline)).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, wizard_guideline):
    response = client.get(_url(wizard_guideline))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_employee_is_refused(employee, wizard_guideline, wizard_draft):
    assert employee.client().get(_url(wizard_guideline)).status_code == 403
    assert employee.client().post(_url(wizard_guideline), _post([PHOTO])).status_code == 403
    wizard_draft.refresh_from_db()
    assert wizard_draft.quiz == []


def test_reviewer_is_refused(legal, wizard_guideline):
    assert legal.client().get(_url(wizard_guideline)).status_code == 403


def test_other_institution_gets_404(outsider, wizard_guideline):
    assert outsider.client().get(_url(wizard_guideline)).status_code == 404
    assert outsider.client().post(_url(wizard_guideline), _post([PHOTO])).status_code == 404


def test_a_stale_quiz_editor_cannot_silently_replace_a_newer_quiz(
    author, admin, wizard_guideline, wizard_draft
):
    first, second = author.client(), admin.client()
    opened = second.get(_url(wizard_guideline)).content.decode()
    assert f'name="quiz_base" value="{services.quiz_token([])}"' in opened
    assert first.post(_url(wizard_guideline), _post([PHOTO])).status_code == 302

    stale = second.post(_url(wizard_guideline), _post([REPORT]))
    html = stale.content.decode()
    assert stale.status_code == 409
    assert "Someone else saved this quiz after you opened it" in html
    assert REPORT[0] in html  # the second person's typing is kept
    wizard_draft.refresh_from_db()
    assert [q["question"] for q in wizard_draft.quiz] == [PHOTO[0]]
    assert AuditEvent.objects.filter(action="guidelines.quiz.saved").count() == 1

    # The page now carries the saved quiz's token: saving again replaces it deliberately.
    assert f'name="quiz_base" value="{services.quiz_token(wizard_draft.quiz)}"' in html
    again = second.post(_url(wizard_guideline), _post([REPORT], loaded=wizard_draft.quiz))
    assert again.status_code == 302
    wizard_draft.refresh_from_db()
    assert [q["question"] for q in wizard_draft.quiz] == [REPORT[0]]
