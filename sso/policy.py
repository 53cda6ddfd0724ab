"""Who signs in how: which providers an address is sent to, and whether a password may be used."""

from __future__ import annotations

from accounts.emails import normalize_email
from accounts.models import User

from .models import IdentityProvider, SignInPolicy


def _user(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email)).first()


def providers_for(email: str) -> list[IdentityProvider]:
    """Switched-on providers this address may sign in with: those of the institutions the person
    is an active member of, or, for someone not in Charter yet, a provider that adds new people
    of that e-mail domain."""
    email = normalize_email(email)
    if not email or "@" not in email:
        return []
    enabled = IdentityProvider.objects.filter(is_enabled=True).select_related("organization")
    user = _user(email)
    if user is not None:
        return list(
            enabled.filter(
                organization__memberships__user=user, organization__memberships__is_active=True
            ).order_by("organization__name", "name")
        )
    return [p for p in enabled.filter(create_people=True) if p.accepts_email(email)]


def password_refusal(user: User | None) -> str | None:
    """Why this person may not sign in with a password, or None when they may.

    The strictest of their institutions wins. An institution forbids passwords only while it
    has a switched-on provider, so turning a provider off can never lock anyone out; its
    break-glass admin may always use a password.
    """
    if user is None or not user.is_active:
        return None
    policies = SignInPolicy.objects.filter(
        passwords_allowed=False,
        organization__memberships__user=user,
        organization__memberships__is_active=True,
        organization__identity_providers__is_enabled=True,
    ).select_related("organization")
    for policy in policies.distinct():
        if policy.break_glass_id != user.pk:
            return (
                f"{policy.organization.name} signs its staff in with their hospital account: use "
                "“Sign in with your hospital account”."
            )
    return None


def passwords_refused_for(email: str) -> str | None:
    return password_refusal(_user(email))
