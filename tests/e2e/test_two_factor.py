"""Two-factor sign-in in the browser: enrol with the key shown on the page, sign out, sign in
with password and code; a reviewer required to use two-factor enrols and signs off with a code.
The codes are computed here from the key the page shows, as an authenticator app would."""

import re
from base64 import b32encode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from approvals import workflow
from approvals.models import ApprovalRoute, ApprovalStage, Signature
from tests.a11y import paste_into
from tests.accounts.twofactor_support import code_for, code_from_secret
from tests.approvals.conftest import open_draft
from tests.factories import GuidelineFactory


def _next_code(secret: str, user) -> str:
    """The code for the next period, allowing for the clock drift the server learnt at
    enrolment (an app is never behind itself): the enrolment code may not be used twice."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert b32encode(device.bin_key).decode() == secret.replace(" ", "")
    return code_for(device, steps_ahead=1)


def _password_step(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _paste(field, text: str, token: str) -> None:
    """Fill a sign-in field the way a password manager or the clipboard does (WCAG 3.3.8):
    the field names what it holds for the manager, and pasting is never blocked."""
    expect(field).to_have_attribute("autocomplete", token)
    assert paste_into(field, text), "pasting was blocked"
    expect(field).to_have_value(text)


def _pasted_password_step(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    _paste(page.get_by_label("Email"), email, "email")
    _paste(page.get_by_label("Password"), password, "current-password")
    page.get_by_role("button", name="Log in").click()


def _enrol(page, shots) -> str:
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    expect(page.locator("svg.qr-code")).to_be_visible()
    shots(page, "enrol-qr")
    _paste(page.get_by_label("Code from the app"), code_from_secret(secret), "one-time-code")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("On")
    shots(page, "recovery-codes")
    return secret


@pytest.mark.django_db(transaction=True)
def test_enrol_then_sign_in_with_password_and_code(
    page, live_server, employee, password, login, shots, a11y
):
    page.set_viewport_size({"width": 375, "height": 800})  # on a phone
    login(page, employee.email, password)
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    a11y(page, "security")
    secret = _enrol(page, shots)
    a11y(page, "recovery-codes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Show navigation").click()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")
    _pasted_password_step(page, live_server, employee.email, password)
    page.wait_for_url(re.compile(r"/accounts/two-factor/verify/"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shots(page, "verify")
    a11y(page, "verify")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()
    a11y(page, "verify-refused")
    page.wait_for_timeout(2100)  # the pause after a wrong code
    page.get_by_label("Code").fill("")
    _paste(page.get_by_label("Code"), _next_code(secret, employee.user), "one-time-code")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/home/")
    expect(page.get_by_test_id("active-org")).to_have_text("Riverside")
    shots(page, "signed-in")


@pytest.mark.django_db(transaction=True)
def test_required_reviewer_enrols_then_signs_off_with_a_code(
    page, live_server, org, legal, author, password, shots, a11y
):
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(
        route=route, order=1, reviewer_role=legal.membership.reviewer_roles.get(), due_days=5
    )
    guideline = GuidelineFactory(organization=org, created_by=author.user, title="Guidelines")
    review = workflow.submit(
        draft=open_draft(guideline, author.user),
        by=author.user,
        membership=author.membership,
        change_summary="First version",
    )
    org.require_reviewer_2fa = True
    org.save()

    _password_step(page, live_server, legal.email, password)
    page.wait_for_url("**/accounts/two-factor/")
    expect(page.get_by_text("requires two-factor sign-in for admins and reviewers")).to_be_visible()
    a11y(page, "enrol-required")
    secret = _enrol(page, shots)

    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    # The password asked again to sign (a signature means it: 3.3.7 allows it) and the code,
    # both pasted as a password manager or an authenticator app's copy button would.
    _paste(page.get_by_label("Your password"), password, "current-password")
    code = _next_code(secret, legal.user)
    _paste(page.get_by_label("Authentication code"), code, "one-time-code")
    shots(page, "sign-off-with-code")
    a11y(page, "sign-off-with-code", focus=True)
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Signed.")).to_be_visible()
    shots(page, "signed")
    a11y(page, "signed")
    signature = Signature.objects.get(signer=legal.user)
    assert signature.used_second_factor
