"""Resolves the institution the person is working in for this request."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib.auth import logout
from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from . import dates
from .http import CharterRequest
from .models import Membership, User

SESSION_KEY = "charter_org_id"


def memberships_for(user: User, *, with_invitations: bool = False) -> list[Membership]:
    """Active memberships, and with ``with_invitations`` the open invitations too, in one
    query (the navigation shows both)."""
    wanted = Q(is_active=True)
    if with_invitations:
        wanted |= Q(awaiting_acceptance=True)
    return list(
        Membership.objects.filter(wanted, user=user, organization__isnull=False)
        .select_related("organization", "staff_group")
        .prefetch_related("reviewer_roles")
        .order_by("organization__name")
    )


def default_membership(memberships: list[Membership]) -> Membership | None:
    """The institution Charter opens when the session has not chosen one: the one the person
    joined first. Joining another (always the person's own act) comes later, so it never
    changes which institution a sign-in opens."""
    return min(memberships, key=lambda m: (m.joined_at, m.pk), default=None)


class ActiveOrganizationMiddleware:
    """Sets ``request.membership`` (or None), ``request.memberships`` and
    ``request.pending_invitations`` (how many institutions wait for the person's answer)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, plain: HttpRequest) -> HttpResponse:
        request = cast(CharterRequest, plain)  # what this middleware makes of every request
        request.membership = None
        request.memberships = []
        request.pending_invitations = 0
        if request.user.is_authenticated:
            found = memberships_for(request.user, with_invitations=True)
            if not found and request.user.memberships.exists():
                # Deactivated everywhere (by an admin, the directory or an HR file): a session
                # opened before that ends now, not at its expiry.
                logout(request)
        if request.user.is_authenticated:
            memberships = [m for m in found if m.is_active]
            request.memberships = memberships
            request.pending_invitations = len(found) - len(memberships)
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.organization_id == wanted), None)
            if chosen is None:
                chosen = default_membership(memberships)
                if chosen is not None:
                    request.session[SESSION_KEY] = chosen.organization_id
            request.membership = chosen
        # Every date this request writes follows the active institution's order (a public
        # page may switch to the institution it shows); nothing carries over to the next.
        membership = request.membership
        token = dates.use(membership.organization if membership is not None else None)
        try:
            return self.get_response(request)
        finally:
            dates.reset(token)
