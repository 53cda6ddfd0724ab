"""Signing in through a real SAML 2.0 provider process (pysaml2's server side), and refusals."""

from __future__ import annotations

import re

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from accounts.factors import SESSION_IDP_MFA_KEY
from accounts.models import Membership
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


def test_hr_attributes_under_microsofts_claim_names_update_the_person(
    employee, saml_provider, saml_process
):
    claims = "http://schemas.microsoft.com/ws/2008/06/identity/claims/"
    person = {
        "email": employee.email,
        "sub": "saml-emp-1",
        "attributes": {f"{claims}department": "Theatres", f"{claims}jobtitle": "Scrub nurse"},
    }
    response, _ = saml_round_trip(Client(), saml_provider, saml_process, person)
    assert response.status_code == 302
    held = Membership.objects.select_related("staff_group").get(pk=employee.membership.pk)
    assert held.staff_group is not None
    assert (held.staff_group.name, held.job_title) == ("Theatres", "Scrub nurse")
    event = AuditEvent.objects.get(action="accounts.directory.person_updated")
    assert event.details["source"] == f"single sign-on ({saml_provider.name})"


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


def _new_saml(admin, **fields):
    return admin.client().post(
        reverse("sso:provider_new") + "?protocol=saml",
        {"name": "Riverside ADFS", "email_domains": "riverside.test", **fields},
    )


def test_signed_metadata_is_verified_with_the_admins_certificate(admin, employee, saml_process):
    signed_url = f"{saml_process.url}/metadata?signed=1"
    cert = httpx.get(f"{saml_process.url}/cert", timeout=10).text
    assert _new_saml(admin, metadata_url=signed_url, metadata_signing_cert=cert).status_code == 302
    provider = IdentityProvider.objects.get()
    # And it signs people in with the verified metadata.
    provider.is_enabled = True
    provider.link_by_email = True
    provider.save()
    response, _ = saml_round_trip(
        Client(), provider, saml_process, {"email": employee.email, "sub": "saml-emp-1"}
    )
    assert response.status_code == 302


def test_metadata_that_does_not_verify_is_refused_with_a_clear_message(admin, saml_process):
    signed = httpx.get(f"{saml_process.url}/metadata?signed=1", timeout=10).text
    other = _self_signed_certificate()
    # Signed with another key than the certificate the admin gave.
    response = _new_saml(
        admin, metadata_url=f"{saml_process.url}/metadata?signed=1", metadata_signing_cert=other
    )
    assert response.status_code == 400
    assert "does not verify with the signing certificate you gave" in response.content.decode()
    # A certificate given, but the metadata is not signed at all.
    response = _new_saml(
        admin, metadata_url=f"{saml_process.url}/metadata", metadata_signing_cert=other
    )
    assert response.status_code == 400 and "is not signed" in response.content.decode()
    # Signed metadata altered on the way (checked against the certificate it carries).
    altered = signed.replace("/sso/redirect", "/elsewhere/redirect")
    response = _new_saml(admin, metadata_xml=altered)
    assert response.status_code == 400 and "does not verify" in response.content.decode()
    assert not IdentityProvider.objects.exists()
    # Untouched signed metadata pasted in is accepted.
    assert _new_saml(admin, metadata_xml=signed).status_code == 302


def _self_signed_certificate() -> str:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone else")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()
