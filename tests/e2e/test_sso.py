"""Single sign-on in Chromium through the real demo provider process: an admin connects and
tests the provider and switches it on; an employee then signs in with the hospital account."""

from __future__ import annotations

import re

import httpx
from django.urls import reverse
from playwright.sync_api import expect

from approvals import workflow
from approvals.models import ApprovalRoute, ApprovalStage, Signature
from sso.models import IdentityProvider
from tests.approvals.conftest import open_draft
from tests.conftest import make_persona
from tests.factories import GuidelineFactory
from tests.sso.support import CLIENT_ID, CLIENT_SECRET, person_at, register_at


def test_admin_connects_tests_and_switches_on_then_staff_sign_in(
    a11y,
    page,
    browser,
    live_server,
    login,
    shots,
    transactional_db,
    admin,
    employee,
    password,
    idp,
):
    # The admin connects the provider.
    login(page, admin.email, password)
    page.goto(f"{live_server.url}/sso/providers/")
    a11y(page, "sso-1")
    page.get_by_role("link", name="Connect an OpenID Connect provider").click()
    page.get_by_label("Name").fill("Riverside staff account")
    page.get_by_label("E-mail domains").fill("riverside.test")
    page.get_by_label("Issuer URL").fill(idp.url)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Link existing people by e-mail address").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("provider-state")).to_contain_text("not tested")
    a11y(page, "sso-2")
    shots(page, "provider-saved")
    # Switching on before a test is refused with a reason.
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_role("alert").first).to_contain_text("test sign-in first")
    # Test sign-in at the demo provider's own page.
    page.get_by_role("button", name="Test sign-in").click()
    expect(page.get_by_text("DEMO identity provider")).to_be_visible()
    page.get_by_label("E-mail").fill(employee.email)
    page.get_by_label("I also used a second factor").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("test-result")).to_contain_text("The test worked")
    expect(page.get_by_text("yes (mfa)")).to_be_visible()
    a11y(page, "sso-3")
    shots(page, "test-result")
    page.get_by_role("link", name="Back to Riverside staff account").click()
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_test_id("provider-state")).to_contain_text("On")
    assert IdentityProvider.objects.get().is_enabled

    # An employee signs in with the hospital account, in a fresh browser.
    context = browser.new_context()
    staff = context.new_page()
    staff.goto(f"{live_server.url}/accounts/login/")
    a11y(staff, "sso-4")
    staff.get_by_label("Email").fill(employee.email)
    staff.get_by_role("button", name="Sign in with your hospital account").click()
    expect(staff.get_by_text("DEMO identity provider")).to_be_visible()
    expect(staff.get_by_label("E-mail")).to_have_value(employee.email)
    staff.get_by_role("button", name="Sign in").click()
    staff.wait_for_url(re.compile(r".*/home/$"))
    expect(staff.get_by_role("heading", level=1)).to_be_visible()
    shots(staff, "employee-home")
    identity = IdentityProvider.objects.get().identities.get()
    assert identity.user == employee.user and identity.linked_by == "email"
    context.close()


def test_staff_sign_in_through_an_independent_provider_in_chromium(
    page, live_server, shots, transactional_db, org, employee, third_party_process
):
    """oidc-provider-mock from PyPI (not Charter's own demo provider), through its own page."""
    register_at(third_party_process, org, f"{live_server.url}{reverse('sso:oidc_callback')}")
    person_at(third_party_process, "entra-emma", email=employee.email, email_verified=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(employee.email)
    page.get_by_role("button", name="Sign in with your hospital account").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
    page.get_by_placeholder("sub").fill("entra-emma")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r".*/home/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    shots(page, "independent-provider-home")
    identity = IdentityProvider.objects.get().identities.get()
    assert (identity.user, identity.subject) == (employee.user, "entra-emma")


def test_a_hostile_token_shows_a_clear_refusal(
    a11y,
    page,
    live_server,
    transactional_db,
    employee,
    provider,
    idp,
    shots,
):
    idp.control(aud="another-application")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(employee.email)
    page.get_by_role("button", name="Sign in with your hospital account").click()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("sso-refusal")).to_contain_text("another application")
    a11y(page, "sso-5")
    shots(page, "refused")


def test_staff_sign_in_through_a_saml_provider_and_sign_with_a_fresh_sign_in(
    page,
    live_server,
    transactional_db,
    legal,
    saml_provider,
    saml_process,
    shots,
    a11y,
):
    """SAML end to end: the provider's answer is a cross-site form post (no session cookie);
    a signature asks the provider for a fresh sign-in (ForceAuthn) and comes back to sign."""
    legal.user.set_unusable_password()  # signs in only with the hospital account
    legal.user.save(update_fields=["password"])
    review = _review_for(legal)
    sp_metadata = httpx.get(
        live_server.url + reverse("sso:saml_metadata", args=[saml_provider.pk]), timeout=10
    ).text
    person = {"email": legal.email, "sub": "saml-legal-1", "mfa": True}
    saml_process.control(sp_metadata=sp_metadata, auto_user=person)

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(legal.email)
    page.get_by_role("button", name="Sign in with your hospital account").click()
    page.get_by_role("button", name="Continue to Charter").click()
    page.wait_for_url(re.compile(r".*/home/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(live_server.url + reverse("approvals:review", args=[review.pk]))
    expect(page.get_by_label("Your password")).to_have_count(0)
    page.get_by_role("button", name="Confirm with Riverside SAML").click()
    page.get_by_role("button", name="Continue to Charter").click()
    expect(page.get_by_test_id("provider-proof")).to_contain_text("multi-factor")
    a11y(page, "sso-saml")
    shots(page, "confirmed-by-provider")
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_test_id("signature")).to_contain_text(legal.user.full_name)
    signature = Signature.objects.get()
    assert signature.signer == legal.user and signature.factor == "idp_mfa"


def _review_for(legal):
    org = legal.membership.organization
    author = make_persona(org, "writer@riverside.test", "Wren Writer", is_author=True)
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(
        route=route, order=1, reviewer_role=legal.membership.reviewer_roles.get(), due_days=5
    )
    guideline = GuidelineFactory(organization=org, created_by=author.user, title="Social media")
    draft = open_draft(guideline, author.user)
    return workflow.submit(
        draft=draft, by=author.user, membership=author.membership, change_summary="First"
    )
