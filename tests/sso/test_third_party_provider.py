"""Signing in through an OpenID Connect provider Charter did not write: `oidc-provider-mock`
from PyPI (Authlib's server side), started as its own process on loopback.

Charter's demo provider (sso/demo_idp.py) can be told to misbehave, which the hostile cases
need; this one shows that an independent implementation of the protocol, with its own client
registration, secrets, nonce rule, keys and token endpoint, signs people in through Charter.
"""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from sso.models import ExternalIdentity, IdentityProvider

from .support import person_at, provider_url, register_at

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver" + reverse("sso:oidc_callback")


@pytest.fixture
def registered(org, third_party_process) -> IdentityProvider:
    """Charter registered at the provider as a confidential client, as an admin would."""
    return register_at(third_party_process, org, CALLBACK)


def _sign_in(client: Client, provider: IdentityProvider, sub: str) -> Any:
    """Start at Charter, choose the subject on the provider's own form, come back."""
    leaving = client.post(reverse("sso:start"), {"provider": provider.pk})
    authorize = provider_url(leaving)
    form = httpx.get(authorize, timeout=10)
    assert form.status_code == 200 and 'name="sub"' in form.text
    answered = httpx.post(authorize, data={"sub": sub}, timeout=10, follow_redirects=False)
    assert answered.status_code == 302, answered.text[:300]
    back = httpx.URL(html.unescape(answered.headers["location"]))
    assert back.path == reverse("sso:oidc_callback")
    return client.get(back.path, dict(back.params))


def test_staff_sign_in_through_an_independent_provider(employee, registered, third_party_process):
    person_at(
        third_party_process, "entra-77", email=employee.email, email_verified=True, name="Emma E."
    )
    client = Client()
    response = _sign_in(client, registered, "entra-77")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(employee.user.pk)
    identity = ExternalIdentity.objects.get(provider=registered)
    assert (identity.subject, identity.linked_by) == ("entra-77", "email")
    assert client.get(reverse("home")).status_code == 200


def test_the_independent_provider_cannot_take_over_by_email(
    employee, outsider, registered, third_party_process
):
    # Linked once by e-mail; a second subject claiming the same address is refused.
    person_at(third_party_process, "entra-77", email=employee.email, email_verified=True)
    _sign_in(Client(), registered, "entra-77")
    person_at(third_party_process, "intruder-1", email=employee.email, email_verified=True)
    client = Client()
    assert _sign_in(client, registered, "intruder-1").status_code == 403
    # An address of another institution is refused whatever the provider says.
    person_at(third_party_process, "intruder-2", email=outsider.email, email_verified=True)
    assert _sign_in(client, registered, "intruder-2").status_code == 403
    assert "_auth_user_id" not in client.session
    reasons = set(
        AuditEvent.objects.filter(action="sso.sign_in.refused").values_list(
            "details__reason", flat=True
        )
    )
    assert reasons == {"already_linked", "email_outside_domains"}


def test_a_wrong_client_secret_fails_the_test_sign_in_with_a_clear_message(
    admin, registered, third_party_process
):
    registered.set_client_secret("not-the-secret")
    registered.is_enabled = False
    registered.save()
    client = admin.client()
    leaving = client.post(reverse("sso:provider_test", args=[registered.pk]))
    authorize = provider_url(leaving)
    answered = httpx.post(authorize, data={"sub": "admin-1"}, timeout=10)
    back = httpx.URL(html.unescape(answered.headers["location"]))
    result = client.get(back.path, dict(back.params))
    assert result.status_code == 400
    assert re.search(r"refused to complete the sign-in", result.content.decode())
    assert "not-the-secret" not in result.content.decode()
    registered.refresh_from_db()
    assert registered.tested_at is None and not registered.is_enabled
