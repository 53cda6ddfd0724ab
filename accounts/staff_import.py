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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.services import record, record_many

from . import joining
from .directory import HR_FILE, STAFF_FILE
from .emails import normalize_email
from .models import (
    EmployeeType,
    ImportJob,
    Invitation,
    Membership,
    Organization,
    StaffGroup,
    User,
)
from .services import send_invitation_emails
from .signals import members_changed, members_joined

log = logging.getLogger(__name__)

MEMBER_BATCH = 1000  # rows applied per committed batch
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


def parse_staff_csv(raw: bytes) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """Read the file; return rows and (line, message) errors for the file's own faults.

    Line numbers are the file's physical lines, as a spreadsheet or editor shows them. No
    column can hold a line break, so a value spanning lines (almost always a quote that is
    never closed, which would swallow every row after it) refuses the whole file. One pass of
    the C csv reader plus one scan of each value: linear in the size of the file.
    """
    if len(raw) > settings.CHARTER_IMPORT_MAX_BYTES:
        limit = settings.CHARTER_IMPORT_MAX_BYTES
        size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
        return [], [(0, f"The file is larger than {size}; split it into smaller files.")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, "The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again.")]
    if "\x00" in text:
        return [], [(0, "The file is not a CSV text file.")]
    # newline="" hands the reader every line ending (\n, \r\n, \r) untouched, as csv expects.
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1  # the physical line the record being read starts on
    rows: list[ImportRow] = []
    try:
        header = next(reader, None)
        if header is None:
            return [], [(0, "The file is empty.")]
        if _spans_lines(header):
            return [], [(1, _spanning_message(1, reader.line_num, text))]
        columns = [_HEADER_ALIASES.get(h.strip().lower(), "") for h in header]
        if any(c not in columns for c in ("email", "name")):
            return [], [
                (1, "The first line must name the columns: email, name, staff group, job title.")
            ]
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if _spans_lines(values):
                return [], [(line, _spanning_message(line, reader.line_num, text))]
            if not any(v.strip() for v in values):
                continue
            cells: dict[str, str] = {
                col: (values[i].strip() if i < len(values) else "")
                for i, col in enumerate(columns)
                if col
            }
            rows.append(
                ImportRow(
                    line=line,
                    email=normalize_email(cells.get("email", "")),
                    name=cells.get("name", ""),
                    staff_group=cells.get("staff_group", ""),
                    job_title=cells.get("job_title", ""),
                    **{c: cells.get(c) for c in _OPTIONAL_COLUMNS if c in columns},
                )
            )
    except csv.Error as exc:
        return [], [
            (
                start,
                f"This line could not be read as CSV ({exc}). Check its quotes: a value "
                "that contains a comma is wrapped in double quotes, and a quote inside it is "
                'doubled ("").',
            )
        ]
    if not rows:
        return [], [(0, "The file has no rows after the header.")]
    return rows, []


def _spans_lines(values: Sequence[str]) -> bool:
    return any("\n" in v or "\r" in v for v in values)


def _spanning_message(line: int, last_line: int, text: str) -> str:
    if last_line >= text.count("\n") + (0 if text.endswith("\n") else 1):
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


def check_rows(rows: Sequence[ImportRow], groups: dict[str, StaffGroup]) -> list[tuple[int, str]]:
    """Every problem of every row: bad or over-long values, unknown groups, duplicates."""
    limits = field_limits()
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for row in rows:
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
                    f"The {_COLUMN_LABELS[column]} is {length} characters long; at most "
                    f"{limit} fit.",
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
        if row.email:
            if row.email in seen:
                errors.append(
                    (
                        row.line,
                        f"{_shown(row.email)} appears twice in the file (first on line "
                        f"{seen[row.email]}).",
                    )
                )
            else:
                seen[row.email] = row.line
    return errors


