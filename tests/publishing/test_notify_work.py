""" "Please acknowledge" and "due for review" notices clear when that work is done."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Notification
from publishing import reminders, services
from publishing.retirement import retire_guideline

from .conftest import sign

Work = Notification.Work


def _asked(persona, version):
    return Notification.objects.get(
        user=persona.user, work=Work.ACKNOWLEDGE, subject=f"version:{version.pk}"
    )


def test_acknowledging_clears_only_that_persons_request(published, employee, author):
    version = published.version
    assert _asked(employee, version).done_at is None
    services.acknowledge(version=version, user=employee.user, confirmed=True)
    assert _asked(employee, version).done_at is not None
    assert _asked(employee, version).read_at is not None
    assert _asked(author, version).done_at is None


def test_reminders_about_an_acknowledgement_clear_with_it(
    published, employee, django_capture_on_commit_callbacks
):
    version = published.version
    past = timezone.localdate() - dt.timedelta(days=1)
    published.campaign.requests.update(due_date=past)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind_campaign(campaign_id=published.campaign.pk)
    notices = Notification.objects.filter(user=employee.user, work=Work.ACKNOWLEDGE)
    assert notices.count() == 2
    services.acknowledge(version=version, user=employee.user, confirmed=True)
    assert not notices.filter(done_at=None).exists()


def test_a_newer_version_in_force_clears_requests_for_the_old_one(
    published, make_version, do_publish, legal, employee
):
    v2 = make_version(2)
    sign(v2, legal)
    do_publish(v2)
    assert _asked(employee, published.version).done_at is not None
    assert _asked(employee, v2).done_at is None


def test_retiring_clears_requests_and_the_review_cycle_notice(published, admin, employee):
    Notification.objects.create(
        user=admin.user,
        organization=published.organization,
        message="due for review",
        work=Work.REVIEW_CYCLE,
        subject=f"guideline:{published.guideline_id}",
    )
    retire_guideline(guideline=published.guideline, by=admin.user, reason="Replaced")
    assert _asked(employee, published.version).done_at is not None
    assert not Notification.objects.filter(work=Work.REVIEW_CYCLE, done_at=None).exists()


def test_due_for_review_clears_when_a_new_version_is_published(
    approved, do_publish, make_version, legal, admin, author, django_capture_on_commit_callbacks
):
    review = timezone.localdate() + dt.timedelta(days=60)
    do_publish(approved, review=review)
    with django_capture_on_commit_callbacks(execute=True):
        reminders.remind_review_cycle(today=review - dt.timedelta(days=30))
    due = Notification.objects.filter(work=Work.REVIEW_CYCLE)
    assert due.count() == 2 and not due.exclude(done_at=None).exists()
    v2 = make_version(2)
    sign(v2, legal)
    do_publish(v2)
    assert not due.filter(done_at=None).exists()
