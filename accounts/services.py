"""Writes about people: invitations, roles, deactivation and the staff CSV import."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.services import record
from config.mail import send_to_each

from .emails import normalize_email
from .models import Invitation, Membership, Organization, ReviewerRole, StaffGroup, User
from .signals import members_joined


class PeopleError(Exception):
    """A refused change to people or roles, with a message for the admin."""


def _announce_joined(organization: Organization, membership_ids: list[int]) -> None:
    if membership_ids:
        transaction.on_commit(
            lambda: members_joined.send(
                sender=Membership, organization=organization, membership_ids=membership_ids
            )
        )


def send_invitation_email(*, membership: Membership, invited_by: User | None) -> None:
    user = membership.user
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.SITE_URL + reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )
    send_to_each(
        [user],
        "invitation",
        f"You are invited to {membership.organization.name} on Charter",
        {"organization": membership.organization, "invited_by": invited_by, "link": link},
    )


def invite_person(
    *,
    organization: Organization,
    invited_by: User,
    email: str,
    full_name: str,
    staff_group: StaffGroup | None = None,
    job_title: str = "",
    request: Any = None,
) -> Membership:
    email = normalize_email(email)
    existing = Membership.objects.filter(organization=organization, user__email=email).first()
    if existing is not None and existing.is_active:
        raise PeopleError(f"{email} is already a member of {organization.name}.")
    if staff_group is not None and staff_group.organization_id != organization.pk:
        raise PeopleError("That staff group belongs to another institution.")
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, full_name=full_name.strip())
            user.set_unusable_password()
            user.save()
        if existing is not None:
            membership = existing
            membership.is_active = True
            membership.deactivated_at = None
            membership.staff_group = staff_group
            membership.job_title = job_title
            membership.save()
        else:
            membership = Membership.objects.create(
                user=user, organization=organization, staff_group=staff_group, job_title=job_title
            )
        Invitation.objects.create(membership=membership, invited_by=invited_by)
        record(
            "accounts.person.invited",
            actor=invited_by,
            organization=organization,
            obj=membership,
            details={"email": email},
            request=request,
        )
        transaction.on_commit(
            lambda: send_invitation_email(membership=membership, invited_by=invited_by)
        )
        _announce_joined(organization, [membership.pk])
    return membership


def update_membership(
    *,
    membership: Membership,
    changed_by: User,
    is_admin: bool,
    is_author: bool,
    is_auditor: bool,
    reviewer_roles: list[ReviewerRole],
    staff_group: StaffGroup | None,
    job_title: str,
    request: Any = None,
) -> Membership:
    org = membership.organization
    if any(r.organization_id != org.pk for r in reviewer_roles):
        raise PeopleError("A reviewer role belongs to another institution.")
    if staff_group is not None and staff_group.organization_id != org.pk:
        raise PeopleError("That staff group belongs to another institution.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.is_admin and not is_admin and _other_admins(locked) == 0:
            raise PeopleError("An institution needs at least one active admin.")
        before = _role_snapshot(locked)
        locked.is_admin, locked.is_author, locked.is_auditor = is_admin, is_author, is_auditor
        locked.staff_group = staff_group
        locked.job_title = job_title
        locked.save()
        locked.reviewer_roles.set(reviewer_roles)
        locked.__dict__.pop("_reviewer_role_ids", None)  # roles just changed
        after = _role_snapshot(locked)
        if before != after:
            record(
                "accounts.roles.changed",
                actor=changed_by,
                organization=org,
                obj=locked,
                details={"before": before, "after": after},
                request=request,
            )
    return locked


def _other_admins(membership: Membership) -> int:
    return (
        Membership.objects.filter(
            organization=membership.organization, is_admin=True, is_active=True
        )
        .exclude(pk=membership.pk)
        .count()
    )


def _role_snapshot(m: Membership) -> dict[str, Any]:
    return {
        "admin": m.is_admin,
        "author": m.is_author,
        "auditor": m.is_auditor,
        "reviewer_roles": sorted(r.name for r in m.reviewer_roles.all()),
        "staff_group": m.staff_group.name if m.staff_group else None,
        "job_title": m.job_title,
    }


def set_active(
    *, membership: Membership, changed_by: User, active: bool, request: Any = None
) -> Membership:
    """Deactivate (or bring back) a person; nothing about them is ever deleted."""
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.is_active == active:
            return locked
        if not active and locked.user_id == changed_by.pk:
            raise PeopleError("You cannot deactivate yourself.")
        if not active and locked.is_admin and _other_admins(locked) == 0:
            raise PeopleError("An institution needs at least one active admin.")
        locked.is_active = active
        locked.deactivated_at = None if active else timezone.now()
        locked.save()
        record(
            "accounts.person.reactivated" if active else "accounts.person.deactivated",
            actor=changed_by,
            organization=locked.organization,
            obj=locked,
            request=request,
        )
    return locked


def set_email_settings(
    *, user: User, email_comments: bool, organization: Organization | None, request: Any = None
) -> User:
    """A person chooses which optional e-mails they receive."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.email_comments == email_comments:
            return locked
        locked.email_comments = email_comments
        locked._history_user = user  # type: ignore[attr-defined]
        locked.save(update_fields=["email_comments"])
        record(
            "accounts.user.email_settings_changed",
            actor=user,
            organization=organization,
            obj=locked,
            details={"email_comments": email_comments},
            request=request,
        )
    return locked


