from django.urls import reverse

from audit.models import AuditEvent

URL = reverse("accounts:email_settings")


def test_comment_e_mails_are_on_until_a_person_turns_them_off(employee):
    client = employee.client()
    page = client.get(URL).content.decode()
    assert "E-mail me when someone comments on a review I take part in" in page
    assert "checked" in page
    response = client.post(URL, {})
    assert response.status_code == 302
    employee.user.refresh_from_db()
    assert employee.user.email_comments is False
    event = AuditEvent.objects.get(action="accounts.user.email_settings_changed")
    assert event.details == {"email_comments": False}
    assert "E-mail settings saved." in client.get(URL).content.decode()


def test_turning_them_back_on_and_saving_unchanged_records_once(employee):
    employee.user.email_comments = False
    employee.user.save()
    client = employee.client()
    client.post(URL, {"email_comments": "on"})
    client.post(URL, {"email_comments": "on"})
    employee.user.refresh_from_db()
    assert employee.user.email_comments is True
    assert AuditEvent.objects.filter(action="accounts.user.email_settings_changed").count() == 1


def test_the_notifications_page_links_to_the_settings(employee):
    assert URL in employee.client().get(reverse("accounts:notifications")).content.decode()
