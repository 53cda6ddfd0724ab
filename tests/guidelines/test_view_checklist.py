"""The author's checklist before submitting: each section's checks, failing ones link to a fix."""

from __future__ import annotations

from django.urls import reverse

from guidelines import services


def test_checklist_lists_failing_checks_with_links_to_fix(
    author, wizard_guideline, confirmed_draft
):
    services.save_section(
        draft=confirmed_draft,
        key="security",
        data={"body": "Use good passwords."},
        revision=0,
        by=author.user,
    )
    html = (
        author.client()
        .get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
        .content.decode()
    )
    step = reverse("guidelines:step", args=[wizard_guideline.pk, "security"])
    assert "2 checks to fix before submitting" in html
    assert f'href="{step}#field-body"' in html
    assert "Security: Require two-factor authentication" in html
    assert "Submit for review" in html


def test_complete_draft_is_ready(author, wizard_guideline, confirmed_draft):
    html = (
        author.client()
        .get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert "Every check passes" in html and "12 of 12 sections complete" in html


def test_checklist_without_a_draft_redirects(author, wizard_guideline, wizard_draft):
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    response = author.client().get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
    assert response.status_code == 302


def test_untouched_template_is_flagged_section_by_section(author, wizard_guideline):
    html = (
        author.client()
        .get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert html.count("Unchanged from the template") == 12
    assert "12 sections still read word for word as the starter template" in html


def test_an_edited_section_is_no_longer_flagged(author, wizard_guideline, wizard_draft):
    services.save_section(
        draft=wizard_draft,
        key="security",
        data={
            "body": "Turn on two-factor authentication. Report a hacked account to the "
            "service desk at once."
        },
        revision=0,
        by=author.user,
    )
    html = (
        author.client()
        .get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert html.count("Unchanged from the template") == 11


def test_a_contradiction_blocks_submitting_and_is_quoted(author, wizard_guideline, confirmed_draft):
    wizard_draft = confirmed_draft
    body = wizard_draft.sections.get(key="privacy").data["body"] + "\n\nGoogling patients is fine."
    services.save_section(
        draft=wizard_draft, key="privacy", data={"body": body}, revision=0, by=author.user
    )
    html = (
        author.client()
        .get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert "1 check to fix before submitting" in html
    assert "Don&#x27;t allow looking patients up online" in html
    assert "\u201cGoogling patients is fine.\u201d" in html


def test_tone_suggestion_does_not_block(author, wizard_guideline, confirmed_draft):
    wizard_draft = confirmed_draft
    body = wizard_draft.sections.get(key="security").data["body"] + "\n\nYou must lock your phone."
    services.save_section(
        draft=wizard_draft, key="security", data={"body": body}, revision=0, by=author.user
    )
    html = (
        author.client()
        .get(reverse("guidelines:checklist", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert "Every check passes" in html
    assert "Suggestion:" in html and "leave rules and sanctions to the policy" in html
