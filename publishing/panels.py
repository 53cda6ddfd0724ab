"""What publishing adds to other pages: home panels and the version page's publication panel."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef

from accounts.access import can, can_edit_drafts, can_publish, can_read_audit
from accounts.http import MemberRequest
from accounts.models import Role
from approvals.models import ReviewRequest
from approvals.selectors import awaiting_counts, current_stage_holders
from guidelines.models import Draft, Version

from .models import Campaign, Publication
from .selectors import campaign_figures, owed_counts, pending_requests

Panel = tuple[str, dict[str, Any]]  # (template, context), drawn by the page

QUEUE_LIMIT = 10  # rows per group on the home page


def author_queue(request: MemberRequest) -> Panel | None:
    """Authors: every submitted version until it is published, grouped by what happens next."""
    membership = request.membership
    if not can_edit_drafts(membership):
        return None
    org_id = membership.organization_id
    in_review = list(
        ReviewRequest.objects.filter(
            guideline__organization_id=org_id, status=ReviewRequest.Status.OPEN
        )
        .select_related("guideline", "version")
        .order_by("stage_due_at", "pk")[:QUEUE_LIMIT]
    )
    holders = current_stage_holders(in_review)
    newer = Version.objects.filter(
        guideline_id=OuterRef("guideline_id"), number__gt=OuterRef("version__number")
    )
    open_draft = Draft.objects.filter(guideline_id=OuterRef("guideline_id"), is_open=True)
    changes = list(
        ReviewRequest.objects.filter(
            guideline__organization_id=org_id, status=ReviewRequest.Status.CHANGES_REQUESTED
        )
        .annotate(revised=Exists(newer), revising=Exists(open_draft))
        .filter(revised=False)
        .select_related("guideline", "version", "decision__actor")
        .order_by("-closed_at", "-pk")[:QUEUE_LIMIT]
    )
    approved = list(
        Version.objects.filter(guideline__organization_id=org_id, status=Version.Status.APPROVED)
        .select_related("guideline")
        .order_by("guideline__title", "number")[:QUEUE_LIMIT]
    )
    published = list(
        Publication.objects.filter(organization_id=org_id)
        .select_related("guideline", "version", "organization")
        .order_by("-published_at", "-pk")[:5]
    )
    return (
        "publishing/panels/author_queue.html",
        {
            "in_review": [(review, [m.user for m in holders[review.pk]]) for review in in_review],
            "changes": changes,
            "approved": approved,
            "published": published,
            "may_publish": can_publish(membership),
        },
    )


def elsewhere(request: MemberRequest) -> Panel | None:
    """People in several institutions: what waits for them in each other one, with a switch.

    Only the person's own memberships are read, and only what they themselves would see on
    that institution's home: their acknowledgements, the reviews waiting for their signature,
    and, where they edit drafts or publish, the open drafts and versions ready to publish.
    A fixed number of queries whatever the number of institutions or of rows in each.
    """
    membership = request.membership
    others = [
        m
        for m in request.memberships
        if m.is_active and m.organization_id != membership.organization_id
    ]
    if not others:
        return None
    owed = owed_counts(request.user, [m.organization_id for m in others])
    reviews = awaiting_counts(others)
    editing = [m.organization_id for m in others if can_edit_drafts(m)]
    drafts = (
        dict(
            Draft.objects.filter(guideline__organization_id__in=editing, is_open=True)
            .values_list("guideline__organization_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if editing
        else {}
    )
    publishing = [m.organization_id for m in others if can_publish(m)]
    ready = (
        dict(
            Version.objects.filter(
                guideline__organization_id__in=publishing, status=Version.Status.APPROVED
            )
            .values_list("guideline__organization_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        if publishing
        else {}
    )
    rows = []
    for m in others:
        org_id = m.organization_id
        row = {
            "organization": m.organization,
            "owed": owed.get(org_id, {}).get("owed", 0),
            "overdue": owed.get(org_id, {}).get("overdue", 0),
            "reviews": reviews.get(org_id, 0),
            "drafts": drafts.get(org_id, 0),
            "ready": ready.get(org_id, 0),
        }
        if any(row[k] for k in ("owed", "reviews", "drafts", "ready")):
            rows.append(row)
    if not rows:
        return None
    return "publishing/panels/elsewhere.html", {"rows": rows}


def ready_to_publish(request: MemberRequest) -> Panel | None:
    """Admins: approved versions nobody has published yet, each linking to its publish form."""
    membership = request.membership
    if not can_publish(membership):
        return None
    versions = list(
        Version.objects.filter(
            guideline__organization_id=membership.organization_id,
            status=Version.Status.APPROVED,
        )
        .select_related("guideline")
        .order_by("guideline__title", "number")[: QUEUE_LIMIT + 1]
    )
    if not versions:
        return None
    return (
        "publishing/panels/ready_to_publish.html",
        {"versions": versions[:QUEUE_LIMIT], "more": len(versions) > QUEUE_LIMIT},
    )


def to_acknowledge(request: MemberRequest) -> Panel | None:
    """Every employee: the guidelines waiting for their acknowledgement."""
    membership = request.membership
    if membership is None:
        return None
    pending = list(pending_requests(request.user, membership.organization)[:10])
    return "publishing/panels/to_acknowledge.html", {"pending": pending}


def campaigns(request: MemberRequest) -> Panel | None:
    """Admins: progress of the open acknowledgement campaigns."""
    membership = request.membership
    if membership is None or not can(membership, Role.ADMIN):
        return None
    open_campaigns = list(
        Campaign.objects.filter(
            organization=membership.organization, status=Campaign.Status.OPEN
        ).select_related("version__guideline")[:3]
    )
    if not open_campaigns:
        return None
    rows = [(c, campaign_figures(c, by_group=False)["overall"]) for c in open_campaigns]
    return "publishing/panels/campaigns.html", {"rows": rows}


def publication_panel(request: MemberRequest, version: Version) -> Panel | None:
    """Approved: a Publish button for those who may. Published: reading page and evidence."""
    membership = request.membership
    publication = Publication.objects.filter(version=version).select_related("organization").first()
    may_publish = version.status == Version.Status.APPROVED and can_publish(membership)
    if publication is None and not may_publish:
        return None
    return (
        "publishing/panels/version_publication.html",
        {
            "publication": publication,
            "version": version,
            "may_publish": may_publish,
            "may_download_evidence": can_read_audit(membership),
        },
    )
