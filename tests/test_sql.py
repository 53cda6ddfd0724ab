"""config.sql: an INSERT compiled once per process is the ORM's own, with the ORM's values; a
read compiled once gives the ORM's rows for any ids."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.sql import InsertQuery
from django.utils import timezone

from audit.models import AuditEvent
from config.sql import insert_returning_id, kept_read
from guidelines.models import Guideline, Version
from publishing.models import QuizAttempt
from tests.factories import GuidelineFactory, VersionFactory


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


def versions_of(*, guideline: int, org: int):
    """A join with dates, booleans and an annotation: what SQLite hands back needs converting."""
    later = Version.objects.filter(guideline=OuterRef("pk"), number__gt=1)
    return (
        Guideline.objects.filter(pk=guideline, organization_id=org)
        .annotate(revised=Exists(later))
        .order_by("versions__number")
        .values_list("title", "is_public", "created_at", "revised", "versions__number")
    )


def test_a_kept_read_gives_the_orms_rows_for_any_ids(org, other_org):
    guideline = GuidelineFactory(organization=org)
    VersionFactory(guideline=guideline, number=1)
    VersionFactory(guideline=guideline, number=2)
    other = GuidelineFactory(organization=other_org, title="Elsewhere")
    cases = [
        {"guideline": guideline.pk, "org": org.pk},
        {"guideline": other.pk, "org": other_org.pk},  # no versions: one row of the guideline
        {"guideline": other.pk, "org": org.pk},  # another institution's: nothing
        {"guideline": guideline.pk, "org": org.pk},
    ]
    for ids in cases:  # the first compiles, the others reuse the text
        assert kept_read("test.versions_of", versions_of, **ids) == list(versions_of(**ids))
    kept = kept_read("test.versions_of", versions_of, guideline=guideline.pk, org=org.pk)
    assert [row[4] for row in kept] == [1, 2]
    assert isinstance(kept[0][2], dt.datetime) and kept[0][2].tzinfo is not None
    assert kept[0][1] is False and kept[0][3] is True


def test_a_kept_read_refuses_an_id_it_cannot_place(db):
    def twice(*, pk: int):  # the same id in two places: which one to fill is unclear
        return Guideline.objects.filter(pk=pk, created_by_id=pk).values_list("pk")

    with pytest.raises(ValueError, match="once"):
        kept_read("test.twice", twice, pk=3)
