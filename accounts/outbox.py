"""The outbox: e-mails recorded in the transaction that decides them, sent after it commits.

Why: a run that dies between deciding and sending must neither lose a message (the person
would wait a day) nor send a batch twice. Each message is a row written with the change it
announces. ``deliver`` sends the due rows in batches:

1. One short transaction takes a batch (``SELECT … FOR UPDATE SKIP LOCKED LIMIT n``, so
   concurrent senders never take the same row) and stamps it with this sender's name and a
   lease: ``next_attempt_at`` moves a lease ahead, so nobody else finds the rows due while
   this sender works on them, and everybody does again once the lease has run out.
2. The batch goes over one SMTP connection; each message is marked (sent, bounced, retrying)
   by its own one-row UPDATE, committed the moment the server has answered.

A sender killed mid-batch leaves the rest of its batch unmarked; the lease runs out minutes
later and the next run sends them. The one possible duplicate per sending worker is the
message the server accepted in the instant before the kill, before its mark committed. A
sender stops taking messages from its batch after half the lease (a slow server), and gives
the rest back, so no other sender can take a message it may still send.

The marks are committed without waiting for the database's disk flush (``synchronous_commit
= off``, for the sender's connection only while it sends): a flush per message made sending
100,000 reminders take an hour. A mark lost that way needs the *database server* to crash
within a fraction of a second of it, and costs a duplicate, never a lost message: the
message rows themselves were committed, flushed, with the decision.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from functools import partial
from time import monotonic
from typing import Any, TypedDict

from django.conf import settings
from django.core.mail import get_connection
from django.db import DatabaseError, connection, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from config.mail import Refused, build, describe, render_each, send_one

from . import dates
from .models import Organization, OutboundEmail, User

log = logging.getLogger(__name__)

# Rows written per INSERT: at least the largest batch of people a job decides at once (2,000
# in targeting and reminders), so one batch's messages are one statement whatever its size.
# At 500, a batch of 2,000 cost two statements more than a batch of 1,000.
BATCH_SIZE = 2000
SEND_BATCH = 200  # messages one sender takes at once (a killed sender's wait for its lease)
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

    Safe to run in several processes at once and to kill at any moment. Call it outside a
    transaction (it commits each mark as it goes); ``now`` is for tests of what is due."""
    counts = {"sent": 0, "retrying": 0, "failed": 0, "bounced": 0}
    sender = Sender()
    with _marks_without_flush():
        try:
            for batch in sender.batches(ids, now):
                sender.send(batch, counts)
                if sender.stopped:
                    break
        finally:
            sender.close()
    return counts


