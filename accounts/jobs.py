"""Starting the background work about people: a checked staff import, a bulk re-invitation.

The work itself lives in ``staff_import`` and runs in ``tasks``; these are the admin's
actions that queue it (or, for a small file, run it at once).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.services import record

from . import staff_import, tasks
from .models import ImportJob, Organization, User
from .services import PeopleError


def start_import_job(job: ImportJob) -> ImportJob:
    """Apply a small file now (the admin sees the result at once); a large one in the background."""
    if job.total_rows <= settings.CHARTER_IMPORT_INLINE_ROWS:
        return staff_import.run_import_job(job_id=job.pk)
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.FAILED).update(
        status=ImportJob.Status.QUEUED, error=""
    )
    job_id = job.pk
    transaction.on_commit(lambda: tasks.run_import_job.delay(job_id))
    job.refresh_from_db()
    return job


def resume_stalled_jobs() -> int:
    """Hourly (send_reminders): continue every job that stopped or whose worker went silent,
    so a killed import finishes even if nobody presses Resume."""
    cutoff = timezone.now() - staff_import.STALE_AFTER
    stalled = ImportJob.objects.filter(
        models.Q(status=ImportJob.Status.FAILED)
        | models.Q(
            status__in=[ImportJob.Status.RUNNING, ImportJob.Status.QUEUED], updated_at__lt=cutoff
        )
    ).defer("data")
    count = 0
    for job in stalled:
        start_import_job(job)
        count += 1
    return count


def request_invitations(
    *, organization: Organization, by: User, request: HttpRequest | None = None
) -> int:
    """An admin asks for everyone who has never signed in to be invited again (in batches,
    in the background); returns how many people that is now."""
    count = staff_import.never_signed_in(organization).count()
    if not count:
        raise PeopleError("Everyone here has signed in at least once: there is nobody to invite.")
    batch_key = f"resend-{uuid.uuid4().hex[:20]}"
    with transaction.atomic():
        record(
            "accounts.invitations.requested",
            actor=by,
            organization=organization,
            details={"people": count, "sending": batch_key},
            request=request,
        )
        organization_id, by_id = organization.pk, by.pk
        transaction.on_commit(
            lambda: tasks.send_invitations.delay(organization_id, batch_key, by_id)
        )
    return count
