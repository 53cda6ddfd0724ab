"""E-mails and in-app notifications about reviews; called only after the change committed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.urls import reverse

from accounts.access import admins_of
from accounts.dates import fmt
from accounts.models import User
from accounts.notify import (
    About,
    Topic,
    Work,
    guideline_subject,
    review_subject,
    tell,
    version_subject,
)
from guidelines.models import Draft
from guidelines.sections import SECTIONS

from .models import Comment, ReviewRequest, Suggestion
from .selectors import stage_holders


def review_url(review: ReviewRequest) -> str:
    return reverse("approvals:review", args=[review.pk])


def _load(review_pk: int) -> ReviewRequest:
    return ReviewRequest.objects.select_related(
        "guideline__organization", "version__created_by", "submitted_by"
    ).get(pk=review_pk)


def _unique(users: Iterable[User]) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if user.is_active and user.pk not in seen:
            seen[user.pk] = user
    return list(seen.values())


def send(
    *,
    review: ReviewRequest,
    users: Iterable[User],
    template: str,
    subject: str,
    message: str,
    extra: dict[str, Any] | None = None,
    exclude: int | None = None,
    path: str | None = None,
    topic: Topic = Topic.ACTION,
    about: About | None = None,
) -> int:
    """Tell each person once (never ``exclude``, the one who acted) about this review."""
    recipients = [u for u in _unique(users) if u.pk != exclude]
    if not recipients:
        return 0
    return tell(
        recipients,
        organization=review.guideline.organization,
        message=message,
        url=path or review_url(review),
        template=template,
        subject=subject,
        context={
            "review": review,
            "version": review.version,
            "guideline": review.guideline,
            **(extra or {}),
        },
        topic=topic,
        about=about,
    )


def _awaiting(review: ReviewRequest) -> About:
    """A reviewer's notice clears when they sign, or when the stage or review is over."""
    return About(Work.REVIEW, review_subject(review.pk))


def _title(review: ReviewRequest) -> str:
    return f"{review.guideline.title} v{review.version.number}"


def stage_started(review_pk: int) -> None:
    """Ask the holders of the current stage's role to review."""
    review = _load(review_pk)
    stage = review.current_stage
    if stage is None:
        return
    signed = set(review.signatures.values_list("signer_id", flat=True))
    users = [m.user for m in stage_holders(review, stage) if m.user_id not in signed]
    due = review.stage_due_at
    send(
        review=review,
        users=users,
        template="review_requested",
        subject=f"Please review: {_title(review)} ({stage['role_name']} review)",
        message=(
            f"{_title(review)} is waiting for your {stage['role_name']} review "
            f"(due {fmt(due, organization=review.guideline.organization)})."
        ),
        extra={"stage": stage, "stage_number": review.stage_index + 1},
        about=_awaiting(review),
    )


def _authors(review: ReviewRequest) -> list[User]:
    return [review.version.created_by, review.submitted_by]


def _signers(review: ReviewRequest) -> list[User]:
    return [s.signer for s in review.signatures.select_related("signer")]


def approved(review_pk: int) -> None:
    """Tell the admins (linking to the publish form) and the author that the version is approved."""
    review = _load(review_pk)
    admins = _unique(admins_of(review.guideline.organization))
    admin_ids = {u.pk for u in admins}
    signatures = list(review.signatures.all())

    def tell_approved(
        users: list[User], may_publish: bool, path: str | None, about: About | None = None
    ) -> None:
        send(
            review=review,
            users=users,
            template="review_approved",
            subject=f"Approved: {_title(review)}",
            message=f"{_title(review)} is approved by every stage of the route.",
            extra={"signatures": signatures, "may_publish": may_publish},
            path=path,
            about=about,
        )

    # The admins' next step is publishing, so their notice opens the publish form (by name).
    tell_approved(
        admins,
        True,
        reverse("publishing:publish", args=[review.version_id]),
        About(Work.PUBLISH, version_subject(review.version_id)),
    )
    tell_approved([u for u in _authors(review) if u.pk not in admin_ids], False, None)


def closed(review_pk: int) -> None:
    """Changes requested or withdrawn: tell the author and everyone who took part."""
    review = _load(review_pk)
    decision = review.decision
    extra = {"decision": decision}
    if review.status == ReviewRequest.Status.CHANGES_REQUESTED:
        send(
            review=review,
            users=[*_authors(review), *_signers(review)],
            template="review_changes_requested",
            subject=f"Changes requested: {_title(review)}",
            message=f"{decision.actor} requested changes to {_title(review)}.",
            extra=extra,
            exclude=decision.actor_id,
            # Everyone's notice clears once the author resubmits (or discards the draft).
            about=About(Work.REVISE, guideline_subject(review.guideline_id)),
        )
    elif review.status == ReviewRequest.Status.WITHDRAWN:
        stage = review.route[review.stage_index]
        waiting = [m.user for m in stage_holders(review, stage)]
        send(
            review=review,
            users=[*_authors(review), *_signers(review), *waiting],
            template="review_withdrawn",
            subject=f"Withdrawn from review: {_title(review)}",
            message=f"{decision.actor} withdrew {_title(review)} from review.",
            extra=extra,
            exclude=decision.actor_id,
        )


