"""A request that a newer one replaced (the next yearly cycle, or a newer version) is kept,
but never counts as pending or overdue: not in figures, dashboards, reminders or the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import time_machine
from django.urls import reverse
from django.utils import timezone

from publishing import cycles, reminders, services
from publishing.models import AckRequest, Campaign
from publishing.selectors import campaign_figures, owed_counts, pending_requests


def _next_cycle(published, capture) -> Campaign:
    day = timezone.localdate() + dt.timedelta(days=366)
    with (
        time_machine.travel(dt.datetime.combine(day, dt.time(7)), tick=False),
        capture(execute=True),
    ):
        assert cycles.open_due_cycles(today=day) == 1
    return Campaign.objects.get(kind=Campaign.Kind.CYCLE)


def test_a_replaced_request_is_neither_pending_nor_overdue(
    published, org, admin, employee, author, django_capture_on_commit_callbacks
):
    services.acknowledge(version=published.version, user=author.user, confirmed=True)
    cycle = _next_cycle(published, django_capture_on_commit_callbacks)
    later = cycle.due_date + dt.timedelta(days=10)
    old = AckRequest.objects.get(campaign=published.campaign, user=employee.user)
    assert old.replaced_at is not None and old.state(later) == "replaced"
    assert not old.is_overdue(later)
    figures = campaign_figures(published.campaign, today=later)["overall"]
    asked = published.campaign.requests.count()
    assert figures["overdue"] == 0 and figures["pending"] == 0
    assert figures["replaced"] == asked - 1 and figures["total"] == figures["acknowledged"] == 1
    # The person owes the cycle's request only, once.
    assert [r.campaign_id for r in pending_requests(employee.user, org)] == [cycle.pk]
    assert owed_counts(employee.user, [org.pk], today=later)[org.pk] == {"owed": 1, "overdue": 1}
    assert not AckRequest.objects.filter(campaign=published.campaign).pending().exists()


def test_the_dashboard_and_csv_say_replaced(
    published, admin, employee, django_capture_on_commit_callbacks
):
    _next_cycle(published, django_capture_on_commit_callbacks)
    client = admin.client()
    page = client.get(reverse("publishing:tracking", args=[published.campaign.pk]))
    body = page.content.decode()
    assert "replaced by a newer request" in body and "0 overdue" in body
    assert page.context["page"].paginator.count == published.campaign.requests.count()
    export = client.get(reverse("publishing:tracking_export", args=[published.campaign.pk]))
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert {r["status"] for r in rows} == {"replaced"}
    filtered = client.get(
        reverse("publishing:tracking", args=[published.campaign.pk]), {"status": "replaced"}
    )
    assert filtered.context["page"].paginator.count == len(rows)


def test_acknowledging_the_cycle_leaves_the_replaced_request_as_it_was(
    published, employee, django_capture_on_commit_callbacks
):
    cycle = _next_cycle(published, django_capture_on_commit_callbacks)
    ack, _ = services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    assert ack.request is not None and ack.request.campaign_id == cycle.pk
    old = AckRequest.objects.get(campaign=published.campaign, user=employee.user)
    assert old.acknowledged_at is None and old.state() == "replaced"


def test_replaced_requests_get_no_reminder(
    published, make_version, do_publish, employee, mailoutbox, django_capture_on_commit_callbacks
):
    do_publish(make_version(2), ack=False, reason="A typo")
    mailoutbox.clear()
    day = published.campaign.due_date + dt.timedelta(days=7)
    with (
        time_machine.travel(dt.datetime.combine(day, dt.time(7)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert reminders.remind_acknowledgements(today=day) == 0
        assert reminders.send_overdue_digests(today=day) == 0
    assert mailoutbox == []
    assert campaign_figures(published.campaign, today=day)["overall"]["overdue"] == 0
