"""Escalation on a clock the test moves: after the campaign's delay, each manager gets one
e-mail a day listing their overdue people, not one per person."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from accounts.models import Membership
from audit.models import AuditEvent
from publishing import reminders
from tests.factories import MembershipFactory


def _escalate(capture, days_after_due: int, published) -> int:
    day = published.campaign.due_date + dt.timedelta(days=days_after_due)
    with (
        time_machine.travel(dt.datetime.combine(day, dt.time(9)), tick=False),
        capture(execute=True),
    ):
        return reminders.escalate_to_managers(today=day)


def test_a_manager_gets_one_email_a_day_listing_their_overdue_people(
    published, org, admin, employee, mailoutbox, django_capture_on_commit_callbacks
):
    from publishing.targeting import target_campaign

    second = MembershipFactory(organization=org)
    target_campaign(campaign_id=published.campaign.pk)
    Membership.objects.filter(pk__in=[employee.membership.pk, second.pk]).update(
        manager=admin.membership
    )
    mailoutbox.clear()
    capture = django_capture_on_commit_callbacks
    assert _escalate(capture, 13, published) == 0  # not yet: the delay is 14 days
    assert _escalate(capture, 14, published) == 1
    assert [m.to for m in mailoutbox] == [[admin.email]]
    body = mailoutbox[0].body
    assert "2 of the people who report to you are overdue" in body
    assert employee.user.full_name in body and second.user.full_name in body
    assert _escalate(capture, 14, published) == 0  # once a day
    assert _escalate(capture, 15, published) == 1  # and again the next day
    assert len(mailoutbox) == 2
    assert AuditEvent.objects.filter(action="publishing.campaign.escalated").count() == 2


def test_nobody_is_escalated_once_acknowledged_or_without_a_manager(
    published, admin, employee, mailoutbox, django_capture_on_commit_callbacks
):
    from publishing.services import acknowledge

    capture = django_capture_on_commit_callbacks
    assert _escalate(capture, 20, published) == 0  # nobody has a manager
    Membership.objects.filter(pk=employee.membership.pk).update(manager=admin.membership)
    acknowledge(version=published.version, user=employee.user, confirmed=True)
    assert _escalate(capture, 20, published) == 0


def test_a_campaign_can_turn_escalation_off(
    published, admin, employee, django_capture_on_commit_callbacks
):
    Membership.objects.filter(pk=employee.membership.pk).update(manager=admin.membership)
    published.campaign.__class__.objects.filter(pk=published.campaign.pk).update(
        escalate_after_days=None
    )
    assert _escalate(django_capture_on_commit_callbacks, 30, published) == 0
    assert timezone.now()  # the clock is real again outside the travel
