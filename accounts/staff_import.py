"""The staff CSV import: check the whole file, then apply it as a resumable background job.

The file is read and checked whole before anything is saved: one bad row, and nothing is
imported and every bad row is listed. A good file becomes an ImportJob that works in committed
batches (people, then invitations, then acknowledgement requests) and keeps its place, so a
run that stops half-way — a worker killed, a database restart — continues where it stopped and
asks nobody twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.services import record, record_many

from . import bulk, joining
from .directory import HR_FILE, STAFF_FILE
from .emails import normalize_email
from .models import (
    EmployeeType,
    ImportJob,
    Invitation,
    Membership,
    Organization,
    StaffGroup,
    StagedRow,
    User,
)
from .services import send_invitation_emails
from .signals import members_changed, members_joined

log = logging.getLogger(__name__)

MEMBER_BATCH = 1000  # rows applied per committed batch
STAGE_BATCH = 1000  # rows written to the staging table per INSERT
STAGED_LENGTH = 400  # a staged value is cut to this (StagedRow's columns)
FOLLOW_UP_BATCH = 2000  # people invited, or asked to acknowledge, per committed batch

_HEADER_ALIASES = {
    "email": "email",
    "e-mail": "email",
    "name": "name",
    "full name": "name",
    "staff group": "staff_group",
    "staff_group": "staff_group",
    "group": "staff_group",
    "department": "staff_group",
    "job title": "job_title",
    "job_title": "job_title",
    "title": "job_title",
    "site": "site",
    "location": "site",
    "employee type": "employee_type",
    "employee_type": "employee_type",
    "worker type": "employee_type",
    "manager": "manager",
    "manager email": "manager",
    "manager e-mail": "manager",
    "manager id": "manager",
    "employee id": "external_id",
    "employee_id": "external_id",
    "employee number": "external_id",
    "external id": "external_id",
    "external_id": "external_id",
}
# Columns a file may leave out: when absent, what Charter holds for them is left alone.
_OPTIONAL_COLUMNS = ("site", "employee_type", "manager", "external_id")
_COLUMN_LABELS = {
    "email": "e-mail address",
    "name": "name",
    "staff_group": "staff group",
    "job_title": "job title",
    "site": "site",
    "manager": "manager",
    "external_id": "employee id",
}
MAX_LISTED_ERRORS = 200  # a file of 50,000 bad rows lists the first ones and counts the rest


def _max_length(model: type[models.Model], name: str) -> int:
    length = getattr(model._meta.get_field(name), "max_length", None)
    assert isinstance(length, int)
    return length


def field_limits() -> dict[str, int]:
    """How long each column may be: the database column that will hold it decides."""
    return {
        "email": _max_length(User, "email"),
        "name": _max_length(User, "full_name"),
        "staff_group": _max_length(StaffGroup, "name"),
        "job_title": _max_length(Membership, "job_title"),
        "site": _max_length(Membership, "site"),
        "manager": max(_max_length(User, "email"), _max_length(Membership, "external_id")),
        "external_id": _max_length(Membership, "external_id"),
    }


@dataclass(slots=True)
class ImportRow:
    """One row of a staff file (slotted: a 100,000-row roster holds one per row)."""

    line: int
    email: str
    name: str
    staff_group: str
    job_title: str
    # None: the file has no such column (the value held is kept).
    site: str | None = None
    employee_type: str | None = None
    manager: str | None = None  # the manager's e-mail address or employee id
    external_id: str | None = None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invited: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    membership_ids: list[int] = field(default_factory=list)
    job: ImportJob | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _shown(value: str, limit: int = 60) -> str:
    """A value quoted back in a message, cut short so one huge cell cannot flood the page."""
    return value if len(value) <= limit else value[:limit] + "…"


# --- reading the file ------------------------------------------------------------------------


class FileError(Exception):
    """A fault of the whole file (not UTF-8, not CSV, a quote never closed): nothing is read."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_rows(raw: bytes) -> Iterator[ImportRow]:
    """The file's rows one at a time, decoded as they are read; FileError for the file's own
    faults (raised when the reading reaches them).

    Line numbers are the file's physical lines, as a spreadsheet or editor shows them. No
    column can hold a line break, so a value spanning lines (almost always a quote that is
    never closed, which would swallow every row after it) refuses the whole file. One pass of
    the C csv reader plus one scan of each value: linear in the size of the file, and no copy
    of the whole text is ever made.
    """
    if len(raw) > settings.CHARTER_IMPORT_MAX_BYTES:
        limit = settings.CHARTER_IMPORT_MAX_BYTES
        size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
        raise FileError(0, f"The file is larger than {size}; split it into smaller files.")
    # newline="" hands the reader every line ending (\n, \r\n, \r) untouched, as csv expects.
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
    reader = csv.reader(_text_lines(stream))
    start = 1  # the physical line the record being read starts on
    found = False
    try:
        header = next(reader, None)
        if header is None:
            raise FileError(0, "The file is empty.")
        if _spans_lines(header):
            raise FileError(1, _spanning_message(1, reader.line_num, raw))
        columns = [_HEADER_ALIASES.get(h.strip().lower(), "") for h in header]
        if any(c not in columns for c in ("email", "name")):
            raise FileError(
                1, "The first line must name the columns: email, name, staff group, job title."
            )
        optional = [c for c in _OPTIONAL_COLUMNS if c in columns]
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if _spans_lines(values):
                raise FileError(line, _spanning_message(line, reader.line_num, raw))
            if not any(v.strip() for v in values):
                continue
            cells: dict[str, str] = {
                col: (values[i].strip() if i < len(values) else "")
                for i, col in enumerate(columns)
                if col
            }
            found = True
            yield ImportRow(
                line=line,
                email=normalize_email(cells.get("email", "")),
                name=cells.get("name", ""),
                staff_group=cells.get("staff_group", ""),
                job_title=cells.get("job_title", ""),
                **{c: cells.get(c) for c in optional},
            )
    except UnicodeDecodeError:
        raise FileError(
            0, "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."
        ) from None
    except csv.Error as exc:
        raise FileError(
            start,
            f"This line could not be read as CSV ({exc}). Check its quotes: a value "
            "that contains a comma is wrapped in double quotes, and a quote inside it is "
            'doubled ("").',
        ) from None
    if not found:
        raise FileError(0, "The file has no rows after the header.")


