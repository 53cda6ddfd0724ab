"""Restoring an earlier text of a section."""

from __future__ import annotations

from django.urls import reverse

from guidelines import services


def test_restore_brings_the_earlier_text_back(author, wizard_guideline, wizard_draft):
    row = wizard_draft.sections.get(key="contact")
    original = row.data["name"]
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "Dana"},
        revision=0,
        by=author.user,
    )
    first = row.history.order_by("history_id").first()
    response = author.client().post(
        reverse("guidelines:restore", args=[wizard_guideline.pk, "contact"]),
        {"history_id": first.history_id, "revision": 1},
    )
    assert response["Location"] == reverse("guidelines:step", args=[wizard_guideline.pk, "contact"])
    assert wizard_draft.sections.get(key="contact").data["name"] == original


def test_restore_with_a_stale_revision_is_refused(author, wizard_guideline, wizard_draft):
    row = wizard_draft.sections.get(key="contact")
    first = row.history.first()
    # Someone saves another text since; restoring against an older revision is a conflict.
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "A newer name"},
        revision=row.revision,
        by=author.user,
    )
    response = author.client().post(
        reverse("guidelines:restore", args=[wizard_guideline.pk, "contact"]),
        {"history_id": first.history_id, "revision": 7},
        follow=True,
    )
    assert "while you were editing" in response.content.decode()


def test_restore_is_post_only(author, wizard_guideline):
    url = reverse("guidelines:restore", args=[wizard_guideline.pk, "contact"])
    assert author.client().get(url).status_code == 405
