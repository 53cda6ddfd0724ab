"""Confirming a weighty act (a signature, turning two-factor sign-in off) with a fresh sign-in
at the institution's provider.

People who sign in only through their hospital account have no Charter password to re-enter.
Instead Charter sends them back to their provider asking for a new sign-in (OpenID Connect
``prompt=login`` with ``max_age=0``; SAML ``ForceAuthn``), checks that the answer is fresh
(``auth_time`` / ``AuthnInstant``) and names the same person (the provider's stable subject
already linked to this account), and keeps a proof in the session for a few minutes. The act
takes the proof once; a signature records whether the provider did multi-factor authentication.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Membership, Organization, User

from . import policy
from .errors import SsoError
from .models import ExternalIdentity, IdentityProvider, ProviderProof

PROOF_KEY = "charter.sso.reauth"
TAG_KEY = "charter.sso.reauth_tag"
# How long a fresh sign-in stands for an act (a signature, two-factor off) not yet done.
PROOF_SECONDS = 300
# How long the SAML answer waits for the browser to carry it into the session.
HANDOFF_SECONDS = 120
# Clocks differ a little between Charter and the provider.
LEEWAY_SECONDS = 60


@dataclass(frozen=True)
class Proof:
    provider_id: int
    provider: str
    organization_id: int
    user_id: int
    mfa: str
    at: float  # when the provider says the person signed in (epoch seconds)

    @property
    def age_minutes(self) -> int:
        return max(0, int((time.time() - self.at) // 60))


def signing_provider(user: User, org: Organization) -> IdentityProvider | None:
    """The switched-on provider of this institution that knows this person, if any."""
    return (
        IdentityProvider.objects.filter(organization=org, is_enabled=True, identities__user=user)
        .order_by("name")
        .first()
    )


def password_signing_allowed(user: User) -> bool:
    """Whether the person has a Charter password they are allowed to use."""
    return user.has_usable_password() and policy.password_refusal(user) is None


def session_tag(request: HttpRequest) -> str:
    """A digest naming this browser session, for a proof made outside it to find its way back."""
    raw = request.session.get(TAG_KEY)
    if not isinstance(raw, str) or len(raw) < 32:
        raw = secrets.token_urlsafe(32)
        request.session[TAG_KEY] = raw
    return hashlib.sha256(raw.encode()).hexdigest()


def check_fresh(*, authenticated_at: float | None, asked_at: float) -> None:
    """The provider must say the person signed in after Charter asked (clock skew allowed)."""
    if authenticated_at is None:
        raise SsoError(
            "The provider did not say when you signed in, so the sign-in cannot confirm it is "
            "you. Ask your Charter admin to check the provider's settings."
        )
    if authenticated_at < asked_at - LEEWAY_SECONDS:
        raise SsoError(
            "The provider reused an earlier sign-in instead of asking you to sign in again. "
            "Nothing was signed or changed; try again."
        )


def check_same_person(provider: IdentityProvider, user: User, subject: str) -> None:
    """The answer must name the provider identity already linked to this account."""
    linked = (
        ExternalIdentity.objects.filter(provider=provider, user=user)
        .values_list("subject", flat=True)
        .first()
    )
    if linked is None or linked != subject:
        raise SsoError(
            f"You signed in to {provider.name} as someone else. Nothing was signed or changed: "
            "sign in with your own account."
        )
    if not (
        user.is_active
        and Membership.objects.filter(
            user=user, organization_id=provider.organization_id, is_active=True
        ).exists()
    ):
        raise SsoError("Your Charter account here is not active. Nothing was signed or changed.")


def keep(
    request: HttpRequest, *, provider: IdentityProvider, user: User, mfa: str, at: float
) -> None:
    request.session[PROOF_KEY] = {
        "provider_id": provider.pk,
        "provider": provider.name,
        "organization_id": provider.organization_id,
        "user_id": user.pk,
        "mfa": mfa,
        "at": at,
    }


def _read(request: HttpRequest | None, org: Organization, *, pop: bool) -> Proof | None:
    if request is None or not hasattr(request, "session"):
        return None
    raw: Any = request.session.pop(PROOF_KEY, None) if pop else request.session.get(PROOF_KEY)
    user = getattr(request, "user", None)
    if not isinstance(raw, dict) or user is None:
        return None
    try:
        proof = Proof(**raw)
    except TypeError:
        return None
    if (
        proof.user_id != user.pk
        or proof.organization_id != org.pk
        or time.time() - proof.at > PROOF_SECONDS
    ):
        return None
    return proof


def current(request: HttpRequest | None, org: Organization) -> Proof | None:
    """The session's fresh provider sign-in for this institution, not yet used."""
    return _read(request, org, pop=False)


def take(request: HttpRequest | None, org: Organization) -> Proof | None:
    """The same, used up: one fresh sign-in confirms one signature."""
    return _read(request, org, pop=True)


def hand_off(
    *,
    provider: IdentityProvider,
    user: User,
    tag: str,
    mfa: str,
    at: float,
    next_url: str,
) -> str:
    """Store a SAML-proven fresh sign-in for the browser to collect; returns its one-use token."""
    token = secrets.token_urlsafe(32)
    ProviderProof.objects.filter(
        created_at__lt=timezone.now() - timedelta(seconds=HANDOFF_SECONDS)
    ).delete()
    ProviderProof.objects.create(
        token_digest=hashlib.sha256(token.encode()).hexdigest(),
        provider=provider,
        user=user,
        session_tag=tag,
        mfa=mfa[:200],
        authenticated_at=datetime.fromtimestamp(at, tz=UTC),
        next_url=next_url[:500],
    )
    return token


def redeem(request: HttpRequest, token: str) -> str:
    """Carry a handed-off proof into this session; returns where to go next."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    with transaction.atomic():
        found = (
            ProviderProof.objects.select_for_update()
            .select_related("provider", "user")
            .filter(token_digest=digest)
            .first()
        )
        if found is not None:
            found.delete()
    if (
        found is None
        or timezone.now() - found.created_at > timedelta(seconds=HANDOFF_SECONDS)
        or found.user_id != getattr(request.user, "pk", None)
        or found.session_tag != session_tag(request)
    ):
        raise SsoError("This confirmation has expired or belongs to another session. Try again.")
    keep(
        request,
        provider=found.provider,
        user=found.user,
        mfa=found.mfa,
        at=found.authenticated_at.timestamp(),
    )
    return found.next_url
