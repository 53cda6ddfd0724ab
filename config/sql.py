"""Parts of hand-composed statements, compiled by the ORM once per process.

A hot path that writes several rows in one statement (PostgreSQL's data-modifying ``WITH``)
needs each row's ``INSERT`` as SQL. Compiling it through the ORM every time costs more than
the rest of such a request's Python; the text depends only on the model, so it is compiled
once and the values are prepared per row exactly as the ORM prepares them.

A hot page's read is the same: ``kept_read`` compiles a ``values_list`` query once per
connection and then only fills in its ids.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLCompiler

_INSERTS: dict[tuple[str, type[Model]], str] = {}
_FIELDS: dict[type[Model], list[Field[Any, Any]]] = {}


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    fields = _FIELDS.get(model)
    if fields is None:
        fields = [f for f in model._meta.local_concrete_fields if not f.primary_key]
        _FIELDS[model] = fields
    return fields


def _compiled(obj: Model) -> tuple[str, list[Any]]:
    query = InsertQuery(type(obj))
    query.insert_values(_fields(type(obj)), [obj])
    compiler = query.get_compiler(connection=connections[DEFAULT_DB_ALIAS])
    compiler.returning_fields = [obj._meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def _placeholders(model: type[Model]) -> bool:
    """Whether a field of the model writes a placeholder of its own (not ``%s``)."""
    return any(hasattr(field, "get_placeholder") for field in _fields(model))


def insert_returning_id(obj: Model) -> tuple[str, list[Any]]:
    """``INSERT INTO … VALUES (…) RETURNING id`` for one new row, as the ORM writes it.

    The values go through each field's ``pre_save`` and ``get_db_prep_save``, as the ORM's
    own compiler takes them. A row with an expression among its values (a database default,
    say) or a field with placeholders of its own is compiled in full, each time."""
    model = type(obj)
    fields = _fields(model)
    values = [field.pre_save(obj, True) for field in fields]
    if any(hasattr(v, "resolve_expression") for v in values) or _placeholders(model):
        return _compiled(obj)
    # The connection itself, not django.db.connection's proxy: each field's preparation asks
    # it for several things, and through the proxy each ask is a lookup of its own.
    connection = connections[DEFAULT_DB_ALIAS]
    key = (connection.alias, model)
    sql = _INSERTS.get(key)
    if sql is None:
        sql, _params = _compiled(obj)
        _INSERTS[key] = sql
    return sql, [
        field.get_db_prep_save(v, connection) for field, v in zip(fields, values, strict=True)
    ]


@dataclass(frozen=True)
class _Read:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str], ...]  # (position among the parameters, the value's name)
    converters: dict[int, Any]


# Stand-ins for a read's ids while it is compiled, then found among its parameters: ids that
# fit every key, so the ORM compiles the statement it would compile for real ones.
_MARKERS = (1_900_000_013, 1_900_000_031, 1_900_000_039, 1_900_000_087)


class _Kept(threading.local):
    """Each thread's reads, for its own connection (whose converters they hold)."""

    connection: BaseDatabaseWrapper | None = None
    reads: dict[Hashable, _Read]


_kept = _Kept()


def _compile_read(
    build: Callable[..., QuerySet[Any, Any]], names: list[str], connection: BaseDatabaseWrapper
) -> _Read:
    if len(names) > len(_MARKERS):
        raise ValueError("too many values for a kept read")
    markers = dict(zip(names, _MARKERS, strict=False))
    compiler = build(**markers).query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    slots = []
    for name, marker in markers.items():
        found = [i for i, p in enumerate(params) if isinstance(p, int) and p == marker]
        if len(found) != 1:
            raise ValueError(f"{name} must appear once among the read's parameters")
        slots.append((found[0], name))
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    return _Read(compiler, sql, tuple(params), tuple(slots), compiler.get_converters(fields))


def kept_read(
    key: Hashable, build: Callable[..., QuerySet[Any, Any]], **ids: int
) -> list[tuple[Any, ...]]:
    """The rows of ``build(**ids)``, a ``values_list`` query, compiled by the ORM once per
    connection under ``key``: each later call sends the same text with its own ids and
    converts the values as the ORM would (SQLite's dates and booleans).

    ``build`` must give the same statement for any ids (no branching on them), and each id
    must be a row id (below 2**63: the ``<id:…>`` URL converter's limit).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if _kept.connection is not connection:
        _kept.connection, _kept.reads = connection, {}
    read = _kept.reads.get(key)
    if read is None:
        read = _kept.reads[key] = _compile_read(build, sorted(ids), connection)
    params = list(read.params)
    for position, name in read.slots:
        params[position] = ids[name]
    with connection.cursor() as cursor:
        cursor.execute(read.sql, params)
        rows = cursor.fetchall()
    if read.converters:
        return [tuple(row) for row in read.compiler.apply_converters(rows, read.converters)]
    return [tuple(row) for row in rows]
