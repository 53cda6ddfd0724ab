"""The weekly manager digest: admins hear who is overdue, group by group, once a week."""

import datetime as dt
import re

from django.utils import timezone

from accounts.models import Notification
from audit.models import AuditEvent
from publishing import reminders, services
from publishing.models import AckRequest
from tests.factories import MembershipFactory, StaffGroupFactory, UserFactory


def _monday() -> dt.date:
    day = timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def _all_overdue(published) -> None:
    AckRequest.objects.filter(campaign=published.campaign).update(
        due_date=_monday() - dt.timedelta(days=10)
    )


def test_admins_get_one_summary_a_week_of_who_is_overdue_by_group(
    published, admin, author, employee, mailoutbox, django_capture_on_commit_callbacks
):
    services.acknowledge(version=published.version, user=author.user, confirmed=True)
    _all_overdue(published)
    mailoutbox.clear()
    monday = _monday()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_overdue_digests(today=monday + dt.timedelta(days=1)) == 1
    [mail] = mailoutbox
    assert mail.to == [admin.email]
    total = AckRequest.objects.filter(campaign=published.campaign).count()
    overdue = total - 1
    assert f"Overdue acknowledgements: {overdue} people" in mail.subject
    assert f"1 of {total} people have acknowledged it" in mail.body
    assert "- Nursing: 1 overdue, 0 of 1 acknowledged" in mail.body
    assert f"/tracking/{published.campaign.pk}/" in mail.body
    assert "<caption>" in mail.alternatives[0][0]
    note = Notification.objects.get(user=admin.user, message__contains="overdue acknowledging")
    assert note.url.endswith(f"/tracking/{published.campaign.pk}/")
    event = AuditEvent.objects.get(action="publishing.campaign.digest_sent")
    assert event.details["overdue"] == overdue
    # The rest of the week stays quiet; the next week brings the next summary.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.send_overdue_digests(today=monday + dt.timedelta(days=4)) == 0
        assert reminders.send_overdue_digests(today=monday + dt.timedelta(days=8)) == 1
    assert len(mailoutbox) == 2


def test_no_summary_while_nobody_is_overdue(published, mailoutbox):
    mailoutbox.clear()
    assert reminders.send_overdue_digests() == 0
    assert mailoutbox == []


def test_only_admins_of_that_institution_receive_it(
    published, admin, outsider, employee, mailoutbox, django_capture_on_commit_callbacks
):
    _all_overdue(published)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_overdue_digests()
    assert {m.to[0] for m in mailoutbox} == {admin.email}


def test_a_summary_lists_the_ten_groups_with_most_overdue_and_counts_the_rest(
    published, org, mailoutbox, django_capture_on_commit_callbacks
):
    due = AckRequest.objects.filter(campaign=published.campaign)[0].due_date
    for i in range(12):
        group = StaffGroupFactory(organization=org, name=f"Ward {i:02d}")
        user = UserFactory(email=f"ward{i}@riverside.test")
        membership = MembershipFactory(user=user, organization=org, staff_group=group)
        AckRequest.objects.create(
            campaign=published.campaign,
            membership=membership,
            user=user,
            staff_group=group,
            due_date=due,
        )
    _all_overdue(published)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_overdue_digests()
    body = mailoutbox[0].body
    assert len(re.findall(r"^- .+: \d+ overdue, \d+ of \d+ acknowledged$", body, re.M)) == 10
    assert "more groups (see the dashboard)" in body


def test_one_person_overdue_reads_as_one_person(
    published, employee, mailoutbox, django_capture_on_commit_callbacks
):
    AckRequest.objects.filter(campaign=published.campaign, user=employee.user).update(
        due_date=_monday() - dt.timedelta(days=10)
    )
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_overdue_digests()
    assert "Overdue acknowledgements: 1 person," in mailoutbox[0].subject
    assert "- 1 person is past their due date." in mailoutbox[0].body
    assert Notification.objects.filter(message__startswith="1 person is overdue").exists()
