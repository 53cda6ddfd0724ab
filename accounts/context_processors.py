from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from . import access, notify
from .models import Notification

# Pages behind the header's "Administration" menu: the menu is marked while one is open.
ADMIN_NAV_VIEWS = (
    "accounts:people",
    "accounts:institution_settings",
    "approvals:route",
    "integrations:index",
    "integrations:tokens",
    "audit:events",
    "accounts:security",
)


def charter(request: HttpRequest) -> dict[str, Any]:
    """Navigation facts every page needs: the active institution and what the person may do."""
    membership = getattr(request, "membership", None)
    pending = getattr(request, "pending_invitations", 0)
    if membership is None:
        return {
            "membership": None,
            "pending_invitations": pending,
            "support_email": settings.SUPPORT_EMAIL,
        }
    # Counted with the person at the start of the request, unless this request itself
    # wrote or closed a notice since.
    unread = getattr(membership, "unread_count", None)
    if unread is None or notify.generation() != getattr(request, "notifications_seen", None):
        unread = Notification.objects.filter(
            user_id=membership.user_id, organization_id=membership.organization_id, read_at=None
        ).count()
    return {
        "membership": membership,
        "active_org": membership.organization,
        "other_memberships": [
            m for m in getattr(request, "memberships", []) if m.pk != membership.pk
        ],
        "nav": {
            "people": access.can_manage_people(membership),
            "author": access.can_edit_drafts(membership),
            "review": access.can_review(membership),
            "audit": access.can_read_audit(membership),
            "admin": access.can(membership, access.Role.ADMIN),
        },
        "admin_nav_views": ADMIN_NAV_VIEWS,
        "unread_notifications": unread,
        "pending_invitations": pending,
        "support_email": settings.SUPPORT_EMAIL,
    }
