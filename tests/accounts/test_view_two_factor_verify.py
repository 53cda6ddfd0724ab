"""accounts:two_factor_verify — the second step of signing in."""

import time

import time_machine
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from tests.accounts.twofactor_support import RECOVERY_CODES, code_for, enrol

VERIFY = reverse("accounts:two_factor_verify")
PAGE = reverse("accounts:notifications")


def _password_login(persona, password) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": persona.email, "password": password}
    )
    assert response.status_code == 302
    return client


def test_password_alone_is_not_enough_once_enrolled(employee, password):
    device = enrol(employee.user)
    client = _password_login(employee, password)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Faccounts%2Fnotifications%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()
    done = client.post(VERIFY, {"code": code_for(device), "next": PAGE})
    assert done.status_code == 302 and done["Location"] == PAGE
    assert client.get(PAGE).status_code == 200
    event = AuditEvent.objects.get(action="accounts.two_factor.verified")
    assert event.actor == employee.user and event.details == {"method": "authenticator"}


def test_people_without_two_factor_sign_in_with_password_only(employee, password):
    client = _password_login(employee, password)
    assert client.get(PAGE).status_code == 200
    assert client.get(VERIFY).status_code == 302


def test_recovery_code_signs_in_once_and_says_how_many_are_left(employee, password):
    enrol(employee.user)
    client = _password_login(employee, password)
    response = client.post(VERIFY, {"code": "CODE-CCCC", "next": PAGE}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == PAGE
    assert "9 left" in html
    assert AuditEvent.objects.filter(action="accounts.two_factor.recovery_code_used").exists()
    other = _password_login(employee, password)
    with time_machine.travel(time.time() + 5, tick=False):
        again = other.post(VERIFY, {"code": "codecccc"})
    assert again.status_code == 200 and "not valid" in again.content.decode()


def test_wrong_code_is_refused_audited_and_paused(employee, password):
    device = enrol(employee.user)
    client = _password_login(employee, password)
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.two_factor.failed").count() == 1
    # Straight after a wrong code, even the right one waits (brute force is slowed down).
    paused = client.post(VERIFY, {"code": code_for(device)})
    assert "Too many wrong codes" in paused.content.decode()
    with time_machine.travel(time.time() + 5, tick=False):
        assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_every_page_but_sign_out_waits_for_the_code(employee, password):
    enrol(employee.user)
    client = _password_login(employee, password)
    for name in ("home", "accounts:two_factor", "accounts:notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), name
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("healthz")).status_code == 200


def test_htmx_requests_are_redirected_by_header(employee, password):
    enrol(employee.user)
    client = _password_login(employee, password)
    response = client.get(PAGE, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith(VERIFY)


def test_next_pointing_elsewhere_is_ignored(employee, password):
    device = enrol(employee.user)
    client = _password_login(employee, password)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.test/"})
    assert response["Location"] == reverse("home")


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_after_an_admin_reset_the_old_session_is_not_stuck(admin, employee, password):
    enrol(employee.user)
    client = _password_login(employee, password)
    assert client.get(PAGE).status_code == 302
    from accounts.twofactor import services as twofactor

    twofactor.reset(membership=employee.membership, reset_by=admin.user)
    assert client.get(PAGE).status_code == 200


def test_codes_of_a_verified_session_are_not_asked_again(employee, password):
    device = enrol(employee.user)
    client = _password_login(employee, password)
    client.post(VERIFY, {"code": code_for(device)})
    for _ in range(3):
        assert client.get(PAGE).status_code == 200
    assert client.get(VERIFY).status_code == 302


def test_recovery_codes_fixture_matches_the_format():
    assert all(len(c) == 8 for c in RECOVERY_CODES)
