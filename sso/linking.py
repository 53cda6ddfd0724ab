"""From a provider's verified claims to a Charter person, without ever taking over an account.

An identity links to an existing person only by the provider's stable subject, or, once, by
e-mail address when the admin allowed it and the address is in the institution's own domains.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts import directory
from accounts.emails import normalize_email
from accounts.models import EmployeeType, Membership, User
from accounts.signals import members_joined
from audit.services import record

from .errors import SsoError
from .models import ExternalIdentity, IdentityProvider

NOT_LINKED = (
    "Your hospital account is not linked to anyone in Charter yet. Ask your Charter admin to "
    "add you; nothing was changed."
)


# The HR attributes a provider may send with the sign-in, by the names Entra ID, Okta and ADFS
# use for them (compared in any case, and by the last part of a SAML claim URI such as
# http://schemas.microsoft.com/ws/2008/06/identity/claims/department).
HR_CLAIMS: dict[str, tuple[str, ...]] = {
    "department": ("department",),
    "job_title": ("job_title", "jobtitle", "title"),
    "site": ("site", "office_location", "officelocation", "physicaldeliveryofficename"),
    "employee_type": ("employee_type", "employeetype", "usertype"),
    "manager": ("manager", "manager_email", "manageremail", "manager_id", "managerid"),
}


def _claim_text(value: Any) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    if isinstance(value, dict):  # SCIM-style {"value": ...} from some providers
        value = value.get("value") or value.get("email") or ""
    if value is None or isinstance(value, bool):
        return None
    return str(value).strip()


def hr_attributes(claims: dict[str, Any]) -> dict[str, str]:
    """The HR attributes these claims carry, by Charter's names; what is not sent is absent."""
    by_name = {str(k).rstrip("/").rpartition("/")[2].lower(): v for k, v in claims.items()}
    found: dict[str, str] = {}
    for attribute, names in HR_CLAIMS.items():
        for name in names:
            if name in by_name:
                text = _claim_text(by_name[name])
                if text is not None:
                    found[attribute] = text
                break
    return found


def _map_attributes(
    provider: IdentityProvider, membership: Membership, claims: dict[str, Any]
) -> None:
    """Set the HR attributes the provider sent (one audit event naming it, only if something
    changed); a value Charter cannot read is left as held rather than refusing the sign-in."""
    found = hr_attributes(claims)
    if not found:
        return
    state = directory.PersonState(
        department=found.get("department"),
        job_title=found.get("job_title"),
        site=found.get("site"),
    )
    kind = found.get("employee_type")
    if kind and EmployeeType.from_text(kind) is not None:
        state.employee_type = kind
    manager = found.get("manager")
    if manager:
        pk = directory.resolve_manager(provider.organization, manager)
        if pk is not None and pk != membership.pk:
            state.manager_id = pk
    # The sign-in itself is sound even if the attributes are refused: the directory or an admin
    # settles them.
    with contextlib.suppress(directory.DirectoryError):
        directory.update_person(
            membership=membership, state=state, source=f"single sign-on ({provider.name})"
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
        membership = _active_member(user, provider) if user.is_active else None
        if membership is None:
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
        _map_attributes(provider, membership, claims)
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
