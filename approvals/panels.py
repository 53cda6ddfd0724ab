"""What approvals adds to other pages: the home panel, the version page's signatures and
the comment threads beside each wizard step."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.urls import reverse

from accounts.access import can_edit_drafts, can_review
from accounts.http import MemberRequest
from guidelines.models import Draft, Guideline, Version

from .models import Comment, Decision, ReviewRequest, Signature, Suggestion
from .selectors import awaiting
from .threads import is_route_reviewer, threads_at

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


def wizard_threads(
    request: MemberRequest, guideline: Guideline, draft: Draft, section_key: str
) -> Panel | None:
    """Authors revising a draft: the reviewers' decision that sent it back, and the threads on
    this section that followed the guideline into the draft (open ones, and those resolved
    while revising), beside the form; with an empty ``section_key`` (the checklist) only the
    decision and the open counts; and the suggested edits waiting for the author. At most
    seven queries, however many threads and suggestions there are."""
    membership = request.membership
    if not can_edit_drafts(membership):
        return None
    # The wizard reads the draft with the guideline's latest version number; a draft read
    # without it costs one more query here.
    if hasattr(draft, "latest_number"):
        latest = draft.latest_number or 0
    else:
        latest = guideline.versions.aggregate(n=Max("number"))["n"] or 0
    number = latest + 1  # the number this draft takes when it is submitted
    decision = None
    if draft.based_on_id is not None:
        decision = (
            Decision.objects.filter(
                review__version_id=draft.based_on_id, kind=Decision.Kind.CHANGES_REQUESTED
            )
            .select_related("actor", "review")
            .first()
        )
    # One query for every thread the draft carries: the counts for the other sections come
    # from it, and this section's threads are drawn from it (one more query for their replies).
    carried = list(
        Comment.objects.threads_at(guideline_id=guideline.pk, number=number).select_related(
            "author", "resolved_by"
        )
    )
    counts: dict[str, int] = {}
    for comment in carried:
        if comment.resolved_at is None:
            counts[comment.section_key] = counts.get(comment.section_key, 0) + 1
    here = [c for c in carried if c.section_key == section_key]
    threads = []
    if here:
        threads = threads_at(
            guideline_id=guideline.pk,
            number=number,
            membership=membership,
            reviewer=is_route_reviewer(membership, guideline.organization_id),
            section_key=section_key,
            roots=here,
        ).get(section_key, [])
    # Suggested edits waiting for the author: this section's in full, the others counted (one
    # query for all of them).
    waiting = list(
        Suggestion.objects.filter(guideline_id=guideline.pk, state=Suggestion.State.PROPOSED)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    suggested_here = [s for s in waiting if s.section_key == section_key]
    suggested_elsewhere: dict[str, int] = {}
    for suggestion in waiting:
        if suggestion.section_key != section_key:
            key = suggestion.section_key
            suggested_elsewhere[key] = suggested_elsewhere.get(key, 0) + 1
    if decision is None and not counts and not threads and not waiting:
        return None
    stage = None
    if decision is not None and decision.stage_index < len(decision.review.route):
        stage = decision.review.route[decision.stage_index]["role_name"]
    return (
        "approvals/panels/wizard_threads.html",
        {
            "decision": decision,
            "decision_stage": stage,
            "decision_url": reverse("approvals:review", args=[decision.review_id])
            if decision
            else None,
            "threads": threads,
            "open_here": sum(1 for t in threads if not t["comment"].is_resolved),
            "open_counts": counts,
            "open_total": sum(counts.values()),
            "number": number,
            "section_key": section_key,
            "suggestions": suggested_here,
            "suggestions_elsewhere": suggested_elsewhere,
            "suggestions_total": len(waiting),
            "next_url": reverse("guidelines:step", args=[guideline.pk, section_key])
            if section_key
            else "",
        },
    )
