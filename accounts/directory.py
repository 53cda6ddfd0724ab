"""Directory sync: the one way a directory (SCIM) or an HR file adds, changes and removes people.

Each change to a person is one audit event naming its source, and everyone who joined, moved
or left is announced once the change commits, so open campaigns ask the newcomers and close
the requests of the leavers (publishing listens to ``members_changed``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from audit.services import record

from .emails import normalize_email
from .models import (
    DirectoryToken,
    EmployeeType,
    Membership,
    Organization,
    StaffGroup,
    User,
)
from .signals import members_changed

SCIM = "directory (SCIM)"
HR_FILE = "HR file"
STAFF_FILE = "staff list import"

# The attributes a directory may set, in the order the audit event lists them.
ATTRIBUTES = (
    "email",
    "full_name",
    "active",
    "user_name",
    "external_id",
    "department",
    "job_title",
    "site",
    "employee_type",
    "manager_id",
)


class DirectoryError(Exception):
    """A refused directory change; ``status`` and ``scim_type`` are what SCIM answers."""

    def __init__(self, message: str, *, status: int = 400, scim_type: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.scim_type = scim_type


# --- tokens -----------------------------------------------------------------------------------

TOKEN_PREFIX = "chs_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, organization: Organization, issued_by: User) -> str:
    """A new token for the institution's directory; the old one stops working at once.

    Returns the token itself, which is never stored and so can only be shown this once.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        revoked = DirectoryToken.objects.filter(
            organization=organization, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        made = DirectoryToken.objects.create(
            organization=organization,
            token_hash=hash_token(token),
            prefix=token[: len(TOKEN_PREFIX) + 6],
            created_by=issued_by,
        )
        record(
            "accounts.directory.token_issued",
            actor=issued_by,
            organization=organization,
            obj=made,
            details={"prefix": made.prefix, "replaced": bool(revoked)},
        )
    return token


def revoke_token(*, organization: Organization, revoked_by: User) -> bool:
    with transaction.atomic():
        revoked = DirectoryToken.objects.filter(
            organization=organization, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if revoked:
            record("accounts.directory.token_revoked", actor=revoked_by, organization=organization)
    return bool(revoked)


def token_for(token: str) -> DirectoryToken | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    return (
        DirectoryToken.objects.select_related("organization")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )


# --- people -----------------------------------------------------------------------------------


@dataclass
class PersonState:
    """What the directory says about a person; None means "not said, keep what is held"."""

    email: str | None = None
    full_name: str | None = None
    active: bool | None = None
    user_name: str | None = None
    external_id: str | None = None
    department: str | None = None  # a staff group's name; "" for none
    job_title: str | None = None
    site: str | None = None
    employee_type: str | None = None
    manager_id: int | str | None = "keep"  # a membership id, None for none, "keep"


def _department(organization: Organization, name: str) -> StaffGroup | None:
    """The staff group of that name (any case), made on first sight: the HR system decides."""
    name = name.strip()[:120]
    if not name:
        return None
    found: StaffGroup | None = (
        StaffGroup.objects.annotate(lname=Lower("name"))
        .filter(organization=organization, lname=name.lower())
        .first()
    )
    if found is None:
        try:
            with transaction.atomic():
                found = StaffGroup.objects.create(organization=organization, name=name)
        except IntegrityError:  # made by a parallel request meanwhile
            found = (
                StaffGroup.objects.annotate(lname=Lower("name"))
                .filter(organization=organization, lname=name.lower())
                .get()
            )
    return found


def snapshot(m: Membership) -> dict[str, Any]:
    return {
        "email": m.user.email,
        "full_name": m.user.full_name,
        "active": m.is_active,
        "user_name": m.directory_user_name or m.user.email,
        "external_id": m.external_id,
        "department": m.staff_group.name if m.staff_group_id and m.staff_group else "",
        "job_title": m.job_title,
        "site": m.site,
        "employee_type": m.employee_type,
        "manager_id": m.manager_id,
    }


def _check(organization: Organization, state: PersonState, membership: Membership | None) -> None:
    if state.email is not None and not state.email:
        raise DirectoryError("An e-mail address is required.", scim_type="invalidValue")
    if state.employee_type is not None and EmployeeType.from_text(state.employee_type) is None:
        raise DirectoryError(
            f"Unknown employee type '{state.employee_type[:60]}'.", scim_type="invalidValue"
        )
    if state.external_id:
        clash = Membership.objects.filter(organization=organization, external_id=state.external_id)
        if membership is not None:
            clash = clash.exclude(pk=membership.pk)
        if clash.exists():
            raise DirectoryError(
                "Another person here has that externalId.", status=409, scim_type="uniqueness"
            )


def create_person(
    *, organization: Organization, state: PersonState, source: str = SCIM
) -> Membership:
    """Add a person (or take back one who left); refuses a person already here (409)."""
    email = normalize_email(state.email or state.user_name or "")
    state.email = email
    _check(organization, state, None)
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is not None:
            held = Membership.objects.filter(organization=organization, user=user).first()
            if held is not None:
                raise DirectoryError(
                    f"{email} is already a member here.", status=409, scim_type="uniqueness"
                )
        else:
            user = User(
                email=email,
                full_name=(state.full_name or email)[:150],
                password=UNUSABLE_PASSWORD_PREFIX,
            )
            user.save()
        membership = Membership(user=user, organization=organization)
        changed = _apply(membership, state, organization)
        membership.save()
        record(
            "accounts.directory.person_added",
            organization=organization,
            obj=membership,
            details={"source": source, "changes": changed},
            actor_label=source,
        )
        _announce(organization, [membership.pk])
    return membership


def update_person(*, membership: Membership, state: PersonState, source: str = SCIM) -> Membership:
    """Change what the directory says changed; nothing changed is nothing recorded."""
    organization = membership.organization
    _check(organization, state, membership)
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "staff_group", "organization")
            .get(pk=membership.pk)
        )
        was_active = locked.is_active
        changed = _apply(locked, state, organization)
        if not changed:
            return locked
        user_fields = [f for f in ("email", "full_name") if f in changed]
        if user_fields:
            if "email" in user_fields and (
                User.objects.filter(email=locked.user.email).exclude(pk=locked.user_id).exists()
            ):
                raise DirectoryError(
                    f"{locked.user.email} belongs to another account.",
                    status=409,
                    scim_type="uniqueness",
                )
            locked.user.save(update_fields=user_fields)
        locked.save()
        if was_active and not locked.is_active:
            action = "accounts.directory.person_deactivated"
        elif locked.is_active and not was_active:
            action = "accounts.directory.person_reactivated"
        else:
            action = "accounts.directory.person_updated"
        record(
            action,
            organization=organization,
            obj=locked,
            details={"source": source, "changes": changed},
            actor_label=source,
        )
        _announce(organization, [locked.pk])
    return locked


