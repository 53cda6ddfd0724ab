"""The tracking roster as CSV: one format, two ways of writing it.

On PostgreSQL the database writes the rows itself (``COPY (SELECT …) TO STDOUT``, read through
psycopg one row at a time), with every cell already formatted and made formula-safe in SQL, so
Python only changes each row's line ending and hands the bytes on in large chunks. Elsewhere
(SQLite) the rows are read in batches and written with ``csv.writer`` as before. Both give the
same bytes for the same data; a test holds them to it, hostile cells included.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat
from psycopg import ClientCursor

from config.csv_export import FORMULA_STARTS, Echo, safe_cell

from .models import AckRequest, AckRequestQuerySet, QuizAttempt
from .selectors import describe_wrong, quiz_summaries

HEADER = [
    "name",
    "email",
    "staff_group",
    "due_date",
    "status",
    "acknowledged_at_utc",
    "reminders_sent",
    "last_reminded_at_utc",
    "quiz_attempts",
    "quiz_wrong_answers",
    "quiz_passed_at_utc",
]

BATCH = 2000  # rows per read on the portable path (and per quiz look-up)
CHUNK_ROWS = 1000  # rows per chunk handed to the server on the PostgreSQL path


def rows(qs: QuerySet[AckRequest], *, today: dt.date) -> Iterator[bytes | str]:
    """The CSV of ``qs`` (a ``selectors.roster`` queryset), header first, in chunks."""
    if connection.vendor == "postgresql":
        return _copied(qs, today=today)
    return _written(qs, today=today)


# --- every database ---------------------------------------------------------------------------


def _written(qs: QuerySet[AckRequest], *, today: dt.date) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield writer.writerow(HEADER)
    batch: list[AckRequest] = []
    for r in qs.select_related("user", "staff_group").iterator(chunk_size=BATCH):
        batch.append(r)
        if len(batch) == BATCH:
            yield "".join(writer.writerow(_cells(r, q, today)) for r, q in _with_quiz(batch))
            batch = []
    if batch:
        yield "".join(writer.writerow(_cells(r, q, today)) for r, q in _with_quiz(batch))


def _with_quiz(batch: list[AckRequest]) -> Iterator[tuple[AckRequest, dict[str, Any] | None]]:
    # The quiz tries of a batch of people in one query, so the export stays flat.
    quizzes = quiz_summaries([r.pk for r in batch])
    for r in batch:
        yield r, quizzes.get(r.pk)


def _utc(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).isoformat() if moment else ""


def _cells(r: AckRequest, quiz: dict[str, Any] | None, today: dt.date) -> list[str]:
    return [
        safe_cell(v)
        for v in (
            r.user.full_name,
            r.user.email,
            r.staff_group.name if r.staff_group else "",
            r.due_date.isoformat(),
            r.state(today),
            _utc(r.acknowledged_at),
            r.reminder_count,
            _utc(r.last_reminded_at),
            quiz["attempts"] if quiz else 0,
            describe_wrong(quiz["wrong"]) if quiz else "",
            _utc(quiz["passed_at"]) if quiz else "",
        )
    ]


# --- PostgreSQL ---------------------------------------------------------------------------------


def _sql_literal(text: str) -> str:
    return (
        "E'"
        + text.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t").replace("\r", "\\r")
        + "'"
    )


# The same characters as ``safe_cell``, from the same tuple.
_STARTS = ", ".join(_sql_literal(c) for c in FORMULA_STARTS)


class _Safe(Func):
    """``safe_cell`` in SQL: a leading apostrophe before a cell a spreadsheet would run.
    Empty text becomes NULL, which COPY writes unquoted, as ``csv.writer`` writes ''."""

    output_field = CharField()
    template = (
        "NULLIF(CASE WHEN left(%(expressions)s, 1) IN (" + _STARTS + ") "
        "THEN '''' || %(expressions)s ELSE %(expressions)s END, '')"
    )


class _IsoUtc(Func):
    """``datetime.astimezone(UTC).isoformat()``: microseconds only when there are any. The
    value is named once (it may be a subquery): six zero digits are dropped afterwards."""

    output_field = CharField()
    template = (
        "replace(to_char(%(expressions)s AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00', '.000000+', '+')"
    )


class _IsoDate(Func):
    output_field = CharField()
    template = "to_char(%(expressions)s, 'YYYY-MM-DD')"


def _status(today: dt.date) -> Case:
    """``AckRequest.state`` in SQL, in the same order of tests."""
    closed = [
        When(closed_reason=value, then=Value(f"closed ({label.lower()})"))
        for value, label in AckRequest.ClosedReason.choices
    ]
    return Case(
        When(AckRequestQuerySet.acknowledged_q(), then=Value("acknowledged")),
        When(
            closed_at__isnull=False,
            then=Case(
                *closed,
                default=Concat(
                    Value("closed ("), Func(F("closed_reason"), function="lower"), Value(")")
                ),
                output_field=CharField(),
            ),
        ),
        When(replaced_at__isnull=False, then=Value("replaced")),
        When(AckRequestQuerySet.overdue_q(on=today), then=Value("overdue")),
        default=Value("pending"),
        output_field=CharField(),
    )


# "Q2 x2; Q3": the wrong answers of every try, counted per question, in question order (as
# ``selectors.describe_wrong``). The base table keeps its own name as its alias in Django's SQL.
_WRONG = RawSQL(
    "(SELECT string_agg('Q' || n || CASE WHEN c > 1 THEN ' x' || c ELSE '' END, '; ' "
    "ORDER BY n) FROM (SELECT COALESCE((w.item ->> 'number')::int, 0) AS n, count(*) AS c "
    "FROM publishing_quizattempt q CROSS JOIN LATERAL jsonb_array_elements("
    "CASE WHEN jsonb_typeof(q.wrong_questions) = 'array' THEN q.wrong_questions "
    "ELSE '[]'::jsonb END) AS w(item) "
    'WHERE q.request_id = "publishing_ackrequest"."id" GROUP BY 1) AS wrong)',
    (),
    output_field=CharField(),
)


def copy_query(qs: QuerySet[AckRequest], *, today: dt.date) -> tuple[str, tuple[Any, ...]]:
    """The SELECT behind the COPY: the roster's filters and order, each cell final."""
    tries = QuizAttempt.objects.filter(request_id=OuterRef("pk")).order_by()
    cells = qs.order_by("user__full_name", "user__email").values_list(
        _Safe(F("user__full_name")),
        _Safe(F("user__email")),
        _Safe(F("staff_group__name")),
        _IsoDate(F("due_date")),
        _status(today),
        _IsoUtc(F("acknowledged_at")),
        Cast(F("reminder_count"), CharField()),
        _IsoUtc(F("last_reminded_at")),
        Cast(
            Coalesce(
                Subquery(tries.annotate(n=Func(F("pk"), function="count")).values("n")),
                0,
                output_field=IntegerField(),
            ),
            CharField(),
        ),
        _WRONG,  # "Q…" or NULL: never a formula, never an empty string
        _IsoUtc(
            Subquery(
                tries.filter(passed=True)
                .annotate(first=Func(F("attempted_at"), function="min"))
                .values("first")
            )
        ),
    )
    sql, params = cells.query.sql_with_params()
    return sql, tuple(params)