def _text_lines(stream: io.TextIOWrapper) -> Iterator[str]:
    for text in stream:
        if "\x00" in text:
            raise FileError(0, "The file is not a CSV text file.")
        yield text


def parse_staff_csv(raw: bytes) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """Every row of a (small) file at once, or the file's fault: for scripts and tests. An
    import stages the rows instead (``read_rows``), so that it never holds them all."""
    try:
        return list(read_rows(raw)), []
    except FileError as exc:
        return [], [(exc.line, exc.message)]


def _spans_lines(values: Sequence[str]) -> bool:
    return any("\n" in v or "\r" in v for v in values)


def _spanning_message(line: int, last_line: int, raw: bytes) -> str:
    if last_line >= raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1):
        return (
            'A double quote (") opened on this line is never closed, so every line after it '
            "would be read as part of one value. Nothing was imported: close or remove the "
            "quote and import again."
        )
    return (
        f"A quoted value on this line runs on to line {last_line}. Names, e-mail addresses, "
        "staff groups and job titles are one line each: remove the line break (or the stray "
        "quote) and import again."
    )


# --- checking the file -----------------------------------------------------------------------


def row_errors(
    row: ImportRow, groups: dict[str, StaffGroup], limits: dict[str, int]
) -> list[tuple[int, str]]:
    """The problems one row has on its own: bad or over-long values, unknown groups."""
    errors: list[tuple[int, str]] = []
    too_long = [
        (column, len(value), limits[column])
        for column, value in (
            ("email", row.email),
            ("name", row.name),
            ("staff_group", row.staff_group),
            ("job_title", row.job_title),
            ("site", row.site or ""),
            ("manager", row.manager or ""),
            ("external_id", row.external_id or ""),
        )
        if len(value) > limits[column]
    ]
    for column, length, limit in too_long:
        errors.append(
            (
                row.line,
                f"The {_COLUMN_LABELS[column]} is {length} characters long; at most {limit} fit.",
            )
        )
    long_columns = {c for c, _, _ in too_long}
    if not row.email:
        errors.append((row.line, "The e-mail address is empty."))
    elif "email" not in long_columns:
        try:
            validate_email(row.email)
        except ValidationError:
            errors.append((row.line, f"'{_shown(row.email)}' is not a valid e-mail address."))
    if not row.name:
        errors.append((row.line, "The name is empty."))
    if (
        row.staff_group
        and "staff_group" not in long_columns
        and row.staff_group.lower() not in groups
    ):
        errors.append(
            (
                row.line,
                f"Unknown staff group '{_shown(row.staff_group)}'. Create it first or fix "
                "the name.",
            )
        )
    if row.employee_type is not None and EmployeeType.from_text(row.employee_type) is None:
        kinds = ", ".join(label.lower() for label in EmployeeType.labels)
        errors.append(
            (
                row.line,
                f"Unknown employee type '{_shown(row.employee_type)}'. Use one of: {kinds}.",
            )
        )
    return errors


def _cut(value: str | None) -> str | None:
    # A staged value longer than any column is already an error; its length was measured.
    return value[:STAGED_LENGTH] if value is not None else None


def stage_rows(job: ImportJob, raw: bytes, groups: dict[str, StaffGroup]) -> list[tuple[int, str]]:
    """Read the file into the job's staged rows, STAGE_BATCH at a time; each row's own
    problems are returned (FileError for the file's). Sets ``job.total_rows``."""
    limits = field_limits()
    errors: list[tuple[int, str]] = []
    chunk: list[tuple[Any, ...]] = []
    position = 0
    for row in read_rows(raw):
        errors.extend(row_errors(row, groups, limits))
        chunk.append(
            (
                job.pk,
                position,
                row.line,
                _cut(row.email) or "",
                _cut(row.name) or "",
                _cut(row.staff_group) or "",
                _cut(row.job_title) or "",
                _cut(row.site),
                _cut(row.employee_type),
                _cut(row.manager),
                _cut(row.external_id),
            )
        )
        position += 1
        if len(chunk) >= STAGE_BATCH:
            bulk.copy_rows(StagedRow, _STAGED_COLUMNS, chunk)
            chunk = []
    if chunk:
        bulk.copy_rows(StagedRow, _STAGED_COLUMNS, chunk)
    if connection.vendor == "postgresql":
        # Fresh planner statistics for the rows just written: analysed while empty, the table
        # looks tiny, and the leavers' anti-join then scans every staged row once per person.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(StagedRow._meta.db_table)}")
    job.total_rows = position
    return errors


_STAGED_COLUMNS = (
    "job_id",
    "position",
    "line",
    "email",
    "name",
    "staff_group",
    "job_title",
    "site",
    "employee_type",
    "manager",
    "external_id",
)


def _staged(job: ImportJob) -> models.QuerySet[StagedRow]:
    return StagedRow.objects.filter(job=job)


_ROW_FIELDS = (
    "line",
    "email",
    "name",
    "staff_group",
    "job_title",
    "site",
    "employee_type",
    "manager",
    "external_id",
)


