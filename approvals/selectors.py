"""Read-only questions about reviews, shared by the inbox, the home panel and the review page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accounts.models import Membership
from guidelines.models import Version

from .models import ReviewRequest, Signature, VersionSeen


def author_ids(review: ReviewRequest) -> set[int]:
    """Who wrote, edited or submitted the version: they never review it."""
    contributors = {int(user_id) for user_id in review.version.contributors}
    return {review.version.created_by_id, review.submitted_by_id} | contributors


def stage_holders(review: ReviewRequest, stage: Mapping[str, Any]) -> list[Membership]:
    """The active members who may sign this stage (the version's authors excluded)."""
    return list(
        Membership.objects.filter(
            organization_id=review.guideline.organization_id,
            is_active=True,
            user__is_active=True,
            reviewer_roles__id=stage["role_id"],
        )
        .exclude(user_id__in=author_ids(review))
        .select_related("user")
        .distinct()
    )


def current_stage_holders(reviews: list[ReviewRequest]) -> dict[int, list[Membership]]:
    """Who holds each open review's current stage, in two queries whatever the number of reviews.

    The same people as ``stage_holders`` (authors excluded), for lists such as the author's queue.
    """
    role_ids: set[int] = {
        int(stage["role_id"]) for r in reviews if (stage := r.current_stage) is not None
    }
    if not role_ids:
        return {r.pk: [] for r in reviews}
    through = Membership.reviewer_roles.through
    members = (
        Membership.objects.filter(
            organization_id__in={r.guideline.organization_id for r in reviews},
            is_active=True,
            user__is_active=True,
            reviewer_roles__id__in=role_ids,
        )
        .select_related("user")
        .distinct()
    )
    holding: dict[int, list[Membership]] = {}
    by_pk = {m.pk: m for m in members}
    for membership_id, role_id in through.objects.filter(
        membership_id__in=by_pk, reviewerrole_id__in=role_ids
    ).values_list("membership_id", "reviewerrole_id"):
        holding.setdefault(role_id, []).append(by_pk[membership_id])
    result = {}
    for review in reviews:
        stage = review.current_stage
        authors = author_ids(review)
        holders = holding.get(int(stage["role_id"]), []) if stage is not None else []
        result[review.pk] = [m for m in holders if m.user_id not in authors]
    return result


# Versions a redline is drawn against: ones that were approved (and later published).
APPROVED_STATUSES = (
    Version.Status.APPROVED,
    Version.Status.PUBLISHED,
    Version.Status.SUPERSEDED,
)


@dataclass
class InboxItem:
    review: ReviewRequest
    mine: bool  # waiting for this person's signature
    signed: bool  # this person already signed

    @property
    def stage(self) -> dict[str, Any]:
        return self.review.current_stage or {}

    @property
    def overdue(self) -> bool:
        return self.review.is_overdue()


def open_reviews(membership: Membership) -> list[InboxItem]:
    """Every open review of the institution, oldest first, marked with what it asks of me."""
    reviews = list(
        ReviewRequest.objects.filter(
            guideline__organization_id=membership.organization_id,
            status=ReviewRequest.Status.OPEN,
        )
        .select_related("guideline", "version", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    signed = set(
        Signature.objects.filter(
            review__in=[r.pk for r in reviews], signer_id=membership.user_id
        ).values_list("review_id", flat=True)
    )
    roles = membership.reviewer_role_ids
    items = []
    for review in reviews:
        stage = review.current_stage or {}
        is_author = membership.user_id in (review.version.created_by_id, review.submitted_by_id)
        mine = stage.get("role_id") in roles and review.pk not in signed and not is_author
        items.append(InboxItem(review=review, mine=mine, signed=review.pk in signed))
    return items


def awaiting(membership: Membership) -> list[InboxItem]:
    return [item for item in open_reviews(membership) if item.mine]


# A baseline's text is read only when the page draws its redline; otherwise its number and
# status are enough, and a whole version's text is the largest thing the page would decode.
_TEXT_FIELDS = ("content", "quiz", "cases")


def last_approved(version: Version, *, text: bool = True) -> Version | None:
    """The latest approved or published version before this one: the reviewer's baseline
    (without its text unless ``text``)."""
    versions = Version.objects.filter(
        guideline_id=version.guideline_id,
        number__lt=version.number,
        status__in=APPROVED_STATUSES,
    )
    if not text:
        versions = versions.defer(*_TEXT_FIELDS)
    return versions.order_by("-number").first()


def last_seen(version: Version, user_id: int, *, text: bool = True) -> Version | None:
    """The latest earlier version of this guideline the person opened for review (without
    its text unless ``text``)."""
    seen = VersionSeen.objects.filter(
        user_id=user_id, guideline_id=version.guideline_id, version__number__lt=version.number
    ).select_related("version")
    if not text:
        seen = seen.defer(*(f"version__{name}" for name in _TEXT_FIELDS))
    found = seen.order_by("-version__number").first()
    return found.version if found is not None else None


def awaiting_counts(memberships: list[Membership]) -> dict[int, int]:
    """How many open reviews wait for this person's signature, per institution.

    Two queries whatever the number of institutions; the same rule as ``open_reviews``.
    """
    reviewer = {m.organization_id: m for m in memberships if m.is_active and m.reviewer_role_ids}
    if not reviewer:
        return {}
    user_id = next(iter(reviewer.values())).user_id
    reviews = list(
        ReviewRequest.objects.filter(
            guideline__organization_id__in=reviewer, status=ReviewRequest.Status.OPEN
        ).values_list(
            "pk",
            "guideline__organization_id",
            "route",
            "stage_index",
            "submitted_by_id",
            "version__created_by_id",
        )
    )
    signed = set(
        Signature.objects.filter(
            review_id__in=[r[0] for r in reviews], signer_id=user_id
        ).values_list("review_id", flat=True)
    )
    counts: dict[int, int] = {}
    for pk, org_id, route, index, submitted_by, created_by in reviews:
        stage = route[index] if index < len(route) else {}
        roles = reviewer[org_id].reviewer_role_ids
        if (
            stage.get("role_id") in roles
            and pk not in signed
            and user_id
            not in (
                submitted_by,
                created_by,
            )
        ):
            counts[org_id] = counts.get(org_id, 0) + 1
    return counts
