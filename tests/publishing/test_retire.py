"""Retiring a guideline that no longer applies: admins only, with a reason, records kept."""

from __future__ import annotations

from django.urls import reverse

from audit.models import AuditEvent
from guidelines.models import Guideline, Version
from guidelines.services import start_draft
from publishing.models import Acknowledgement, AckRequest, Campaign
from publishing.services import acknowledge


def _retire(client, guideline, reason="Replaced by the trust-wide policy"):
    return client.post(reverse("publishing:retire", args=[guideline.pk]), {"reason": reason})


def test_admin_retires_after_confirming_and_the_campaign_stops(admin, employee, published):
    guideline = published.guideline
    acknowledge(
        version=published.version,
        user=employee.user,
        confirmed=True,
        membership=employee.membership,
    )
    client = admin.client()
    page = client.get(reverse("publishing:retire", args=[guideline.pk])).content.decode()
    assert "1 open acknowledgement campaign will be closed" in page
    assert Guideline.objects.get(pk=guideline.pk).status == Guideline.Status.ACTIVE

    response = _retire(client, guideline)
    assert response["Location"] == reverse("guidelines:detail", args=[guideline.pk])
    assert Guideline.objects.get(pk=guideline.pk).status == Guideline.Status.RETIRED
    assert Campaign.objects.get(version=published.version).status == Campaign.Status.CLOSED
    # Nothing the auditor needs has gone.
    assert Acknowledgement.objects.filter(version=published.version).count() == 1
    assert AckRequest.objects.filter(campaign__version=published.version).exists()
    assert Version.objects.get(pk=published.version.pk).status == Version.Status.PUBLISHED
    event = AuditEvent.objects.get(action="guidelines.guideline.retired")
    assert event.details["reason"] == "Replaced by the trust-wide policy"
    assert event.details["closed_campaigns"] == [published.campaign.pk]


def test_auditors_find_retired_guidelines_and_their_versions_authors_do_not_list_them(
    admin, auditor, author, published
):
    guideline = published.guideline
    _retire(admin.client(), guideline)
    listed = auditor.client().get(reverse("guidelines:list")).content.decode()
    assert 'id="retired-h"' in listed and guideline.title in listed
    version_page = auditor.client().get(reverse("guidelines:version", args=[guideline.pk, 1]))
    assert version_page.status_code == 200
    authors_list = author.client().get(reverse("guidelines:list")).content.decode()
    assert guideline.title not in authors_list and 'id="retired-h"' not in authors_list


def test_a_reason_is_required_and_the_page_explains(admin, published):
    guideline = published.guideline
    response = _retire(admin.client(), guideline, reason="   ")
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert Guideline.objects.get(pk=guideline.pk).status == Guideline.Status.ACTIVE
    assert Campaign.objects.get(version=published.version).is_open


def test_bad_input_keeps_the_typed_reason(admin, guideline, make_version):
    make_version(1, status=Version.Status.IN_REVIEW)
    html = _retire(admin.client(), guideline, reason="No longer used").content.decode()
    assert "No longer used" in html
    assert "Not retired: this guideline still has version 1 (in review)" in html
    assert Guideline.objects.get(pk=guideline.pk).status == Guideline.Status.ACTIVE
    assert not AuditEvent.objects.filter(action="guidelines.guideline.retired").exists()


def test_an_open_draft_or_approved_version_is_named_and_refuses(admin, guideline, make_version):
    make_version(1, status=Version.Status.APPROVED)
    start_draft(guideline=guideline, by=admin.user, start="blank")
    html = _retire(admin.client(), guideline).content.decode()
    assert "an open draft (discard it first)" in html
    assert "version 1 (approved, not published)" in html


def test_a_retired_guideline_gets_no_new_draft(admin, author, published):
    guideline = published.guideline
    _retire(admin.client(), guideline)
    response = author.client().post(
        reverse("guidelines:new_draft", args=[guideline.pk]), {"start": "blank"}, follow=True
    )
    assert "retired" in response.content.decode()
    assert not guideline.drafts.filter(is_open=True).exists()
    assert (
        "Retire this guideline"
        not in admin.client()
        .get(reverse("guidelines:detail", args=[guideline.pk]))
        .content.decode()
    )


def test_only_admins_of_the_institution_may_retire(author, auditor, outsider, published):
    guideline = published.guideline
    assert _retire(author.client(), guideline).status_code == 403
    assert (
        auditor.client().get(reverse("publishing:retire", args=[guideline.pk])).status_code == 403
    )
    assert _retire(outsider.client(), guideline).status_code == 404
    assert Guideline.objects.get(pk=guideline.pk).status == Guideline.Status.ACTIVE