def check_hr_columns(
    rows: Sequence[ImportRow], organization: Organization
) -> list[tuple[int, str]]:
    """Employee ids unique, managers who exist (in the file or already here), no loops."""
    errors: list[tuple[int, str]] = []
    has_ids = any(r.external_id for r in rows)
    has_managers = any(r.manager for r in rows)
    if not (has_ids or has_managers):
        return errors
    by_id: dict[str, ImportRow] = {}
    for row in rows:
        if row.external_id:
            if row.external_id in by_id:
                first = by_id[row.external_id].line
                errors.append(
                    (
                        row.line,
                        f"Employee id {_shown(row.external_id)} appears twice in the file "
                        f"(first on line {first}).",
                    )
                )
            else:
                by_id[row.external_id] = row
    if has_ids:
        # A row matches on employee id first: an id held here under another address is that
        # person with a new address (updated), unless the address change cannot be made.
        for row, owner, problem in _address_changes(organization, by_id, rows):
            if problem:
                errors.append(
                    (
                        row.line,
                        f"Employee id {_shown(row.external_id or '')} belongs to "
                        f"{_shown(owner)} here, and their address cannot become "
                        f"{_shown(row.email)}: {problem}",
                    )
                )
    if has_managers:
        by_email = {r.email: r for r in rows}
        wanted = {r.manager for r in rows if r.manager}
        outside = wanted - set(by_email) - set(by_id)
        existing: set[str] = set()
        if outside:
            refs = list(outside)
            existing = set(
                Membership.objects.filter(organization=organization, user__email__in=refs)
                .values_list("user__email", flat=True)
                .iterator(chunk_size=MEMBER_BATCH)
            ) | {
                ext
                for ext in Membership.objects.filter(
                    organization=organization, external_id__in=refs
                )
                .values_list("external_id", flat=True)
                .iterator(chunk_size=MEMBER_BATCH)
                if ext
            }
        # The manager row of each row in the file, to walk for loops.
        boss: dict[int, int] = {}
        for row in rows:
            if not row.manager:
                continue
            target = by_email.get(row.manager) or by_id.get(row.manager)
            if target is row:
                errors.append((row.line, "A person cannot be their own manager."))
            elif target is not None:
                boss[row.line] = target.line
            elif row.manager not in existing:
                errors.append(
                    (
                        row.line,
                        f"Manager '{_shown(row.manager)}' is neither in the file nor a member "
                        "here. Give their e-mail address or employee id.",
                    )
                )
        cleared: set[int] = set()
        for start in boss:
            path: list[int] = []
            on_path: set[int] = set()
            line: int | None = start
            while line is not None and line not in cleared:
                if line in on_path:
                    errors.append(
                        (start, "The managers in the file go round in a circle from this row.")
                    )
                    break
                path.append(line)
                on_path.add(line)
                line = boss.get(line)
            cleared.update(path)
    return errors


def _address_changes(
    organization: Organization, by_id: dict[str, ImportRow], rows: Sequence[ImportRow]
) -> list[tuple[ImportRow, str, str]]:
    """Rows whose employee id belongs here to someone under another address: (row, their
    current address, why the address cannot change or ""). Two queries per call at most
    beyond the id lookup, so the check stays bounded at any file size."""
    held = dict(
        Membership.objects.filter(organization=organization, external_id__in=list(by_id))
        .values_list("external_id", "user__email")
        .iterator(chunk_size=MEMBER_BATCH)
    )
    moving = [
        (row, held[ext]) for ext, row in by_id.items() if held.get(ext, row.email) != row.email
    ]
    if not moving:
        return []
    in_file = {r.email for r in rows}
    taken = set(
        User.objects.filter(email__in=[row.email for row, _ in moving]).values_list(
            "email", flat=True
        )
    )
    elsewhere = set(
        Membership.objects.filter(user__email__in=[old for _, old in moving])
        .exclude(organization=organization)
        .values_list("user__email", flat=True)
    )
    found: list[tuple[ImportRow, str, str]] = []
    for row, old in moving:
        problem = ""
        if row.email in taken:
            problem = "that address is already someone's account."
        elif old in elsewhere:
            problem = (
                "they are also a member of another institution, so only they can change it "
                "(on their account page)."
            )
        elif old in in_file:
            problem = "their current address is on another row of the file."
        found.append((row, old, problem))
    return found


def _groups(organization: Organization) -> dict[str, StaffGroup]:
    return {g.name.lower(): g for g in StaffGroup.objects.filter(organization=organization)}


def validate_staff_csv(
    *, organization: Organization, raw: bytes
) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """The whole file checked, nothing saved: rows to import, or every problem found."""
    rows, errors = parse_staff_csv(raw)
    if errors:
        return [], errors
    errors = check_rows(rows, _groups(organization))
    errors = sorted(errors + check_hr_columns(rows, organization), key=lambda e: e[0])
    return (rows, []) if not errors else ([], errors)


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


