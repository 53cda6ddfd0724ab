"""The request as Charter's middleware leaves it, typed, so views need no ``getattr`` or ignores.

Django builds a plain ``WSGIRequest``; these classes only describe it to the type checker.
``ActiveOrganizationMiddleware`` sets the attributes of ``CharterRequest`` on every request;
a view behind ``access.require_role`` may take a ``MemberRequest``, since the decorator has
already refused anyone who is not signed in and an active member of the chosen institution.
"""

from __future__ import annotations

from django.http import HttpRequest

from .models import Membership, User


class CharterRequest(HttpRequest):
    """Any request once the middleware has run: the person may be anonymous or no member."""

    membership: Membership | None
    memberships: list[Membership]
    pending_invitations: int


class MemberRequest(CharterRequest):
    """A request from a signed-in, active member of the institution they are working in."""

    user: User
    membership: Membership
