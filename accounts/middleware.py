"""Resolves the institution the person is working in for this request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .models import Membership

SESSION_KEY = "charter_org_id"


def memberships_for(user) -> list[Membership]:  # type: ignore[no-untyped-def]
    return list(
        Membership.objects.filter(user=user, is_active=True, organization__isnull=False)
        .select_related("organization", "staff_group")
        .prefetch_related("reviewer_roles")
        .order_by("organization__name")
    )


class ActiveOrganizationMiddleware:
    """Sets ``request.membership`` (or None) and ``request.memberships``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = memberships_for(request.user)
            request.memberships = memberships  # type: ignore[attr-defined]
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in memberships if m.organization_id == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
                request.session[SESSION_KEY] = chosen.organization_id
            request.membership = chosen  # type: ignore[attr-defined]
        return self.get_response(request)
