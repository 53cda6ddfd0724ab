"""Background work that touches many people; runs inline when no broker is configured."""

from __future__ import annotations

from celery import shared_task

from . import cycles, reminders, targeting
from . import pdf as pdf_state
from .card import get_card_pdf
from .models import Publication
from .pdf import get_pdf


@shared_task
def target_campaign(campaign_id: int) -> int:
    """Create a campaign's acknowledgement requests in batches and notify each person."""
    return targeting.target_campaign(campaign_id=campaign_id)


@shared_task
def add_late_joiners(organization_id: int, membership_ids: list[int]) -> int:
    """Ask people who joined after publishing to acknowledge the guideline in force."""
    return targeting.add_late_joiners(
        organization_id=organization_id, membership_ids=membership_ids
    )


@shared_task
def follow_members(organization_id: int, membership_ids: list[int]) -> dict[str, int]:
    """Joiners, movers and leavers: ask who now matches, close requests that no longer apply."""
    return targeting.follow_members(organization_id=organization_id, membership_ids=membership_ids)


@shared_task
def remind_overdue(campaign_id: int, everyone_pending: bool = False) -> int:
    """Remind the campaign's overdue (or all pending) people, at most once a day each."""
    return reminders.remind_campaign(campaign_id=campaign_id, everyone_pending=everyone_pending)


@shared_task
def render_pdf(publication_id: int) -> int:
    """Render and store a published version's PDF and its one-page card: ahead of the first
    download when publishing, or when a reader asked for a PDF not stored yet (the page they
    wait on follows the state this task writes)."""
    pdf_state.mark_rendering(publication_id)
    publication = Publication.objects.select_related(
        "version", "guideline__organization", "organization"
    ).get(pk=publication_id)
    try:
        size = len(get_pdf(publication))
    except Exception:
        pdf_state.mark_failed(publication_id)
        raise
    return size + len(get_card_pdf(publication))


@shared_task
def open_attestation_cycles() -> int:
    """Daily: open the yearly attestation campaigns that are due (idempotent)."""
    return cycles.open_due_cycles()
