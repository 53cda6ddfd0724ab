"""Sign-in, sign-out and failed sign-in go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from audit.services import record

from .middleware_idle import mark_session_ended


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Recorded in the institution the sign-in opens (the one joined first)."""
    membership = (
        user.memberships.filter(is_active=True)
        .select_related("organization")
        .order_by("joined_at", "pk")
        .first()
    )
    record(
        "accounts.user.signed_in",
        actor=user,
        organization=membership.organization if membership else None,
        obj=user,
        request=request,
    )


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        mark_session_ended(request)
    if user is None:
        return
    membership = getattr(request, "membership", None)
    record(
        "accounts.user.signed_out",
        actor=user,
        organization=membership.organization if membership else None,
        obj=user,
        request=request,
    )


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    label = str(credentials.get("username") or credentials.get("email") or "")[:200]
    record("accounts.user.sign_in_failed", actor_label=label, request=request)


# Sent (after commit) when people join an institution by invitation or import, so that
# other apps can ask them to acknowledge the guideline in force.
members_joined = Signal()  # kwargs: organization, membership_ids, background (default True)

# Sent (after commit) when the directory or an HR file adds, changes or removes people, so that
# open campaigns ask those who now match and close the requests of those who no longer do.
members_changed = Signal()  # kwargs: organization, membership_ids, background (default True)
