"""What publishing adds to other pages: home panels and the version page's publication panel."""

from __future__ import annotations

from typing import Any

from accounts.access import can, can_publish, can_read_audit
from accounts.http import MemberRequest
from accounts.models import Role
from guidelines.models import Version

from .models import Campaign, Publication
from .selectors import campaign_figures, pending_requests

Panel = tuple[str, dict[str, Any]]  # (template, context), drawn by the page


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