def staged_batch(job: ImportJob, start: int, size: int) -> list[ImportRow]:
    """Rows ``start`` to ``start + size`` of the file, in file order (one indexed query)."""
    return [
        ImportRow(*values)
        for values in _staged(job)
        .filter(position__gte=start, position__lt=start + size)
        .order_by("position")
        .values_list(*_ROW_FIELDS)
    ]


def _walk(qs: models.QuerySet[StagedRow], *fields: str) -> Iterator[list[tuple[Any, ...]]]:
    """Staged rows in file order, MEMBER_BATCH at a time (keyset on the position)."""
    last = -1
    while True:
        chunk = list(
            qs.filter(position__gt=last)
            .order_by("position")
            .values_list("position", *fields)[:MEMBER_BATCH]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def _repeated(job: ImportJob, column: str, label: str) -> list[tuple[int, str]]:
    """A value the file gives twice (an address, an employee id): every later row is an error.
    The database groups the staged rows; only the repeated values come back."""
    staged = _staged(job).exclude(**{column: ""}).exclude(**{f"{column}__isnull": True})
    first = dict(
        staged.values(column)
        .annotate(n=Count("pk"), first=Min("line"))
        .filter(n__gt=1)
        .values_list(column, "first")
    )
    errors: list[tuple[int, str]] = []
    values = list(first)
    for start in range(0, len(values), MEMBER_BATCH):
        some = values[start : start + MEMBER_BATCH]
        for line, value in staged.filter(**{f"{column}__in": some}).values_list("line", column):
            if line != first[value]:
                errors.append(
                    (
                        line,
                        f"{label}{_shown(value)} appears twice in the file (first on line "
                        f"{first[value]}).",
                    )
                )
    return errors


def check_staged(job: ImportJob) -> list[tuple[int, str]]:
    """What needs the whole file: an address or employee id twice, an employee id held here
    under another address that cannot change, managers who are nowhere, managers in a circle."""
    errors = _repeated(job, "email", "")
    staged = _staged(job)
    if staged.exclude(external_id__isnull=True).exclude(external_id="").exists():
        errors += _repeated(job, "external_id", "Employee id ")
        errors += _address_errors(job)
    if staged.exclude(manager__isnull=True).exclude(manager="").exists():
        errors += _manager_errors(job)
    return errors


def _address_errors(job: ImportJob) -> list[tuple[int, str]]:
    """A row matches on employee id first: an id held here under another address is that
    person with a new address (updated), unless the address change cannot be made."""
    organization = job.organization
    staged = _staged(job)
    errors: list[tuple[int, str]] = []
    with_ids = staged.exclude(external_id__isnull=True).exclude(external_id="")
    for chunk in _walk(with_ids, "line", "email", "external_id"):
        held = dict(
            Membership.objects.filter(
                organization=organization, external_id__in=[c[3] for c in chunk]
            )
            .order_by()
            .values_list("external_id", "user__email")
        )
        moving = [
            (line, email, ext, held[ext])
            for _, line, email, ext in chunk
            if held.get(ext, email) != email
        ]
        if not moving:
            continue
        olds = [m[3] for m in moving]
        taken = set(
            User.objects.filter(email__in=[m[1] for m in moving]).values_list("email", flat=True)
        )
        elsewhere = set(
            Membership.objects.filter(user__email__in=olds)
            .exclude(organization=organization)
            .values_list("user__email", flat=True)
        )
        in_file = set(staged.filter(email__in=olds).values_list("email", flat=True))
        for line, email, ext, old in moving:
            if email in taken:
                problem = "that address is already someone's account."
            elif old in elsewhere:
                problem = (
                    "they are also a member of another institution, so only they can change it "
                    "(on their account page)."
                )
            elif old in in_file:
                problem = "their current address is on another row of the file."
            else:
                continue
            errors.append(
                (
                    line,
                    f"Employee id {_shown(ext)} belongs to {_shown(old)} here, and their "
                    f"address cannot become {_shown(email)}: {problem}",
                )
            )
    return errors


def _manager_errors(job: ImportJob) -> list[tuple[int, str]]:
    """Managers who exist (in the file or already here), nobody their own manager, no loops.

    Only the lines of who reports to whom are held (two integers a row), to walk for loops.
    """
    organization = job.organization
    staged = _staged(job)
    errors: list[tuple[int, str]] = []
    boss: dict[int, int] = {}
    with_managers = staged.exclude(manager__isnull=True).exclude(manager="")
    for chunk in _walk(with_managers, "line", "manager"):
        refs = list({c[2] for c in chunk})
        by_email: dict[str, int] = {}
        for email, line in (
            staged.filter(email__in=refs).order_by("line").values_list("email", "line")
        ):
            by_email[email] = line  # the last row with the address, as a dict of the file
        by_id: dict[str, int] = {}
        for ext, line in (
            staged.filter(external_id__in=refs).order_by("line").values_list("external_id", "line")
        ):
            by_id.setdefault(ext or "", line)
        outside = [r for r in refs if r not in by_email and r not in by_id]
        existing: set[str] = set()
        if outside:
            existing = set(
                Membership.objects.filter(
                    organization=organization, user__email__in=outside
                ).values_list("user__email", flat=True)
            ) | {
                ext
                for ext in Membership.objects.filter(
                    organization=organization, external_id__in=outside
                ).values_list("external_id", flat=True)
                if ext
            }
        for _, line, manager in chunk:
            target = by_email.get(manager) or by_id.get(manager)
            if target == line:
                errors.append((line, "A person cannot be their own manager."))
            elif target is not None:
                boss[line] = target
            elif manager not in existing:
                errors.append(
                    (
                        line,
                        f"Manager '{_shown(manager)}' is neither in the file nor a member "
                        "here. Give their e-mail address or employee id.",
                    )
                )
    cleared: set[int] = set()
    for start in boss:
        path: list[int] = []
        on_path: set[int] = set()
        at: int | None = start
        while at is not None and at not in cleared:
            if at in on_path:
                errors.append(
                    (start, "The managers in the file go round in a circle from this row.")
                )
                break
            path.append(at)
            on_path.add(at)
            at = boss.get(at)
        cleared.update(path)
    return errors


def _groups(organization: Organization) -> dict[str, StaffGroup]:
    return {g.name.lower(): g for g in StaffGroup.objects.filter(organization=organization)}


class _Refused(Exception):
    """Raised inside the checking transaction, so that a refused file leaves nothing behind."""

    def __init__(self, errors: list[tuple[int, str]], plan: RosterPlan | None = None) -> None:
        super().__init__("refused")
        self.errors = errors
        self.plan = plan


def _checked_job(
    *,
    organization: Organization,
    imported_by: User,
    raw: bytes,
    file_name: str = "",
    invite: bool = False,
    full_roster: bool = False,
) -> ImportJob:
    """A job with the file staged and checked whole; _Refused with every problem found.
    Call inside a transaction: the refusal is what undoes the staging."""
    job = ImportJob.objects.create(
        organization=organization,
        created_by=imported_by,
        file_name=file_name[:200],
        invite=invite,
        full_roster=full_roster,
    )
    try:
        errors = stage_rows(job, raw, _groups(organization))
    except FileError as exc:
        raise _Refused([(exc.line, exc.message)]) from None
    errors = sorted(errors + check_staged(job), key=lambda e: e[0])
    if errors:
        raise _Refused(errors)
    job.save(update_fields=["total_rows"])
    return job


def dry_run(
    *, organization: Organization, imported_by: User, raw: bytes
) -> tuple[RosterPlan | None, list[tuple[int, str]]]:
    """The whole file checked and what it would change worked out; nothing is kept."""
    try:
        with transaction.atomic():
            job = _checked_job(organization=organization, imported_by=imported_by, raw=raw)
            raise _Refused([], plan_roster(job))  # undo the staging, keep the plan
    except _Refused as refused:
        return refused.plan, refused.errors


# --- full roster: what would change ----------------------------------------------------------


@dataclass
class RosterPlan:
    """What a full roster would do, worked out without saving anything (the dry run)."""

    rows: int = 0
    active_before: int = 0
    new: int = 0
    changed: int = 0
    rejoining: int = 0
    unchanged: int = 0
    leaving: int = 0
    kept_admins: int = 0
    samples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def leaving_share(self) -> float:
        return self.leaving / self.active_before if self.active_before else 0.0

    @property
    def needs_confirmation(self) -> bool:
        return self.leaving > 0 and self.leaving_share > settings.CHARTER_ROSTER_MAX_LEAVING_SHARE


SAMPLE = 10


@dataclass(slots=True)
class _Held:
    """What the plan compares of one member: plain values, not a model instance per person."""

    pk: int
    is_active: bool
    is_admin: bool
    awaiting_acceptance: bool
    email: str
    staff_group_id: int | None
    job_title: str
    site: str
    employee_type: str
    external_id: str | None


_HELD_FIELDS = (
    "pk",
    "is_active",
    "is_admin",
    "awaiting_acceptance",
    "user__email",
    "staff_group_id",
    "job_title",
    "site",
    "employee_type",
    "external_id",
)


def plan_roster(job: ImportJob) -> RosterPlan:
    """Count who would be added, changed, brought back and deactivated; a few names of each.

    Reads the institution in keyset batches, each with the staged rows that match it (one
    query), so a 100,000-person roster is planned in a few hundred queries and never holds
    more than a batch; the new people are counted by the database.
    """
    organization = job.organization
    plan = RosterPlan(rows=job.total_rows)
    groups = _groups(organization)
    staged = _staged(job)

    def sample(kind: str, who: str) -> None:
        names = plan.samples.setdefault(kind, [])
        if len(names) < SAMPLE:
            names.append(who)

    last = 0
    while True:
        batch = [
            _Held(*values)
            for values in Membership.objects.filter(organization=organization, pk__gt=last)
            .order_by("pk")
            .values_list(*_HELD_FIELDS)[:FOLLOW_UP_BATCH]
        ]
        if not batch:
            break
        last = batch[-1].pk
        by_email: dict[str, ImportRow] = {}
        by_id: dict[str, ImportRow] = {}
        ids = [m.external_id for m in batch if m.external_id]
        for values in (
            staged.filter(Q(email__in=[m.email for m in batch]) | Q(external_id__in=ids))
            .order_by("position")
            .values_list(*_ROW_FIELDS)
        ):
            staged_row = ImportRow(*values)
            by_email[staged_row.email] = staged_row
            if staged_row.external_id:
                by_id.setdefault(staged_row.external_id, staged_row)
        for m in batch:
            row = (by_id.get(m.external_id) if m.external_id else None) or by_email.get(m.email)
            if m.is_active:
                plan.active_before += 1
            if row is None:
                if m.is_active and m.is_admin:
                    plan.kept_admins += 1
                elif m.is_active:
                    plan.leaving += 1
                    sample("leaving", m.email)
                continue
            if m.awaiting_acceptance:
                plan.unchanged += 1
                continue
            group = groups.get(row.staff_group.lower()) if row.staff_group else None
            moved = _take_attributes(m, row, group)  # on a copy of the values: nothing is written
            if m.email != row.email:
                moved["email"] = [m.email, row.email]
            if not m.is_active:
                plan.rejoining += 1
                sample("rejoining", m.email)
            elif moved:
                plan.changed += 1
                sample("changed", f"{m.email}: {', '.join(sorted(moved))}")
            else:
                plan.unchanged += 1
    here = Membership.objects.filter(organization=organization)
    new = staged.exclude(
        Exists(here.filter(external_id=OuterRef("external_id")))
        | Exists(here.filter(user__email=OuterRef("email")))
    )
    plan.new = new.count()
    for email in new.order_by("position").values_list("email", flat=True)[:SAMPLE]:
        sample("new", email)
    return plan


# --- the job ---------------------------------------------------------------------------------


def create_import_job(
    *,
    organization: Organization,
    imported_by: User,
    raw: bytes,
    file_name: str = "",
    invite: bool = False,
    full_roster: bool = False,
    confirm_leavers: bool = False,
) -> tuple[ImportJob | None, list[tuple[int, str]]]:
    """Check the file whole; a good file becomes a queued job, a bad one saves nothing.

    A full roster that would deactivate more than the set share of active staff is refused
    unless the admin confirmed it: a truncated HR export must not empty the institution.
    """
    try:
        with transaction.atomic():
            job = _checked_job(
                organization=organization,
                imported_by=imported_by,
                raw=raw,
                file_name=file_name,
                invite=invite,
                full_roster=full_roster,
            )
            if full_roster and not confirm_leavers:
                plan = plan_roster(job)
                if plan.needs_confirmation:
                    raise _Refused([(0, leaving_refusal(plan))])
    except _Refused as refused:
        return None, refused.errors
    return job, []


def leaving_refusal(plan: RosterPlan) -> str:
    limit = settings.CHARTER_ROSTER_MAX_LEAVING_SHARE
    return (
        f"Nothing was imported: this roster would deactivate {plan.leaving} of "
        f"{plan.active_before} active people ({plan.leaving_share:.0%}), more than the "
        f"{limit:.0%} one run may. If the file is complete, tick the confirmation and import "
        "it again."
    )


STALE_AFTER = dt.timedelta(minutes=10)  # a running job silent this long was stopped


def can_resume(job: ImportJob) -> bool:
    """A stopped job, or one whose worker went silent, may be continued by an admin."""
    if job.status == ImportJob.Status.FAILED:
        return True
    return (
        job.status in (ImportJob.Status.RUNNING, ImportJob.Status.QUEUED)
        and job.updated_at < timezone.now() - STALE_AFTER
    )


def import_staff(
    *,
    organization: Organization,
    imported_by: User,
    raw: bytes,
    invite: bool = False,
    full_roster: bool = False,
    confirm_leavers: bool = False,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Check and apply a file to the end, here and now (scripts, tests, small files)."""
    job, errors = create_import_job(
        organization=organization,
        imported_by=imported_by,
        raw=raw,
        invite=invite,
        full_roster=full_roster,
        confirm_leavers=confirm_leavers,
    )
    if job is None:
        return ImportResult(errors=errors)
    job = run_import_job(job_id=job.pk)
    return ImportResult(
        created=job.created_count,
        updated=job.updated_count,
        unchanged=job.unchanged_count,
        invited=job.invitations_sent,
        membership_ids=list(job.joined_ids),
        job=job,
    )


# Everything a batch moves on; the stored file is written once (emptied) at the end.
_PROGRESS_FIELDS = (
    "status",
    "phase",
    "finished_at",
    "updated_at",
    "rows_done",
    "created_count",
    "updated_count",
    "unchanged_count",
    "joined_ids",
    "managers_done",
    "leavers_after",
    "deactivated_count",
    "changed_ids",
    "invitations_done",
    "invitations_sent",
    "campaigns_done",
)


def run_import_job(*, job_id: int, stop_after_batches: int | None = None) -> ImportJob:
    """Run a job to the end from wherever it stands; each batch commits with its bookmark.

    Running a finished job does nothing; running a stopped one continues it. Each batch
    locks the job row, so two runs of the same job take turns rather than repeat work.
    ``stop_after_batches`` ends the run early, as a killed worker would (drills and tests).
    """
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.RUNNING, error=""
    )
    groups: dict[str, StaffGroup] | None = None
    batches = 0
    try:
        _stage_stored_file(job_id)
        while True:
            if stop_after_batches is not None and batches >= stop_after_batches:
                break
            with transaction.atomic():
                job = (
                    ImportJob.objects.select_for_update()
                    .select_related("organization", "created_by")
                    .defer("data")
                    .get(pk=job_id)
                )
                if job.status == ImportJob.Status.DONE:
                    break
                if job.phase == ImportJob.Phase.MEMBERS:
                    if groups is None:
                        groups = _groups(job.organization)
                    batch = staged_batch(job, job.rows_done, MEMBER_BATCH)
                    _members_batch(job, batch, groups)
                elif job.phase == ImportJob.Phase.MANAGERS:
                    _managers_batch(job, staged_batch(job, job.managers_done, MEMBER_BATCH))
                elif job.phase == ImportJob.Phase.LEAVERS:
                    _leavers_batch(job)
                elif job.phase == ImportJob.Phase.INVITATIONS:
                    _invitations_batch(job)
                elif job.phase == ImportJob.Phase.CAMPAIGNS:
                    _campaigns_batch(job)
                else:
                    _finish(job)
                done = job.status == ImportJob.Status.DONE
                job.save(update_fields=[*_PROGRESS_FIELDS, *(["data"] if done else [])])
            batches += 1
    except Exception:
        log.exception("Import job %s stopped", job_id)
        job = ImportJob.objects.get(pk=job_id)
        job.status = ImportJob.Status.FAILED
        job.error = (
            f"The import stopped while {job.get_phase_display().lower()}. Everything before "
            "that point is saved and nothing was done twice; choose Resume to continue where "
            "it stopped."
        )
        job.save(update_fields=["status", "error", "updated_at"])
        return job
    return ImportJob.objects.get(pk=job_id)


def _stage_stored_file(job_id: int) -> None:
    """A job queued before imports were staged holds its file: stage it once (it was checked
    when the job was made), so that it runs as any other."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().defer("data").get(pk=job_id)
        if job.status == ImportJob.Status.DONE or job.phase not in _STAGED_PHASES:
            return
        if StagedRow.objects.filter(job=job).exists():
            return
        stored = bytes(ImportJob.objects.values_list("data", flat=True).get(pk=job_id))
        if not stored:
            return
        try:
            stage_rows(job, stored, {})
        except FileError:
            raise ValueError("the stored file no longer reads") from None
        ImportJob.objects.filter(pk=job_id).update(data=b"")


_STAGED_PHASES = (ImportJob.Phase.MEMBERS, ImportJob.Phase.MANAGERS, ImportJob.Phase.LEAVERS)


def _members_batch(
    job: ImportJob, batch: Sequence[ImportRow], groups: dict[str, StaffGroup]
) -> None:
    """Create or update the people of the next rows of the file, then move the bookmark on."""
    organization = job.organization
    renamed = _change_addresses(job, batch)
    emails = [r.email for r in batch]
    users = {u.email: u for u in User.objects.filter(email__in=emails).order_by()}
    known = [u.pk for u in users.values()]  # accounts that existed before this file
    new_users = [
        User(email=r.email, full_name=r.name, password=UNUSABLE_PASSWORD_PREFIX)  # set later
        for r in batch
        if r.email not in users
    ]
    if new_users:
        bulk_create_with_history(
            new_users, User, batch_size=MEMBER_BATCH, default_user=job.created_by
        )
        users = {u.email: u for u in User.objects.filter(email__in=emails).order_by()}
    by_pk = {u.pk: u for u in users.values()}
    memberships: dict[int, Membership] = {}
    # No ordering: the default sorts by name through a join, which a batch does not need.
    for m in Membership.objects.filter(
        organization=organization, user_id__in=list(by_pk)
    ).order_by():
        # Named in each person's audit event: the objects in hand, not a join per row.
        m.user = by_pk[m.user_id]
        m.organization = organization
        memberships[m.user_id] = m
    # Someone with an account of their own (a password, or a place in another institution)
    # joins only by accepting, as with a single invitation (accounts/joining.py): a file
    # cannot make them a member.
    elsewhere = (
        set(
            Membership.objects.filter(user_id__in=known)
            .exclude(organization=organization)
            .order_by()
            .values_list("user_id", flat=True)
        )
        if known
        else set()
    )
    to_create: list[Membership] = []
    to_update: list[Membership] = []
    changes: dict[int, dict[str, list[Any]]] = {}  # by user id: what this file changed
    rejoined: list[int] = []
    asked: list[Membership] = []
    unchanged = 0
    for row in batch:
        group = groups.get(row.staff_group.lower()) if row.staff_group else None
        user = users[row.email]
        membership = memberships.get(user.pk)
        # As joining.needs_consent: a place elsewhere, or a password but never a member here.
        ask = user.pk in elsewhere or (membership is None and user.has_usable_password())
        if membership is None:
            membership = Membership(
                user=user,
                organization=organization,
                is_active=not ask,
                awaiting_acceptance=ask,
            )
            _take_attributes(membership, row, group)
            to_create.append(membership)
            if ask:
                asked.append(membership)
            continue
        if ask and not membership.is_active:
            # Already asked: only the attributes follow the file; asked again if not.
            moved = _take_attributes(membership, row, group)
            if not moved and membership.awaiting_acceptance:
                unchanged += 1
                continue
            if not membership.awaiting_acceptance:
                asked.append(membership)
            membership.awaiting_acceptance = True
            to_update.append(membership)
            continue
        moved = _take_attributes(membership, row, group)
        if membership.is_active and not moved:
            if user.pk not in renamed:
                unchanged += 1
            continue
        changes[user.pk] = moved
        if not membership.is_active:
            moved["active"] = [False, True]
            rejoined.append(membership.pk)
        membership.is_active = True
        membership.deactivated_at = None
        to_update.append(membership)
    if to_create:
        bulk_create_with_history(
            to_create, Membership, batch_size=MEMBER_BATCH, default_user=job.created_by
        )
        job.joined_ids.extend(
            Membership.objects.filter(
                organization=organization,
                is_active=True,
                user_id__in=[m.user_id for m in to_create],
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    if to_update:
        bulk.update_with_history(
            to_update,
            Membership,
            ["is_active", "deactivated_at", "awaiting_acceptance", *_ATTRIBUTE_FIELDS],
            default_user=job.created_by,
        )
    if asked:
        _ask_to_join(job, [m.user_id for m in asked])
    _record_people(job, to_create, to_update, changes, groups)
    job.joined_ids.extend(rejoined)
    job.created_count += len(to_create)
    job.updated_count += len(to_update) + len(renamed - {m.user_id for m in to_update})
    job.unchanged_count += unchanged
    job.rows_done += len(batch)
    if job.rows_done >= job.total_rows:
        if job.created_count or job.updated_count:
            record(
                "accounts.staff.imported",
                actor=job.created_by,
                organization=organization,
                obj=job,
                details={
                    "created": job.created_count,
                    "updated": job.updated_count,
                    "unchanged": job.unchanged_count,
                    "file": job.file_name,
                },
            )
        if batch and batch[0].manager is not None:  # the file has a manager column
            job.phase = ImportJob.Phase.MANAGERS
        else:
            _after_people(job)


_ATTRIBUTE_FIELDS = ("staff_group", "job_title", "site", "employee_type", "external_id")


def _take_attributes(
    membership: Membership | _Held, row: ImportRow, group: StaffGroup | None
) -> dict[str, list[Any]]:
    """Give the membership the row's attributes; {attribute: [before, after]} of those changed."""
    wanted: dict[str, object] = {"staff_group_id": group.pk if group else None}
    wanted["job_title"] = row.job_title
    if row.site is not None:
        wanted["site"] = row.site
    if row.employee_type is not None:
        wanted["employee_type"] = EmployeeType.from_text(row.employee_type)
    if row.external_id is not None:
        wanted["external_id"] = row.external_id or None
    changed: dict[str, list[Any]] = {}
    for name, value in wanted.items():
        before = getattr(membership, name)
        if before != value:
            setattr(membership, name, value)
            changed["department" if name == "staff_group_id" else name] = [before, value]
    return changed


def _managers_batch(job: ImportJob, batch: Sequence[ImportRow]) -> None:
    """Point the next rows' people at their managers, once everyone in the file exists."""
    organization = job.organization
    refs = {r.manager for r in batch if r.manager}
    members = {
        m.user.email: m
        for m in Membership.objects.filter(
            organization=organization, user__email__in=[r.email for r in batch]
        )
        .select_related("user")
        .order_by()
    }
    by_email = dict(
        Membership.objects.filter(organization=organization, user__email__in=refs).values_list(
            "user__email", "pk"
        )
    )
    by_id = dict(
        Membership.objects.filter(organization=organization, external_id__in=refs).values_list(
            "external_id", "pk"
        )
    )
    changed: list[Membership] = []
    for row in batch:
        membership = members.get(row.email)
        if membership is None or row.manager is None:
            continue
        wanted = by_email.get(row.manager) or by_id.get(row.manager) if row.manager else None
        if membership.manager_id != wanted:
            membership.manager_id = wanted
            changed.append(membership)
    if changed:
        bulk.update_with_history(changed, Membership, ["manager"], default_user=job.created_by)
    job.managers_done += len(batch)
    if job.managers_done >= job.total_rows:
        _after_people(job)


def _after_people(job: ImportJob) -> None:
    if job.full_roster:
        job.phase = ImportJob.Phase.LEAVERS
    else:
        job.phase = ImportJob.Phase.INVITATIONS if job.invite else ImportJob.Phase.CAMPAIGNS


def _change_addresses(job: ImportJob, batch: Sequence[ImportRow]) -> set[int]:
    """Give people matched by employee id the address the file now has for them; one audit
    event each. Returns their user ids. (The whole file was checked first: none of these
    addresses is anyone else's, and nobody here is a member elsewhere.)"""
    by_id = {r.external_id: r for r in batch if r.external_id}
    if not by_id:
        return set()
    moving = list(
        Membership.objects.filter(organization=job.organization, external_id__in=list(by_id))
        .exclude(user__email__in=[r.email for r in by_id.values()])
        .select_related("user")
        .order_by()
    )
    changed: list[tuple[str, Any, dict[str, Any]]] = []
    users: list[User] = []
    for m in moving:
        row = by_id[m.external_id or ""]
        changed.append(
            (
                "accounts.directory.email_changed",
                m,
                {
                    "source": _source(job),
                    "file": job.file_name,
                    "employee_id": m.external_id,
                    "changes": {"email": [m.user.email, row.email]},
                },
            )
        )
        m.user.email = row.email
        users.append(m.user)
    if users:
        bulk_update_with_history(
            users, User, ["email"], batch_size=MEMBER_BATCH, default_user=job.created_by
        )
        record_many(
            changed, organization=job.organization, actor=job.created_by, actor_label=_source(job)
        )
    return {u.pk for u in users}


def _source(job: ImportJob) -> str:
    return HR_FILE if job.full_roster else STAFF_FILE


def _record_people(
    job: ImportJob,
    created: list[Membership],
    updated: list[Membership],
    changes: dict[int, dict[str, list[Any]]],
    groups: dict[str, StaffGroup],
) -> None:
    """One audit event per person the file added or changed, naming the file and the kind
    of import (an HR roster, or an ordinary staff list)."""
    names = {g.pk: g.name for g in groups.values()}

    def readable(change: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if "department" in change:
            change["department"] = [names.get(v, "") if v else "" for v in change["department"]]
        return change

    entries: list[tuple[str, Any, dict[str, Any]]] = []
    for m in created:
        if m.pk is None:
            continue
        entries.append(
            (
                "accounts.directory.person_added",
                m,
                {"source": _source(job), "file": job.file_name, "email": m.user.email},
            )
        )
    for m in updated:
        change = readable(changes.get(m.user_id, {}))
        action = (
            "accounts.directory.person_reactivated"
            if "active" in change
            else "accounts.directory.person_updated"
        )
        entries.append(
            (action, m, {"source": _source(job), "file": job.file_name, "changes": change})
        )
        if job.full_roster:  # movers, for the campaigns' follow-up
            job.changed_ids.append(m.pk)
    record_many(
        entries, organization=job.organization, actor=job.created_by, actor_label=_source(job)
    )


def _leavers_batch(job: ImportJob) -> None:
    """Deactivate the next active people missing from the roster (admins are kept).

    The batch is a range of primary keys; the database picks the people in it whose address
    no staged row has, so only the leavers themselves are loaded.
    """
    active = Membership.objects.filter(organization=job.organization, is_active=True)
    ids = list(
        active.filter(pk__gt=job.leavers_after)
        .order_by("pk")
        .values_list("pk", flat=True)[:FOLLOW_UP_BATCH]
    )
    if not ids:
        job.phase = ImportJob.Phase.INVITATIONS if job.invite else ImportJob.Phase.CAMPAIGNS
        return
    now = timezone.now()
    leaving = list(
        active.filter(pk__gt=job.leavers_after, pk__lte=ids[-1], is_admin=False)
        .exclude(Exists(_staged(job).filter(email=OuterRef("user__email"))))
        .select_related("user")
        .order_by("pk")
    )
    for m in leaving:
        m.organization = job.organization  # named in the audit event
        m.is_active = False
        m.deactivated_at = now
    for m in leaving:
        m.is_active = False
        m.deactivated_at = now
    if leaving:
        bulk.update_with_history(
            leaving, Membership, ["is_active", "deactivated_at"], default_user=job.created_by
        )
        record_many(
            [
                (
                    "accounts.directory.person_deactivated",
                    m,
                    {"source": HR_FILE, "file": job.file_name, "reason": "missing from roster"},
                )
                for m in leaving
            ],
            organization=job.organization,
            actor=job.created_by,
            actor_label=HR_FILE,
        )
        job.changed_ids.extend(m.pk for m in leaving)
    job.deactivated_count += len(leaving)
    job.leavers_after = ids[-1]


def _ask_to_join(job: ImportJob, user_ids: list[int]) -> None:
    """Ask people with accounts of their own to accept their place (after this batch commits)."""
    waiting = list(
        Membership.objects.filter(
            organization=job.organization, user_id__in=user_ids, awaiting_acceptance=True
        ).select_related("user", "organization")
    )
    for membership in waiting:
        Invitation.objects.create(membership=membership, invited_by=job.created_by)
        record(
            "accounts.person.invited",
            actor=job.created_by,
            organization=job.organization,
            obj=membership,
            details={"email": membership.user.email, "awaiting_acceptance": True, "import": job.pk},
        )
    invited_by = job.created_by

    def send() -> None:
        for membership in waiting:
            joining.send_join_request_email(membership=membership, invited_by=invited_by)

    transaction.on_commit(send)


def _invitations_batch(job: ImportJob) -> None:
    """Invite the next people who joined: a set-password link, once per person per job."""
    ids = job.joined_ids[job.invitations_done : job.invitations_done + FOLLOW_UP_BATCH]
    job.invitations_sent += invite_batch(
        organization=job.organization,
        membership_ids=ids,
        invited_by=job.created_by,
        batch_key=f"import-{job.pk}",
    )
    job.invitations_done += len(ids)
    if job.invitations_done >= len(job.joined_ids):
        if job.invitations_sent:
            record(
                "accounts.invitations.sent",
                actor=job.created_by,
                organization=job.organization,
                obj=job,
                details={"people": job.invitations_sent, "reason": "staff import"},
            )
        job.phase = ImportJob.Phase.CAMPAIGNS


def _campaigns_batch(job: ImportJob) -> None:
    """Ask the next people who joined to acknowledge what is in force (a publishing listener).

    The listener works inside this batch's transaction, so its requests commit together with
    the bookmark: a batch is either done and marked done, or neither.
    """
    everyone = [*job.joined_ids, *job.changed_ids]
    ids = everyone[job.campaigns_done : job.campaigns_done + FOLLOW_UP_BATCH]
    if ids:
        # A roster also moves and removes people: their open requests follow (asked, closed).
        signal = members_changed if job.full_roster else members_joined
        signal.send(
            sender=Membership, organization=job.organization, membership_ids=ids, background=False
        )
    job.campaigns_done += len(ids)
    if job.campaigns_done >= len(everyone):
        job.phase = ImportJob.Phase.FINISHED


def _finish(job: ImportJob) -> None:
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.data = b""  # the people are saved; the file itself is not kept
    _staged(job).delete()


# --- invitations -----------------------------------------------------------------------------


def never_signed_in(organization: Organization) -> models.QuerySet[Membership]:
    """Active people of the institution who have never signed in to Charter."""
    return Membership.objects.filter(
        organization=organization,
        is_active=True,
        user__is_active=True,
        user__last_login__isnull=True,
    )


def invite_batch(
    *,
    organization: Organization,
    membership_ids: Sequence[int],
    invited_by: User | None,
    batch_key: str,
) -> int:
    """Invite these people (who have never signed in) once for ``batch_key``; returns how many.

    Runs inside the caller's transaction: the Invitation rows are the record that a person
    was invited in this sending, and the e-mails go out only after they commit.
    """
    candidates = list(
        never_signed_in(organization)
        .filter(pk__in=list(membership_ids))
        .exclude(invitations__batch_key=batch_key)
        .select_related("user", "organization")
        .order_by("pk")
    )
    if not candidates:
        return 0
    Invitation.objects.bulk_create(
        [Invitation(membership=m, invited_by=invited_by, batch_key=batch_key) for m in candidates],
        ignore_conflicts=True,
    )

    users = [m.user for m in candidates]
    transaction.on_commit(
        lambda: send_invitation_emails(
            organization=organization, users=users, invited_by=invited_by
        )
    )
    return len(candidates)


def resend_invitations_now(*, organization_id: int, batch_key: str, invited_by_id: int) -> int:
    """Invite, batch by batch, everyone who has not signed in; a re-run skips those invited."""
    organization = Organization.objects.get(pk=organization_id)
    invited_by = User.objects.get(pk=invited_by_id)
    sent, last = 0, 0
    while True:
        with transaction.atomic():
            ids = list(
                never_signed_in(organization)
                .filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:FOLLOW_UP_BATCH]
            )
            if not ids:
                return sent
            invited = invite_batch(
                organization=organization,
                membership_ids=ids,
                invited_by=invited_by,
                batch_key=batch_key,
            )
            if invited:
                # One event per batch keeps the trail readable at 50,000 people.
                record(
                    "accounts.invitations.sent",
                    actor=invited_by,
                    organization=organization,
                    details={"people": invited, "sending": batch_key},
                )
            sent += invited
            last = ids[-1]