def _apply(m: Membership, state: PersonState, organization: Organization) -> dict[str, Any]:
    """Set the state on the membership (and its user); {attribute: [before, after]}."""
    changed: dict[str, Any] = {}

    def put(name: str, obj: Any, attr: str, value: Any) -> None:
        before = getattr(obj, attr)
        if before != value:
            setattr(obj, attr, value)
            changed[name] = [before, value]

    if state.email is not None:
        put("email", m.user, "email", normalize_email(state.email))
    if state.full_name is not None and state.full_name.strip():
        put("full_name", m.user, "full_name", state.full_name.strip()[:150])
    if state.user_name is not None:
        name = state.user_name.strip().lower()[:254]  # compared in any case (RFC 7643)
        put("user_name", m, "directory_user_name", "" if name == m.user.email else name)
    if state.external_id is not None:
        put("external_id", m, "external_id", state.external_id.strip()[:255] or None)
    if state.department is not None:
        group = _department(organization, state.department)
        before = m.staff_group.name if m.staff_group_id and m.staff_group else ""
        if m.staff_group_id != (group.pk if group else None):
            m.staff_group = group
            changed["department"] = [before, group.name if group else ""]
    if state.job_title is not None:
        put("job_title", m, "job_title", state.job_title.strip()[:150])
    if state.site is not None:
        put("site", m, "site", state.site.strip()[:150])
    if state.employee_type is not None:
        put("employee_type", m, "employee_type", EmployeeType.from_text(state.employee_type))
    if state.manager_id != "keep":
        wanted = state.manager_id if isinstance(state.manager_id, int) else None
        if wanted is not None and m.pk is not None and wanted == m.pk:
            wanted = None
        put("manager_id", m, "manager_id", wanted)
    if state.active is not None and state.active != m.is_active:
        changed["active"] = [m.is_active, state.active]
        m.is_active = state.active
        m.deactivated_at = None if state.active else timezone.now()
        if not state.active:
            m.awaiting_acceptance = False
    return changed


def _announce(organization: Organization, membership_ids: list[int]) -> None:
    transaction.on_commit(
        lambda: members_changed.send(
            sender=Membership, organization=organization, membership_ids=membership_ids
        )
    )


def resolve_manager(organization: Organization, value: str) -> int | None:
    """The membership a directory means by a manager reference: our id, employee id or name."""
    value = (value or "").strip()
    if not value:
        return None
    found = Membership.objects.filter(organization=organization)
    if value.isdigit():
        pk = found.filter(pk=int(value)).values_list("pk", flat=True).first()
        if pk is not None:
            return pk
    pk = found.filter(external_id=value).values_list("pk", flat=True).first()
    if pk is None:
        name = normalize_email(value)
        pk = (
            found.filter(user__email=name).values_list("pk", flat=True).first()
            or found.filter(directory_user_name__iexact=value).values_list("pk", flat=True).first()
        )
    return pk