# --- CSV import -------------------------------------------------------------------------

IMPORT_COLUMNS = ("email", "name", "staff_group", "job_title")
_HEADER_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "name": "name",
    "full name": "name",
    "staff group": "staff_group",
    "staff_group": "staff_group",
    "group": "staff_group",
    "department": "staff_group",
    "job title": "job_title",
    "job_title": "job_title",
    "title": "job_title",
}


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    staff_group: str
    job_title: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    membership_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_staff_csv(raw: bytes) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """Read the file; return rows and (line, message) errors for the file's own faults."""
    if len(raw) > settings.CHARTER_IMPORT_MAX_BYTES:
        limit = settings.CHARTER_IMPORT_MAX_BYTES
        size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
        return [], [(0, f"The file is larger than {size}; split it into smaller files.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")]
    if "\x00" in text:
        return [], [(0, "The file is not a CSV text file.")]
    try:
        reader = csv.reader(io.StringIO(text))
        header = next(reader, None)
        if header is None:
            return [], [(0, "The file is empty.")]
        columns = [_HEADER_ALIASES.get(h.strip().lower(), "") for h in header]
        missing = [c for c in ("email", "name") if c not in columns]
        if missing:
            return [], [
                (1, "The first line must name the columns: email, name, staff group, job title.")
            ]
        rows: list[ImportRow] = []
        for line_no, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            cells = {
                col: (values[i].strip() if i < len(values) else "")
                for i, col in enumerate(columns)
                if col
            }
            rows.append(
                ImportRow(
                    line=line_no,
                    email=normalize_email(cells.get("email", "")),
                    name=cells.get("name", ""),
                    staff_group=cells.get("staff_group", ""),
                    job_title=cells.get("job_title", ""),
                )
            )
    except csv.Error as exc:
        return [], [(0, f"The file could not be read as CSV: {exc}.")]
    if not rows:
        return [], [(0, "The file has no rows after the header.")]
    return rows, []


