"""Telling the author and the reviewers that their guideline is published; after commit only."""

from __future__ import annotations

from django.urls import reverse

from accounts.dates import fmt
from accounts.models import User
from accounts.notify import tell
from approvals.models import ReviewRequest, Signature

from .models import Publication


def published(publication_id: int) -> int:
    """The version's authors and signers hear it is published, with the link to read it."""
    publication = Publication.objects.select_related(
        "organization", "guideline", "version__created_by"
    ).get(pk=publication_id)
    version, guideline = publication.version, publication.guideline
    ids = {version.created_by_id, *(int(pk) for pk in version.contributors)}
    ids |= set(Signature.objects.filter(version=version).values_list("signer_id", flat=True))
    ids |= set(
        ReviewRequest.objects.filter(version=version).values_list("submitted_by_id", flat=True)
    )
    people = User.objects.filter(pk__in=ids, is_active=True).exclude(pk=publication.published_by_id)
    path = reverse(
        "publishing:version",
        args=[publication.organization.slug, guideline.slug, version.number],
    )
    title = f"{guideline.title} v{version.number}"
    return tell(
        people,
        organization=publication.organization,
        message=f"{title} is published; it takes effect on "
        f"{fmt(publication.effective_date, organization=publication.organization)}.",
        url=path,
        template="version_published",
        subject=f"Published: {title}",
        context={"guideline": guideline, "version": version, "publication": publication},
    )
