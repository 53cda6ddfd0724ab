"""The author's checklist before submitting: each section's checks, failing ones link to a fix."""

from __future__ import annotations

from django.urls import reverse

from guidelines import services


def test_checklist_lists_failing_checks_with_links_to_fix(author, wizard_guideline, wizard_draft):
    services.save_section(
        draft=wizard_draft,
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


def test_complete_draft_is_ready(author, wizard_guideline):
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
