"""The PDF of a published version: rendered once with WeasyPrint, then served as stored.

Tagged for accessibility (PDF/UA-1: a structure tree with headings, lists and tables in
reading order, the document's language and title shown by viewers) and laid out on the
institution's paper: Letter in the United States, A4 elsewhere."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import dates
from accounts.models import Organization
from guidelines.document import document
from guidelines.models import Version

from .models import Publication, PublishedPdf

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"


def pdf_html(publication: Publication) -> str:
    """The HTML WeasyPrint lays out: the same sanitised rendering as the web pages."""
    version = publication.version
    with dates.ordered(publication.organization):
        return _render(publication, version)


def _render(publication: Publication, version: Version) -> str:
    return render_to_string(
        "publishing/pdf.html",
        {
            "publication": publication,
            "version": version,
            "guideline": version.guideline,
            "organization": publication.organization,
            "sections": document(version.content),
            "signatures": list(version.signatures.order_by("signed_at")),
            "generated_at": timezone.now(),
        },
    )


PDF_VARIANT = "pdf/ua-1"


def paper_size(organization: Organization) -> str:
    """Letter for institutions in the United States, A4 everywhere else."""
    return organization.paper_size


def render_pdf(publication: Publication) -> bytes:
    """Lay out cover, contents, every section and the sign-off page; ~0.2 s a page."""
    from weasyprint import CSS, HTML

    html = pdf_html(publication)
    paper = CSS(string=f"@page {{ size: {paper_size(publication.organization)}; }}")
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS)), paper], pdf_variant=PDF_VARIANT
    )


def get_pdf(publication: Publication) -> bytes:
    """The stored PDF, rendering it the first time only (a published text never changes)."""
    stored = PublishedPdf.objects.filter(publication=publication).values_list("data", flat=True)
    data = stored.first()
    if data is not None:
        return bytes(data)
    with transaction.atomic():
        # Two first downloads at once: the second waits here, then finds the stored copy.
        Publication.objects.select_for_update().get(pk=publication.pk)
        data = stored.first()
        if data is not None:
            return bytes(data)
        rendered = render_pdf(publication)
        PublishedPdf.objects.create(
            publication=publication, data=rendered, content_hash=publication.version.content_hash
        )
    return rendered
