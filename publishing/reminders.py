"""Publishing's daily reminder jobs, run by ``manage.py send_reminders``.

Each function takes ``today`` and returns how many people it reminded; each is idempotent
(a unique reminder log row is written before anything is sent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from . import services

Reminder = Callable[..., int]


def scheduled_versions_take_effect(*, today: dt.date | None = None, **_: object) -> int:
    """Versions scheduled for today take effect; the versions before them are superseded."""
    return services.apply_effective_publications(today=today)


def overdue_acknowledgements(*, today: dt.date | None = None, **_: object) -> int:
    """Overdue acknowledgers in every open campaign."""
    return services.remind_overdue_acknowledgements(today=today)


def review_cycle_due(*, today: dt.date | None = None, **_: object) -> int:
    """Owners of guidelines whose review is due within 30 days or overdue."""
    return services.remind_review_cycle(today=today)


def overdue_digest(*, today: dt.date | None = None, **_: object) -> int:
    """Admins: once a week, who is overdue in each open campaign, group by group."""
    return services.send_overdue_digests(today=today)


REMINDERS: list[Reminder] = [
    scheduled_versions_take_effect,
    overdue_acknowledgements,
    review_cycle_due,
    overdue_digest,
]


def run_all(*, today: dt.date | None = None) -> dict[str, int]:
    """Run publishing's jobs in order; the entry point when approvals' command is absent."""
    day = today or timezone.localdate()
    return {func.__name__: func(today=day) for func in REMINDERS}
