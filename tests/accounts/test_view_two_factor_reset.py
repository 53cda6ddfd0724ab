"""accounts:two_factor_reset — an admin resets a person's two-factor after a lost phone."""

from django.urls import reverse

from accounts.twofactor import services as twofactor
from audit.models import AuditEvent
from tests.accounts.twofactor_support import code_for, enrol


def _url(persona) -> str:
    return reverse("accounts:two_factor_reset", args=[persona.membership.pk])


def test_admin_resets_a_persons_two_factor(admin, employee):
    enrol(employee.user)
    response = admin.client().post(_url(employee))
    assert response.status_code == 302 and response.url == reverse("accounts:security")
    assert not twofactor.has_device(employee.user)
    event = AuditEvent.objects.get(action="accounts.two_factor.reset")
    assert event.actor == admin.user and event.organization == admin.org


def test_reset_person_signs_in_with_password_and_sets_up_again(admin, employee, password):
    from django.test import Client

    enrol(employee.user)
    admin.client().post(_url(employee))
    client = Client()
    client.post(reverse("accounts:login"), {"username": employee.email, "password": password})
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200 and "Status: <strong>Off</strong>" in page.content.decode()


def test_reset_returns_to_a_local_page_it_came_from(admin, employee):
    enrol(employee.user)
    back = reverse("accounts:person", args=[employee.membership.pk])
    response = admin.client().post(_url(employee), {"next": back})
    assert response.url == back


def test_anonymous_is_sent_to_login(client, employee):
    response = client.post(_url(employee))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_members_who_are_not_admins_get_403(employee, author, legal, auditor):
    enrol(author.user)
    for persona in (employee, legal, auditor):
        assert persona.client().post(_url(author)).status_code == 403
    assert twofactor.has_device(author.user)


def test_admin_of_another_institution_gets_404(outsider, employee):
    enrol(employee.user)
    assert outsider.client().post(_url(employee)).status_code == 404
    assert twofactor.has_device(employee.user)


def test_reset_of_someone_without_two_factor_says_so(admin, employee):
    response = admin.client().post(_url(employee), follow=True)
    assert "has not set up two-factor" in response.content.decode()


def test_admin_cannot_reset_themselves_here(admin):
    device = enrol(admin.user)
    client = admin.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    response = client.post(_url(admin), follow=True)
    assert "Use your own Security page" in response.content.decode()
    assert twofactor.has_device(admin.user)


def test_reset_is_post_only(admin, employee):
    assert admin.client().get(_url(employee)).status_code == 405
