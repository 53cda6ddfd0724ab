"""Parts of hand-composed statements, compiled by the ORM once per process.

A hot path that writes several rows in one statement (PostgreSQL's data-modifying ``WITH``)
needs each row's ``INSERT`` as SQL. Compiling it through the ORM every time costs more than
the rest of such a request's Python; the text depends only on the model, so it is compiled
once and the values are prepared per row exactly as the ORM prepares them.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model
from django.db.models.sql import InsertQuery

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
