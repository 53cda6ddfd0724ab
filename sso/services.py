"""Admins' changes to providers and the sign-in rule: check, save, record (never a secret)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Organization, User
from audit.services import record

from .errors import SsoError
from .models import IdentityProvider, SignInPolicy

# Changing any of these means the provider must be tested again before it signs anyone in.
CONNECTION_FIELDS = (
    "issuer",
    "client_id",
    "client_secret_sealed",
    "metadata_url",
    "metadata_xml",
    "metadata_signing_cert",
)


def save_provider(
    *, provider: IdentityProvider, changed: list[str], by: User, request: Any = None
) -> bool:
    """Store the admin's edit. Returns True when it switched the provider off for a new test."""
    created = provider.pk is None
    switched_off = False
    with transaction.atomic():
        if not created and any(f in CONNECTION_FIELDS for f in changed):
            switched_off = provider.is_enabled
            provider.is_enabled = False
            provider.tested_at = None
        provider.save()
        record(
            "sso.provider.created" if created else "sso.provider.changed",
            actor=by,
            organization=provider.organization,
            obj=provider,
            # Field names only: the trail never holds a secret, sealed or not.
            details={
                "provider": provider.name,
                "protocol": provider.protocol,
                "changed": sorted(
                    "client_secret" if f.startswith("client_secret") else f for f in changed
                ),
                **({"switched_off_for_test": True} if switched_off else {}),
            },
            request=request,
        )
    return switched_off


def record_test(
    *, provider: IdentityProvider, by: User, error: str = "", request: Any = None
) -> None:
    with transaction.atomic():
        locked = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
        locked.tested_at = None if error else timezone.now()
        locked.last_error = error[:2000]
        locked.save(update_fields=["tested_at", "last_error", "updated_at"])
        record(
            "sso.provider.tested",
            actor=by,
            organization=locked.organization,
            obj=locked,
            details={
                "provider": locked.name,
                "ok": not error,
                **({"error": error[:300]} if error else {}),
            },
            request=request,
        )
    provider.refresh_from_db()


def switch(*, provider: IdentityProvider, on: bool, by: User, request: Any = None) -> None:
    """Switch a provider on (only after a successful test sign-in) or off (always allowed)."""
    with transaction.atomic():
        locked = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
        if on and locked.tested_at is None:
            raise SsoError(
                "Run a successful test sign-in first: the provider is switched on only once "
                "Charter has seen it sign someone in."
            )
        if locked.is_enabled == on:
            return
        locked.is_enabled = on
        locked.save(update_fields=["is_enabled", "updated_at"])
        record(
            "sso.provider.switched_on" if on else "sso.provider.switched_off",
            actor=by,
            organization=locked.organization,
            obj=locked,
            details={"provider": locked.name},
            request=request,
        )
    provider.refresh_from_db()


def policy_of(org: Organization) -> SignInPolicy:
    return SignInPolicy.objects.filter(organization=org).first() or SignInPolicy(organization=org)


def set_policy(
    *,
    org: Organization,
    passwords_allowed: bool,
    break_glass: User | None,
    by: User,
    request: Any = None,
) -> SignInPolicy:
    if not passwords_allowed:
        if not IdentityProvider.objects.filter(organization=org, is_enabled=True).exists():
            raise SsoError(
                "Switch a provider on before turning password sign-in off, or nobody could sign in."
            )
        if break_glass is None:
            raise SsoError(
                "Name a break-glass admin who may still sign in with a password if the provider "
                "fails."
            )
        if not break_glass.memberships.filter(
            organization=org, is_active=True, is_admin=True
        ).exists():
            raise SsoError("The break-glass person must be an active admin of this institution.")
        if not break_glass.has_usable_password():
            raise SsoError(
                f"{break_glass.email} has no Charter password yet: they must set one (through "
                "“Forgot your password?”) before they can be the break-glass admin."
            )
    with transaction.atomic():
        policy, _ = SignInPolicy.objects.select_for_update().get_or_create(organization=org)
        policy.passwords_allowed = passwords_allowed
        policy.break_glass = break_glass
        policy.save()
        record(
            "sso.policy.changed",
            actor=by,
            organization=org,
            obj=policy,
            details={
                "passwords_allowed": passwords_allowed,
                "break_glass": break_glass.email if break_glass else "",
            },
            request=request,
        )
    return policy