def import_staff(
    *, organization: Organization, imported_by: User, raw: bytes, request: Any = None
) -> ImportResult:
    """All or nothing: any bad row means nothing is imported, and every bad row is listed."""
    result = ImportResult()
    rows, file_errors = parse_staff_csv(raw)
    if file_errors:
        result.errors = file_errors
        return result

    groups = {g.name.lower(): g for g in StaffGroup.objects.filter(organization=organization)}
    seen: dict[str, int] = {}
    for row in rows:
        try:
            validate_email(row.email)
        except ValidationError:
            result.errors.append(
                (row.line, f"'{row.email or '(empty)'}' is not a valid e-mail address.")
            )
        if not row.name:
            result.errors.append((row.line, "The name is empty."))
        elif len(row.name) > 150:
            result.errors.append((row.line, "The name is longer than 150 characters."))
        if len(row.job_title) > 150:
            result.errors.append((row.line, "The job title is longer than 150 characters."))
        if row.staff_group and row.staff_group.lower() not in groups:
            result.errors.append(
                (
                    row.line,
                    f"Unknown staff group '{row.staff_group}'. Create it first or fix the name.",
                )
            )
        if row.email in seen:
            result.errors.append(
                (
                    row.line,
                    f"{row.email} appears twice in the file (first on line {seen[row.email]}).",
                )
            )
        else:
            seen[row.email] = row.line
    if result.errors:
        return result

    with transaction.atomic():
        users = _existing(User.objects.all(), "email", list(seen))
        memberships = {
            m.user.email: m
            for m in _existing(
                Membership.objects.filter(organization=organization).select_related("user"),
                "user__email",
                list(seen),
            ).values()
        }
        new_users = [
            User(email=row.email, full_name=row.name, password="!")  # unusable until invited
            for row in rows
            if row.email not in users
        ]
        for created_user in bulk_create_with_history(new_users, User, batch_size=1000):
            users[created_user.email] = created_user
        if new_users and any(u.pk is None for u in new_users):
            users.update(_existing(User.objects.all(), "email", [u.email for u in new_users]))

        to_create: list[Membership] = []
        to_update: list[Membership] = []
        for row in rows:
            group = groups.get(row.staff_group.lower()) if row.staff_group else None
            membership = memberships.get(row.email)
            if membership is None:
                to_create.append(
                    Membership(
                        user=users[row.email],
                        organization=organization,
                        staff_group=group,
                        job_title=row.job_title,
                    )
                )
                continue
            wanted = (True, group.pk if group else None, row.job_title)
            current = (membership.is_active, membership.staff_group_id, membership.job_title)
            if wanted == current:
                result.unchanged += 1
                continue
            membership.is_active = True
            membership.deactivated_at = None
            membership.staff_group = group
            membership.job_title = row.job_title
            to_update.append(membership)
        bulk_create_with_history(to_create, Membership, batch_size=1000)
        if to_update:
            bulk_update_with_history(
                to_update,
                Membership,
                ["is_active", "deactivated_at", "staff_group", "job_title"],
                batch_size=1000,
            )
        result.created = len(to_create)
        result.updated = len(to_update)
        if to_create:
            created_ids = _existing(
                Membership.objects.filter(organization=organization).select_related("user"),
                "user__email",
                [m.user.email for m in to_create],
            )
            result.membership_ids = [m.pk for m in created_ids.values()]
        if result.created or result.updated:
            record(
                "accounts.staff.imported",
                actor=imported_by,
                organization=organization,
                details={
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
                request=request,
            )
        _announce_joined(organization, result.membership_ids)
    return result


def _existing(queryset: Any, key: str, values: list[str], chunk: int = 1000) -> dict[str, Any]:
    """Look up many rows by one key in a few queries (the import can be 10,000 rows)."""
    found: dict[str, Any] = {}
    for start in range(0, len(values), chunk):
        part = values[start : start + chunk]
        for obj in queryset.filter(**{f"{key}__in": part}):
            value = obj
            for attr in key.split("__"):
                value = getattr(value, attr)
            found[value] = obj
    return found


def switch_organization(*, request: Any, organization_id: int) -> Organization:
    from .middleware import SESSION_KEY

    membership = next(
        (m for m in getattr(request, "memberships", []) if m.organization_id == organization_id),
        None,
    )
    if membership is None:
        raise PeopleError("You are not a member of that institution.")
    request.session[SESSION_KEY] = organization_id
    record(
        "accounts.organization.switched",
        actor=request.user,
        organization=membership.organization,
        request=request,
    )
    return membership.organization