def plan_roster(organization: Organization, rows: Sequence[ImportRow]) -> RosterPlan:
    """Count who would be added, changed, brought back and deactivated; a few names of each.

    Reads the institution in keyset batches, so a 100,000-person roster is planned in a few
    hundred queries and never loads every row object at once.
    """
    plan = RosterPlan(rows=len(rows))
    groups = _groups(organization)
    by_email = {r.email: r for r in rows}
    by_id = {r.external_id: r for r in rows if r.external_id}

    def sample(kind: str, who: str) -> None:
        names = plan.samples.setdefault(kind, [])
        if len(names) < SAMPLE:
            names.append(who)

    seen: set[str] = set()
    last = 0
    while True:
        batch = list(
            Membership.objects.filter(organization=organization, pk__gt=last)
            .select_related("user")
            .order_by("pk")[:FOLLOW_UP_BATCH]
        )
        if not batch:
            break
        last = batch[-1].pk
        for m in batch:
            row = (by_id.get(m.external_id) if m.external_id else None) or by_email.get(
                m.user.email
            )
            if m.is_active:
                plan.active_before += 1
            if row is None:
                if m.is_active and m.is_admin:
                    plan.kept_admins += 1
                elif m.is_active:
                    plan.leaving += 1
                    sample("leaving", m.user.email)
                continue
            seen.add(row.email)
            if m.awaiting_acceptance:
                plan.unchanged += 1
                continue
            group = groups.get(row.staff_group.lower()) if row.staff_group else None
            moved = _take_attributes(m, row, group)  # on an unsaved copy: nothing is written
            if m.user.email != row.email:
                moved["email"] = [m.user.email, row.email]
            if not m.is_active:
                plan.rejoining += 1
                sample("rejoining", m.user.email)
            elif moved:
                plan.changed += 1
                sample("changed", f"{m.user.email}: {', '.join(sorted(moved))}")
            else:
                plan.unchanged += 1
    for row in rows:
        if row.email not in seen:
            plan.new += 1
            sample("new", row.email)
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
    rows, errors = validate_staff_csv(organization=organization, raw=raw)
    if errors:
        return None, errors
    if full_roster and not confirm_leavers:
        plan = plan_roster(organization, rows)
        if plan.needs_confirmation:
            return None, [(0, leaving_refusal(plan))]
    job = ImportJob.objects.create(
        organization=organization,
        created_by=imported_by,
        file_name=file_name[:200],
        data=raw,
        invite=invite,
        full_roster=full_roster,
        total_rows=len(rows),
    )
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
    rows: list[ImportRow] | None = None
    in_file: frozenset[str] | None = None  # the roster's addresses, worked out once per run
    groups: dict[str, StaffGroup] = {}
    batches = 0
    try:
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
                    if rows is None:
                        rows = _stored_rows(job_id)
                        groups = _groups(job.organization)
                    _members_batch(job, rows, groups)
                elif job.phase == ImportJob.Phase.MANAGERS:
                    if rows is None:
                        rows = _stored_rows(job_id)
                    _managers_batch(job, rows)
                elif job.phase == ImportJob.Phase.LEAVERS:
                    if rows is None:
                        rows = _stored_rows(job_id)
                    if in_file is None:
                        in_file = frozenset(r.email for r in rows)
                    _leavers_batch(job, in_file)
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


def _stored_rows(job_id: int) -> list[ImportRow]:
    stored = ImportJob.objects.values_list("data", flat=True).get(pk=job_id)
    rows, errors = parse_staff_csv(bytes(stored))
    if errors:
        raise ValueError("the stored file no longer reads")
    return rows


def _members_batch(
    job: ImportJob, rows: Sequence[ImportRow], groups: dict[str, StaffGroup]
) -> None:
    """Create or update the next MEMBER_BATCH rows' people, then move the bookmark on."""
    batch = rows[job.rows_done : job.rows_done + MEMBER_BATCH]
    organization = job.organization
    renamed = _change_addresses(job, batch)
    emails = [r.email for r in batch]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
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
        users = {u.email: u for u in User.objects.filter(email__in=emails)}
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(
            organization=organization, user_id__in=[u.pk for u in users.values()]
        ).select_related("user", "organization")  # named in each person's audit event
    }
    # Someone with an account of their own (a password, or a place in another institution)
    # joins only by accepting, as with a single invitation (accounts/joining.py): a file
    # cannot make them a member.
    elsewhere = (
        set(
            Membership.objects.filter(user_id__in=known)
            .exclude(organization=organization)
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
        bulk_update_with_history(
            to_update,
            Membership,
            ["is_active", "deactivated_at", "awaiting_acceptance", *_ATTRIBUTE_FIELDS],
            batch_size=MEMBER_BATCH,
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
        if any(r.manager is not None for r in rows[:1]):
            job.phase = ImportJob.Phase.MANAGERS
        else:
            _after_people(job)


_ATTRIBUTE_FIELDS = ("staff_group", "job_title", "site", "employee_type", "external_id")


def _take_attributes(
    membership: Membership, row: ImportRow, group: StaffGroup | None
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


def _managers_batch(job: ImportJob, rows: Sequence[ImportRow]) -> None:
    """Point the next rows' people at their managers, once everyone in the file exists."""
    batch = rows[job.managers_done : job.managers_done + MEMBER_BATCH]
    organization = job.organization
    refs = {r.manager for r in batch if r.manager}
    members = {
        m.user.email: m
        for m in Membership.objects.filter(
            organization=organization, user__email__in=[r.email for r in batch]
        ).select_related("user")
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
        bulk_update_with_history(
            changed, Membership, ["manager"], batch_size=MEMBER_BATCH, default_user=job.created_by
        )
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


def _leavers_batch(job: ImportJob, in_file: frozenset[str]) -> None:
    """Deactivate the next active people missing from the roster (admins are kept)."""
    batch = list(
        Membership.objects.filter(
            organization=job.organization, is_active=True, pk__gt=job.leavers_after
        )
        .select_related("user", "organization")
        .order_by("pk")[:FOLLOW_UP_BATCH]
    )
    if not batch:
        job.phase = ImportJob.Phase.INVITATIONS if job.invite else ImportJob.Phase.CAMPAIGNS
        return
    now = timezone.now()
    leaving = [m for m in batch if m.user.email not in in_file and not m.is_admin]
    for m in leaving:
        m.is_active = False
        m.deactivated_at = now
    if leaving:
        bulk_update_with_history(
            leaving,
            Membership,
            ["is_active", "deactivated_at"],
            batch_size=MEMBER_BATCH,
            default_user=job.created_by,
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
    job.leavers_after = batch[-1].pk


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