def _copied(qs: QuerySet[AckRequest], *, today: dt.date) -> Iterator[bytes | str]:
    sql, params = copy_query(qs, today=today)
    # COPY takes no bind parameters: psycopg quotes them into the statement, as it would for
    # a client-side cursor. Through Django's cursor, so the statement is counted and logged.
    connection.ensure_connection()
    statement = ClientCursor(connection.connection).mogrify(sql, params)
    yield csv.writer(Echo()).writerow(HEADER)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        # PostgreSQL sends each row in its own message, ending in "\n"; csv.writer ends rows in
        # "\r\n". A line break inside a quoted cell is part of the message, not its end.
        chunk: list[Any] = []
        for row in copy:
            chunk.append(row)
            if len(chunk) == CHUNK_ROWS:
                yield _crlf(chunk)
                chunk = []
        if chunk:
            yield _crlf(chunk)


def _crlf(rows: list[Any]) -> bytes:
    """The rows joined, each ending in CR LF. Usually no cell holds a line break, and one
    replace over the whole chunk does; otherwise each row's own ending is changed."""
    data = b"".join(rows)
    if data.count(b"\n") == len(rows):
        return data.replace(b"\n", b"\r\n")
    return b"".join(bytes(row[:-1]) + b"\r\n" for row in rows)
