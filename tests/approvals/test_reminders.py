"""``manage.py send_reminders``: overdue reviewers, at most once per person per review per day."""

import datetime as dt

import time_machine
from django.core.management import call_command

from approvals.models import ReminderLog

from .conftest import sign


def run(capture):
    with capture(execute=True):
        call_command("send_reminders", verbosity=0)


def test_nothing_is_sent_before_the_due_date(
    review, legal, mailoutbox, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_overdue_reviewer_is_reminded_once_a_day(
    review, legal, compliance, mailoutbox, django_capture_on_commit_callbacks
):
    due = review.stage_due_at
    with time_machine.travel(due + dt.timedelta(hours=2), tick=False):
        run(django_capture_on_commit_callbacks)
        run(django_capture_on_commit_callbacks)  # the hourly cron, again the same day
    assert [m.to for m in mailoutbox] == [[legal.email]]
    assert "Overdue" in mailoutbox[0].subject
    with time_machine.travel(due + dt.timedelta(days=1, hours=2), tick=False):
        run(django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2
    assert ReminderLog.objects.count() == 2


def test_signed_reviewers_and_later_stages_are_not_reminded(
    route,
    draft,
    submit,
    org,
    legal,
    legal_role,
    compliance,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from approvals.models import Rule
    from tests.conftest import make_persona

    from .conftest import set_rule

    set_rule(route, 1, Rule.ALL)
    second = make_persona(org, "legal2@riverside.test", "Lou Legal", roles=(legal_role,))
    review = submit(draft)
    sign(review, legal)
    with time_machine.travel(review.stage_due_at + dt.timedelta(hours=1), tick=False):
        run(django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [[second.email]]


def test_finished_reviews_are_not_reminded(
    review, legal, author, mailoutbox, django_capture_on_commit_callbacks
):
    from approvals import workflow

    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="x")
    with time_machine.travel(review.stage_due_at + dt.timedelta(days=3), tick=False):
        run(django_capture_on_commit_callbacks)
    assert mailoutbox == []


def test_a_review_is_overdue_once_its_stage_is_past_due_and_only_while_open(review, author):
    from approvals import workflow
    from approvals.models import ReviewRequest

    due = review.stage_due_at
    for now, overdue in (
        (due - dt.timedelta(minutes=1), False),
        (due, False),
        (due + dt.timedelta(minutes=1), True),
    ):
        assert review.is_overdue(now) is overdue
        assert ReviewRequest.objects.overdue(now=now).filter(pk=review.pk).exists() is overdue
    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="x")
    review.refresh_from_db()
    later = due + dt.timedelta(days=1)
    assert not review.is_overdue(later)
    assert not ReviewRequest.objects.overdue(now=later).exists()