def worker_name() -> str:
    """Who took a message: host, process and a token for this run, so the rows of a killed
    run are told apart from the next one's in the same process."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:64]


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CHARTER_OUTBOX_LEASE_SECONDS)


class Taken(TypedDict):
    """A message as a sender holds it: what it needs to send it and to count the attempt."""

    pk: int
    to_email: str
    subject: str
    body_text: str
    body_html: str
    attempts: int


class Sender:
    """One sending worker's run: takes batches, sends them over one connection, marks each."""

    def __init__(self) -> None:
        self.name = worker_name()
        self.connection: Any = None
        self.stopped = False  # the mail server could not be reached: the rest waits
        self.claimed_at = 0.0  # monotonic time of the last claim, for the lease

    def batches(self, ids: Sequence[int] | None, now: dt.datetime | None) -> Iterator[list[Taken]]:
        """Claimed batches of due messages, by primary key (each row at most once per run)."""
        last = 0
        pending = list(ids) if ids is not None else None
        while True:
            if pending is not None:
                if not pending:
                    return
                chunk, pending = pending[:SEND_BATCH], pending[SEND_BATCH:]
                batch = self.claim(now, pks=chunk)
                if batch:
                    yield batch
                continue
            batch = self.claim(now, after=last)
            if not batch:
                return
            last = batch[-1]["pk"]
            yield batch

    def claim(
        self, now: dt.datetime | None, *, pks: Sequence[int] | None = None, after: int = 0
    ) -> list[Taken]:
        """Take up to SEND_BATCH due messages in one short transaction (two queries)."""
        self.claimed_at = monotonic()
        at = now or timezone.now()
        due = OutboundEmail.objects.filter(status__in=DUE, next_attempt_at__lte=at)
        due = due.filter(pk__in=pks) if pks is not None else due.filter(pk__gt=after)
        with transaction.atomic():
            rows = list(
                due.select_for_update(skip_locked=True)
                .order_by("pk")
                .values("pk", "to_email", "subject", "body_text", "body_html", "attempts")[
                    :SEND_BATCH
                ]
            )
            if rows:
                OutboundEmail.objects.filter(pk__in=[r["pk"] for r in rows]).update(
                    claimed_by=self.name, claimed_at=at, next_attempt_at=at + lease()
                )
        return rows

    def send(self, batch: Sequence[Taken], counts: dict[str, int]) -> None:
        # Past half the lease, the rest goes back: another sender may take it soon.
        deadline = self.claimed_at + lease().total_seconds() / 2
        for index, row in enumerate(batch):
            if monotonic() > deadline or self.stopped:
                self.give_back([r["pk"] for r in batch[index:]])
                return
            outcome = self.send_one(row)
            counts[outcome] += 1

    def send_one(self, row: Taken) -> str:
        """Hand one message to the server and commit its mark at once (one UPDATE)."""
        attempts = row["attempts"] + 1
        fields: dict[str, Any] = {"attempts": F("attempts") + 1}
        try:
            if self.connection is None:
                self.connection = get_connection()
                try:
                    self.connection.open()
                except Exception:
                    self.connection = None
                    self.stopped = True  # no server: this message is retried, the rest freed
                    raise
            send_one(
                self.connection,
                build(row["to_email"], row["subject"], row["body_text"], row["body_html"]),
            )
        except Refused as exc:
            fields.update(status=OutboundEmail.Status.BOUNCED, last_error=describe(exc)[:500])
        except Exception as exc:  # any failure to hand over is retried
            log.warning("E-mail %s not sent: %s", row["pk"], exc)
            fields["last_error"] = describe(exc)[:500]
            if attempts > len(RETRY_DELAYS):
                fields["status"] = OutboundEmail.Status.FAILED
            else:
                fields["status"] = OutboundEmail.Status.RETRYING
                fields["next_attempt_at"] = timezone.now() + RETRY_DELAYS[attempts - 1]
            self.close()  # a lost connection is opened again for the next message
        else:
            fields.update(status=OutboundEmail.Status.SENT, sent_at=timezone.now(), last_error="")
        OutboundEmail.objects.filter(pk=row["pk"]).update(**fields)
        return str(fields["status"])

    def give_back(self, pks: Sequence[int]) -> None:
        """Free messages this sender took but will not send now: due again at once."""
        if pks:
            OutboundEmail.objects.filter(pk__in=list(pks), claimed_by=self.name).update(
                next_attempt_at=timezone.now(), claimed_by=""
            )

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None


@contextmanager
def _marks_without_flush() -> Iterator[None]:
    """Commit this connection's outbox marks without waiting for the disk (see the module's
    docstring for why that is safe); the connection is as before afterwards."""
    relaxed = connection.vendor == "postgresql" and not connection.in_atomic_block
    if relaxed:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        if relaxed:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("RESET synchronous_commit")
            except DatabaseError:
                connection.close()  # a broken connection is not reused with the setting


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


def with_latest_email(rows: QuerySet[Any], ref: str, user_field: str = "user_id") -> QuerySet[Any]:
    """``rows`` (one person each) with the status and last error of that person's latest
    e-mail about ``ref`` (``latest_email_status``, ``latest_email_error``): what
    ``problems_for`` answers, read in the same query as the rows (``problem_of`` turns
    each into the problem or None)."""
    latest = OutboundEmail.objects.filter(ref=ref, user_id=OuterRef(user_field)).order_by(
        "-created_at", "-pk"
    )
    return rows.annotate(
        latest_email_status=Subquery(latest.values("status")[:1]),
        latest_email_error=Subquery(latest.values("last_error")[:1]),
    )


def problem_of(row: Any) -> OutboundEmail | None:
    """The latest e-mail of a row read with ``with_latest_email``, when it has not reached
    the person (as ``problems_for`` reports it); None otherwise."""
    email = OutboundEmail(
        status=row.latest_email_status or "", last_error=row.latest_email_error or ""
    )
    return email if row.latest_email_status and email.is_problem else None


def prune(*, before: dt.datetime) -> int:
    """Forget the bodies of messages sent before ``before``; failures stay for the record."""
    return OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENT, sent_at__lt=before
    ).delete()[0]
