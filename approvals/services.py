"""Writes about approvals that do not change a review's status: the route, comments, revisions.

Status changes live in ``approvals/workflow.py``; these share its ``WorkflowError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import can_edit_drafts
from accounts.dates import fmt
from accounts.models import Membership, Organization, ReviewerRole, User
from audit.services import record
from guidelines.models import Draft, Version
from guidelines.sections import SECTIONS_BY_KEY
from guidelines.services import GuidelineError, start_draft

from . import anchors, notify, threads
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
            saved_at = fmt(route.updated_at, "time", organization=organization)
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


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise WorkflowError("Write the comment before posting it.")
    if len(body) > 5000:
        raise WorkflowError("Keep a comment under 5,000 characters.")
    return body


def _reopen_on_reply(thread: Comment) -> None:
    # A reply reopens the discussion: the thread is not settled any more.
    Comment.objects.filter(pk=thread.pk, resolved_at__isnull=False).update(
        resolved_at=None, resolved_by=None, resolved_in_version=None
    )


def add_comment(
    *,
    review: ReviewRequest,
    by: User,
    membership: Membership | None,
    section_key: str,
    body: str,
    parent: Comment | None = None,
    quote: str = "",
    quote_prefix: str = "",
    quote_suffix: str = "",
    quote_start: int | None = None,
    request: HttpRequest | None = None,
) -> Comment:
    """A new thread on a section, or a reply to one; visible to everyone on the review.

    A reply may answer a thread opened on an earlier version that is still open on this one.
    A new thread may be about some words of the section (``quote``, with the text either side
    and the offset the browser measured): they must be in the version under review, and are
    stored as found there. A reply belongs to its thread's words.
    """
    if review.status != ReviewRequest.Status.OPEN:
        raise WorkflowError("This review is finished; its comments can be read but not added to.")
    if not can_comment(review, membership):
        raise WorkflowError("Only reviewers, social media managers and admins can comment.")
    if section_key not in SECTIONS_BY_KEY:
        raise WorkflowError("Choose the section the comment is about.")
    body = _check_body(body)
    number = review.version.number
    if parent is not None:
        parent = parent.parent or parent  # threads are one level deep
        visible = Comment.objects.threads_at(guideline_id=review.guideline_id, number=number)
        if parent.guideline_id != review.guideline_id or not visible.filter(pk=parent.pk).exists():
            raise WorkflowError("That thread belongs to another review.")
        section_key = parent.section_key
    anchor = None
    if parent is None and anchors.normalise_quote(quote):
        section = SECTIONS_BY_KEY[section_key]
        text = anchors.reader_text(
            anchors.section_html(section, review.version.content.get(section_key))
        )
        try:
            anchor = anchors.anchor_quote(
                text, quote, prefix=quote_prefix, suffix=quote_suffix, start=quote_start
            )
        except anchors.QuoteError as exc:
            raise WorkflowError(str(exc)) from exc
    role_names = {int(stage["role_id"]): stage["role_name"] for stage in review.route}
    role, by_reviewer = threads.capacity(membership, role_names)
    with transaction.atomic():
        locked = ReviewRequest.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewRequest.Status.OPEN:
            raise WorkflowError("This review just finished; the comment was not posted.")
        comment = Comment.objects.create(
            guideline_id=review.guideline_id,
            review=locked,
            version_number=number,
            section_key=section_key,
            parent=parent,
            author=by,
            author_role=role,
            by_reviewer=by_reviewer,
            body=body,
            quote=anchor.quote if anchor else "",
            quote_prefix=anchor.prefix if anchor else "",
            quote_suffix=anchor.suffix if anchor else "",
            quote_start=anchor.start if anchor else None,
            quote_end=anchor.end if anchor else None,
        )
        if parent is not None:
            _reopen_on_reply(parent)
        record(
            "approvals.comment.added",
            actor=by,
            organization=review.guideline.organization,
            obj=comment,
            guideline_id=review.guideline_id,
            details={
                "section": section_key,
                "reply_to": parent.pk if parent else None,
                "version": number,
                **({"quote": anchor.quote, "at": [anchor.start, anchor.end]} if anchor else {}),
            },
            request=request,
        )
        transaction.on_commit(lambda: notify.comment_added(comment.pk))
    return comment


def reply_while_revising(
    *,
    thread: Comment,
    by: User,
    membership: Membership | None,
    body: str,
    request: HttpRequest | None = None,
) -> Comment:
    """The author answers a thread from the wizard, on the draft that will be the next version.

    The reply has no review yet: it is written against the number the draft will take.
    """
    guideline = thread.guideline
    if membership is None or not can_edit_drafts(membership):
        raise WorkflowError("Only social media managers and admins can reply while revising.")
    if membership.organization_id != guideline.organization_id:
        raise WorkflowError("You are not a member of this institution.")
    thread = thread.parent or thread
    body = _check_body(body)
    if not Draft.objects.filter(guideline_id=guideline.pk, is_open=True).exists():
        raise WorkflowError(
            "There is no draft being revised: reply on the review page of the version instead."
        )
    number = threads.current_number(guideline.pk)
    if (
        not Comment.objects.threads_at(guideline_id=guideline.pk, number=number)
        .filter(pk=thread.pk)
        .exists()
    ):
        raise WorkflowError("That thread was resolved in an earlier version; it is closed.")
    route_roles = threads.route_role_ids(guideline.organization_id)
    role_names = {
        pk: name
        for pk, name in ReviewerRole.objects.filter(pk__in=route_roles).values_list("pk", "name")
    }
    role, by_reviewer = threads.capacity(membership, role_names)
    with transaction.atomic():
        Comment.objects.select_for_update().get(pk=thread.pk)
        reply = Comment.objects.create(
            guideline_id=guideline.pk,
            review=None,
            version_number=number,
            section_key=thread.section_key,
            parent=thread,
            author=by,
            author_role=role,
            by_reviewer=by_reviewer,
            body=body,
        )
        _reopen_on_reply(thread)
        record(
            "approvals.comment.added",
            actor=by,
            organization=guideline.organization,
            obj=reply,
            guideline_id=guideline.pk,
            details={"section": thread.section_key, "reply_to": thread.pk, "version": number},
            request=request,
        )
        transaction.on_commit(lambda: notify.comment_added(reply.pk))
    return reply


class ResolveRefused(WorkflowError):
    """This person may not close or reopen this thread (the view answers 403)."""


def set_resolved(
    *,
    comment: Comment,
    by: User,
    membership: Membership | None,
    resolved: bool,
    request: HttpRequest | None = None,
) -> Comment:
    """Mark a thread settled (or open it again), in whichever version the guideline is now.

    This works after the review it was opened in has closed: the thread has followed the
    guideline into the draft or version under way, and is resolved there. Only comments
    change: no version's text or fingerprint is touched.
    """
    if comment.parent_id is not None:
        raise WorkflowError("Resolve the thread from its first comment.")
    guideline = comment.guideline
    reviewer = threads.is_route_reviewer(membership, guideline.organization_id)
    if membership is None or membership.organization_id != guideline.organization_id:
        raise ResolveRefused("You are not a member of this institution.")
    if not threads.may_resolve(comment, membership, reviewer=reviewer):
        if comment.by_reviewer:
            raise ResolveRefused(
                "A reviewer opened this thread, so a reviewer of the route closes it."
            )
        raise ResolveRefused("Only the person who opened this thread or a reviewer can close it.")
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.is_resolved == resolved:
            return locked  # already as asked (a second click, or someone else was quicker)
        number = threads.current_number(guideline.pk)
        locked.resolved_at = timezone.now() if resolved else None
        locked.resolved_by = by if resolved else None
        locked.resolved_in_version = number if resolved else None
        locked.save(update_fields=["resolved_at", "resolved_by", "resolved_in_version"])
        record(
            "approvals.comment.resolved" if resolved else "approvals.comment.reopened",
            actor=by,
            organization=guideline.organization,
            obj=locked,
            guideline_id=guideline.pk,
            details={
                "section": locked.section_key,
                "opened_on_version": locked.version_number,
                "version": number,
            },
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
