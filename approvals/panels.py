"""What approvals adds to other pages: the home panel and the version page's signatures."""

from __future__ import annotations

from typing import Any

from accounts.access import can_review
from accounts.http import MemberRequest
from guidelines.models import Version

from .models import ReviewRequest, Signature
from .selectors import awaiting

HOME_LIMIT = 5

Panel = tuple[str, dict[str, Any]]  # (template, context), drawn by the page


def waiting_for_sign_off(request: MemberRequest) -> Panel | None:
    """Reviewers: the reviews waiting for their signature, oldest first."""
    membership = request.membership
    if not can_review(membership):
        return None
    items = awaiting(membership)
    return (
        "approvals/panels/signoff.html",
        {"items": items[:HOME_LIMIT], "more": max(0, len(items) - HOME_LIMIT)},
    )


def version_signatures(request: MemberRequest, version: Version) -> Panel | None:
    """Every reader of a version: its review status and the signatures over its text."""
    signatures = list(Signature.objects.filter(version=version).order_by("signed_at", "pk"))
    review = (
        ReviewRequest.objects.filter(version=version).select_related("decision").order_by("-pk")
    ).first()
    if review is None and not signatures:
        return None
    return (
        "approvals/panels/version_signatures.html",
        {"version": version, "review": review, "signatures": signatures},
    )
