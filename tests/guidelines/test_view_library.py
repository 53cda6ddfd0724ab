"""Looking after the library: renaming a guideline and discarding a draft, each audited."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from guidelines.models import Draft, DraftSection, Guideline
from tests.factories import GuidelineFactory


def test_author_renames_and_the_trail_keeps_the_old_title(author, versioned_guideline):
    version = versioned_guideline.versions.get(number=1)
    signed_hash = version.content_hash
    url = reverse("guidelines:rename", args=[versioned_guideline.pk])
    assert 'value="Social media guidelines"' in author.client().get(url).content.decode()
    response = author.client().post(url, {"title": "  Staff online conduct "})
    assert response["Location"] == reverse("guidelines:detail", args=[versioned_guideline.pk])
    versioned_guideline.refresh_from_db()
    version.refresh_from_db()
    assert versioned_guideline.title == "Staff online conduct"
    assert version.content_hash == signed_hash and version.verify()
    event = AuditEvent.objects.get(action="guidelines.guideline.renamed")
    assert event.details == {
        "old_title": "Social media guidelines",
        "new_title": "Staff online conduct",
    }


def test_admin_may_rename_too(admin, wizard_guideline):
    url = reverse("guidelines:rename", args=[wizard_guideline.pk])
    assert admin.client().post(url, {"title": "Renamed by admin"}).status_code == 302
    assert Guideline.objects.get(pk=wizard_guideline.pk).title == "Renamed by admin"


def test_an_empty_or_unchanged_title_is_refused_and_the_typing_kept(author, wizard_guideline):
    url = reverse("guidelines:rename", args=[wizard_guideline.pk])
    empty = author.client().post(url, {"title": "   "})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    same = author.client().post(url, {"title": "Social media guidelines"}).content.decode()
    assert "already the guideline" in same and 'value="Social media guidelines"' in same
    too_long = author.client().post(url, {"title": "x" * 201}).content.decode()
    assert "x" * 201 in too_long and "at most 200 characters" in too_long
    assert not AuditEvent.objects.filter(action="guidelines.guideline.renamed").exists()


def test_a_retired_guideline_keeps_its_title(author, wizard_guideline):
    Guideline.objects.filter(pk=wizard_guideline.pk).update(status=Guideline.Status.RETIRED)
    url = reverse("guidelines:rename", args=[wizard_guideline.pk])
    html = author.client().post(url, {"title": "New"}).content.decode()
    assert "retired" in html and Guideline.objects.get(pk=wizard_guideline.pk).title != "New"


def test_reviewers_may_not_rename_and_other_institutions_see_nothing(
    legal, outsider, wizard_guideline
):
    url = reverse("guidelines:rename", args=[wizard_guideline.pk])
    assert legal.client().post(url, {"title": "No"}).status_code == 403
    assert outsider.client().post(url, {"title": "No"}).status_code == 404
    assert Guideline.objects.get(pk=wizard_guideline.pk).title == "Social media guidelines"


def test_discard_asks_first_then_closes_the_draft_and_keeps_its_sections(
    author, wizard_guideline, wizard_draft
):
    url = reverse("guidelines:discard_draft", args=[wizard_guideline.pk])
    page = author.client().get(url).content.decode()
    assert "Discard this draft?" in page and 'method="post"' in page
    assert Draft.objects.get(pk=wizard_draft.pk).is_open  # looking changes nothing
    sections = DraftSection.objects.filter(draft=wizard_draft).count()
    response = author.client().post(url)
    assert response["Location"] == reverse("guidelines:detail", args=[wizard_guideline.pk])
    wizard_draft.refresh_from_db()
    assert not wizard_draft.is_open
    assert DraftSection.objects.filter(draft=wizard_draft).count() == sections > 0
    event = AuditEvent.objects.get(action="guidelines.draft.discarded")
    assert event.object_id == str(wizard_draft.pk) and event.guideline_id == wizard_guideline.pk
    assert "scope" in event.details["sections"]


def test_after_discarding_a_new_draft_can_be_started(author, versioned_guideline):
    client = author.client()
    client.post(reverse("guidelines:discard_draft", args=[versioned_guideline.pk]))
    detail = client.get(reverse("guidelines:detail", args=[versioned_guideline.pk]))
    assert "Start a new draft" in detail.content.decode()
    response = client.post(
        reverse("guidelines:new_draft", args=[versioned_guideline.pk]), {"start": "blank"}
    )
    assert response.status_code == 302
    assert versioned_guideline.drafts.filter(is_open=True).count() == 1
    assert versioned_guideline.drafts.count() == 3  # frozen, discarded, new


def test_discarding_without_an_open_draft_says_so(author, wizard_guideline, wizard_draft):
    client = author.client()
    url = reverse("guidelines:discard_draft", args=[wizard_guideline.pk])
    client.post(url)
    again = client.post(url, follow=True).content.decode()
    assert "no open draft" in again
    assert AuditEvent.objects.filter(action="guidelines.draft.discarded").count() == 1


def test_only_draft_editors_of_the_institution_may_discard(
    legal, auditor, outsider, wizard_guideline, wizard_draft
):
    url = reverse("guidelines:discard_draft", args=[wizard_guideline.pk])
    assert legal.client().post(url).status_code == 403
    assert auditor.client().get(url).status_code == 403
    assert outsider.client().post(url).status_code == 404
    assert Draft.objects.get(pk=wizard_draft.pk).is_open


def test_another_institutions_guideline_cannot_be_renamed(admin, other_org):
    theirs = GuidelineFactory(organization=other_org, title="Theirs")
    url = reverse("guidelines:rename", args=[theirs.pk])
    assert admin.client().post(url, {"title": "Mine"}).status_code == 404
