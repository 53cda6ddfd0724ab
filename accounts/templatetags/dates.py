"""Date filters that follow the institution's chosen order; built in to every template."""

from __future__ import annotations

import datetime as dt

from django import template

from accounts.dates import fmt

register = template.Library()


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """2 Dec 2026 or Dec 2, 2026."""
    return fmt(value, "short")


@register.filter
def day_long(value: dt.date | dt.datetime | None) -> str:
    """2 December 2026 or December 2, 2026."""
    return fmt(value, "long")


@register.filter
def day_time(value: dt.date | dt.datetime | None) -> str:
    """2 Dec 2026, 14:05 or Dec 2, 2026, 14:05 (local time)."""
    return fmt(value, "time")


@register.filter
def day_long_time(value: dt.date | dt.datetime | None) -> str:
    """2 December 2026, 14:05 UTC or December 2, 2026, 14:05 UTC: for records."""
    return fmt(value, "long_time")


@register.filter
def iso_datetime(value: dt.datetime | None) -> str:
    """2026-12-02T14:05:09+00:00: for ``<time datetime>``, which takes at most milliseconds."""
    return value.isoformat(timespec="seconds") if value else ""
