"""Writes about people: invitations, roles and deactivation (the CSV import: staff_import.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.services import record
from config.mail import send_to_each

from . import joining
from .account_events import shared_with_another
from .dates import DateOrder
from .emails import normalize_email
from .http import CharterRequest
from .middleware import SESSION_KEY
from .models import (
    EmployeeType,
    Invitation,
    Jurisdiction,
    Membership,
    Organization,
    ReviewerRole,
    StaffGroup,
    User,
)
from .signals import members_changed, members_joined


class PeopleError(Exception):
    """A refused change to people or roles, with a message for the admin."""


@dataclass(frozen=True)
class HRAttributes:
    """What the HR system says about a person beyond their department and job title."""

    site: str = ""
    employee_type: str = EmployeeType.EMPLOYEE
    manager: Membership | None = None
    external_id: str | None = None


def check_hr_attributes(membership: Membership, hr: HRAttributes) -> None:
    """Refuse attributes that do not fit: an unknown type, a manager elsewhere or in a loop,
    an employee id another person of the institution already has."""
    if hr.employee_type not in EmployeeType.values:
        raise PeopleError(f"'{hr.employee_type}' is not a known employee type.")
    problem = membership.manager_problem(hr.manager)
    if problem:
        raise PeopleError(problem)
    if hr.external_id:
        taken = (
            Membership.objects.filter(
                organization_id=membership.organization_id, external_id=hr.external_id
            )
            .exclude(pk=membership.pk)
            .select_related("user")
            .first()
        )
        if taken is not None:
            raise PeopleError(f"Employee id {hr.external_id} already belongs to {taken.user}.")


def _announce_changed(organization: Organization, membership_ids: list[int]) -> None:
    """A leaver's pending acknowledgement requests are closed once the change commits."""
    transaction.on_commit(
        lambda: members_changed.send(
            sender=Membership, organization=organization, membership_ids=membership_ids
        )
    )


def _announce_joined(organization: Organization, membership_ids: list[int]) -> None:
    if membership_ids:
        transaction.on_commit(
            lambda: members_joined.send(
                sender=Membership, organization=organization, membership_ids=membership_ids
            )
        )


def _set_password_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )


def send_invitation_email(*, membership: Membership, invited_by: User | None) -> None:
    send_invitation_emails(
        organization=membership.organization, users=[membership.user], invited_by=invited_by
    )


def send_invitation_emails(
    *, organization: Organization, users: Sequence[User], invited_by: User | None
) -> int:
    """Invite many people of one institution over one mail connection, each with their link."""
    return send_to_each(
        users,
        "invitation",
        f"You are invited to {organization.name} on Charter",
        {"organization": organization, "invited_by": invited_by},
        per_person=lambda user: {"link": _set_password_link(user)},
    )


