"""Signing in through a real OpenID Connect provider process, and every way it must refuse."""

from __future__ import annotations

import json

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from accounts import directory
from accounts.factors import SESSION_IDP_MFA_KEY
from accounts.models import Membership
from audit.models import AuditEvent
from sso.backends import PolicyModelBackend
from sso.linking import hr_attributes
from sso.models import ExternalIdentity, IdentityProvider, SignInPolicy

from .support import CLIENT_SECRET, follow_provider, provider_url, sso_round_trip

pytestmark = pytest.mark.django_db


def signed_in_as(client: Client):
    return client.session.get("_auth_user_id")


def test_first_sign_in_links_by_email_then_only_by_subject(employee, provider, idp):
    idp.as_person(employee.email, sub="emp-001", name="Emma E. Employee")
    client = Client()
    response = sso_round_trip(client, employee.email)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_as(client) == str(employee.user.pk)
    identity = ExternalIdentity.objects.get(provider=provider)
    assert (identity.subject, identity.user, identity.linked_by) == (
        "emp-001",
        employee.user,
        "email",
    )
    assert identity.claims["name"] == "Emma E. Employee"
    employee.user.refresh_from_db()
    assert employee.user.full_name == "Emma E. Employee"
    assert AuditEvent.objects.filter(action="sso.identity.linked").count() == 1
    assert AuditEvent.objects.filter(action="accounts.user.signed_in").exists()
    # Second time: found by subject, no new link.
    client2 = Client()
    sso_round_trip(client2, employee.email)
    assert signed_in_as(client2) == str(employee.user.pk)
    assert AuditEvent.objects.filter(action="sso.identity.linked").count() == 1


def test_email_links_once_a_new_subject_with_the_same_address_is_refused(employee, provider, idp):
    idp.as_person(employee.email, sub="emp-001")
    sso_round_trip(Client(), employee.email)
    idp.as_person(employee.email, sub="impostor-999")
    client = Client()
    response = sso_round_trip(client, employee.email)
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert not ExternalIdentity.objects.filter(subject="impostor-999").exists()


def test_without_admin_permission_email_does_not_link(employee, provider, idp):
    provider.link_by_email = False
    provider.save()
    idp.as_person(employee.email, sub="emp-001")
    client = Client()
    response = sso_round_trip(client, employee.email)
    assert response.status_code == 403
    assert "not linked" in response.content.decode()
    assert signed_in_as(client) is None


def test_email_claim_in_another_institutions_domain_never_takes_over(
    employee, outsider, provider, idp
):
    """Riverside's provider says the person is admin@lakeside.test: refused, whatever it says."""
    idp.as_person(outsider.email, sub="attacker")
    client = Client()
    response = follow_provider(
        client,
        provider_url(
            client.post(reverse("sso:start"), {"provider": provider.pk, "email": employee.email})
        ),
    )
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert not ExternalIdentity.objects.exists()
    event = AuditEvent.objects.get(action="sso.sign_in.refused")
    assert event.details["reason"] == "email_outside_domains"


def test_deactivated_person_cannot_sign_in_by_sso(employee, provider, idp):
    idp.as_person(employee.email, sub="emp-001")
    sso_round_trip(Client(), employee.email)
    employee.membership.is_active = False
    employee.membership.save()
    client = Client()
    response = follow_provider(
        client, provider_url(client.post(reverse("sso:start"), {"provider": provider.pk}))
    )
    assert response.status_code == 403
    assert signed_in_as(client) is None


