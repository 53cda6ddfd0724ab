"""Which factor proved who the person is in this session, for the records a signature keeps."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest

# Set at single sign-on when the identity provider reported multi-factor authentication:
# {"method": "idp_mfa", "detail": <the amr/acr or AuthnContextClassRef value>,
#  "provider": <the provider's name>}.
SESSION_IDP_MFA_KEY = "charter.idp_mfa"

Factor = Literal["idp_mfa", "idp", "totp", "password"]


def idp_mfa(request: HttpRequest | None) -> dict[str, str] | None:
    """The provider's multi-factor record for this session, or None."""
    if request is None or not hasattr(request, "session"):
        return None
    value = request.session.get(SESSION_IDP_MFA_KEY)
    return value if isinstance(value, dict) and value.get("method") == "idp_mfa" else None


def signer_factor(request: HttpRequest | None) -> Factor:
    """ "idp_mfa" when the identity provider did multi-factor at sign-in, "totp" when the
    person entered an authenticator code this session, otherwise "password"."""
    if idp_mfa(request) is not None:
        return "idp_mfa"
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    if callable(is_verified) and is_verified():
        return "totp"
    return "password"
