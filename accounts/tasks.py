"""Background work about people; runs inline when no broker is configured."""

from __future__ import annotations

from celery import shared_task

from . import outbox, staff_import


@shared_task
def run_import_job(job_id: int) -> str:
    """Apply a checked staff file in committed batches; a re-run continues where it stopped."""
    return staff_import.run_import_job(job_id=job_id).status


@shared_task
def send_invitations(organization_id: int, batch_key: str, invited_by_id: int) -> int:
    """E-mail a set-password link to everyone who has never signed in, once per sending."""
    return staff_import.resend_invitations_now(
        organization_id=organization_id, batch_key=batch_key, invited_by_id=invited_by_id
    )


@shared_task
def send_outbox() -> dict[str, int]:
    """Send the outbox's due e-mails (new ones, and failures due for another try)."""
    return outbox.deliver()
