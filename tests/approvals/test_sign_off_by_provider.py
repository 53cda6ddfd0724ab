"""People who sign in only with their hospital account sign by signing in there again.

End to end through the real provider processes: Charter asks for a fresh sign-in (OpenID
Connect prompt=login and max_age=0; SAML ForceAuthn), checks it is fresh and names the same
person, and the signature records the factor.
"""

from __future__ import annotations

import base64
import html
import re
import zlib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from approvals.models import Signature
from audit.models import AuditEvent
from sso.reauth import PROOF_KEY
from tests.factories import PASSWORD
from tests.sso.support import follow_provider, provider_url, saml_round_trip, sso_round_trip

pytestmark = pytest.mark.django_db


def review_url(review):
    return reverse("approvals:review", args=[review.pk])


def sign_url(review):
    return reverse("approvals:sign_off", args=[review.pk])


def _sso_only(persona):
    persona.user.set_unusable_password()
    persona.user.save(update_fields=["password"])


def _oidc_signer(legal, idp, *, sso_only: bool = True) -> Client:
    if sso_only:  # before signing in: a password change ends the person's sessions
        _sso_only(legal)
    idp.as_person(legal.email, sub="legal-1")
    client = Client()
    sso_round_trip(client, legal.email)
    return client


def test_sso_only_signer_confirms_with_the_provider_and_signs(review, legal, provider, idp):
    client = _oidc_signer(legal, idp)
    page = client.get(review_url(review)).content.decode()
    assert 'data-testid="reauth-form"' in page and 'name="password"' not in page

    idp.as_person(legal.email, sub="legal-1", amr=["pwd", "mfa"])
    leaving = client.post(reverse("sso:reauth_start"), {"next": review_url(review)})
    asked = parse_qs(urlsplit(provider_url(leaving)).query)
    assert asked["prompt"] == ["login"] and asked["max_age"] == ["0"]
    back = follow_provider(client, provider_url(leaving))
    assert back.status_code == 302 and back["Location"] == review_url(review)

    page = client.get(review_url(review)).content.decode()
    assert 'data-testid="provider-proof"' in page and "multi-factor" in page
    signed = client.post(sign_url(review), {"confirmed": "provider"})
    assert signed.status_code == 302, signed.content.decode()[:2000]
    signature = Signature.objects.get()
    assert signature.signer == legal.user
    assert signature.factor == "idp_mfa" and signature.used_second_factor
    event = AuditEvent.objects.get(action="approvals.review.signed_off")
    assert event.details["provider"] == provider.name and event.details["provider_mfa"] == "mfa"
    # One fresh sign-in, one signature.
    assert PROOF_KEY not in client.session


def test_a_stale_or_foreign_answer_confirms_nothing(review, legal, provider, idp):
    client = _oidc_signer(legal, idp)
    # The provider reused a sign-in from an hour ago instead of asking again.
    idp.control(auto_user={"email": legal.email, "sub": "legal-1"}, auth_time_offset=-3600)
    leaving = client.post(reverse("sso:reauth_start"), {"next": review_url(review)})
    refused = follow_provider(client, provider_url(leaving))
    assert refused.status_code == 403 and "reused an earlier sign-in" in refused.content.decode()
    # Someone else signs in at the provider on the reviewer's screen.
    idp.as_person("colleague@riverside.test", sub="colleague-9")
    leaving = client.post(reverse("sso:reauth_start"), {"next": review_url(review)})
    refused = follow_provider(client, provider_url(leaving))
    assert refused.status_code == 403 and "as someone else" in refused.content.decode()
    assert PROOF_KEY not in client.session
    attempt = client.post(sign_url(review), {"confirmed": "provider"})
    assert attempt.status_code == 400 and "has expired" in attempt.content.decode()
    assert not Signature.objects.exists()
    assert AuditEvent.objects.filter(action="sso.reauth.refused").count() == 2


def test_a_person_with_a_password_may_still_use_it(review, legal, provider, idp):
    client = _oidc_signer(legal, idp, sso_only=False)
    page = client.get(review_url(review)).content.decode()
    assert 'name="password"' in page and "Or confirm with" in page
    assert client.post(sign_url(review), {"password": PASSWORD}).status_code == 302
    assert Signature.objects.get().factor == "password"


def _saml_request(url: str) -> str:
    encoded = parse_qs(urlsplit(url).query)["SAMLRequest"][0]
    return zlib.decompress(base64.b64decode(encoded), -15).decode()


def test_saml_signer_confirms_with_force_authn(review, legal, saml_provider, saml_process):
    _sso_only(legal)
    client = Client()
    person = {"email": legal.email, "sub": "saml-legal-1"}
    response, _ = saml_round_trip(client, saml_provider, saml_process, person)
    assert response.status_code == 302

    saml_process.control(auto_user=person)
    leaving = client.post(reverse("sso:reauth_start"), {"next": review_url(review)})
    at_idp_url = provider_url(leaving)
    assert 'ForceAuthn="true"' in _saml_request(at_idp_url)
    at_idp = httpx.get(at_idp_url, timeout=10)
    action = html.unescape(re.search(r"action='([^']+)'", at_idp.text).group(1))  # type: ignore[union-attr]
    form = dict(re.findall(r"name='(SAMLResponse|RelayState)' value='([^']*)'", at_idp.text))
    # The provider's cross-site post arrives without Charter's session cookie.
    returning = Client().post(httpx.URL(action).path, form)
    assert returning.status_code == 200
    link = html.unescape(
        re.search(r'href="([^"]+)" data-testid="return-link"', returning.content.decode()).group(1)  # type: ignore[union-attr]
    )
    # Another signed-in session cannot collect the proof.
    assert PROOF_KEY not in _collect(legal.client(), link).session
    # (the attempt used it up: the reviewer confirms again)
    saml_process.control(auto_user=person)
    leaving = client.post(reverse("sso:reauth_start"), {"next": review_url(review)})
    at_idp = httpx.get(provider_url(leaving), timeout=10)
    form = dict(re.findall(r"name='(SAMLResponse|RelayState)' value='([^']*)'", at_idp.text))
    returning = Client().post(httpx.URL(action).path, form)
    link = html.unescape(
        re.search(r'href="([^"]+)" data-testid="return-link"', returning.content.decode()).group(1)  # type: ignore[union-attr]
    )
    back = client.get(link)
    assert back.status_code == 302 and back["Location"] == review_url(review)
    assert client.post(sign_url(review), {"confirmed": "provider"}).status_code == 302
    signature = Signature.objects.get()
    assert signature.factor == "idp" and not signature.used_second_factor


def _collect(client: Client, link: str) -> Client:
    client.get(link)
    return client


def test_saml_answer_with_an_old_sign_in_time_is_refused(
    review, legal, saml_provider, saml_process
):
    client = Client()
    person = {"email": legal.email, "sub": "saml-legal-1"}
    saml_round_trip(client, saml_provider, saml_process, person)
    saml_process.control(auto_user=person, authn_instant_offset=-7200)
    leaving = client.post(reverse("sso:reauth_start"), {"next": review_url(review)})
    at_idp = httpx.get(provider_url(leaving), timeout=10)
    action = html.unescape(re.search(r"action='([^']+)'", at_idp.text).group(1))  # type: ignore[union-attr]
    form = dict(re.findall(r"name='(SAMLResponse|RelayState)' value='([^']*)'", at_idp.text))
    refused = Client().post(httpx.URL(action).path, form)
    assert refused.status_code == 403 and "reused an earlier sign-in" in refused.content.decode()
