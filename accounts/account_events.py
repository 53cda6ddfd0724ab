"""What belongs to the person, not to one institution: the password and two-factor sign-in.

An institution's admin manages that institution's membership (roles, group, active or not).
The credentials are the account's, shared by every institution the person works in, so:

- a change to them is written to the audit trail of every institution the person is an
  active member of (``record_account_change``), and
- one institution's admin may not reset them for a person who is also an active member
  elsewhere (``shared_with_another``): the person does it, or a Charter operator with
  ``manage.py reset_two_factor``, which every institution's trail records.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from audit.services import record

from .models import Membership, Organization, User

SHARED_PERSON_REFUSAL = (
    "{person} is also a member of another institution, so their sign-in is not one "
    "institution's to reset. They can sign in with a recovery code and set two-factor up again "
    "on their Security page, or ask the Charter operator, who resets it for every institution "
    "at once and records it in each audit trail. Nothing was changed."
)


def institutions_of(user: User) -> list[Organization]:
    """The institutions the person is an active member of, in a fixed order (by id) so that
    audit chains are always locked in the same order."""
    return [
        m.organization
        for m in Membership.objects.filter(user_id=user.pk, is_active=True)
        .select_related("organization")
        .order_by("organization_id")
    ]


def shared_with_another(user: User, organization: Organization) -> bool:
    """True when the person is an active member of an institution other than ``organization``."""
    return (
        Membership.objects.filter(user_id=user.pk, is_active=True)
        .exclude(organization_id=organization.pk)
        .exists()
    )


def record_account_change(
    action: str,
    *,
    user: User,
    actor: User | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> int:
    """Write one account-wide change to the trail of each of the person's institutions (or to
    the platform trail when they have none); returns how many institutions were told."""
    organizations = institutions_of(user)
    targets: list[Organization | None] = list(organizations) or [None]
    with transaction.atomic():
        for organization in targets:
            record(
                action,
                actor=actor,
                organization=organization,
                obj=user,
                details=details,
                request=request,
                actor_label=actor_label,
            )
    return len(organizations)