def test_directory_deprovisioning_ends_an_sso_session_and_refuses_the_next_sign_in(
    admin, employee, provider, idp
):
    """Entra ID sends active:false: the open session ends at its next page, and neither the
    provider nor a password signs the person in again."""
    idp.as_person(employee.email, sub="emp-001")
    client = Client()
    sso_round_trip(client, employee.email)
    assert client.get(reverse("home")).status_code == 200
    token = directory.issue_token(organization=admin.org, issued_by=admin.user)
    patched = Client().patch(
        f"/scim/v2/Users/{employee.membership.pk}",
        data=json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
            }
        ),
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert patched.status_code == 200
    ended = client.get(reverse("home"))
    assert ended.status_code == 302 and "/accounts/login/" in ended["Location"]
    assert signed_in_as(client) is None
    again = Client()
    refused = follow_provider(
        again, provider_url(again.post(reverse("sso:start"), {"provider": provider.pk}))
    )
    assert refused.status_code == 403 and signed_in_as(again) is None
    event = AuditEvent.objects.filter(action="sso.sign_in.refused").latest("pk")
    assert event.details["reason"] == "deactivated"


def test_hr_claims_update_the_person_with_one_event_naming_the_provider(
    admin, employee, provider, idp
):
    idp.as_person(
        employee.email,
        sub="emp-001",
        department="Pharmacy",
        job_title="Charge nurse",
        site="North campus",
        employee_type="agency",
        manager=admin.email,
    )
    sso_round_trip(Client(), employee.email)
    held = Membership.objects.select_related("staff_group").get(pk=employee.membership.pk)
    assert held.staff_group is not None
    assert (
        held.staff_group.name,
        held.job_title,
        held.site,
        held.employee_type,
        held.manager_id,
    ) == ("Pharmacy", "Charge nurse", "North campus", "contractor", admin.membership.pk)
    event = AuditEvent.objects.get(action="accounts.directory.person_updated")
    assert event.details["source"] == f"single sign-on ({provider.name})"
    assert event.details["changes"]["job_title"] == ["", "Charge nurse"]
    # The same claims again change nothing and record nothing; an unreadable employee type
    # leaves what is held and still signs the person in.
    idp.as_person(
        employee.email,
        sub="emp-001",
        department="Pharmacy",
        job_title="Charge nurse",
        employee_type="astronaut",
    )
    client = Client()
    sso_round_trip(client, employee.email)
    assert signed_in_as(client) == str(employee.user.pk)
    assert AuditEvent.objects.filter(action="accounts.directory.person_updated").count() == 1
    held.refresh_from_db()
    assert held.employee_type == "contractor" and held.site == "North campus"


def test_claim_names_from_entra_okta_and_adfs_are_understood():
    claims = {
        "http://schemas.microsoft.com/ws/2008/06/identity/claims/department": ["ICU"],
        "jobTitle": "Registrar",
        "physicalDeliveryOfficeName": "Site B",
        "employeeType": "resident",
        "manager": {"value": "boss@riverside.test"},
        "email_verified": True,
    }
    assert hr_attributes(claims) == {
        "department": "ICU",
        "job_title": "Registrar",
        "site": "Site B",
        "employee_type": "resident",
        "manager": "boss@riverside.test",
    }
    assert hr_attributes({"email": "a@b.test", "name": "A"}) == {}


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        ({"aud": "some-other-app"}, "audience"),
        ({"exp_offset": -3600}, "expired"),
        ({"bad_signature": True}, "signature"),
        ({"nonce": "not-the-one-sent"}, "nonce"),
    ],
    ids=["wrong-audience", "expired", "bad-signature", "wrong-nonce"],
)
def test_hostile_id_tokens_are_refused(employee, provider, idp, tamper, words):
    idp.control(auto_user={"email": employee.email, "sub": "emp-001"}, **tamper)
    client = Client()
    response = sso_round_trip(client, employee.email)
    assert response.status_code == 400
    assert words in response.content.decode().lower()
    assert signed_in_as(client) is None
    assert not ExternalIdentity.objects.exists()


def test_a_replayed_or_forged_state_is_refused(employee, provider, idp):
    idp.as_person(employee.email, sub="emp-001")
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": employee.email, "sso": "1"})
    back = httpx.URL(httpx.get(provider_url(response)).headers["location"])
    forged = client.get(back.path, {**dict(back.params), "state": "made-up"})
    assert forged.status_code == 400 and signed_in_as(client) is None
    assert client.get(back.path, dict(back.params)).status_code == 302  # the real one, once
    client.logout()
    assert client.get(back.path, dict(back.params)).status_code == 400  # and never again


