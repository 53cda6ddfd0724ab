"""People who sign in only with their hospital account turn two-factor off by signing in there
again, as they do to sign a version: a Charter password they do not have (or may not use)
cannot be asked for, and must not be accepted in its place.

End to end through the real provider processes (OpenID Connect and SAML)."""

from __future__ import annotations

import html
import re
import time
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from accounts.twofactor import services as twofactor
from audit.models import AuditEvent
from sso.models import SignInPolicy
from sso.reauth import PROOF_KEY
from tests.accounts.twofactor_support import enrol
from tests.factories import PASSWORD
from tests.sso.support import follow_provider, provider_url, saml_round_trip, sso_round_trip

pytestmark = pytest.mark.django_db

PAGE = reverse("accounts:two_factor")
OFF = reverse("accounts:two_factor_disable")


def _sso_only_with_two_factor(persona, idp) -> Client:
    """An enrolled person without a Charter password, signed in at the provider (which did
    multi-factor, so Charter asks no code of its own)."""
    persona.user.set_unusable_password()
    persona.user.save(update_fields=["password"])
    enrol(persona.user)
    idp.as_person(persona.email, sub="emp-1", amr=["pwd", "mfa"])
    client = Client()
    sso_round_trip(client, persona.email)
    return client


def _confirm(client: Client) -> Any:
    leaving = client.post(reverse("sso:reauth_start"), {"next": PAGE})
    return follow_provider(client, provider_url(leaving))


def test_sso_only_person_confirms_at_the_provider_then_turns_two_factor_off(
    employee, provider, idp
):
    client = _sso_only_with_two_factor(employee, idp)
    page = client.get(PAGE).content.decode()
    assert 'data-testid="reauth-form"' in page and 'name="password"' not in page
    assert f"Confirm with {provider.name}" in page

    # Without a fresh sign-in nothing happens, whatever is posted as a password.
    refused = client.post(OFF, {"password": "anything"}, follow=True).content.decode()
    assert "confirm it is you there first" in refused
    assert twofactor.has_device(employee.user)

    idp.as_person(employee.email, sub="emp-1", amr=["pwd", "mfa"])
    back = _confirm(client)
    assert back.status_code == 302 and back["Location"] == PAGE
    page = client.get(PAGE).content.decode()
    assert 'data-testid="provider-proof"' in page and "multi-factor" in page

    done = client.post(OFF, {"confirmed": "provider"}, follow=True).content.decode()
    assert "Two-factor sign-in is off" in done
    assert not twofactor.has_device(employee.user)
    event = AuditEvent.objects.get(action="accounts.two_factor.disabled")
    assert event.details == {"confirmed_by": "idp_mfa", "provider": provider.name}
    # One fresh sign-in, one act: it cannot also sign a version afterwards.
    assert PROOF_KEY not in client.session


def test_a_stale_or_foreign_answer_turns_nothing_off(employee, provider, idp):
    client = _sso_only_with_two_factor(employee, idp)
    idp.control(auto_user={"email": employee.email, "sub": "emp-1"}, auth_time_offset=-3600)
    refused = _confirm(client)
    assert refused.status_code == 403 and "reused an earlier sign-in" in refused.content.decode()
    idp.as_person("colleague@riverside.test", sub="colleague-9")
    refused = _confirm(client)
    assert refused.status_code == 403 and "as someone else" in refused.content.decode()
    expired = client.post(OFF, {"confirmed": "provider"}, follow=True).content.decode()
    assert "has expired" in expired
    assert twofactor.has_device(employee.user)
    assert not AuditEvent.objects.filter(action="accounts.two_factor.disabled").exists()


def test_a_proof_older_than_five_minutes_turns_nothing_off(employee, provider, idp):
    client = _sso_only_with_two_factor(employee, idp)
    idp.as_person(employee.email, sub="emp-1")
    _confirm(client)
    session = client.session
    session[PROOF_KEY] = {**session[PROOF_KEY], "at": time.time() - 301}
    session.save()
    expired = client.post(OFF, {"confirmed": "provider"}, follow=True)
    assert "has expired" in expired.content.decode()
    assert twofactor.has_device(employee.user)


def test_a_password_the_institution_no_longer_accepts_does_not_turn_it_off(
    admin, employee, provider, idp, password
):
    """Password sign-in is off at Riverside: a password (say, set again through "Forgot your
    password?") proves no more than the mailbox, so the provider must confirm."""
    enrol(employee.user)
    idp.as_person(employee.email, sub="emp-1", amr=["mfa"])
    client = Client()
    sso_round_trip(client, employee.email)
    SignInPolicy.objects.create(
        organization=employee.org, passwords_allowed=False, break_glass=admin.user
    )
    page = client.get(PAGE).content.decode()
    assert 'name="password"' not in page and 'data-testid="reauth-form"' in page
    client.post(OFF, {"password": password})
    assert twofactor.has_device(employee.user)


def test_a_person_with_a_password_may_use_either(employee, provider, idp, password):
    enrol(employee.user)
    idp.as_person(employee.email, sub="emp-1", amr=["mfa"])
    client = Client()
    sso_round_trip(client, employee.email)
    page = client.get(PAGE).content.decode()
    assert 'name="password"' in page and f"Or confirm with {provider.name}" in page
    client.post(OFF, {"password": PASSWORD})
    assert not twofactor.has_device(employee.user)
    event = AuditEvent.objects.get(action="accounts.two_factor.disabled")
    assert event.details == {"confirmed_by": "password"}


def test_without_password_or_provider_the_page_says_whom_to_ask(employee):
    employee.user.set_unusable_password()
    employee.user.save(update_fields=["password"])
    enrol(employee.user)
    client = employee.client()
    session = client.session
    session[twofactor.SESSION_DEVICE_KEY] = False  # the code was entered at sign-in
    session.save()
    page = client.get(PAGE).content.decode()
    assert 'data-testid="two-factor-off-refusal"' in page and 'name="password"' not in page


def test_saml_person_confirms_with_force_authn_then_turns_it_off(
    employee, saml_provider, saml_process
):
    employee.user.set_unusable_password()
    employee.user.save(update_fields=["password"])
    enrol(employee.user)
    person = {"email": employee.email, "sub": "saml-emp-1", "mfa": True}
    client = Client()
    response, _ = saml_round_trip(client, saml_provider, saml_process, person)
    assert response.status_code == 302
    saml_process.control(auto_user=person)
    leaving = client.post(reverse("sso:reauth_start"), {"next": PAGE})
    at_idp = httpx.get(provider_url(leaving), timeout=10)
    action = html.unescape(re.search(r"action='([^']+)'", at_idp.text).group(1))  # type: ignore[union-attr]
    form = dict(re.findall(r"name='(SAMLResponse|RelayState)' value='([^']*)'", at_idp.text))
    # The provider's cross-site post arrives without the session cookie; the browser collects.
    returning = Client().post(httpx.URL(action).path, form)
    link = html.unescape(
        re.search(r'href="([^"]+)" data-testid="return-link"', returning.content.decode()).group(1)  # type: ignore[union-attr]
    )
    back = client.get(link)
    assert back.status_code == 302 and back["Location"] == PAGE
    client.post(OFF, {"confirmed": "provider"})
    assert not twofactor.has_device(employee.user)
    event = AuditEvent.objects.get(action="accounts.two_factor.disabled")
    assert event.details["provider"] == saml_provider.name
