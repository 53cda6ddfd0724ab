"""What publishing adds to a version's page: publish it, or where to read it and its evidence."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.access import can_publish, can_read_audit
from guidelines.models import Version

from .models import Publication


def publication_panel(request: HttpRequest, version: Any) -> tuple[str, dict[str, Any]] | None:
    """Approved: a Publish button for those who may. Published: reading page and evidence."""
    membership = getattr(request, "membership", None)
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
