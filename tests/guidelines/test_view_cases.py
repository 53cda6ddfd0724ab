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
    assert html.count("<textarea") == len(catalogue_scenarios())
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
