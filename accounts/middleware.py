"""Resolves the institution the person is working in for this request."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.contrib.auth import logout
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse

from . import dates, notify, sign_in_reads
from .http import CharterRequest
from .models import Membership, Notification, ReviewerRole, User

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


def signed_in_person(user_id: int | str) -> User | None:
    """The signed-in person, read afresh for this request with everything every page needs.

    One query: the person's memberships and open invitations joined with the person, the
    institution, the staff group and the reviewer roles (one row per role), and the unread
    notification count of each membership. The result lives on this request's ``User`` only:
    nothing carries over to the next request, so a deactivated person or a removed
    membership takes effect at once. A person with no membership at all costs one more query.
    """
    unread = (
        Notification.objects.filter(
            user_id=OuterRef("user_id"), organization_id=OuterRef("organization_id"), read_at=None
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # What the view answering this request asks to read along (accounts.sign_in_reads).
    wanted = sign_in_reads.wanted()
    along = wanted(int(user_id)) if wanted is not None else {}
    rows = list(
        Membership.objects.filter(
            Q(is_active=True) | Q(awaiting_acceptance=True),
            user_id=user_id,
            organization__isnull=False,
        )
        .select_related("user", "organization", "staff_group")
        .annotate(
            role_id=F("reviewer_roles__id"),
            role_name=F("reviewer_roles__name"),
            unread_count=Coalesce(Subquery(unread), Value(0)),
            # Read-only subqueries the view composed from the models' names and bound values.
            **{f"along_{name}": RawSQL(sql, params) for name, (sql, params) in along.items()},  # noqa: S611
        )
        .order_by("organization__name", "pk", "reviewer_roles__name")
    )
    if not rows:
        user = User.objects.filter(pk=user_id).first()
        if user is not None:
            user.charter_memberships = []
        return user
    person = rows[0].user
    memberships: dict[int, Membership] = {}
    roles: dict[int, list[ReviewerRole]] = {}
    for row in rows:
        kept = memberships.setdefault(row.pk, row)
        kept.user = person
        held = roles.setdefault(row.pk, [])
        if row.role_id is not None:
            role = ReviewerRole(pk=row.role_id, name=row.role_name)
            role.organization_id = row.organization_id
            held.append(role)
    for pk, membership in memberships.items():
        # What prefetch_related("reviewer_roles") would have left, without its query.
        cached = membership.reviewer_roles.all()
        cached._result_cache = roles[pk]
        cached._prefetch_done = True  # type: ignore[attr-defined]
        setattr(membership, "_prefetched_objects_cache", {"reviewer_roles": cached})  # noqa: B010
        membership._reviewer_role_ids = {role.pk for role in roles[pk]}
    person.charter_memberships = list(memberships.values())
    person.charter_read_along = {name: getattr(rows[0], f"along_{name}") for name in along}
    return person


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
        request.notifications_seen = notify.generation()
        found: list[Membership] = []
        # The person is read below (request.user): with what this POST's view asks for.
        along = sign_in_reads.use(sign_in_reads.for_request(request))
        try:
            signed_in = request.user.is_authenticated
        finally:
            sign_in_reads.reset(along)
        if signed_in and request.user.is_authenticated:  # (the second look narrows the type)
            read: list[Membership] | None = getattr(request.user, "charter_memberships", None)
            # Read with the person (signed_in_person), unless another backend signed them in.
            found = memberships_for(request.user, with_invitations=True) if read is None else read
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
