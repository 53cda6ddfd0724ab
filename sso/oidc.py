"""OpenID Connect with Authlib: discovery, the authorization-code flow with PKCE, and the ID
token checked against the provider's published keys (signature, issuer, audience, expiry,
nonce). Each institution's provider is configured at run time, so a client is built per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from django.core.cache import cache
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from config.outbound import UnsafeAddress

from . import addresses
from .errors import SsoConfigError, SsoError
from .models import IdentityProvider

TIMEOUT = 8.0
CACHE_SECONDS = 300
# Asymmetric algorithms only: a token signed with a shared secret or with "none" is refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
SCOPE = "openid email profile"
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class Pending:
    """What the browser's round trip must bring back: kept in the session until the answer."""

    provider_id: int
    state: str
    nonce: str
    code_verifier: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "state": self.state,
            "nonce": self.nonce,
            "code_verifier": self.code_verifier,
        }


def check_issuer_url(issuer: str) -> None:
    """HTTPS only, public addresses only (loopback in development and tests, for the demo)."""
    addresses.check_fetch_url(issuer, what="issuer URL")


def _get_json(url: str) -> dict[str, Any]:
    response = addresses.get(url, timeout=TIMEOUT)
    if response.status_code != 200:
        raise SsoConfigError(f"{url} answered {response.status_code}, not the expected document.")
    try:
        data = response.json()
    except ValueError as exc:
        raise SsoConfigError(f"{url} did not answer with JSON.") from exc
    if not isinstance(data, dict):
        raise SsoConfigError(f"{url} did not answer with a JSON object.")
    return data


def discover(issuer: str, *, fresh: bool = False) -> dict[str, Any]:
    """The provider's published configuration, checked to name the same issuer."""
    check_issuer_url(issuer)
    key = f"sso:oidc:discovery:{issuer}"
    if not fresh and (hit := cache.get(key)) is not None:
        return dict(hit)
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    metadata = _get_json(url)
    if str(metadata.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise SsoConfigError(
            f"The provider calls itself “{metadata.get('issuer', '')}”, not “{issuer}”: check "
            "the issuer URL (copy it from the provider's own settings)."
        )
    for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not metadata.get(needed):
            raise SsoConfigError(f"The provider's configuration has no {needed}.")
    # Charter itself calls these two (the browser goes to the authorization endpoint).
    for fetched in ("token_endpoint", "jwks_uri"):
        addresses.check_fetch_url(str(metadata[fetched]), what=fetched)
    cache.set(key, metadata, CACHE_SECONDS)
    return metadata


def key_set(metadata: dict[str, Any], *, fresh: bool = False) -> KeySet:
    key = f"sso:oidc:jwks:{metadata['jwks_uri']}"
    data = None if fresh else cache.get(key)
    if data is None:
        data = _get_json(metadata["jwks_uri"])
        cache.set(key, data, CACHE_SECONDS)
    try:
        return KeySet.import_key_set(cast(Any, data))
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoConfigError("The provider's signing keys could not be read.") from exc


def _client(provider: IdentityProvider, metadata: dict[str, Any], redirect_uri: str) -> Any:
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = "client_secret_basic" if "client_secret_basic" in methods else methods[0]
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret(),
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
        timeout=TIMEOUT,
        # The token request is checked and pinned like every other fetch from the provider.
        transport=addresses.transport(),
        trust_env=False,
    )


def begin(
    provider: IdentityProvider, *, redirect_uri: str, login_hint: str = "", fresh: bool = False
) -> tuple[str, Pending]:
    """The provider's sign-in address for this browser, and what to remember meanwhile.

    ``fresh`` asks the provider to sign the person in again even if it has a session
    (``prompt=login``, ``max_age=0``): the answer's ``auth_time`` then shows when."""
    metadata = discover(provider.issuer)
    pending = Pending(
        provider_id=provider.pk,
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
    )
    extra: dict[str, Any] = {"login_hint": login_hint} if login_hint else {}
    if fresh:
        extra.update(prompt="login", max_age=0)
    with _client(provider, metadata, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            **extra,
        )
    return url, pending


def finish(
    provider: IdentityProvider, pending: Pending, *, code: str, redirect_uri: str
) -> dict[str, Any]:
    """Exchange the code (with the PKCE verifier) and return the ID token's checked claims."""
    metadata = discover(provider.issuer)
    try:
        with _client(provider, metadata, redirect_uri) as client:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending.code_verifier,
            )
    except UnsafeAddress as exc:
        raise SsoError(str(addresses.refusal(exc, "token_endpoint"))) from exc
    except httpx.HTTPError as exc:
        raise SsoError(f"The provider could not be reached ({type(exc).__name__}).") from exc
    except Exception as exc:  # Authlib raises OAuthError and friends for refusals
        raise SsoError(f"The provider refused to complete the sign-in: {exc}") from exc
    id_token = token.get("id_token")
    if not id_token:
        raise SsoError("The provider sent no ID token.")
    return verify_id_token(
        provider, metadata, id_token, nonce=pending.nonce, access_token=token.get("access_token")
    )


def verify_id_token(
    provider: IdentityProvider,
    metadata: dict[str, Any],
    id_token: str,
    *,
    nonce: str,
    access_token: str | None = None,
) -> dict[str, Any]:
    """Signature against the provider's keys; issuer, audience, expiry, nonce by Authlib."""
    algorithms = [
        a
        for a in metadata.get("id_token_signing_alg_values_supported", ["RS256"])
        if a in ALGORITHMS
    ] or ["RS256"]
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        try:
            decoded = jwt.decode(id_token, key_set(metadata), registry=registry)
        except JoseError:
            # The provider may have rotated its keys since they were cached.
            decoded = jwt.decode(id_token, key_set(metadata, fresh=True), registry=registry)
        params: dict[str, Any] = {"nonce": nonce, "client_id": provider.client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": metadata["issuer"]},
                "aud": {"essential": True, "value": provider.client_id},
            },
            params,
        )
        claims.validate(leeway=LEEWAY_SECONDS)
    except JoseError as exc:
        raise SsoError(_explain(exc)) from exc
    return dict(claims)


def _explain(exc: JoseError) -> str:
    text = f"{exc.error}: {exc.description}" if getattr(exc, "description", "") else exc.error
    claim = str(getattr(exc, "claim", "") or "")
    if "nonce" in text or claim == "nonce":
        return "The provider's answer does not belong to this sign-in (nonce mismatch)."
    if claim == "aud" or "aud" in text:
        return "The ID token was issued for another application (audience mismatch)."
    if claim == "exp" or "expired" in text:
        return "The ID token has expired."
    if claim == "iss":
        return "The ID token names another issuer."
    if "signature" in text or "key" in text:
        return "The ID token's signature does not match the provider's keys."
    return f"The ID token was refused ({text})."


def mfa_detail(claims: dict[str, Any]) -> str | None:
    """The amr/acr value that shows the provider did multi-factor authentication, or None."""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    strong = {"mfa", "otp", "hwk", "swk", "sms", "fido", "face", "fpt", "iris", "retina", "sc"}
    found = [str(v) for v in amr if str(v).lower() in strong]
    if found:
        return ",".join(found)
    acr = str(claims.get("acr") or "")
    if acr and ("mfa" in acr.lower() or "multifactor" in acr.lower() or acr in {"2", "3"}):
        return acr
    return None
