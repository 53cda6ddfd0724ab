"""Facts to confirm: marked in the starter text, listed in the wizard, kept or replaced, and
never left in a submitted draft."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guidelines import facts
from guidelines.completeness import failing_checks
from guidelines.schema import content_hash, normalise
from guidelines.sections import SAMPLE_CONTEXT, SECTIONS, get_section, starter_content

STARTER = starter_content(SAMPLE_CONTEXT)


def test_starter_marks_the_institutional_facts() -> None:
    found = {f.text for s in SECTIONS for f in facts.facts_in(STARTER[s.key])}
    assert "two named administrators" in found
    assert "the password manager Riverside Health provides" in found
    assert "ask the hospital switchboard for the on-call communications lead" in found
    assert any("/learning/social-media" in t for t in found)
    assert any("/community-guidelines" in t for t in found)
    assert any("e-learning" in t for t in found)


def test_a_draft_with_facts_to_confirm_cannot_be_submitted() -> None:
    failing = failing_checks(STARTER)
    assert any(
        "Confirm or replace the facts" in f and "two named administrators" in f for f in failing
    )


def test_confirmed_starter_passes_every_check_and_holds_no_marker() -> None:
    confirmed = facts.confirm_all(STARTER)
    assert failing_checks(confirmed) == []
    assert "[[confirm" not in str(confirmed)


def test_confirming_keeps_the_words_and_the_fingerprint_of_plain_text() -> None:
    section = get_section("accounts")
    data = STARTER["accounts"]
    kept = facts.resolve(data, field="body", index=0, replacement=None)
    plain = {
        **data,
        "body": data["body"].replace(
            "[[confirm: two named administrators]]", "two named administrators"
        ),
    }
    assert normalise(section, kept) == normalise(section, plain)
    assert content_hash({"accounts": kept}) == content_hash({"accounts": plain})


def test_replacing_a_fact_in_a_table_cell() -> None:
    data = STARTER["education"]
    fact = next(f for f in facts.facts_in(data) if f.field == "links")
    changed = facts.resolve(
        data, field="links", index=fact.index, replacement="Online safety module"
    )
    assert changed["links"][0]["title"] == "Online safety module"
    assert not [f for f in facts.facts_in(changed) if f.field == "links"]


def test_resolving_a_missing_fact_raises() -> None:
    with pytest.raises(KeyError):
        facts.resolve({"body": "No facts here."}, field="body", index=0, replacement=None)


def test_markers_are_bounded_and_linear() -> None:
    hostile = "[[confirm: " * 20000
    assert facts.facts_in({"body": hostile}) == []


def test_meaning_checks_read_the_words_not_the_marker() -> None:
    from guidelines.schema import run_checks

    results = run_checks(get_section("contact"), facts.confirm_all(STARTER["contact"]))
    assert all(r.passed for r in results)


# --- the wizard -----------------------------------------------------------------------------------


def _step(client, guideline, key):
    return client.get(reverse("guidelines:step", args=[guideline.pk, key])).content.decode()


def test_wizard_lists_facts_to_confirm(author, wizard_guideline):
    html = _step(author.client(), wizard_guideline, "accounts")
    assert "Facts to confirm (1)" in html
    assert '<mark class="wizard-fact-text">two named administrators</mark>' in html


def test_author_keeps_a_fact(author, wizard_guideline, wizard_draft):
    client = author.client()
    url = reverse("guidelines:confirm_fact", args=[wizard_guideline.pk, "accounts"])
    response = client.post(
        url, {"field": "body", "index": "0", "text": "two named administrators", "action": "keep"}
    )
    assert response.status_code == 302
    body = wizard_draft.sections.get(key="accounts").data["body"]
    assert "[[confirm" not in body and "two named administrators" in body
    assert "Facts to confirm" not in _step(client, wizard_guideline, "accounts")


def test_author_replaces_a_fact(author, wizard_guideline, wizard_draft):
    client = author.client()
    url = reverse("guidelines:confirm_fact", args=[wizard_guideline.pk, "accounts"])
    client.post(
        url,
        {
            "field": "body",
            "index": "0",
            "text": "two named administrators",
            "action": "replace",
            "replacement": "three named administrators",
        },
    )
    body = wizard_draft.sections.get(key="accounts").data["body"]
    assert "three named administrators" in body and "two named" not in body


def test_replacing_with_nothing_is_refused_and_nothing_changes(
    author, wizard_guideline, wizard_draft
):
    before = wizard_draft.sections.get(key="accounts").data
    url = reverse("guidelines:confirm_fact", args=[wizard_guideline.pk, "accounts"])
    response = author.client().post(
        url,
        {"field": "body", "index": "0", "text": "two named administrators", "action": "replace"},
        follow=True,
    )
    assert "Type what should replace the marked text" in response.content.decode()
    assert wizard_draft.sections.get(key="accounts").data == before


def test_a_stale_fact_is_refused(author, wizard_guideline, wizard_draft):
    url = reverse("guidelines:confirm_fact", args=[wizard_guideline.pk, "accounts"])
    response = author.client().post(
        url,
        {"field": "body", "index": "0", "text": "something else", "action": "keep"},
        follow=True,
    )
    assert "already been confirmed or changed" in response.content.decode()


def test_checklist_blocks_until_facts_are_confirmed(author, wizard_guideline):
    html = (
        author.client()
        .get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert "Confirm or replace the facts marked in the starter text" in html
    assert "Fix the checks above to submit this draft." in html