def invite_person(
    *,
    organization: Organization,
    invited_by: User,
    email: str,
    full_name: str,
    staff_group: StaffGroup | None = None,
    job_title: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    email = normalize_email(email)
    existing = (
        Membership.objects.filter(organization=organization, user__email=email)
        .select_related("user", "organization")
        .first()
    )
    if existing is not None and existing.is_active:
        if existing.user.last_login is None and not existing.user.has_usable_password():
            # Imported (or invited long ago) and never signed in: inviting them again is
            # what the admin means, not a mistake to refuse.
            return _invite_again(existing, invited_by=invited_by, request=request)
        raise PeopleError(f"{email} is already a member of {organization.name}.")
    if staff_group is not None and staff_group.organization_id != organization.pk:
        raise PeopleError("That staff group belongs to another institution.")
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        # Someone with an account of their own joins only by accepting (accounts/joining.py):
        # no password link, nothing active until they say yes.
        consent = joining.needs_consent(user, organization)
        if user is None:
            user = User.objects.create_user(email=email, full_name=full_name.strip())
            user.set_unusable_password()
            user.save()
        if existing is not None:
            membership = existing
            membership.is_active = not consent
            membership.awaiting_acceptance = consent
            membership.deactivated_at = None
            membership.staff_group = staff_group
            membership.job_title = job_title
            membership.save()
        else:
            membership = Membership.objects.create(
                user=user,
                organization=organization,
                staff_group=staff_group,
                job_title=job_title,
                is_active=not consent,
                awaiting_acceptance=consent,
            )
        Invitation.objects.create(membership=membership, invited_by=invited_by)
        record(
            "accounts.person.invited",
            actor=invited_by,
            organization=organization,
            obj=membership,
            details={"email": email, "awaiting_acceptance": consent},
            request=request,
        )
        if consent:
            transaction.on_commit(
                lambda: joining.send_join_request_email(
                    membership=membership, invited_by=invited_by
                )
            )
        else:
            transaction.on_commit(
                lambda: send_invitation_email(membership=membership, invited_by=invited_by)
            )
            _announce_joined(organization, [membership.pk])
    return membership


def _invite_again(
    membership: Membership, *, invited_by: User, request: HttpRequest | None
) -> Membership:
    """A new set-password link for a member who has never signed in."""
    with transaction.atomic():
        Invitation.objects.create(membership=membership, invited_by=invited_by)
        record(
            "accounts.person.invited",
            actor=invited_by,
            organization=membership.organization,
            obj=membership,
            details={"email": membership.user.email, "again": True},
            request=request,
        )
        transaction.on_commit(
            lambda: send_invitation_email(membership=membership, invited_by=invited_by)
        )
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
    hr: HRAttributes | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Roles, department, title and (when given) the other HR attributes; one audit event."""
    org = membership.organization
    if any(r.organization_id != org.pk for r in reviewer_roles):
        raise PeopleError("A reviewer role belongs to another institution.")
    if staff_group is not None and staff_group.organization_id != org.pk:
        raise PeopleError("That staff group belongs to another institution.")
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if locked.is_admin and not is_admin and _other_admins(locked) == 0:
            raise PeopleError("An institution needs at least one active admin.")
        if hr is not None:
            check_hr_attributes(locked, hr)
        before = _role_snapshot(locked)
        locked.is_admin, locked.is_author, locked.is_auditor = is_admin, is_author, is_auditor
        locked.staff_group = staff_group
        locked.job_title = job_title
        if hr is not None:
            locked.site = hr.site
            locked.employee_type = hr.employee_type
            locked.manager = hr.manager
            locked.external_id = hr.external_id or None
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
        "site": m.site,
        "employee_type": m.employee_type,
        "manager": m.manager.user.email if m.manager else None,
        "external_id": m.external_id,
    }


def set_active(
    *, membership: Membership, changed_by: User, active: bool, request: HttpRequest | None = None
) -> Membership:
    """Deactivate (or bring back) a person; nothing about them is ever deleted."""
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        if not active and locked.awaiting_acceptance:
            # Deactivating someone who has not answered yet withdraws the invitation.
            locked.awaiting_acceptance = False
            locked.deactivated_at = timezone.now()
            locked.save()
            record(
                "accounts.invitation.withdrawn",
                actor=changed_by,
                organization=locked.organization,
                obj=locked,
                request=request,
            )
            return locked
        if locked.is_active == active:
            return locked
        if active and shared_with_another(locked.user, locked.organization):
            raise PeopleError(
                f"{locked.user} is also a member of another institution, so they come back "
                "only by accepting an invitation: use Invite with their address to ask them."
            )
        if not active and locked.user_id == changed_by.pk:
            raise PeopleError("You cannot deactivate yourself.")
        if not active and locked.is_admin and _other_admins(locked) == 0:
            raise PeopleError("An institution needs at least one active admin.")
        locked.is_active = active
        locked.deactivated_at = None if active else timezone.now()
        locked.save()
        if not active:
            _announce_changed(locked.organization, [locked.pk])
        record(
            "accounts.person.reactivated" if active else "accounts.person.deactivated",
            actor=changed_by,
            organization=locked.organization,
            obj=locked,
            request=request,
        )
    return locked


def set_institution_settings(
    *,
    organization: Organization,
    by: User,
    date_order: str,
    jurisdiction: str | None = None,
    request: HttpRequest | None = None,
) -> Organization:
    """An admin chooses how the institution writes dates and where it works (its pack)."""
    if date_order not in DateOrder.values:
        raise PeopleError("Choose day-month or month-day order.")
    if jurisdiction is not None and jurisdiction not in Jurisdiction.values:
        raise PeopleError("Choose one of the listed countries.")
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        wanted = {"date_order": date_order, "jurisdiction": jurisdiction or locked.jurisdiction}
        changes = {
            field: {"from": getattr(locked, field), "to": value}
            for field, value in wanted.items()
            if getattr(locked, field) != value
        }
        if not changes:
            return locked
        for field, change in changes.items():
            setattr(locked, field, change["to"])
        locked._history_user = by  # type: ignore[attr-defined]
        locked.save(update_fields=list(changes))
        record(
            "accounts.organization.settings_changed",
            actor=by,
            organization=locked,
            obj=locked,
            details=changes,
            request=request,
        )
    return locked


def set_email_settings(
    *,
    user: User,
    email_comments: bool,
    organization: Organization | None,
    request: HttpRequest | None = None,
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


def switch_organization(*, request: CharterRequest, organization_id: int) -> Organization:
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
