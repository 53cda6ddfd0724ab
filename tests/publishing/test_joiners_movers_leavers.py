"""Joiners, movers and leavers: open campaigns follow the directory, and records stay."""

import datetime as dt
import json

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import directory
from publishing.models import AckRequest
from publishing.selectors import campaign_figures


def _scim(admin):
    token = directory.issue_token(organization=admin.org, issued_by=admin.user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(method, path, body):
        send = getattr(client, method)
        return send(f"/scim/v2/{path}", data=json.dumps(body), content_type="application/scim+json")

    return call


def test_a_joiner_is_asked_with_a_due_date_from_the_day_they_join(
    published, admin, django_capture_on_commit_callbacks
):
    call = _scim(admin)
    later = timezone.now() + dt.timedelta(days=10)
    with time_machine.travel(later, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            created = call("post", "Users", {"userName": "new@riverside.test", "active": True})
        request = AckRequest.objects.get(membership_id=created.json()["id"])
        assert request.due_date >= timezone.localdate() + dt.timedelta(days=14)


def test_a_leaver_is_closed_as_left_kept_and_never_overdue(
    published, admin, employee, django_capture_on_commit_callbacks
):
    call = _scim(admin)
    campaign = published.campaign
    before = campaign_figures(campaign)["overall"]
    with django_capture_on_commit_callbacks(execute=True):
        call(
            "patch",
            f"Users/{employee.membership.pk}",
            {"Operations": [{"op": "replace", "path": "active", "value": False}]},
        )
    request = AckRequest.objects.get(campaign=campaign, membership=employee.membership)
    assert request.closed_at is not None and request.closed_reason == "left"
    assert request.state(timezone.localdate() + dt.timedelta(days=99)) == "closed (left)"
    assert not AckRequest.objects.overdue(on=timezone.localdate() + dt.timedelta(days=99)).filter(
        pk=request.pk
    )
    after = campaign_figures(campaign)["overall"]
    assert after["total"] == before["total"] - 1
    export = admin.client().get(reverse("publishing:tracking_export", args=[campaign.pk]))
    text = b"".join(export.streaming_content).decode()
    assert employee.email in text and "closed (left)" in text
    page = admin.client().get(
        reverse("publishing:tracking", args=[campaign.pk]), {"status": "closed"}
    )
    assert employee.email in page.content.decode()


def test_a_mover_out_of_the_audience_is_closed_and_back_in_is_asked_again(
    admin, approved, do_publish, employee, nursing, pharmacy, django_capture_on_commit_callbacks
):
    publication = do_publish(approved, groups=[nursing])
    campaign = publication.campaign
    assert AckRequest.objects.filter(campaign=campaign, membership=employee.membership).exists()
    call = _scim(admin)
    ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
    with django_capture_on_commit_callbacks(execute=True):
        call(
            "patch",
            f"Users/{employee.membership.pk}",
            {"Operations": [{"op": "replace", "path": ext, "value": "Pharmacy"}]},
        )
    request = AckRequest.objects.get(campaign=campaign, membership=employee.membership)
    assert request.closed_reason == "audience"
    with django_capture_on_commit_callbacks(execute=True):
        call(
            "patch",
            f"Users/{employee.membership.pk}",
            {"Operations": [{"op": "replace", "path": ext, "value": "Nursing"}]},
        )
    request.refresh_from_db()
    assert request.closed_at is None and request.state() == "pending"


def test_an_admin_deactivating_someone_closes_their_requests(
    published, admin, employee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin.client().post(
            reverse("accounts:person_active", args=[employee.membership.pk]), {"active": "0"}
        )
    request = AckRequest.objects.get(campaign=published.campaign, membership=employee.membership)
    assert request.closed_reason == "left"
