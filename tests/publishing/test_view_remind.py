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
