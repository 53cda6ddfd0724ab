"""Writes about approvals that do not change a review's status: the route, comments, revisions.

Status changes live in ``approvals/workflow.py``; these share its ``WorkflowError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import can_edit_drafts
from accounts.models import Membership, Organization, ReviewerRole, User
from audit.services import record
from guidelines.models import Draft, Version
from guidelines.sections import SECTIONS_BY_KEY
from guidelines.services import GuidelineError, start_draft

from . import notify
from .models import ApprovalRoute, ApprovalStage, Comment, ReviewRequest, Rule, VersionSeen
from .workflow import WorkflowError

MAX_DUE_DAYS = 90


@dataclass(frozen=True)
class StageSpec:
    """One stage as the admin typed it, before it is saved."""

    reviewer_role: ReviewerRole
    rule: str = Rule.ANY
    quorum: int = 1
    due_days: int = 5


def _holders(role: ReviewerRole) -> int:
    return Membership.objects.filter(
        reviewer_roles=role, is_active=True, user__is_active=True
    ).count()


def check_route(organization: Organization, stages: list[StageSpec]) -> None:
    """Refuse a route that could never finish, with the reason in words."""
    if not stages:
        raise WorkflowError("A route needs at least one stage.")
    seen: set[int] = set()
    for number, spec in enumerate(stages, start=1):
        role = spec.reviewer_role
        if role.organization_id != organization.pk:
            raise WorkflowError(
                f"Stage {number}: that reviewer role belongs to another institution."
            )
        if role.pk in seen:
            raise WorkflowError(
                f"Stage {number}: {role.name} is already a stage; each role appears once."
            )
        seen.add(role.pk)
        if spec.rule not in Rule.values:
            raise WorkflowError(f"Stage {number}: choose a rule.")
        if not 1 <= spec.due_days <= MAX_DUE_DAYS:
            raise WorkflowError(f"Stage {number}: the due period is 1 to {MAX_DUE_DAYS} days.")
        if spec.rule == Rule.QUORUM:
            holders = _holders(role)
            if spec.quorum < 1:
                raise WorkflowError(f"Stage {number}: a quorum is at least 1.")
            if spec.quorum > holders:
                who = "person holds" if holders == 1 else "people hold"
                raise WorkflowError(
                    f"Stage {number}: only {holders} {who} the {role.name} role, "
                    f"so a quorum of {spec.quorum} could never be met."
                )


class RouteConflict(WorkflowError):
    """Someone saved the route after this editor was loaded; nothing was saved."""


def save_route(
    *,
    organization: Organization,
    stages: list[StageSpec],
    by: User,
    revision: int,
    request: HttpRequest | None = None,
) -> ApprovalRoute:
    """Replace the institution's route. Reviews under way keep the route they started with.

    ``revision`` is the route's revision the editor was loaded with: if someone saved since,
    the save is refused with ``RouteConflict`` so no one's route is silently replaced.
    """
    check_route(organization, stages)
    with transaction.atomic():
        route, _ = ApprovalRoute.objects.get_or_create(organization=organization)
        route = ApprovalRoute.objects.select_for_update().get(pk=route.pk)
        if route.revision != revision:
            saved_at = timezone.localtime(route.updated_at).strftime("%H:%M on %d %b")
            raise RouteConflict(
                f"Someone else saved the approval route at {saved_at}, after you opened this "
                "page, so your changes were not saved. The current route is shown above and "
                "your changes are kept below: save again to replace the current route with them."
            )
        before = route.snapshot()
        route.stages.all().delete()
        ApprovalStage.objects.bulk_create(
            ApprovalStage(
                route=route,
                order=order,
                reviewer_role=spec.reviewer_role,
                rule=spec.rule,
                quorum=spec.quorum if spec.rule == Rule.QUORUM else 1,
                due_days=spec.due_days,
            )
            for order, spec in enumerate(stages, start=1)
        )
        route.revision += 1
        route.save(update_fields=["updated_at", "revision"])
        record(
            "approvals.route.changed",
            actor=by,
            organization=organization,
            obj=route,
            details={"before": before, "after": route.snapshot()},
            request=request,
        )
    return route


# --- comments ------------------------------------------------------------------------------


def can_comment(review: ReviewRequest, membership: Membership | None) -> bool:
    """Reviewers of the route, social media managers and admins of the institution."""
    if membership is None or not membership.is_active:
        return False
    if membership.organization_id != review.guideline.organization_id:
        return False
    if review.status != ReviewRequest.Status.OPEN:
        return False
    if can_edit_drafts(membership):
        return True
    route_roles = {stage["role_id"] for stage in review.route}
    return bool(route_roles & membership.reviewer_role_ids)


def add_comment(
    *,
    review: ReviewRequest,
    by: User,
    membership: Membership | None,
    section_key: str,
    body: str,
    parent: Comment | None = None,
    request: HttpRequest | None = None,
) -> Comment:
    """A new thread on a section, or a reply to one; visible to everyone on the review."""
    body = body.strip()
    if review.status != ReviewRequest.Status.OPEN:
        raise WorkflowError("This review is finished; its comments can be read but not added to.")
    if not can_comment(review, membership):
        raise WorkflowError("Only reviewers, social media managers and admins can comment.")
    if section_key not in SECTIONS_BY_KEY:
        raise WorkflowError("Choose the section the comment is about.")
    if not body:
        raise WorkflowError("Write the comment before posting it.")
    if len(body) > 5000:
        raise WorkflowError("Keep a comment under 5,000 characters.")
    if parent is not None:
        if parent.review_id != review.pk:
            raise WorkflowError("That thread belongs to another review.")
        parent = parent.parent or parent  # threads are one level deep
        section_key = parent.section_key
    with transaction.atomic():
        locked = ReviewRequest.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewRequest.Status.OPEN:
            raise WorkflowError("This review just finished; the comment was not posted.")
        comment = Comment.objects.create(
            review=locked, section_key=section_key, parent=parent, author=by, body=body
        )
        if parent is not None:
            # A reply reopens the discussion: the thread is not settled any more.
            Comment.objects.filter(pk=parent.pk, resolved_at__isnull=False).update(
                resolved_at=None, resolved_by=None
            )
        record(
            "approvals.comment.added",
            actor=by,
            organization=review.guideline.organization,
            obj=comment,
            guideline_id=review.guideline_id,
            details={"section": section_key, "reply_to": parent.pk if parent else None},
            request=request,
        )
        transaction.on_commit(lambda: notify.comment_added(comment.pk))
    return comment


def set_resolved(
    *,
    comment: Comment,
    by: User,
    membership: Membership | None,
    resolved: bool,
    request: HttpRequest | None = None,
) -> Comment:
    """Mark a thread settled (or open it again); anyone who may comment may do it."""
    review = comment.review
    if comment.parent_id is not None:
        raise WorkflowError("Resolve the thread from its first comment.")
    if review.status != ReviewRequest.Status.OPEN:
        raise WorkflowError("This review is finished; its threads stay as they were.")
    if not can_comment(review, membership):
        raise WorkflowError("Only reviewers, social media managers and admins can resolve threads.")
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        locked.resolved_at = timezone.now() if resolved else None
        locked.resolved_by = by if resolved else None
        locked.save(update_fields=["resolved_at", "resolved_by"])
        record(
            "approvals.comment.resolved" if resolved else "approvals.comment.reopened",
            actor=by,
            organization=review.guideline.organization,
            obj=locked,
            guideline_id=review.guideline_id,
            details={"section": locked.section_key},
            request=request,
        )
    return locked


# --- reading and revising -----------------------------------------------------------------


def mark_seen(*, user: User, version: Version) -> None:
    """Remember that this person read this version, for "compare with what I last saw".
    Idempotent: the first reading is kept, and marking again writes nothing."""
    VersionSeen.objects.get_or_create(
        user=user,
        version=version,
        defaults={"guideline_id": version.guideline_id, "seen_at": timezone.now()},
    )


def start_revision(
    *,
    review: ReviewRequest,
    by: User,
    membership: Membership | None,
    request: HttpRequest | None = None,
) -> Draft:
    """After changes were requested (or a withdrawal): a new draft copied from this version."""
    if membership is None or not can_edit_drafts(membership):
        raise WorkflowError("Only social media managers and admins can revise a guideline.")
    if membership.organization_id != review.guideline.organization_id:
        raise WorkflowError("You are not a member of this institution.")
    if review.status not in (
        ReviewRequest.Status.CHANGES_REQUESTED,
        ReviewRequest.Status.WITHDRAWN,
    ):
        raise WorkflowError("Only a version sent back or withdrawn is revised from here.")
    existing = Draft.objects.filter(guideline_id=review.guideline_id, is_open=True).first()
    if existing is not None:
        return existing
    try:
        return start_draft(
            guideline=review.guideline,
            by=by,
            start=Draft.Start.COPY,
            copy_from=review.version,
            request=request,
        )
    except GuidelineError as exc:
        raise WorkflowError(str(exc)) from exc
