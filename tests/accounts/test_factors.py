"""The factor a session proved, as a signature will record it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from accounts.factors import SESSION_IDP_MFA_KEY, signer_factor


def _request(session: dict[str, Any], verified: bool = False) -> Any:
    user = SimpleNamespace(is_verified=lambda: verified)
    return SimpleNamespace(session=session, user=user)


def test_provider_mfa_wins_over_everything() -> None:
    mfa = {"method": "idp_mfa", "detail": "mfa", "provider": "Entra ID"}
    assert signer_factor(_request({SESSION_IDP_MFA_KEY: mfa}, verified=True)) == "idp_mfa"


def test_authenticator_code_this_session_is_totp() -> None:
    assert signer_factor(_request({}, verified=True)) == "totp"


def test_otherwise_password() -> None:
    assert signer_factor(_request({})) == "password"
    assert signer_factor(None) == "password"


def test_a_malformed_session_value_is_not_mfa() -> None:
    assert signer_factor(_request({SESSION_IDP_MFA_KEY: "yes"})) == "password"
