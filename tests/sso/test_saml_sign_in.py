"""Signing in through a real SAML 2.0 provider process (pysaml2's server side), and refusals."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.factors import SESSION_IDP_MFA_KEY
from audit.models import AuditEvent
from sso.models import ExternalIdentity, IdentityProvider

from .support import saml_round_trip

pytestmark = pytest.mark.django_db


def test_signed_assertion_signs_the_person_in_and_links_by_subject(
    employee, saml_provider, saml_process
):
    client = Client()
    person = {"email": employee.email, "sub": "saml-emp-1", "name": "Emma Saml", "mfa": True}
    response, _ = saml_round_trip(client, saml_provider, saml_process, person)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(employee.user.pk)
    identity = ExternalIdentity.objects.get(provider=saml_provider)
    assert identity.subject == "saml-emp-1" and identity.linked_by == "email"
    assert client.session[SESSION_IDP_MFA_KEY]["detail"].endswith("multipleauthn")
    assert client.get(reverse("home")).status_code == 200


def test_a_replayed_assertion_is_refused(employee, saml_provider, saml_process):
    person = {"email": employee.email, "sub": "saml-emp-1"}
    response, form = saml_round_trip(Client(), saml_provider, saml_process, person)
    assert response.status_code == 302
    thief = Client()
    replay = thief.post(reverse("sso:saml_acs", args=[saml_provider.pk]), form)
    assert replay.status_code == 400
    assert "_auth_user_id" not in thief.session
    assert AuditEvent.objects.filter(action="sso.sign_in.refused").exists()


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        ({"unsigned": True}, "not signed"),
        ({"audience": "https://another-app.example/saml"}, "another application"),
        ({"recipient": "https://another-app.example/acs"}, "recipient"),
    ],
    ids=["unsigned", "wrong-audience", "wrong-recipient"],
)
def test_hostile_assertions_are_refused(employee, saml_provider, saml_process, tamper, words):
    client = Client()
    person = {"email": employee.email, "sub": "saml-emp-1"}
    response, _ = saml_round_trip(client, saml_provider, saml_process, person, **tamper)
    assert response.status_code == 400, response.content[:300]
    assert words in response.content.decode(), re.findall(
        r"refusal\">([^<]*)", response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    assert not ExternalIdentity.objects.exists()


def test_email_of_another_institution_never_takes_over(
    employee, outsider, saml_provider, saml_process
):
    client = Client()
    response, _ = saml_round_trip(
        client, saml_provider, saml_process, {"email": outsider.email, "sub": "x"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_metadata_for_the_providers_admin(saml_provider):
    response = Client().get(reverse("sso:saml_metadata", args=[saml_provider.pk]))
    xml = response.content.decode()
    assert response.status_code == 200
    assert "AssertionConsumerService" in xml and f"/sso/saml/{saml_provider.pk}/acs/" in xml
    assert 'WantAssertionsSigned="true"' in xml


def test_admin_connects_a_saml_provider_and_tests_it(admin, employee, saml_process):
    client = admin.client()
    response = client.post(
        reverse("sso:provider_new") + "?protocol=saml",
        {
            "name": "Riverside ADFS",
            "email_domains": "riverside.test",
            "metadata_url": f"{saml_process.url}/metadata",
        },
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    page = client.get(reverse("sso:provider", args=[provider.pk])).content.decode()
    assert f"/sso/saml/{provider.pk}/acs/" in page
    response, _ = saml_round_trip(
        client,
        provider,
        saml_process,
        {"email": employee.email, "sub": "saml-emp-1"},
        start_url=reverse("sso:provider_test", args=[provider.pk]),
    )
    assert response.status_code == 200 and "The test worked" in response.content.decode()
    provider.refresh_from_db()
    assert provider.tested_at is not None and not provider.identities.exists()


def test_saml_needs_metadata(admin):
    response = admin.client().post(
        reverse("sso:provider_new") + "?protocol=saml",
        {"name": "Empty", "email_domains": "riverside.test"},
    )
    assert response.status_code == 400
    assert "metadata URL" in response.content.decode()
