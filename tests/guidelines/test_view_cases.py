"""The case library: the author answers the wizard's scenarios; answers freeze with the version."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from guidelines import services
from guidelines.cases import catalogue_scenarios, clean

from .conftest import confirm_facts


def _url(guideline):
    return reverse("guidelines:cases", args=[guideline.pk])


def test_author_sees_every_scenario_to_answer(author, wizard_guideline):
    html = author.client().get(_url(wizard_guideline)).content.decode()
    assert html.count('name="answer-') == len(catalogue_scenarios())
    assert html.count('name="wrong-') == len(catalogue_scenarios())
    assert "Case library (optional)" in html


def test_answers_are_saved_audited_and_frozen_with_the_version(
    author, wizard_guideline, wizard_draft
):
    first = catalogue_scenarios()[0]
    response = author.client().post(
        _url(wizard_guideline), {"answer-0": "Yes: they cover students on placement."}
    )
    assert response.status_code == 302
    wizard_draft.refresh_from_db()
    assert wizard_draft.cases == [{**first, "answer": "Yes: they cover students on placement."}]
    assert AuditEvent.objects.filter(action="guidelines.cases.saved").count() == 1
    confirm_facts(wizard_draft)
    version = services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    assert version.cases == wizard_draft.cases


def test_a_too_long_answer_is_refused_and_the_typing_kept(author, wizard_guideline, wizard_draft):
    response = author.client().post(_url(wizard_guideline), {"answer-1": "x" * 1501})
    assert response.status_code == 422
    html = response.content.decode()
    assert "too long" in html and "x" * 1501 in html
    wizard_draft.refresh_from_db()
    assert wizard_draft.cases == []


def test_only_catalogue_scenarios_are_accepted() -> None:
    kept, problems = clean([{"section": "privacy", "scenario": "Made up", "answer": "No"}])
    assert kept == [] and problems


def test_unanswered_scenarios_are_left_out() -> None:
    kept, problems = clean([{**catalogue_scenarios()[0], "answer": "   "}])
    assert kept == [] and problems == []


def test_author_asks_a_case_in_the_quiz_of_one_group(
    author, wizard_guideline, wizard_draft, nursing, pharmacy
):
    response = author.client().post(
        _url(wizard_guideline),
        {
            "answer-0": "Yes: they cover students on placement.",
            "wrong-0": "No, only employees\nOnly when they wear a badge",
            "groups-0": [str(nursing.pk)],
        },
    )
    assert response.status_code == 302
    wizard_draft.refresh_from_db()
    (case,) = wizard_draft.cases
    assert case["wrong"] == ["No, only employees", "Only when they wear a badge"]
    assert case["groups"] == [nursing.pk]
    html = author.client().get(_url(wizard_guideline)).content.decode()
    assert f'id="groups-0-{nursing.pk}" name="groups-0" value="{nursing.pk}" checked' in html
    assert f'id="groups-0-{pharmacy.pk}" name="groups-0" value="{pharmacy.pk}">' in html


def test_another_institutions_group_is_refused_and_the_typing_kept(
    author, wizard_guideline, wizard_draft, other_org
):
    from tests.factories import StaffGroupFactory

    theirs = StaffGroupFactory(organization=other_org, name="Their nurses")
    response = author.client().post(
        _url(wizard_guideline),
        {"answer-0": "Yes.", "wrong-0": "No", "groups-0": [str(theirs.pk)]},
    )
    assert response.status_code == 422
    assert "does not have" in response.content.decode()
    wizard_draft.refresh_from_db()
    assert wizard_draft.cases == []
