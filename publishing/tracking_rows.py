"""The tracking dashboard's repeated rows, written in Python rather than by the template.

A page shows up to 50 staff groups, 25 roster rows and 10 overdue people; through the template
language every row costs dozens of variable lookups, filters and escapes, which made rendering
the largest part of the page's own work. The markup here is byte for byte what the loops in
``publishing/tracking.html`` wrote (the view tests and the browser tests read it): change the
two together. Every value from the database goes through ``escape``, as autoescaping did;
counts are plain digits, as under the template's ``{% localize off %}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware, localtime

from accounts import outbox
from accounts.dates import fmt

from .models import AckRequest

# The roster's columns, read with ``values_list`` in this order: a tuple per row rather than
# two model instances (the request and its person, plus the staff group).
ROSTER_FIELDS = (
    "user__full_name",
    "user__email",
    "staff_group__name",
    "acknowledged_at",
    "closed_at",
    "closed_reason",
    "replaced_at",
    "replaced_reason",
    "due_date",
    "last_reminded_at",
    "latest_email_status",
    "latest_email_error",
)

# The overdue list's columns, in this order.
OVERDUE_FIELDS = (
    "user__full_name",
    "user__email",
    "staff_group__name",
    "due_date",
    "last_reminded_at",
    "reminder_count",
)

CLOSED_REASONS: Mapping[str, str] = dict(AckRequest.ClosedReason.choices)


class Days:
    """``day`` for the page's dates, each distinct day formatted once (the roster's due dates
    are mostly one and the same). The short style writes no time, so a moment is keyed by its
    local day."""

    def __init__(self) -> None:
        self.written: dict[dt.date, str] = {}

    def __call__(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = (localtime(value) if is_aware(value) else value).date()
        text = self.written.get(value)
        if text is None:
            text = self.written[value] = fmt(value, "short")
        return text


class _Mail:
    """What ``outbox.problem_of`` reads from a row."""

    __slots__ = ("latest_email_error", "latest_email_status")

    def __init__(self, status: str | None, error: str | None) -> None:
        self.latest_email_status = status
        self.latest_email_error = error


def group_rows(groups: Iterable[Mapping[str, Any]]) -> SafeString:
    """The "By staff group" table's rows."""
    out: list[str] = []
    for g in groups:
        name = escape(g["name"])
        pct = str(g["percent"])
        pk = g["staff_group_id"]
        label = f'<a href="?group={pk}">{name}</a>' if pk else name
        out.append(
            "\n        <tr>\n"
            f'          <th scope="row">{label}\n'
            f'            <progress class="ack-bar d-block mt-1" max="100" value="{pct}" '
            f'aria-label="{name}: {pct}% acknowledged">{pct}%</progress></th>\n'
            f'          <td>{pct}% <span class="small text-body-secondary text-nowrap d-block '
            f'd-sm-inline">({g["acknowledged"]}/{g["total"]})</span></td>\n'
            f"          <td>{g['overdue']}</td>\n"
            "        </tr>\n      "
        )
    return mark_safe("".join(out))  # every value above is escaped or a number


def overdue_items(rows: Iterable[tuple[Any, ...]], day: Days) -> SafeString:
    """The "Overdue" list's items (at most ten), from ``OVERDUE_FIELDS`` tuples."""
    out: list[str] = []
    for full_name, email, group, due_date, last_reminded_at, reminder_count in rows:
        if last_reminded_at:
            reminded = f" · last reminded {day(last_reminded_at)} ({reminder_count}×)"
        else:
            reminded = " · not reminded yet"
        out.append(
            f"<li>{escape(full_name or email)} "
            f'<span class="small text-body-secondary">· {escape(group or "No group")} · due '
            f"{day(due_date)}{reminded}</span></li>"
        )
    return mark_safe("".join(out))  # every value above is escaped


def roster_rows(page: Iterable[tuple[Any, ...]], day: Days, today: dt.date) -> SafeString:
    """The "Everyone asked" table's rows, from ``ROSTER_FIELDS`` tuples."""
    rows = list(page)
    if not rows:
        return mark_safe('\n      <tr><td colspan="6">No one matches.</td></tr>\n    ')
    out: list[str] = []
    for (
        full_name,
        email,
        group,
        acknowledged_at,
        closed_at,
        closed_reason,
        replaced_at,
        replaced_reason,
        due_date,
        last_reminded_at,
        mail_status,
        mail_error,
    ) in rows:
        email = escape(email)
        problem = outbox.problem_of(_Mail(mail_status, mail_error)) if mail_status else None
        if problem is not None:
            detail = f": {escape(problem.last_error)}" if problem.last_error else ""
            mail = (
                "\n          "
                f'<span class="d-block small text-danger" data-testid="mail-problem-{email}">'
                f"{escape(problem.get_status_display())}{detail}</span>"
            )
        else:
            mail = ""
        if acknowledged_at:
            status = f'<span aria-hidden="true">✓</span> Acknowledged {day(acknowledged_at)}'
        elif closed_at:
            reason = CLOSED_REASONS.get(closed_reason, closed_reason)
            status = f"Closed {day(closed_at)}: {escape(str(reason).lower())}"
        elif replaced_at:
            status = (
                f'Replaced {day(replaced_at)}<span class="d-block small text-body-secondary">'
                f"{escape(replaced_reason)}</span>"
            )
        elif due_date < today:
            status = "<strong>Overdue</strong>"
        else:
            status = "Not yet"
        reminded = day(last_reminded_at) if last_reminded_at else "—"
        out.append(
            "\n      <tr>\n"
            f'        <td data-label="Name">{escape(full_name) if full_name else "—"}</td>\n'
            f'        <td data-label="E-mail" class="text-wrap-anywhere">{email}{mail}</td>\n'
            f'        <td data-label="Staff group">{escape(group) if group else "—"}</td>\n'
            f'        <td data-label="Status" data-testid="status-{email}">{status}</td>\n'
            f'        <td data-label="Due">{day(due_date)}</td>\n'
            f'        <td data-label="Last reminded">{reminded}</td>\n'
            "      </tr>\n    "
        )
    return mark_safe("".join(out))  # every value above is escaped
