"""The home page panel for authors and admins: open drafts and guidelines due for review."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.access import Role, can, can_edit_drafts
from accounts.http import MemberRequest

from .models import Draft, Guideline
from .schema import SectionState, section_state
from .sections import SECTIONS

Panel = tuple[str, dict[str, Any]]  # (template, context), drawn by the home page


def author_panel(request: MemberRequest) -> Panel | None:
    membership = request.membership
    if not can_edit_drafts(membership):
        return None
    org_id = membership.organization_id
    jurisdiction = membership.organization.jurisdiction
    open_drafts = Draft.objects.filter(guideline__organization_id=org_id, is_open=True)
    # The person's own: a draft they started, or any open draft of a guideline they created.
    own = Q(created_by_id=membership.user_id) | Q(guideline__created_by_id=membership.user_id)
    drafts = []
    for draft in (
        open_drafts.filter(own)
        .select_related("guideline")
        .prefetch_related("sections")
        .order_by("-updated_at")[:10]
    ):
        stored = {row.key: row.data for row in draft.sections.all()}
        states = [section_state(s, stored.get(s.key), jurisdiction) for s in SECTIONS]
        drafts.append(
            {
                "guideline": draft.guideline,
                "complete": states.count(SectionState.COMPLETE),
                "failing": states.count(SectionState.FAILING),
                "total": len(SECTIONS),
            }
        )
    # An admin also sees, on a line of its own, what others are writing (titles only).
    others = (
        list(
            open_drafts.exclude(own)
            .select_related("guideline", "created_by")
            .order_by("-updated_at")[:10]
        )
        if can(membership, Role.ADMIN)
        else []
    )
    due = list(
        Guideline.objects.filter(organization_id=org_id)
        .review_due(on=timezone.localdate())
        .order_by("next_review_date")[:10]
    )
    return "guidelines/panels/author.html", {
        "drafts": drafts,
        "others": others,
        "due": due,
    }
