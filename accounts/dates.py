"""One way to write a date: each institution chooses day-month or month-day order.

Templates use the ``day``, ``day_long`` and ``day_time`` filters (built in, no ``{% load %}``);
Python code (notices, messages) calls ``fmt``. The order in effect is set per request from the
active institution (``ActiveOrganizationMiddleware``), by a public page for the institution it
shows (``use``), and around an e-mail for the institution sending it (``ordered``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, Literal

from django.db import models
from django.utils import dateformat, timezone, translation


class DateOrder(models.TextChoices):
    DAY_MONTH = "day_month", "Day, month, year (2 December 2026)"
    MONTH_DAY = "month_day", "Month, day, year (December 2, 2026)"


Style = Literal["short", "long", "time", "long_time"]

FORMATS: dict[str, dict[str, str]] = {
    DateOrder.DAY_MONTH: {
        "short": "j M Y",
        "long": "j F Y",
        "time": "j M Y, H:i",
        "long_time": "j F Y, H:i e",  # records (the PDF, signatures) name the time zone
    },
    DateOrder.MONTH_DAY: {
        "short": "M j, Y",
        "long": "F j, Y",
        "time": "M j, Y, H:i",
        "long_time": "F j, Y, H:i e",
    },
}

_DATE_STYLE: dict[str, Style] = {"time": "short", "long_time": "long"}

_order: ContextVar[str] = ContextVar("charter_date_order", default=DateOrder.DAY_MONTH)


def current_order() -> str:
    return _order.get()


def order_of(organization: Any) -> str:
    order = getattr(organization, "date_order", "") or DateOrder.DAY_MONTH
    return order if order in FORMATS else DateOrder.DAY_MONTH


def use(organization: Any) -> Token[str]:
    """Dates from here on (in this request) follow this institution's order."""
    return _order.set(order_of(organization))


def reset(token: Token[str]) -> None:
    _order.reset(token)


@contextmanager
def ordered(organization: Any) -> Iterator[None]:
    """Dates written inside follow this institution's order (an e-mail, a background job)."""
    token = use(organization)
    try:
        yield
    finally:
        _order.reset(token)


def fmt(
    value: dt.date | dt.datetime | None, style: Style = "short", *, organization: Any = None
) -> str:
    """The date (or date and time) as the institution writes it; "" for no date (or for
    anything that is not a date, as Django's own ``date`` filter does)."""
    if not isinstance(value, dt.date):
        return ""
    order = order_of(organization) if organization is not None else current_order()
    if not isinstance(value, dt.datetime):
        style = _DATE_STYLE.get(style, style)  # a date has no time to show
    # Pages write the same few dates many times over (each thread's on every reading of the
    # review page): each is formatted once for what its text depends on.
    return _formatted(
        value,
        str(value.tzinfo) if isinstance(value, dt.datetime) else "",
        FORMATS[order][style],
        timezone.get_current_timezone_name(),
        translation.get_language() or "",
    )


@functools.lru_cache(maxsize=4096)
def _formatted(
    value: dt.date, zone: str, format_string: str, current_zone: str, language: str
) -> str:
    """The date in ``format_string``, local time for a datetime. Besides the value and the
    format, the text depends on the value's own zone (equal aware datetimes may be in
    different zones), the current zone and the language (month names): all in the key."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, format_string)


def example(*, organization: Any = None) -> str:
    """Today, written the institution's way, for a date field's help text."""
    return fmt(timezone.localdate(), "long", organization=organization)