def test_provider_mfa_is_recorded_on_the_session(employee, provider, idp):
    idp.as_person(employee.email, sub="emp-001", amr=["pwd", "mfa"])
    client = Client()
    sso_round_trip(client, employee.email)
    assert client.session[SESSION_IDP_MFA_KEY] == {
        "method": "idp_mfa",
        "detail": "mfa",
        "provider": "Riverside staff account",
    }


def test_no_mfa_reported_means_no_mfa_key(employee, provider, idp):
    idp.as_person(employee.email, sub="emp-001", amr=["pwd"])
    client = Client()
    sso_round_trip(client, employee.email)
    assert SESSION_IDP_MFA_KEY not in client.session


def test_new_people_are_added_only_when_the_admin_allowed_it(org, provider, idp):
    idp.as_person("newcomer@riverside.test", sub="new-1", name="Nia Newcomer")
    client = Client()
    assert (
        client.post(
            reverse("accounts:login"), {"username": "newcomer@riverside.test", "sso": "1"}
        ).status_code
        == 200
    )
    provider.create_people = True
    provider.save()
    sso_round_trip(client, "newcomer@riverside.test")
    identity = ExternalIdentity.objects.get(subject="new-1")
    assert identity.user.full_name == "Nia Newcomer"
    assert not identity.user.has_usable_password()
    assert identity.user.memberships.get().organization == org


def test_password_sign_in_off_sends_people_to_the_provider_but_not_break_glass(
    admin, employee, provider, password
):
    SignInPolicy.objects.create(
        organization=provider.organization, passwords_allowed=False, break_glass=admin.user
    )
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": employee.email, "password": password}
    )
    assert provider_url(response).startswith(provider.issuer)
    assert signed_in_as(client) is None
    # The backend refuses too, whatever page asks it.
    assert (
        PolicyModelBackend().authenticate(None, username=employee.email, password=password) is None
    )
    ok = Client()
    response = ok.post(reverse("accounts:login"), {"username": admin.email, "password": password})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_switching_the_provider_off_restores_passwords(admin, employee, provider, password):
    SignInPolicy.objects.create(
        organization=provider.organization, passwords_allowed=False, break_glass=admin.user
    )
    provider.is_enabled = False
    provider.save()
    response = Client().post(
        reverse("accounts:login"), {"username": employee.email, "password": password}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_a_person_in_two_institutions_chooses_either_provider(shared, provider, other_org, idp):
    lakeside = IdentityProvider(
        organization=other_org,
        name="Lakeside login",
        protocol=IdentityProvider.Protocol.OIDC,
        email_domains="riverside.test",
        issuer=idp.url,
        client_id="charter-tests",
        is_enabled=True,
        link_by_email=True,
    )
    lakeside.set_client_secret(CLIENT_SECRET)
    lakeside.save()
    client = Client()
    page = client.post(reverse("accounts:login"), {"username": shared.email, "sso": "1"})
    html = page.content.decode()
    assert "Riverside staff account" in html and "Lakeside login" in html
    idp.as_person(shared.email, sub="shared-1")
    response = follow_provider(
        client, provider_url(client.post(reverse("sso:start"), {"provider": lakeside.pk}))
    )
    assert response.status_code == 302
    assert client.session["charter_org_id"] == other_org.pk


def test_no_provider_for_the_address_falls_back_to_the_password(client, employee):
    response = client.post(reverse("accounts:login"), {"username": employee.email, "sso": "1"})
    assert response.status_code == 200
    assert "sign in with your password" in response.content.decode()


def test_a_switched_off_provider_cannot_be_started(employee, provider):
    provider.is_enabled = False
    provider.save()
    assert Client().post(reverse("sso:start"), {"provider": provider.pk}).status_code == 404


def test_unreachable_provider_gives_a_clear_page_not_an_error(employee, provider):
    provider.issuer = "http://127.0.0.1:9"
    provider.save()
    response = Client().post(reverse("accounts:login"), {"username": employee.email, "sso": "1"})
    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()
