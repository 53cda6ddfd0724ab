"""The one-page card for staff: the do's and don'ts, the official accounts and whom to ask.

Most staff will not read the whole guideline, and the institutions whose guidelines are
praised keep them short; the card is the published version boiled down to one printable
page, drawn from the same frozen text, beside the full guideline (web and PDF).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Publication, PublishedCard

# Enough to fit one A4 page; the full guideline holds the rest and the card says so.
MAX_ITEMS = 8
MAX_ACCOUNTS = 10


@dataclass(frozen=True)
class Card:
    dos: list[str]
    donts: list[str]
    more_dos: int
    more_donts: int
    accounts: list[Mapping[str, str]]
    more_accounts: int
    hashtags: list[str]
    contact: Mapping[str, str]
    escalation: str


def card(content: Mapping[str, Any]) -> Card:
    """The card's contents from a version's content (a pure reading of the frozen text)."""
    dos_donts = content.get("dos_donts") or {}
    dos = list(dos_donts.get("dos") or [])
    donts = list(dos_donts.get("donts") or [])
    accounts = list((content.get("accounts") or {}).get("accounts") or [])
    contact = content.get("contact") or {}
    return Card(
        dos=dos[:MAX_ITEMS],
        donts=donts[:MAX_ITEMS],
        more_dos=max(0, len(dos) - MAX_ITEMS),
        more_donts=max(0, len(donts) - MAX_ITEMS),
        accounts=accounts[:MAX_ACCOUNTS],
        more_accounts=max(0, len(accounts) - MAX_ACCOUNTS),
        hashtags=list((content.get("accounts") or {}).get("hashtags") or [])[:6],
        contact={k: str(contact.get(k) or "") for k in ("name", "role", "email", "phone")},
        escalation=str((content.get("response") or {}).get("escalation_contact") or ""),
    )


def full_url(publication: Publication) -> str:
    """Where the full version lives, printed on the card: the site's address, not the one a
    particular request came through, since the PDF is rendered once for everyone."""
    path = reverse(
        "publishing:version",
        args=[
            publication.guideline.organization.slug,
            publication.guideline.slug,
            publication.version.number,
        ],
    )
    return settings.SITE_URL.rstrip("/") + path


def render_card_pdf(publication: Publication, full_url: str) -> bytes:
    """The card as a one-page PDF on the institution's paper (Letter in the United States, A4
    elsewhere, as the guideline's PDF), through the same WeasyPrint path."""
    from weasyprint import CSS, HTML

    html = render_to_string(
        "publishing/card_pdf.html",
        {
            "publication": publication,
            "version": publication.version,
            "guideline": publication.guideline,
            "organization": publication.organization,
            "card": card(publication.version.content),
            "full_url": full_url,
        },
    )
    css = str(settings.BASE_DIR / "static" / "css" / "card-print.css")
    paper = CSS(string=f"@page {{ size: {publication.organization.paper_size}; }}")
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=css), paper]
    )


def get_card_pdf(publication: Publication) -> bytes:
    """The stored card PDF, rendering it the first time only (the version never changes)."""
    stored = PublishedCard.objects.filter(publication=publication).values_list("data", flat=True)
    data = stored.first()
    if data is not None:
        return bytes(data)
    with transaction.atomic():
        # Two first downloads at once: the second waits here, then finds the stored copy.
        Publication.objects.select_for_update().get(pk=publication.pk)
        data = stored.first()
        if data is not None:
            return bytes(data)
        rendered = render_card_pdf(publication, full_url(publication))
        PublishedCard.objects.create(
            publication=publication,
            data=rendered,
            size=len(rendered),
            content_hash=publication.version.content_hash,
        )
    return rendered


def stored_card_size(publication: Publication) -> int | None:
    """The stored card PDF's size in bytes, for its link; None before it is rendered."""
    return (
        PublishedCard.objects.filter(publication=publication).values_list("size", flat=True).first()
    )
