"""The request as Charter's middleware leaves it, typed, so views need no ``getattr`` or ignores.

Django builds a plain ``WSGIRequest``; these classes only describe it to the type checker.
``ActiveOrganizationMiddleware`` sets the attributes of ``CharterRequest`` on every request;
a view behind ``login_required`` may take a ``SignedInRequest``, and one behind
``access.require_role`` a ``MemberRequest``, since the decorator has already refused anyone who
is not signed in and an active member of the chosen institution.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import Membership, User


class CharterRequest(HttpRequest):
    """Any request once the middleware has run: the person may be anonymous or no member."""

    membership: Membership | None
    memberships: list[Membership]
    pending_invitations: int
    notifications_seen: int  # notify.generation() when the request began
    htmx: HtmxDetails  # set by django-htmx's middleware, which runs before ours


class SignedInRequest(CharterRequest):
    """A request from someone signed in (``login_required``), who may belong nowhere yet."""

    user: User


class MemberRequest(SignedInRequest):
    """A request from a signed-in, active member of the institution they are working in."""

    membership: Membership
