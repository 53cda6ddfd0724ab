"""The PDF of a published version: rendered once with WeasyPrint, then served as stored.

Tagged for accessibility (PDF/UA-1: a structure tree with headings, lists and tables in
reading order, the document's language and title shown by viewers) and laid out on the
institution's paper: Letter in the United States, A4 elsewhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import dates
from accounts.models import Organization
from guidelines.document import document
from guidelines.models import Version

from .models import PdfState, Publication, PublishedPdf

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
        if publication.pdf_state != PdfState.READY:
            # Stored by other means (an older release, a restore): say so, with its size.
            _mark_ready(publication, len(data))
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
        # Stored and "ready, N bytes" in one commit: a page never offers a size it cannot serve.
        _mark_ready(publication, len(rendered))
    return rendered


def _mark_ready(publication: Publication, size: int) -> None:
    now = timezone.now()
    Publication.objects.filter(pk=publication.pk).update(
        pdf_state=PdfState.READY, pdf_state_at=now, pdf_size=size
    )
    publication.pdf_state, publication.pdf_state_at, publication.pdf_size = (
        PdfState.READY,
        now,
        size,
    )


# --- where a render stands (the only code that writes ``Publication.pdf_state``) -------------

# A render takes about a second a page; one still "waiting" or "being laid out" after this long
# lost its worker (acks_late brings the task back when a worker restarts, this covers the rest).
STALE_AFTER = dt.timedelta(minutes=10)


def claim_render(publication: Publication) -> bool:
    """Mark the PDF as waiting for the worker, unless it is stored or already on its way (and
    not stale): True when the caller should queue the render. One conditional UPDATE, so two
    readers arriving together queue it once."""
    now = timezone.now()
    claimed = (
        Publication.objects.filter(pk=publication.pk)
        .filter(
            Q(pdf_state__in=["", PdfState.FAILED])
            | Q(
                pdf_state__in=[PdfState.QUEUED, PdfState.RENDERING],
                pdf_state_at__lt=now - STALE_AFTER,
            )
        )
        .update(pdf_state=PdfState.QUEUED, pdf_state_at=now)
    )
    if claimed:
        publication.pdf_state, publication.pdf_state_at = PdfState.QUEUED, now
    return bool(claimed)


def mark_rendering(publication_id: int) -> None:
    """The worker has started laying the PDF out (a stored PDF stays ready)."""
    Publication.objects.filter(pk=publication_id).exclude(pdf_state=PdfState.READY).update(
        pdf_state=PdfState.RENDERING, pdf_state_at=timezone.now()
    )


def mark_failed(publication_id: int) -> None:
    """The render raised: readers are told, and may ask for another attempt."""
    Publication.objects.filter(pk=publication_id).exclude(pdf_state=PdfState.READY).update(
        pdf_state=PdfState.FAILED, pdf_state_at=timezone.now()
    )


def stored_download(publication_id: int) -> bytes | None:
    """The stored bytes alone, by the publication's id (what a cached download needs)."""
    data = (
        PublishedPdf.objects.filter(publication_id=publication_id)
        .values_list("data", flat=True)
        .first()
    )
    return None if data is None else bytes(data)
