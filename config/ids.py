"""Row ids from outside: the ``<id:…>`` path converter, and ticked boxes of rows in a form.

Django's ``<int:…>`` takes any run of digits, and a number past what a 64-bit key holds makes
SQLite raise OverflowError (a 500) where PostgreSQL quietly finds nothing. An id that no row
can have matches no URL instead: a plain 404 on every database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import register_converter
from django.urls.converters import IntConverter, get_converters

# The largest value of a BigAutoField (and of a SQLite INTEGER).
MAX_ID = 2**63 - 1


class IdConverter(IntConverter):
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("not a row id")  # no match: the URL is a 404
        return number


def register() -> None:
    """Make ``<id:…>`` known; each URL module calls it before building its patterns (Django
    reads a route's converters as the pattern is built)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")


def _fits(value: Any) -> bool:
    try:
        return abs(int(str(value).strip())) <= MAX_ID
    except ValueError:
        return True  # not a number at all: Django's own check says so


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, but a posted number no row can have is "not a valid value" (as any unknown
    id is) rather than an OverflowError from SQLite inside the ``pk__in`` lookup."""

    def _check_values(self, value: Iterable[Any]) -> QuerySet[Any]:
        for pk in value:
            if not _fits(pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]
