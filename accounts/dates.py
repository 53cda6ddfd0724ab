"""One way to write a date: each institution chooses day-month or month-day order.

Templates use the ``day``, ``day_long`` and ``day_time`` filters (built in, no ``{% load %}``);
Python code (notices, messages) calls ``fmt``. The order in effect is set per request from the
active institution (``ActiveOrganizationMiddleware``), by a public page for the institution it
shows (``use``), and around an e-mail for the institution sending it (``ordered``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any, Literal

from django.db import models
from django.utils import dateformat, timezone


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
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
    elif style == "time":
        style = "short"
    elif style == "long_time":
        style = "long"
    return dateformat.format(value, FORMATS[order][style])


def example(*, organization: Any = None) -> str:
    """Today, written the institution's way, for a date field's help text."""
    return fmt(timezone.localdate(), "long", organization=organization)
