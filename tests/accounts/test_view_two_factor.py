"""accounts:two_factor — set up an authenticator, see recovery codes once, turn it off."""

import re
import time

import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.twofactor import services as twofactor
from audit.models import AuditEvent
from tests.accounts.twofactor_support import code_for, code_from_secret, enrol
from tests.factories import UserFactory

URL = reverse("accounts:two_factor")


def _secret(html: str) -> str:
    found = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html)
    assert found is not None
    return found.group(1)


def test_member_enrols_with_qr_code_then_sees_ten_recovery_codes_once(employee):
    client = employee.client()
    page = client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Status: <strong>Off</strong>" in html
    assert "<svg" in html and 'aria-labelledby="qr-title"' in html
    code = code_from_secret(_secret(html))
    response = client.post(URL, {"code": code})
    assert response.status_code == 302 and response.url == URL
    shown = client.get(URL).content.decode()
    assert "Status: <strong>On</strong>" in shown
    codes = re.findall(r"<li class=\"col\">([a-z2-7]{4}-[a-z2-7]{4})</li>", shown)
    assert len(codes) == 10
    again = client.get(URL).content.decode()
    assert codes[0] not in again, "recovery codes are shown only once"
    assert "Recovery codes left: <strong>10</strong>" in again
    assert AuditEvent.objects.filter(
        action="accounts.two_factor.enrolled", actor=employee.user
    ).exists()


def test_enrolling_counts_as_verified_for_this_session(employee):
    client = employee.client()
    device = twofactor.pending_device(user=employee.user)
    client.post(URL, {"code": code_for(device)})
    assert client.get(reverse("accounts:notifications")).status_code == 200


def test_reloading_keeps_the_same_secret(employee):
    client = employee.client()
    first = _secret(client.get(URL).content.decode())
    assert _secret(client.get(URL).content.decode()) == first


def test_wrong_code_shows_an_error_and_keeps_what_was_typed(employee):
    client = employee.client()
    client.get(URL)
    response = client.post(URL, {"code": "999999"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "did not match" in html and 'value="999999"' in html
    assert not twofactor.has_device(employee.user)


def test_empty_code_is_a_field_error(employee):
    response = employee.client().post(URL, {"code": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_person_without_an_institution_gets_403(client, db):
    loner = UserFactory(email="loner@example.test")
    client.force_login(loner)
    assert client.get(URL).status_code == 403


def test_enrolled_member_can_replace_recovery_codes(employee):
    device = enrol(employee.user)
    client = employee.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    with time_machine.travel(time.time() + 31, tick=False):
        response = client.post(
            reverse("accounts:two_factor_recovery"), {"new_codes-code": code_for(device)}
        )
        assert response.status_code == 302
        html = client.get(URL).content.decode()
    assert len(re.findall(r"<li class=\"col\">([a-z2-7]{4}-[a-z2-7]{4})</li>", html)) == 10
    assert not twofactor.verify_code(employee.user, "codeaaaa")


def test_replacing_recovery_codes_with_a_wrong_code_changes_nothing(employee):
    device = enrol(employee.user)
    client = employee.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    response = client.post(
        reverse("accounts:two_factor_recovery"), {"new_codes-code": "000000"}, follow=True
    )
    assert "current code from your authenticator" in response.content.decode()
    assert twofactor.recovery_codes_left(employee.user) == 10


def test_member_turns_two_factor_off_with_password(employee, password):
    device = enrol(employee.user)
    client = employee.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    response = client.post(reverse("accounts:two_factor_disable"), {"password": password})
    assert response.status_code == 302
    assert not twofactor.has_device(employee.user)
    assert client.get(reverse("accounts:notifications")).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.two_factor.disabled").exists()


def test_wrong_password_does_not_turn_two_factor_off(employee):
    device = enrol(employee.user)
    client = employee.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    response = client.post(
        reverse("accounts:two_factor_disable"), {"password": "guess"}, follow=True
    )
    assert "password is not correct" in response.content.decode()
    assert twofactor.has_device(employee.user)


def test_guessing_the_password_to_turn_two_factor_off_is_paused(employee, password):
    device = enrol(employee.user)
    client = employee.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    for _ in range(5):
        client.post(reverse("accounts:two_factor_disable"), {"password": "guess"})
    response = client.post(
        reverse("accounts:two_factor_disable"), {"password": password}, follow=True
    )
    assert "Too many wrong passwords" in response.content.decode()
    assert twofactor.has_device(employee.user)


def test_reviewer_cannot_turn_it_off_where_required(legal, org, password):
    org.require_reviewer_2fa = True
    org.save()
    device = enrol(legal.user)
    client = legal.client()
    client.post(reverse("accounts:two_factor_verify"), {"code": code_for(device)})
    page = client.get(URL).content.decode()
    assert "Turn off two-factor sign-in</button>" not in page
    response = client.post(reverse("accounts:two_factor_disable"), {"password": password})
    assert response.status_code == 302
    assert twofactor.has_device(legal.user)


def test_turning_off_when_already_off_says_so(employee, password):
    response = employee.client().post(
        reverse("accounts:two_factor_disable"), {"password": password}, follow=True
    )
    assert "already off" in response.content.decode()


def test_disable_and_recovery_only_accept_post(employee):
    client = employee.client()
    assert client.get(reverse("accounts:two_factor_disable")).status_code == 405
    assert client.get(reverse("accounts:two_factor_recovery")).status_code == 405


def test_unconfirmed_devices_do_not_count(employee):
    client = employee.client()
    client.get(URL)
    assert TOTPDevice.objects.filter(user=employee.user, confirmed=False).count() == 1
    assert client.get(reverse("accounts:notifications")).status_code == 200
