"""Acknowledging on PostgreSQL in two statements: the hot path of a 100,000-person campaign.

``services.acknowledge`` takes this path when everything that could refuse the
acknowledgement is already known without a query (the publication in force, the person's
membership, the tick, the quiz answers). Inside its one transaction:

1. ``claim_and_lock_head``: the person's open requests for the version are claimed
   (``UPDATE … RETURNING``, their row locks make a second click wait) and then the head of
   the person's audit chain (their lane: ``audit.models.personal_lane``) is locked, in
   that order, as every other writer takes them (a function in the database, so that
   PostgreSQL keeps the statement's plan); two people in different lanes do not wait for
   each other;
2. ``write``: the acknowledgement, the passed quiz try, the person's notices resolved, the
   audit event and the chain head moved, by one call of a function in the database (its
   statements planned once per session; the app sends only the values).

The same rows are written as by the ORM path, which SQLite (and every refusal) still takes.

Outside any ``atomic`` block (a request, not a test's transaction or a caller's), the
transaction's BEGIN goes in the same round trip as the first statement and its COMMIT in the
same round trip as the second (``sent_together``): two round trips in all, where Django's
``atomic`` would send four.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from django.db import DatabaseError, IntegrityError, connection, models
from psycopg import ClientCursor
from psycopg.pq import TransactionStatus

from accounts.notify import closed_in_own_statement
from audit.models import AuditEvent, ChainHead, personal_lane
from audit.services import PendingEvent, head_from_row

from .models import Acknowledgement, AckRequest, Campaign

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    pk: int
    due_date: dt.date
    campaign_open: bool
    replaced: bool


def claim_sql(*, user_id: int, version_id: int, at: dt.datetime) -> tuple[str, list[Any]]:
    """Mark the person's pending requests for the version acknowledged ``at``, returning
    id, due date, campaign status and replaced_at of each (PostgreSQL, SQLite ≥ 3.35)."""
    requests, campaigns = AckRequest._meta.db_table, Campaign._meta.db_table
    campaign_of_row = f'SELECT "status" FROM "{campaigns}" WHERE "id" = "{requests}"."campaign_id"'  # noqa: S608
    sql = (
        f'UPDATE "{requests}" SET "acknowledged_at" = %s '  # noqa: S608 (names from the models)
        f'WHERE "campaign_id" IN (SELECT "id" FROM "{campaigns}" WHERE "version_id" = %s) '
        'AND "user_id" = %s AND "acknowledged_at" IS NULL AND "closed_at" IS NULL '
        # A request a newer one replaced stays as it was (never pending, never answered).
        'AND "replaced_at" IS NULL '
        f'RETURNING "id", "due_date", ({campaign_of_row}) AS "status", "replaced_at"'
    )
    return sql, [at, version_id, user_id]


def claimed_from(rows: list[tuple[Any, ...]]) -> list[Claimed]:
    out = []
    for pk, due, status, replaced in rows:
        if pk is None:  # the outer join's row when nothing was claimed
            continue
        if isinstance(due, str):  # SQLite hands dates back as text
            due = dt.date.fromisoformat(due)
        out.append(Claimed(pk, due, status == Campaign.Status.OPEN, replaced is not None))
    return out


class StalePublication(Exception):
    """The kept publication (``publishing.frozen``) is no longer the one in force: the claim
    claimed nothing and the caller reads the publication afresh."""


@dataclass(frozen=True)
class InForce:
    """A publication kept from an earlier request (``publishing.frozen``): the claim checks
    that it still stands for the version with the same content hash and that no later
    publication of its guideline has taken effect by ``today`` (``selectors.is_superseded``)."""

    publication_id: int
    content_hash: str
    today: dt.date


# The claim's statement lives in the database (publishing/migrations/0010), where PostgreSQL
# keeps its plan: sent as text, it was parsed and planned on every acknowledgement.
CLAIM_FUNCTION = "charter_claim_acknowledgement"


def claim_and_lock_head(
    *,
    user_id: int,
    version_id: int,
    organization_id: int,
    at: dt.datetime,
    in_force: InForce | None = None,
    begin: bool = False,
) -> tuple[list[Claimed], ChainHead | None]:
    """Claim the requests, then lock the head of the person's chain (their lane of the
    institution's audit trail: ``audit.models.personal_lane``); one statement.

    The head's ``WHERE`` reads the claim's count, so PostgreSQL runs the claim (an InitPlan)
    before it locks the head: requests first, head second, the order every writer keeps, so
    a campaign being closed while someone acknowledges cannot deadlock. None for the head
    when the chain has no head yet (the caller then lets ``audit.services`` create it).

    With ``in_force`` (for a publication kept from an earlier request) the same statement
    first checks that the publication is still the one in force: when it is not, nothing is
    claimed and ``StalePublication`` is raised (the caller's transaction rolls back the
    head's lock with it).

    With ``begin`` (inside ``sent_together``) the statement opens the transaction itself.
    """
    sql = f"SELECT * FROM {CLAIM_FUNCTION}(%s, %s, %s, %s, %s, %s, %s)"  # noqa: S608 (a constant)
    params: list[Any] = [
        user_id,
        version_id,
        ChainHead.key_for(organization_id, personal_lane(user_id)),
        at,
        in_force.publication_id if in_force else None,
        in_force.content_hash if in_force else None,
        in_force.today if in_force else None,
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"BEGIN; {sql}" if begin else sql, params)
        if begin:
            cursor.nextset()  # past BEGIN's own (empty) result
        rows = cursor.fetchall()
    if rows and not rows[0][8]:
        raise StalePublication
    locked = head_from_row(rows[0][:4]) if rows and rows[0][0] is not None else None
    return claimed_from([row[4:8] for row in rows]), locked


# The write lives in the database too (publishing/migrations/0013): its statements are planned
# once per session, and the app sends the values alone.
WRITE_FUNCTION = "charter_write_acknowledgement"
_WRITE_SQL = f"SELECT * FROM {WRITE_FUNCTION}({', '.join(['%s'] * 30)})"  # noqa: S608 (a constant)


@dataclass(frozen=True)
class Notices:
    """The person's open notices the acknowledgement closes: their work, subject and when."""

    work: str
    subject: str
    at: dt.datetime


def _prepared(model: type[models.Model], name: str, value: Any) -> Any:
    """A value as the ORM's field would send it (a JSON document, an address)."""
    field = cast("models.Field[Any, Any]", model._meta.get_field(name))
    return field.get_db_prep_save(value, connection)


def _write_params(
    ack: Acknowledgement, *, with_try: bool, notices: Notices, event: PendingEvent
) -> list[Any]:
    """The write function's values, in its order (migration 0013)."""
    audit = event.event
    if (audit.organization_id, audit.actor_id, audit.user_agent) != (
        ack.organization_id,
        ack.user_id,
        ack.user_agent,
    ) or str(audit.ip_address or "") != str(ack.ip_address or ""):
        raise ValueError("The audit event must be the acknowledgement's own.")
    return [
        ack.organization_id,
        ack.user_id,
        ack.version_id,
        ack.request_id,
        ack.acknowledged_at,
        _prepared(Acknowledgement, "ip_address", ack.ip_address),
        ack.user_agent,
        ack.content_hash,
        ack.quiz_answered,
        _prepared(Acknowledgement, "quiz_record", ack.quiz_record),
        with_try,
        notices.work,
        notices.subject,
        notices.at,
        audit.actor_label,
        audit.action,
        audit.object_type,
        audit.object_id,
        audit.object_repr,
        audit.guideline_id,
        _prepared(AuditEvent, "details", audit.details),
        audit.created_at,
        audit.lane,
        audit.sequence,
        audit.prev_hash,
        audit.hash,
        audit.mac,
        audit.key_id,
        event.head.pk,
        event.head_mac,
    ]


def _written(ack: Acknowledgement, event: PendingEvent, row: Any, *, tell: bool) -> None:
    closed_in_own_statement()
    if row is None or row[0] is None or row[1] is None:
        raise IntegrityError("The acknowledgement was not written.")
    ack.pk = row[1]
    ack._state.adding = False
    ack._state.db = connection.alias
    event.stored(row[0], tell=tell)


def write(
    ack: Acknowledgement,
    *,
    with_try: bool,
    notices: Notices,
    event: PendingEvent,
    commit: bool = False,
) -> None:
    """Insert the acknowledgement (and, ``with_try``, its passed quiz try), close the
    person's notices, append the audit event and move the chain's head: one call of the
    write function. The acknowledgement gets its id, and the event's listeners are told.

    With ``commit`` (inside ``sent_together``, when no listener acts on the event:
    ``audit.signals.acted_on``) the COMMIT goes in the same round trip. The head is locked
    by this transaction and the function refuses to move it from anywhere but where the event
    follows it: an error skips the COMMIT and ``sent_together`` rolls back."""
    params = _write_params(ack, with_try=with_try, notices=notices, event=event)
    with connection.cursor() as cursor:
        cursor.execute(f"{_WRITE_SQL}; COMMIT" if commit else _WRITE_SQL, params)
        row = cursor.fetchone()
    # Nobody acts on an event committed with its statement (that is when ``commit`` is used).
    _written(ack, event, row, tell=not commit)


# --- at once, on what was read with the person ---------------------------------------------

AT_ONCE_FUNCTION = "charter_acknowledge_at_once"
_AT_ONCE_SQL = f"SELECT * FROM {AT_ONCE_FUNCTION}({', '.join(['%s'] * 33)})"  # noqa: S608 (a constant)
# What the function answers when what was read no longer holds (nothing is written).
MOVED = "CH001"


@dataclass(frozen=True)
class ReadAlong:
    """What the acknowledge POST read with the signed-in person (accounts.sign_in_reads):
    the head of the person's lane and the open request the acknowledgement would answer."""

    head: ChainHead
    request_id: int


def read_along_sql(*, user_id: int, version_id: int, organization_id: int) -> tuple[str, list[Any]]:
    """One text value: the head's key, id, sequence and hash and the request's id (NULL
    without a head; four parts without an open request)."""
    heads, requests, campaigns = (
        ChainHead._meta.db_table,
        AckRequest._meta.db_table,
        Campaign._meta.db_table,
    )
    request = (
        f'SELECT "r"."id" FROM "{requests}" AS "r" '  # noqa: S608 (names from the models)
        f'JOIN "{campaigns}" AS "c" ON "c"."id" = "r"."campaign_id" '
        'WHERE "c"."version_id" = %s AND "c"."status" = %s AND "r"."user_id" = %s '
        'AND "r"."acknowledged_at" IS NULL AND "r"."closed_at" IS NULL '
        'AND "r"."replaced_at" IS NULL ORDER BY "r"."due_date", "r"."id" LIMIT 1'
    )
    sql = (
        f'(SELECT concat_ws(\' \', "h"."key", "h"."id", "h"."sequence", "h"."hash", '  # noqa: S608
        f"({request})) "
        f'FROM "{heads}" AS "h" WHERE "h"."key" = %s)'
    )
    key = ChainHead.key_for(organization_id, personal_lane(user_id))
    return sql, [version_id, str(Campaign.Status.OPEN), user_id, key]


def read_along_from(value: Any, *, organization_id: int, user_id: int) -> ReadAlong | None:
    """What ``read_along_sql`` read, when it is the head of this person's lane in this
    institution and an open request was found; None otherwise."""
    parts = str(value or "").split(" ")
    if len(parts) != 5 or not all(p.isdigit() for p in (parts[1], parts[2], parts[4])):
        return None
    key = ChainHead.key_for(organization_id, personal_lane(user_id))
    if parts[0] != key:
        return None
    head = ChainHead(pk=int(parts[1]), key=key, sequence=int(parts[2]), hash=parts[3])
    return ReadAlong(head=head, request_id=int(parts[4]))


def acknowledge_at_once(
    ack: Acknowledgement,
    *,
    with_try: bool,
    notices: Notices,
    event: PendingEvent,
    in_force: InForce | None,
) -> bool:
    """The claim and the write in one statement, its own transaction (the connection must
    allow ``sent_together``); False, with nothing written, when what was read no longer holds
    (the caller then takes the two-statement path)."""
    params = [
        in_force.publication_id if in_force else None,
        in_force.content_hash if in_force else None,
        in_force.today if in_force else None,
        *_write_params(ack, with_try=with_try, notices=notices, event=event),
    ]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_AT_ONCE_SQL, params)
            row = cursor.fetchone()
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == MOVED:
            return False
        raise
    _written(ack, event, row, tell=False)
    return True


