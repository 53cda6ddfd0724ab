"""A provider's multi-factor stands in for Charter's own code, at sign-in and at signing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse

from accounts.factors import SESSION_IDP_MFA_KEY, signer_factor
from approvals import workflow
from tests.accounts.twofactor_support import enrol

from .support import sso_round_trip

pytestmark = pytest.mark.django_db


def test_provider_mfa_skips_charters_code_at_sign_in(legal, provider, idp):
    enrol(legal.user)
    idp.as_person(legal.email, sub="legal-1", amr=["pwd", "mfa"])
    client = Client()
    sso_round_trip(client, legal.email)
    assert client.get(reverse("home")).status_code == 200
    assert signer_factor(cast(Any, _request(client))) == "idp_mfa"


def test_without_provider_mfa_an_enrolled_person_still_owes_the_code(legal, provider, idp):
    enrol(legal.user)
    idp.as_person(legal.email, sub="legal-1", amr=["pwd"])
    client = Client()
    sso_round_trip(client, legal.email)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("accounts:two_factor_verify") in response["Location"]
    assert SESSION_IDP_MFA_KEY not in client.session


def _request(client):
    class R:
        session = client.session
        user = None

    return R()


def test_signing_asks_no_code_after_provider_mfa_and_records_a_second_factor(legal):
    mfa = {"method": "idp_mfa", "detail": "mfa", "provider": "Staff account"}
    request = cast(Any, SimpleNamespace(session={SESSION_IDP_MFA_KEY: mfa}))
    review = cast(Any, None)  # never read: the provider's multi-factor answers first
    assert not workflow.second_factor_required(review, legal.user, request)
    assert workflow.verify_second_factor(user=legal.user, review=review, token="", request=request)
