"""Reviewers' reminders, one of the jobs ``manage.py send_reminders`` runs (hourly is fine).

Idempotent: at most one reminder per reviewer, per review, per day.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record

from . import notify
from .models import ReminderLog, ReviewRequest
from .selectors import stage_holders


def overdue_reviews(*, now: dt.datetime | None = None, today: dt.date | None = None) -> int:
    """E-mail each reviewer whose stage is past its due date and who has not signed yet."""
    now = now or timezone.now()
    day = today or timezone.localdate(now)
    sent = 0
    overdue = ReviewRequest.objects.overdue(now=now).select_related(
        "guideline__organization", "version"
    )
    for review in overdue:
        stage = review.current_stage
        if stage is None:
            continue
        signed = set(review.signatures.values_list("signer_id", flat=True))
        reminded = []
        for membership in stage_holders(review, stage):
            if membership.user_id in signed:
                continue
            try:
                with transaction.atomic():
                    # The log row is the idempotency key: a second run the same day collides.
                    ReminderLog.objects.create(review=review, user=membership.user, day=day)
                    transaction.on_commit(partial(notify.reminder, review, membership.user))
            except IntegrityError:
                continue
            reminded.append(membership.user.email)
        if reminded:
            record(
                "approvals.review.reminded",
                organization=review.guideline.organization,
                obj=review,
                guideline_id=review.guideline_id,
                details={"stage": review.stage_index + 1, "recipients": reminded},
                actor_label="send_reminders",
            )
            sent += len(reminded)
    return sent