def can_send_together() -> bool:
    """Whether this connection may open a transaction of its own (``sent_together``): on
    PostgreSQL through psycopg's client-side binding (several statements in one message),
    outside any ``atomic`` block, with the server's default transaction settings."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    connection.ensure_connection()
    raw = connection.connection
    if not connection.get_autocommit() or raw is None:
        return False
    return (
        issubclass(raw.cursor_factory, ClientCursor)
        and raw.isolation_level is None
        and raw.read_only is None
        and raw.deferrable is None
        and raw.info.transaction_status == TransactionStatus.IDLE
    )


@contextmanager
def sent_together() -> Iterator[None]:
    """A transaction whose BEGIN the first statement sends (``begin=True``) and whose COMMIT
    the last one sends (``commit=True``); leaving it any other way rolls it back, so an error,
    a refusal or an early return never leaves the connection inside a transaction."""
    try:
        yield
    except BaseException:
        _roll_back(quietly=True)
        raise
    _roll_back(quietly=False)


def _roll_back(*, quietly: bool) -> None:
    raw = connection.connection
    if raw is None or raw.closed:
        return
    if raw.info.transaction_status == TransactionStatus.IDLE:
        return  # committed (or never begun)
    try:
        connection.rollback()
    except Exception:
        if not quietly:
            raise
        # The first error is the one to report; a connection that cannot roll back is broken
        # and Django closes it at the end of the request.
        log.warning("Could not roll back an acknowledgement's transaction", exc_info=True)
