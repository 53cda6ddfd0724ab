"""Starting the next draft from a version."""

from __future__ import annotations

from django.urls import reverse

from guidelines import services


def test_author_starts_a_new_draft_from_the_latest_version(author, wizard_guideline, wizard_draft):
    version = services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    response = author.client().post(
        reverse("guidelines:new_draft", args=[wizard_guideline.pk]),
        {"start": "copy", "copy_from": version.pk},
    )
    assert response["Location"] == reverse("guidelines:step", args=[wizard_guideline.pk, "scope"])
    assert wizard_guideline.drafts.get(is_open=True).based_on == version


def test_a_second_open_draft_is_refused(author, wizard_guideline):
    response = author.client().post(
        reverse("guidelines:new_draft", args=[wizard_guideline.pk]),
        {"start": "template"},
        follow=True,
    )
    assert "already has an open draft" in response.content.decode()
    assert wizard_guideline.drafts.count() == 1
