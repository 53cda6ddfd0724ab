"""config.sql: an INSERT compiled once per process is the ORM's own, with the ORM's values."""

from __future__ import annotations

from django.db import connection
from django.db.models.sql import InsertQuery
from django.utils import timezone

from audit.models import AuditEvent
from config.sql import insert_returning_id
from publishing.models import QuizAttempt


def orm(obj):
    query = InsertQuery(type(obj))
    query.insert_values([f for f in obj._meta.local_concrete_fields if not f.primary_key], [obj])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = [obj._meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def plain(statement):
    """Values as compared: psycopg's JSON wrapper has no equality of its own."""
    sql, params = statement
    return sql, [getattr(p, "obj", p) for p in params], [type(p) for p in params]


def event(n: int) -> AuditEvent:
    return AuditEvent(
        action="test.thing",
        actor_label=f"person{n}@riverside.test",
        details={"n": n, "nested": {"ok": True}},
        created_at=timezone.now(),
        sequence=n,
        prev_hash="0" * 64,
        hash=f"{n:064d}",
    )


def test_each_row_gets_the_orms_sql_and_values(db):
    for n in (1, 2, 3):  # the first compiles, the others reuse the text
        row = event(n)
        assert plain(insert_returning_id(row)) == plain(orm(row))
    attempt = QuizAttempt(
        organization_id=1, user_id=2, version_id=3, attempted_at=timezone.now(), passed=True
    )
    assert plain(insert_returning_id(attempt)) == plain(orm(attempt))


def test_the_statement_writes_the_row(db):
    row = event(5)
    sql, params = insert_returning_id(row)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (pk,) = cursor.fetchone()
    stored = AuditEvent.objects.get(pk=pk)
    assert stored.details == {"n": 5, "nested": {"ok": True}} and stored.sequence == 5