def reminder(review: ReviewRequest, user: User) -> None:
    """The overdue reminder to one reviewer (sent by ``manage.py send_reminders``)."""
    stage = review.current_stage or {}
    send(
        review=review,
        users=[user],
        template="review_reminder",
        subject=f"Overdue: your review of {_title(review)}",
        message=(
            f"Your {stage.get('role_name', '')} review of {_title(review)} was due "
            f"{fmt(review.stage_due_at, organization=review.guideline.organization)}."
        ),
        extra={"stage": stage},
        about=_awaiting(review),
    )


def comment_added(comment_pk: int) -> int:
    """The author and everyone else in the thread or already reviewing hear that there is
    something to read: in the app always, by e-mail for those who keep comment e-mails on.

    Each is sent where they act on it: while a draft is being revised, its authors to the
    wizard step of the section; reviewers (and authors when nothing is being revised) to the
    review page showing the thread.
    """
    comment = Comment.objects.select_related("author", "parent").get(pk=comment_pk)
    thread = comment.parent or comment
    latest = (
        ReviewRequest.objects.filter(guideline_id=comment.guideline_id)
        .select_related("guideline__organization", "version__created_by", "submitted_by")
        .order_by("-pk")
        .first()
    )
    review = comment.review or latest
    if review is None or latest is None:
        return 0
    in_thread = (
        Comment.objects.filter(pk=thread.pk)
        .order_by()  # SQLite refuses ORDER BY inside a UNION
        .values("author_id")
        .union(Comment.objects.filter(parent_id=thread.pk).order_by().values("author_id"))
    )
    others = User.objects.filter(
        Q(pk__in=Comment.objects.filter(review=review).values("author_id")) | Q(pk__in=in_thread)
    ).distinct()
    section = comment.section_key
    section_title = next((s.title for s in SECTIONS if s.key == section), section)
    revising = Draft.objects.filter(guideline_id=comment.guideline_id, is_open=True).exists()
    authors = _unique([*_authors(review), *_authors(latest)])
    author_ids = {u.pk for u in authors} if revising else set()
    everyone = [*authors, *_signers(review), *others]
    title = f"{review.guideline.title} v{comment.version_number}"

    def tell_comment(users: list[User], path: str, on_draft: bool) -> int:
        return send(
            review=review,
            users=users,
            template="review_comment",
            subject=f"New comment on {title}: {section_title}",
            message=f"{comment.author} commented on {title} ({section_title}): {comment.body}",
            extra={"comment": comment, "section_title": section_title, "on_draft": on_draft},
            exclude=comment.author_id,
            path=path,
            topic=Topic.COMMENT,
        )

    anchor = f"#thread-{thread.pk}"
    step = reverse("guidelines:step", args=[comment.guideline_id, section]) + anchor
    told = tell_comment([u for u in everyone if u.pk in author_ids], step, True)
    reviewers = [u for u in everyone if u.pk not in author_ids]
    return told + tell_comment(reviewers, review_url(latest) + anchor, False)


def _section_title(key: str) -> str:
    return next((s.title for s in SECTIONS if s.key == key), key)


def suggestion_proposed(suggestion_pk: int) -> int:
    """The authors hear of a suggested edit where they decide it: beside the section in the
    wizard while a draft is being revised, otherwise on the review page."""
    suggestion = Suggestion.objects.select_related("author").get(pk=suggestion_pk)
    review = _load(suggestion.review_id)
    revising = Draft.objects.filter(guideline_id=suggestion.guideline_id, is_open=True).exists()
    anchor = f"#suggestion-{suggestion.pk}"
    if revising:
        path = reverse("guidelines:step", args=[suggestion.guideline_id, suggestion.section_key])
    else:
        path = review_url(review)
    section_title = _section_title(suggestion.section_key)
    return send(
        review=review,
        users=_authors(review),
        template="review_suggestion",
        subject=f"Suggested edit on {_title(review)}: {section_title}",
        message=(
            f"{suggestion.author} suggests replacing “{suggestion.quote}” with "
            f"“{suggestion.replacement}” in {section_title}."
        ),
        extra={"suggestion": suggestion, "section_title": section_title, "decided": False},
        exclude=suggestion.author_id,
        path=path + anchor,
        topic=Topic.COMMENT,
    )


def suggestion_decided(suggestion_pk: int) -> int:
    """The reviewer who suggested an edit hears whether it went in, and why not if it did not."""
    suggestion = Suggestion.objects.select_related("author", "decided_by").get(pk=suggestion_pk)
    review = _load(suggestion.review_id)
    section_title = _section_title(suggestion.section_key)
    state = suggestion.get_state_display().lower()
    return send(
        review=review,
        users=[suggestion.author],
        template="review_suggestion",
        subject=f"Your suggested edit on {_title(review)} was {state}",
        message=(
            f"Your suggestion for “{suggestion.quote}” in {section_title} was "
            f"{state}." + (f" {suggestion.reason}" if suggestion.reason else "")
        ),
        extra={"suggestion": suggestion, "section_title": section_title, "decided": True},
        exclude=suggestion.decided_by_id,
        path=review_url(review) + f"#suggestion-{suggestion.pk}",
        topic=Topic.COMMENT,
    )
