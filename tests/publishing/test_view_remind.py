import datetime as dt

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from publishing.models import AckRequest


def url(p):
    return reverse("publishing:remind", args=[p.campaign.pk])


def overdue(published):
    AckRequest.objects.filter(campaign=published.campaign).update(
        due_date=timezone.localdate() - dt.timedelta(days=1)
    )


def test_admin_sends_reminders_to_everyone_overdue_once_a_day(
    published, admin, mailoutbox, django_capture_on_commit_callbacks
):
    overdue(published)
    mailoutbox.clear()
    client = admin.client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(published))
    assert response.status_code == 302
    count = AckRequest.objects.count()
    assert len(mailoutbox) == count
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(published))
    assert len(mailoutbox) == count
    assert AuditEvent.objects.filter(action="publishing.campaign.reminders_requested").count() == 2


def test_closed_campaign_cannot_be_reminded(published, make_version, do_publish, admin, mailoutbox):
    do_publish(make_version(2))
    overdue(published)
    mailoutbox.clear()
    response = admin.client().post(url(published), follow=True)
    assert "campaign is closed" in response.content.decode()
    assert mailoutbox == []


def test_get_is_not_allowed(published, admin):
    assert admin.client().get(url(published)).status_code == 405


def test_members_without_the_role_get_403(published, employee, auditor):
    for persona in (employee, auditor):
        assert persona.client().post(url(published)).status_code == 403


def test_anonymous_is_sent_to_login(client, published):
    assert client.post(url(published)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().post(url(published)).status_code == 404


def tracking(published):
    return reverse("publishing:tracking", args=[published.campaign.pk])


def test_the_button_says_how_many_were_queued_then_that_nothing_more_goes_today(
    published, admin, mailoutbox, django_capture_on_commit_callbacks
):
    overdue(published)
    count = AckRequest.objects.count()
    mailoutbox.clear()
    client = admin.client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(published), {"who": "overdue"}, follow=True)
    assert f"{count} reminders queued to people overdue" in response.content.decode()
    assert len(mailoutbox) == count
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(published), {"who": "overdue"}, follow=True)
    html = response.content.decode()
    assert "No reminder sent" in html and "The next reminder can go tomorrow" in html
    assert len(mailoutbox) == count
    # The page no longer offers a button that would send nothing.
    html = client.get(tracking(published)).content.decode()
    assert "Reminded 0" in html and "the next reminder can go tomorrow" in html
    assert "Send reminders" not in html


def test_everyone_pending_can_be_reminded_before_the_due_date(
    published, admin, employee, mailoutbox, django_capture_on_commit_callbacks
):
    pending = AckRequest.objects.pending().count()
    assert AckRequest.objects.overdue(on=timezone.localdate()).count() == 0
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.client().post(url(published), {"who": "pending"}, follow=True)
    assert f"{pending} reminders queued to everyone not yet acknowledged" in (
        response.content.decode()
    )
    assert len(mailoutbox) == pending
    assert {m.to[0] for m in mailoutbox} >= {employee.email}
    req = AckRequest.objects.get(user=employee.user)
    assert req.reminder_count == 1 and req.last_reminded_at is not None


def test_once_a_day_holds_across_both_choices(
    published, admin, mailoutbox, django_capture_on_commit_callbacks
):
    overdue(published)
    client = admin.client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(published), {"who": "overdue"})
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(published), {"who": "pending"}, follow=True)
    assert "No reminder sent" in response.content.decode()
    assert mailoutbox == []


def test_the_roster_shows_each_persons_last_reminder(
    published, admin, author, django_capture_on_commit_callbacks
):
    AckRequest.objects.filter(user=author.user).update(
        due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    client = admin.client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(published), {"who": "overdue"})
    html = client.get(tracking(published)).content.decode()
    today = timezone.localdate()
    assert "Last reminded" in html
    assert f"last reminded {today.day} {today:%b %Y} (1×)" in html


def test_an_unknown_choice_is_refused_with_a_message(published, admin, mailoutbox):
    mailoutbox.clear()
    response = admin.client().post(url(published), {"who": "all-the-world"}, follow=True)
    assert "Choose whom to remind" in response.content.decode()
    assert mailoutbox == []
    assert not AuditEvent.objects.filter(action="publishing.campaign.reminders_requested").exists()


def test_remind_query_count_does_not_grow_with_the_campaign(
    published, admin, org, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from publishing.targeting import target_campaign
    from tests.factories import MembershipFactory

    client = admin.client()
    client.get(tracking(published))  # warm the session
    for size in (3, 300):
        MembershipFactory.create_batch(size, organization=org)
        target_campaign(campaign_id=published.campaign.pk)
        AckRequest.objects.filter(campaign=published.campaign).update(last_reminded_at=None)
        with django_assert_max_num_queries(17):
            response = client.post(url(published), {"who": "pending"})
        assert response.status_code == 302
        with django_assert_max_num_queries(16):
            response = client.get(tracking(published))
        assert response.status_code == 200 and "reminders queued" in response.content.decode()
