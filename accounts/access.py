"""Who may do what: pure permission questions, and fetch-for-this-user helpers.

The rule everywhere: another institution's objects do not exist for you (404); a member
of the right institution without the needed role is refused (403).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeGuard, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from .models import Membership, Organization, Role, User

M = TypeVar("M", bound=models.Model)
View = Callable[..., HttpResponseBase]


def can(membership: Membership | None, *roles: Role) -> TypeGuard[Membership]:
    """True when the membership is active and holds any of the roles (so it is not None)."""
    if membership is None or not membership.is_active:
        return False
    return any(membership.has_role(role) for role in roles)


def can_manage_people(membership: Membership | None) -> TypeGuard[Membership]:
    return can(membership, Role.ADMIN)


# Who writes guidelines: drafts, submitting them, revising after review, review cycles.
DRAFT_EDITORS = (Role.AUTHOR, Role.ADMIN)


def can_edit_drafts(membership: Membership | None) -> TypeGuard[Membership]:
    """May this person edit drafts (and submit and revise them) in this institution?"""
    return can(membership, *DRAFT_EDITORS)


def admins_of(organization: Organization) -> QuerySet[User]:
    """Everyone for whom ``can_manage_people`` holds in this institution, as one query."""
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__is_active=True,
        memberships__is_admin=True,
    ).distinct()


def draft_editors_of(organization: Organization) -> QuerySet[User]:
    """Everyone for whom ``can_edit_drafts`` holds in this institution, as one query."""
    return User.objects.filter(
        Q(memberships__is_author=True) | Q(memberships__is_admin=True),
        is_active=True,
        memberships__organization=organization,
        memberships__is_active=True,
    ).distinct()


def can_review(membership: Membership | None) -> TypeGuard[Membership]:
    return can(membership, Role.REVIEWER)


def can_read_audit(membership: Membership | None) -> TypeGuard[Membership]:
    return can(membership, Role.ADMIN, Role.AUDITOR)


def can_publish(membership: Membership | None) -> TypeGuard[Membership]:
    if can(membership, Role.ADMIN):
        return True
    return bool(
        membership is not None
        and membership.organization.authors_may_publish
        and can(membership, Role.AUTHOR)
    )


def require_role(*roles: Role) -> Callable[[View], View]:
    """View decorator: signed in, a member of the active institution, holding one of roles.

    With no roles, any active member (an employee) may use the view.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                raise PermissionDenied("You are not a member of any institution.")
            if roles and not can(membership, *roles):
                raise PermissionDenied("Your role does not allow this.")
            return view(request, *args, **kwargs)

        wrapper.charter_roles = roles  # type: ignore[attr-defined]
        return wrapper

    return decorator


def active_org(request: HttpRequest) -> Organization:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise PermissionDenied
    return membership.organization


def get_for_org(
    queryset: models.QuerySet[M],
    request: HttpRequest,
    org_field: str = "organization",
    **lookup: Any,
) -> M:
    """Fetch one object of the active institution; anything else is a 404."""
    org = active_org(request)
    try:
        return queryset.get(**{org_field: org}, **lookup)
    except ObjectDoesNotExist as exc:
        raise Http404("Not found") from exc
