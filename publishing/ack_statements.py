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
   audit event and the chain head moved, as data-modifying ``WITH`` parts of one statement.

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
from typing import Any

from django.db import IntegrityError, connection, models
from psycopg import ClientCursor
from psycopg.pq import TransactionStatus

from audit.models import ChainHead, personal_lane
from audit.services import PendingEvent, head_from_row
from config.sql import insert_returning_id

from .models import AckRequest, Campaign

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


def insert_part(name: str, obj: models.Model) -> tuple[str, list[Any]]:
    """``name AS (INSERT … RETURNING id)`` for one new row, as the ORM writes it."""
    sql, params = insert_returning_id(obj)
    return f'"{name}" AS ({sql})', params


def write(
    rows: list[models.Model],
    *,
    resolve: tuple[str, list[Any]],
    event: PendingEvent,
    commit: bool = False,
) -> None:
    """Insert ``rows`` (the acknowledgement first), resolve the notices and append the audit
    event, in one statement; each row gets its id, and the event's listeners are told.

    With ``commit`` (inside ``sent_together``, when no listener acts on the event:
    ``audit.signals.acted_on``) the COMMIT goes in the same round trip. The head is locked
    by this transaction, so the event's statement cannot miss it: an error in the statement
    skips the COMMIT and ``sent_together`` rolls back."""
    parts, params = [], []
    for i, obj in enumerate(rows):
        part, part_params = insert_part(f"row{i}", obj)
        parts.append(part)
        params += part_params
    parts.append(f'"resolved" AS ({resolve[0]})')
    params += resolve[1]
    audit_sql, audit_params = event.statement(prefix=", ")
    ids = ", ".join(f'(SELECT "id" FROM "row{i}")' for i in range(len(rows)))  # noqa: S608
    sql = f"WITH {', '.join(parts)}{audit_sql}{event.select()}, {ids}"
    with connection.cursor() as cursor:
        cursor.execute(f"{sql}; COMMIT" if commit else sql, [*params, *audit_params])
        row = cursor.fetchone()
    if row is None or any(pk is None for pk in row[1:]):
        raise IntegrityError("The acknowledgement was not written.")
    for obj, pk in zip(rows, row[1:], strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    # Nobody acts on an event committed with its statement (that is when ``commit`` is used).
    event.stored(row[0], tell=not commit)


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
