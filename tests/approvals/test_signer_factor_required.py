"""An institution may require a second factor on every signature (on for new institutions):
a password alone signs nothing; an authenticator code or the provider's multi-factor does."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.factors import SESSION_IDP_MFA_KEY
from accounts.models import Organization
from approvals import workflow
from approvals.models import ReviewRequest, Signature
from approvals.workflow import WorkflowError
from audit.models import AuditEvent

PASSWORD = "correct horse battery"


@pytest.fixture
def required(org):
    org.require_signer_second_factor = True
    org.save()
    return org


def _fresh(review) -> ReviewRequest:
    return ReviewRequest.objects.get(pk=review.pk)


def test_new_institutions_require_a_second_factor_to_sign(db):
    assert Organization.objects.create(name="Harbour", slug="harbour").require_signer_second_factor


def test_a_password_alone_signs_nothing(review, legal, required):
    assert workflow.second_factor_required(_fresh(review), legal.user)
    with pytest.raises(WorkflowError, match="second factor for every signature"):
        workflow.sign_off(
            review=_fresh(review), by=legal.user, membership=legal.membership, password=PASSWORD
        )
    assert not Signature.objects.exists()


def test_an_authenticator_code_signs_and_is_recorded(review, legal, required):
    device = TOTPDevice.objects.create(user=legal.user, name="phone", confirmed=True)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    signature = workflow.sign_off(
        review=_fresh(review),
        by=legal.user,
        membership=legal.membership,
        password=PASSWORD,
        otp_token=code,
    )
    assert signature.factor == "totp" and signature.used_second_factor


def test_the_identity_providers_multi_factor_signs(review, legal, required, rf):
    request = rf.post("/")
    request.user = legal.user
    request.session = {SESSION_IDP_MFA_KEY: {"method": "idp_mfa", "detail": "mfa"}}
    signature = workflow.sign_off(
        review=_fresh(review),
        by=legal.user,
        membership=legal.membership,
        password=PASSWORD,
        request=request,
    )
    assert signature.factor == "idp_mfa"


def test_the_admin_turns_it_off_and_on_on_the_security_page(admin, org, required):
    client = admin.client()
    url = reverse("accounts:security")
    assert 'data-testid="signer-requirement">required' in client.get(url).content.decode()
    client.post(url, {})
    org.refresh_from_db()
    assert not org.require_signer_second_factor
    event = AuditEvent.objects.get(action="accounts.security.changed")
    assert event.details == {"require_signer_second_factor": {"before": True, "after": False}}
    client.post(url, {"require_signer_second_factor": "on"})
    org.refresh_from_db()
    assert org.require_signer_second_factor
