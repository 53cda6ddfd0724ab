"""Bulk writes for syncing thousands of people: fewer round trips and no per-object SQL.

Django's ``bulk_update`` writes a ``CASE WHEN id = … THEN …`` per field and object, whose
building costs more Python time than the database spends on it; a roster of 100,000 people
changes thousands in one night. On PostgreSQL one ``UPDATE … FROM (VALUES …)`` per chunk
does the same work, and COPY writes staged rows without a model instance each; elsewhere
(SQLite in tests) Django's own methods are used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction
from simple_history.utils import get_history_manager_for_model

CHUNK = 1000


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _column(field: models.Field[Any, Any]) -> str:
    assert field.column is not None
    return connection.ops.quote_name(field.column)


def update_rows(
    model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]
) -> None:
    """Write ``fields`` of each object to its row (by primary key)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objs, list(fields), batch_size=CHUNK)
        return
    pk = model._meta.pk
    assert isinstance(pk, models.Field)
    changed = [_field(model, name) for name in fields]
    columns = [pk, *changed]
    # Each value is cast to its column's type, so that a NULL or a string knows what it is.
    row = "(" + ", ".join(f"%s::{f.db_type(connection)}" for f in columns) + ")"
    names = ", ".join(_column(f) for f in columns)
    sets = ", ".join(f"{_column(f)} = v.{_column(f)}" for f in changed)
    table = connection.ops.quote_name(model._meta.db_table)
    key = _column(pk)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), CHUNK):
            chunk = objs[start : start + CHUNK]
            params: list[Any] = [
                f.get_db_prep_save(getattr(obj, f.attname), connection)
                for obj in chunk
                for f in columns
            ]
            values = ", ".join([row] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} "  # noqa: S608 (names from the model, values bound)
                f"FROM (VALUES {values}) AS v({names}) WHERE t.{key} = v.{key}",
                params,
            )


def update_with_history(
    objs: Sequence[models.Model],
    model: type[models.Model],
    fields: Sequence[str],
    *,
    default_user: Any = None,
) -> None:
    """``update_rows`` and one history record per object, in the caller's transaction (as
    simple_history's ``bulk_update_with_history`` does)."""
    if not objs:
        return
    with transaction.atomic(savepoint=False):
        update_rows(model, objs, fields)
        get_history_manager_for_model(model).bulk_history_create(
            objs, batch_size=CHUNK, update=True, default_user=default_user
        )


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert plain tuples (values already in database form; ``columns`` are attribute
    names) with PostgreSQL's COPY, or with ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, values, strict=True))) for values in rows],
            batch_size=CHUNK,
        )
        return
    names = ", ".join(_column(_field(model, c)) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for values in rows:
            copy.write_row(values)
