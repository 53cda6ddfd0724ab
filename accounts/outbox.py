"""The outbox: e-mails recorded in the transaction that decides them, sent after it commits.

Why: a run that dies between deciding and sending must neither lose a message (the person
would wait a day) nor send a batch twice. Each message is a row written with the change it
announces; ``deliver`` sends the due rows one by one, each under a row lock taken with SKIP
LOCKED (so concurrent senders never pick the same message) and marks it sent in the same short
transaction, right after the mail server accepted it. A sender killed mid-message loses only
that transaction: the row stays unmarked and the next run sends it, which is the one possible
duplicate per sending worker. Failures are retried minutes later, then recorded as failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from functools import partial
from typing import Any

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from config.mail import Refused, build, describe, render_each, send_one

from . import dates
from .models import Organization, OutboundEmail, User

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# After a failure the message waits this long before the next try; then it is given up.
RETRY_DELAYS = (
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
DUE = (OutboundEmail.Status.QUEUED, OutboundEmail.Status.RETRYING)


def enqueue(
    users: Iterable[User],
    *,
    template: str,
    subject: str,
    context: Mapping[str, Any],
    organization: Organization | None = None,
    ref: str = "",
    per_person: Callable[[Any], Mapping[str, Any]] | None = None,
    send_on_commit: bool = True,
) -> list[int]:
    """Record one message per person in the current transaction; send them once it commits."""
    now = timezone.now()
    # The e-mail writes dates the way the institution sending it does.
    with dates.ordered(organization) if organization is not None else nullcontext():
        rendered = list(render_each(users, template, context, per_person))
    rows = [
        OutboundEmail(
            organization=organization,
            user=user,
            ref=ref,
            to_email=user.email,
            subject=subject[:300],
            body_text=text,
            body_html=html,
            created_at=now,
            next_attempt_at=now,
        )
        for user, text, html in rendered
    ]
    if not rows:
        return []
    created = OutboundEmail.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    ids = [row.pk for row in created if row.pk is not None]
    if send_on_commit:
        transaction.on_commit(partial(deliver, ids=ids))
    return ids


def deliver(*, ids: Sequence[int] | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the due messages (only ``ids`` when given); returns counts by outcome.

    Safe to run in several processes at once and to kill at any moment."""
    counts = {"sent": 0, "retrying": 0, "failed": 0, "bounced": 0}
    connection = None
    try:
        for batch in _due_batches(ids, now):
            for pk in batch:
                if connection is None:
                    connection = get_connection()
                    connection.open()
                outcome = _deliver_one(pk, connection, now)
                if outcome:
                    counts[outcome] += 1
                if outcome == "retrying":
                    # A lost connection is reopened for the next message.
                    connection.close()
                    connection = None
    finally:
        if connection is not None:
            connection.close()
    return counts


def due_batches(
    rows: Any, ids: Sequence[int] | None, now: dt.datetime | None, *, size: int
) -> Iterable[list[int]]:
    """Candidate ids of due ``rows`` (a queryset with ``next_attempt_at``), ``size`` at a time,
    by keyset; each is checked again under its lock. Shared by every outbox-style sender."""
    if ids is not None:
        for start in range(0, len(ids), size):
            yield list(ids[start : start + size])
        return
    last = 0
    while True:
        batch = list(
            rows.filter(next_attempt_at__lte=now or timezone.now(), pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not batch:
            return
        yield batch
        last = batch[-1]


def _due_batches(ids: Sequence[int] | None, now: dt.datetime | None) -> Iterable[list[int]]:
    return due_batches(OutboundEmail.objects.filter(status__in=DUE), ids, now, size=BATCH_SIZE)


def _deliver_one(pk: int, connection: Any, now: dt.datetime | None) -> str:
    with transaction.atomic():
        message = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status__in=DUE, next_attempt_at__lte=now or timezone.now())
            .first()
        )
        if message is None:
            return ""  # sent already, or another sender holds it right now
        message.attempts += 1
        try:
            send_one(
                connection,
                build(message.to_email, message.subject, message.body_text, message.body_html),
            )
        except Refused as exc:
            message.status = OutboundEmail.Status.BOUNCED
            message.last_error = describe(exc)[:500]
        except Exception as exc:  # any failure to hand over is retried
            log.warning("E-mail %s not sent: %s", pk, exc)
            message.last_error = describe(exc)[:500]
            if message.attempts > len(RETRY_DELAYS):
                message.status = OutboundEmail.Status.FAILED
            else:
                message.status = OutboundEmail.Status.RETRYING
                message.next_attempt_at = timezone.now() + RETRY_DELAYS[message.attempts - 1]
        else:
            message.status = OutboundEmail.Status.SENT
            message.sent_at = timezone.now()
            message.last_error = ""
        message.save(
            update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"]
        )
        return str(message.status)


def problems_for(ref: str, user_ids: Iterable[int]) -> dict[int, OutboundEmail]:
    """Each person's latest e-mail about ``ref`` that has not reached them, in one query."""
    latest: dict[int, OutboundEmail] = {}
    rows = (
        OutboundEmail.objects.filter(ref=ref, user_id__in=list(user_ids))
        .only("user_id", "status", "last_error", "attempts", "created_at", "ref")
        .order_by("user_id", "-created_at", "-pk")
    )
    for row in rows:
        assert row.user_id is not None
        latest.setdefault(row.user_id, row)
    return {uid: row for uid, row in latest.items() if row.is_problem}


def prune(*, before: dt.datetime) -> int:
    """Forget the bodies of messages sent before ``before``; failures stay for the record."""
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENT, sent_at__lt=before
    ).delete()[0]
