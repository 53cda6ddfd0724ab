"""Each campaign's reminder schedule on a clock the test moves (no sleeping): a reminder some
days before each person's due date, one on the day, then every so many days while overdue;
the manager after the escalation delay. The admin edits it on the schedule page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import outbox
from accounts.models import Membership, OutboundEmail, User
from audit.models import AuditEvent
from publishing import cycles, reminders, targeting
from publishing.models import AckRequest, Campaign, ReminderSchedule

DAY = dt.timedelta(days=1)


def _run_day(capture, day: dt.date, job) -> int:
    with (
        time_machine.travel(dt.datetime.combine(day, dt.time(7)), tick=False),
        capture(execute=True),
    ):
        return job(today=day)


def _reminder_days(capture, mailoutbox, email: str, start: dt.date, end: dt.date) -> list[int]:
    """Run the daily reminder job on every day from ``start`` to ``end``; return the days
    (counted from ``start``) on which ``email`` got a reminder."""
    days = []
    day = start
    while day <= end:
        before = len(mailoutbox)
        _run_day(capture, day, reminders.remind_acknowledgements)
        if any(m.to == [email] and "Reminder" in m.subject for m in mailoutbox[before:]):
            days.append((day - start).days)
        day += DAY
    return days


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-4, None),
        (-3, (-3, "before")),
        (-1, (-3, "before")),
        (0, (0, "due")),
        (6, (0, "due")),
        (7, (7, "overdue")),
        (13, (7, "overdue")),
        (14, (14, "overdue")),
    ],
)
def test_the_latest_step_of_the_default_schedule(offset, expected):
    due = dt.date(2027, 3, 10)
    step = ReminderSchedule().step_on_or_before(due, due + dt.timedelta(days=offset))
    if expected is None:
        assert step is None
    else:
        assert step == (due + dt.timedelta(days=expected[0]), expected[1])


def test_steps_turned_off_are_skipped():
    due = dt.date(2027, 3, 10)
    quiet = ReminderSchedule(days_before=None, on_due_date=False, every_days=None)
    assert quiet.step_on_or_before(due, due + dt.timedelta(days=30)) is None
    only_late = ReminderSchedule(days_before=None, on_due_date=False, every_days=3)
    assert only_late.step_on_or_before(due, due + dt.timedelta(days=4)) == (
        due + dt.timedelta(days=3),
        "overdue",
    )


def test_the_default_schedule_day_by_day(
    published, employee, mailoutbox, django_capture_on_commit_callbacks
):
    """Asked on day 0 and due on day 14: reminded on day 11, on day 14, then weekly."""
    start = timezone.localdate()
    due = published.campaign.due_date
    assert (due - start).days == 14
    mailoutbox.clear()
    days = _reminder_days(
        django_capture_on_commit_callbacks, mailoutbox, employee.email, start, due + 22 * DAY
    )
    assert days == [11, 14, 21, 28, 35]
    texts = [m.body for m in mailoutbox if m.to == [employee.email]]
    assert "by" in texts[0] and "today" in texts[1] and "was due" in texts[2]
    request = AckRequest.objects.get(campaign=published.campaign, user=employee.user)
    assert request.reminder_count == 5


def test_an_edited_schedule_is_followed(
    published, admin, employee, mailoutbox, django_capture_on_commit_callbacks
):
    response = admin.client().post(
        reverse("publishing:schedule", args=[published.campaign.pk]),
        {"remind_days_before": "1", "remind_every_days": "3", "escalate_after_days": "5"},
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(pk=published.campaign.pk)
    assert (campaign.remind_days_before, campaign.remind_on_due_date) == (1, False)
    assert (campaign.remind_every_days, campaign.escalate_after_days) == (3, 5)
    event = AuditEvent.objects.get(action="publishing.campaign.schedule_changed")
    assert event.details["remind_every_days"] == {"before": 7, "after": 3}
    start = timezone.localdate()
    mailoutbox.clear()
    days = _reminder_days(
        django_capture_on_commit_callbacks,
        mailoutbox,
        employee.email,
        start,
        campaign.due_date + 7 * DAY,
    )
    assert days == [13, 17, 20]


def test_a_day_the_job_did_not_run_is_caught_up_the_next_day(
    published, employee, mailoutbox, django_capture_on_commit_callbacks
):
    due = published.campaign.due_date
    mailoutbox.clear()
    capture = django_capture_on_commit_callbacks
    # Nothing ran on the due date; the next morning's run sends that step, once.
    assert _run_day(capture, due + DAY, reminders.remind_acknowledgements) > 0
    assert _run_day(capture, due + 2 * DAY, reminders.remind_acknowledgements) == 0
    assert len([m for m in mailoutbox if m.to == [employee.email]]) == 1


def test_a_person_asked_after_a_step_is_not_reminded_of_it(
    published, employee, mailoutbox, django_capture_on_commit_callbacks
):
    due = published.campaign.due_date
    # Asked two days before the due date: the "3 days before" step had already passed.
    asked = timezone.make_aware(dt.datetime.combine(due - 2 * DAY, dt.time(9)))
    AckRequest.objects.filter(campaign=published.campaign).update(created_at=asked)
    mailoutbox.clear()
    capture = django_capture_on_commit_callbacks
    assert _run_day(capture, due - DAY, reminders.remind_acknowledgements) == 0
    assert _run_day(capture, due, reminders.remind_acknowledgements) > 0


def test_acknowledged_closed_and_replaced_requests_are_not_reminded(
    published, employee, author, auditor, mailoutbox, django_capture_on_commit_callbacks
):
    from publishing.services import acknowledge

    acknowledge(version=published.version, user=employee.user, confirmed=True)
    now = timezone.now()
    AckRequest.objects.filter(user=author.user).update(closed_at=now, closed_reason="left")
    AckRequest.objects.filter(user=auditor.user).update(replaced_at=now, replaced_reason="test")
    mailoutbox.clear()
    _run_day(
        django_capture_on_commit_callbacks,
        published.campaign.due_date,
        reminders.remind_acknowledgements,
    )
    told = {m.to[0] for m in mailoutbox}
    assert told and not told & {employee.email, author.email, auditor.email}


def test_escalation_follows_the_campaigns_delay_one_email_per_manager_per_day(
    published, org, admin, employee, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories import MembershipFactory

    second = MembershipFactory(organization=org)
    from publishing.targeting import target_campaign

    target_campaign(campaign_id=published.campaign.pk)
    Membership.objects.filter(pk__in=[employee.membership.pk, second.pk]).update(
        manager=admin.membership
    )
    Campaign.objects.filter(pk=published.campaign.pk).update(escalate_after_days=3)
    due = published.campaign.due_date
    mailoutbox.clear()
    capture = django_capture_on_commit_callbacks
    sent = {
        offset: _run_day(capture, due + offset * DAY, reminders.escalate_to_managers)
        for offset in range(0, 6)
    }
    assert sent == {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    assert _run_day(capture, due + 5 * DAY, reminders.escalate_to_managers) == 0
    escalations = [m for m in mailoutbox if "your team" in m.subject]
    assert [m.to for m in escalations] == [[admin.email]] * 3
    assert "2 of the people who report to you" in escalations[0].body


def test_a_yearly_cycle_keeps_the_campaigns_schedule(
    published, org, django_capture_on_commit_callbacks
):
    org.attestation_cycle = "yearly"
    org.save()
    Campaign.objects.filter(pk=published.campaign.pk).update(
        remind_days_before=None, remind_every_days=14, escalate_after_days=None
    )
    day = timezone.localdate() + dt.timedelta(days=366)
    with (
        time_machine.travel(dt.datetime.combine(day, dt.time(7)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert cycles.open_due_cycles(today=day) == 1
    cycle = Campaign.objects.get(kind=Campaign.Kind.CYCLE)
    assert (cycle.remind_days_before, cycle.remind_every_days, cycle.escalate_after_days) == (
        None,
        14,
        None,
    )


# --- the schedule page ---------------------------------------------------------------------


def _url(published) -> str:
    return reverse("publishing:schedule", args=[published.campaign.pk])


def test_the_page_shows_the_defaults_and_an_example(published, admin):
    response = admin.client().get(_url(published))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="remind_days_before" value="3"' in body
    assert 'name="remind_every_days" value="7"' in body
    assert 'name="escalate_after_days" value="14"' in body
    assert "a reminder on the due date" in body and "their manager is told" in body


def test_bad_input_is_refused_and_kept(published, admin):
    response = admin.client().post(
        _url(published),
        {"remind_days_before": "0", "remind_every_days": "weekly", "escalate_after_days": "9"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "greater than or equal to 1" in body and "Enter a whole number" in body
    assert 'value="weekly"' in body and 'value="9"' in body
    assert Campaign.objects.get(pk=published.campaign.pk).escalate_after_days == 14
    assert not AuditEvent.objects.filter(action="publishing.campaign.schedule_changed").exists()


def test_a_closed_campaigns_schedule_cannot_change(published, make_version, do_publish, admin):
    do_publish(make_version(2))
    response = admin.client().post(
        _url(published),
        {"remind_days_before": "2", "remind_every_days": "7", "escalate_after_days": "14"},
    )
    assert response.status_code == 200
    assert "This campaign is closed" in response.content.decode()
    assert Campaign.objects.get(pk=published.campaign.pk).remind_days_before == 3


def test_saving_without_a_change_records_nothing(published, admin):
    response = admin.client().post(
        _url(published),
        {
            "remind_days_before": "3",
            "remind_on_due_date": "on",
            "remind_every_days": "7",
            "escalate_after_days": "14",
        },
        follow=True,
    )
    assert "Nothing changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="publishing.campaign.schedule_changed").exists()


def test_members_without_the_role_get_403(published, auditor, employee, author):
    for persona in (auditor, employee, author):
        assert persona.client().get(_url(published)).status_code == 403
        assert persona.client().post(_url(published), {}).status_code == 403


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(_url(published)).status_code == 404


def test_anonymous_is_sent_to_login(client, published):
    response = client.get(_url(published))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_scheduled_run_costs_the_same_queries_for_each_batch(published, org, monkeypatch):
    """Deciding is batched (the outbox's sending has its own pins): every batch of people
    costs the same statements, however many batches the institution needs."""
    monkeypatch.setattr(targeting, "BATCH_SIZE", 4)
    monkeypatch.setattr(outbox, "deliver", lambda **kwargs: {})
    campaign = published.campaign
    asked = timezone.now() - dt.timedelta(days=30)

    def add_people(start: int, count: int) -> None:
        users = User.objects.bulk_create(
            [
                User(email=f"b{i}@riverside.test", full_name=f"B {i}")
                for i in range(start, start + count)
            ]
        )
        members = Membership.objects.bulk_create(
            [Membership(user=u, organization=org) for u in users]
        )
        AckRequest.objects.bulk_create(
            AckRequest(
                campaign=campaign,
                membership=m,
                user=m.user,
                due_date=campaign.due_date,
                created_at=asked,
            )
            for m in members
        )

    counts = []
    for week in range(3):  # the due date, then the weekly overdue steps: everyone each time
        add_people(8 * week, 8)
        day = campaign.due_date + 7 * week * DAY
        people = AckRequest.objects.filter(campaign=campaign).pending().count()
        with (
            time_machine.travel(dt.datetime.combine(day, dt.time(7)), tick=False),
            CaptureQueriesContext(connection) as captured,
        ):
            assert reminders.remind_on_schedule(campaign_id=campaign.pk, today=day) == people
        counts.append(len(captured))
    # Eight more people each time: two more batches of four, the same statements each (one
    # fewer on PostgreSQL, which writes the audit event and its chain head in one statement).
    per_batch = 12 if connection.vendor == "postgresql" else 13
    assert counts[1] - counts[0] == counts[2] - counts[1] == 2 * per_batch, counts


def test_a_batchs_emails_are_one_insert_whatever_its_size(org, django_capture_on_commit_callbacks):
    """The scheduled run decides up to ``targeting.BATCH_SIZE`` people at once; their e-mails
    must be one INSERT, or a full batch costs more statements than a small one (the bench saw
    15 for 1,000 people and 17 for 2,000 when the outbox wrote 500 rows per statement)."""
    assert outbox.BATCH_SIZE >= targeting.BATCH_SIZE
    users = User.objects.bulk_create(
        [User(email=f"many{i}@riverside.test", full_name=f"Many {i}") for i in range(600)]
    )
    with (
        django_capture_on_commit_callbacks(execute=False),
        CaptureQueriesContext(connection) as captured,
    ):
        outbox.enqueue(
            users, template="review_cycle_soon", subject="S", context={}, organization=org
        )
    table = OutboundEmail._meta.db_table
    inserts = [q for q in captured if q["sql"].startswith(f'INSERT INTO "{table}"')]
    assert OutboundEmail.objects.count() == 600
    if connection.vendor == "postgresql":  # SQLite caps the variables one statement may bind
        assert len(inserts) == 1
