"""From a provider's verified claims to a Charter person, without ever taking over an account.

An identity links to an existing person only by the provider's stable subject, or, once, by
e-mail address when the admin allowed it and the address is in the institution's own domains.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.emails import normalize_email
from accounts.models import Membership, User
from accounts.signals import members_joined
from audit.services import record

from .errors import SsoError
from .models import ExternalIdentity, IdentityProvider

NOT_LINKED = (
    "Your hospital account is not linked to anyone in Charter yet. Ask your Charter admin to "
    "add you; nothing was changed."
)


def _name(claims: dict[str, Any]) -> str:
    name = str(claims.get("name") or "").strip()
    if not name:
        name = " ".join(
            str(claims.get(k) or "").strip() for k in ("given_name", "family_name")
        ).strip()
    return name[:150]


class _Refusal(Exception):
    """Raised inside the transaction; recorded once it has rolled back."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _active_member(user: User, provider: IdentityProvider) -> Membership | None:
    return Membership.objects.filter(
        user=user, organization_id=provider.organization_id, is_active=True
    ).first()


def person_for(
    provider: IdentityProvider,
    *,
    subject: str,
    claims: dict[str, Any],
    request: Any = None,
) -> User:
    """The person these verified claims sign in, linking or adding them where allowed."""
    subject = str(subject or "").strip()
    if not subject:
        raise SsoError("The provider did not say who you are (no subject).")
    email = normalize_email(claims.get("email") or "")
    try:
        return _person_for(provider, subject=subject, email=email, claims=claims, request=request)
    except _Refusal as refusal:
        record(
            "sso.sign_in.refused",
            organization=provider.organization,
            actor_label=email or subject,
            details={"provider": provider.name, "reason": refusal.reason},
            request=request,
        )
        raise SsoError(str(refusal)) from refusal


def _person_for(
    provider: IdentityProvider,
    *,
    subject: str,
    email: str,
    claims: dict[str, Any],
    request: Any,
) -> User:
    org = provider.organization
    with transaction.atomic():
        identity = (
            ExternalIdentity.objects.select_for_update()
            .select_related("user")
            .filter(provider=provider, subject=subject)
            .first()
        )
        if identity is not None:
            user = identity.user
        else:
            user = _link_or_add(
                provider, subject=subject, email=email, claims=claims, request=request
            )
            identity = ExternalIdentity.objects.get(provider=provider, subject=subject)
        if not user.is_active or _active_member(user, provider) is None:
            raise _Refusal(
                "deactivated",
                f"Your Charter account at {org.name} is not active. Ask your Charter admin.",
            )
        identity.claims = claims
        identity.last_sign_in_at = timezone.now()
        identity.save(update_fields=["claims", "last_sign_in_at"])
        name = _name(claims)
        if name and name != user.full_name:
            user.full_name = name
            user.save(update_fields=["full_name"])
    return user


def _link_or_add(
    provider: IdentityProvider,
    *,
    subject: str,
    email: str,
    claims: dict[str, Any],
    request: Any,
) -> User:
    org = provider.organization

    def refuse(reason: str, message: str) -> _Refusal:
        return _Refusal(reason, message)

    if not email or not provider.accepts_email(email):
        # Whatever the address, an identity outside the institution's own domains never
        # reaches an account: another institution's people are not this provider's to vouch for.
        raise refuse(
            "email_outside_domains",
            f"The address your provider sent is not one of {org.name}'s. Nothing was changed.",
        )
    if claims.get("email_verified") is False:
        raise refuse("email_unverified", "Your provider has not verified your e-mail address.")
    user = User.objects.select_for_update().filter(email=email).first()
    if user is not None:
        if not provider.link_by_email:
            raise refuse("not_linked", NOT_LINKED)
        if ExternalIdentity.objects.filter(provider=provider, user=user).exists():
            # Linked once already, to another identity of this provider: the e-mail claim
            # alone never moves an account to a new subject.
            raise refuse("already_linked", NOT_LINKED)
        if _active_member(user, provider) is None:
            raise refuse("not_member", NOT_LINKED)
        ExternalIdentity.objects.create(
            provider=provider, subject=subject, user=user, linked_by="email", claims=claims
        )
        record(
            "sso.identity.linked",
            actor=user,
            organization=org,
            obj=user,
            details={"provider": provider.name, "by": "email"},
            request=request,
        )
        return user
    if not provider.create_people:
        raise refuse("unknown_person", NOT_LINKED)
    user = User.objects.create_user(email, None, full_name=_name(claims) or email)
    membership = Membership.objects.create(user=user, organization=org)
    ExternalIdentity.objects.create(
        provider=provider, subject=subject, user=user, linked_by="subject", claims=claims
    )
    record(
        "sso.identity.added_person",
        actor=user,
        organization=org,
        obj=user,
        details={"provider": provider.name},
        request=request,
    )
    ids = [membership.pk]
    transaction.on_commit(
        lambda: members_joined.send(sender=Membership, organization=org, membership_ids=ids)
    )
    return user
