"""Seed one large institution for the benchmark, on bulk paths only.

PostgreSQL gets COPY (psycopg); any other database gets ``bulk_create`` in batches, so the
same code seeds the CI-sized benchmark in the test database. Nothing here saves row by row
except the handful of singletons (the institution, its guideline, its personas).

What is built (sizes are parameters, defaults are the health-system scale of ``make bench``):

* an institution with ``groups`` staff groups and ``employees`` members; the first group holds
  ``big_group_share`` of the staff so that its roster export is the "10k rows" case;
* personas: an admin, an author, a legal and a compliance reviewer, an auditor, an employee;
* one guideline with ``versions`` frozen versions, each from a closed draft whose sections have
  a full edit history, plus an open draft with a longer history;
* versions 1..N-1 published in turn (N-1 is in force), version N under review at the legal stage;
* a campaign for version N-1 asking everyone, ``ack_ratio`` of whom acknowledged;
* ``audit_events`` audit events on the institution's hash chain, hashed here exactly as
  ``audit.services.record`` would (hash and MAC under the audit key), with the chain head
  pointing at the last one.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Membership, Organization, ReviewerRole, StaffGroup, User
from approvals.models import ApprovalRoute, ApprovalStage, Comment, ReviewRequest, Signature
from audit.models import AuditEvent, ChainHead, personal_lane
from audit.signing import Keyring, event_message, head_message
from guidelines.facts import confirm_all
from guidelines.models import Draft, DraftSection, Guideline, Version
from guidelines.schema import content_hash
from guidelines.sections import SECTIONS, starter_content
from guidelines.services import STARTED_PART
from guidelines.status import move_many
from publishing.models import Acknowledgement, AckRequest, Campaign, Publication
from publishing.services import ACKNOWLEDGED

BATCH = 5000
PASSWORD = "bench-password"
ORG_SLUG = "northfield"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Ada Ben Cara Dev Eli Fay Gus Hana Ivo Jo Kai Lea Max Nia Omar Pia Quin Rui Sia Tom "
    "Uma Vic Wen Xia Yara Zed Ana Bo Cy Di Ed Flo Gil Ida Jon Kim Lou Mia Ned Ola"
)
LAST = _words(
    "Abbott Baker Chen Diaz Evans Fischer Garcia Hughes Ito Jensen Khan Lopez Meyer Nguyen "
    "Okafor Patel Quinn Rossi Silva Tanaka Udall Varga Weber Xu Young Zimmer Adams Brown "
    "Cole Dunn Ellis Ford Gray Hale Irwin Joyce Kemp Lang Moss Nash"
)
DEPARTMENTS = (
    "Nursing",
    "Pharmacy",
    "Radiology",
    "Cardiology",
    "Oncology",
    "Paediatrics",
    "Emergency",
    "Surgery",
    "Anaesthesia",
    "Maternity",
    "Laboratory",
    "Physiotherapy",
    "Dietetics",
    "Estates",
    "Finance",
    "Human Resources",
    "IT Services",
    "Communications",
    "Research",
    "Education",
    "Mental Health",
    "Neurology",
    "Renal",
    "Outpatients",
    "Volunteers",
)
USER_AGENT = "Mozilla/5.0 (bench seed)"


@dataclass
class SeedConfig:
    employees: int = 100_000
    groups: int = 50
    versions: int = 30
    ack_ratio: float = 0.6
    audit_events: int = 500_000
    big_group_share: float = 0.1
    overdue_share: float = 1 / 3
    saves_per_section: int = 5
    open_draft_saves: int = 20
    comments: int = 24
    seed: int = 7
    org_slug: str = ORG_SLUG
    org_name: str = "Northfield Health System"


@dataclass
class SeedResult:
    organization_id: int = 0
    org_slug: str = ORG_SLUG
    guideline_id: int = 0
    guideline_slug: str = ""
    published_version_id: int = 0
    published_number: int = 0
    review_id: int = 0
    campaign_id: int = 0
    big_group_id: int = 0
    big_group_size: int = 0
    personas: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 2)


class BulkWriter:
    """COPY on PostgreSQL, ``bulk_create`` in batches elsewhere; ids are chosen here."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.touched: list[type[models.Model]] = []

    def next_id(self, model: type[models.Model]) -> int:
        found = model._base_manager.aggregate(m=models.Max("pk"))["m"]
        return (found or 0) + 1

    def insert(
        self,
        model: type[models.Model],
        fields: Any,
        rows: Iterable[Sequence[Any]],
        *,
        defer_indexes: bool = False,
    ) -> int:
        """Insert tuples whose items follow ``fields`` (attribute names, space-separated).

        ``defer_indexes`` (PostgreSQL; for a table that nothing references by a unique key,
        loaded with many rows): its secondary indexes and its own foreign-key and unique
        constraints are dropped for the load and built again after it, in one transaction."""
        fields = fields.split()
        if model not in self.touched:
            self.touched.append(model)
        if self.postgres and defer_indexes:
            with self.indexes_deferred(model):
                return self._copy(model, fields, rows)
        if self.postgres:
            return self._copy(model, fields, rows)
        count = 0
        batch: list[models.Model] = []
        for row in rows:
            batch.append(model(**dict(zip(fields, row, strict=True))))
            if len(batch) >= BATCH:
                model._base_manager.bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            model._base_manager.bulk_create(batch)
            count += len(batch)
        return count

    def _copy(
        self, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        meta = model._meta
        columns = []
        json_at = []
        for i, name in enumerate(fields):
            fld = next(f for f in meta.concrete_fields if f.attname == name)
            assert fld.column is not None  # every concrete field has its column
            columns.append(connection.ops.quote_name(fld.column))
            if isinstance(fld, models.JSONField):
                json_at.append(i)
        # COPY does not apply the model's defaults as bulk_create does: a column the seed does
        # not name gets its field's default, so a new field never breaks the seed.
        defaults = []
        for fld in meta.concrete_fields:
            if fld.attname in fields or fld.primary_key or not fld.has_default():
                continue
            assert fld.column is not None
            columns.append(connection.ops.quote_name(fld.column))
            value = fld.get_default()
            if isinstance(fld, models.JSONField):
                value = json.dumps(value, cls=DjangoJSONEncoder)
            defaults.append(value)
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({', '.join(columns)}) FROM STDIN"
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = json.dumps(row[i], cls=DjangoJSONEncoder)
                copy.write_row([*row, *defaults])
                count += 1
        return count

    @contextmanager
    def indexes_deferred(self, model: type[models.Model]) -> Iterator[None]:
        """Load ``model``'s table without its secondary indexes and constraints, then build them
        again: one sorted build per index instead of a B-tree insertion per row and index, and
        one validating join per foreign key instead of a queued trigger per row and key (on the
        audit table, nine indexes and two keys made the load three times slower). Inside one
        transaction, so a load that fails leaves the table as it was."""
        table = model._meta.db_table
        enclosing = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            if enclosing:
                # Rows added earlier in an enclosing transaction queue deferred key checks, and
                # PostgreSQL refuses to alter a table with checks pending: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND (contype = 'f' OR contype IN ('u', 'x') "
                # A unique key that another table's foreign key points at stays.
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' "
                "AND r.conindid = pg_constraint.conindid)) ORDER BY conname",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                "AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                "ORDER BY c.relname",
                [table],
            )
            indexes = cursor.fetchall()
            quoted = connection.ops.quote_name(table)
            for name, _definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            yield
            # Index builds sort in memory rather than in temporary files when they may.
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:
                cursor.execute(
                    f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} "
                    f"{definition}"
                )
            if enclosing:
                # Back to Django's own mode (its keys are all initially deferred).
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def reset_sequences(self) -> None:
        if not self.postgres:
            return
        statements = connection.ops.sequence_reset_sql(no_style(), self.touched)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def analyze(self) -> None:
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")


GENESIS = "0" * 64
# What each event says, in this order (the chain adds its position, hashes and MAC).
LINKED_FIELDS = (
    "organization_id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "guideline_id",
    "details",
    "ip_address",
    "user_agent",
    "created_at",
)
# The columns of ``ChainLinker.row``, in its order.
AUDIT_FIELDS = " ".join(
    ("id", *LINKED_FIELDS, "lane", "sequence", "prev_hash", "hash", "mac", "key_id")
)


class ChainLinker:
    """Links events onto one chain exactly as ``audit.services.record`` does: the hash is the
    model's own ``compute_hash`` and the MAC is the audit key's, so the app's verifier accepts
    the result. Nothing is saved through the ORM, and one event object is filled again for
    each row: building a model instance per event cost more than hashing it, and the fields
    are written straight into the instance (its own attribute descriptors read them back)."""

    def __init__(self, sequence: int, prev_hash: str, lane: int = 0) -> None:
        self.sequence = sequence
        self.prev_hash = prev_hash
        self.lane = lane
        self.keys = Keyring.from_settings()
        self._event = AuditEvent(lane=lane)
        self._fields = self._event.__dict__

    def row(self, pk: int, values: tuple[Any, ...]) -> tuple[Any, ...]:
        """The next event's row (``AUDIT_FIELDS``) from its ``LINKED_FIELDS`` values."""
        self.sequence += 1
        fields = self._fields
        fields.update(zip(LINKED_FIELDS, values, strict=True))
        fields["sequence"] = self.sequence
        fields["prev_hash"] = prev = self.prev_hash
        digest = self._event.compute_hash()
        self.prev_hash = digest
        mac = self.keys.sign(event_message(digest))
        return (pk, *values, self.lane, self.sequence, prev, digest, mac, self.keys.current_id)


class Timer:
    def __init__(self, result: SeedResult, log: Callable[[str], None]) -> None:
        self.result = result
        self.log = log

    def phase(self, name: str) -> _Phase:
        return _Phase(self, name)


class _Phase:
    def __init__(self, timer: Timer, name: str) -> None:
        self.timer = timer
        self.name = name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        seconds = round(time.perf_counter() - self.start, 2)
        self.timer.result.seconds[self.name] = seconds
        self.timer.log(f"  seeded {self.name} in {seconds:.1f} s")


def _bump(content: dict[str, Any], number: int, rng: random.Random) -> dict[str, Any]:
    """The next version's text: one section gains a sentence, so every compare has work."""
    out = json.loads(json.dumps(content))
    section = SECTIONS[number % len(SECTIONS)]
    data = out[section.key]
    texts = [k for k, v in data.items() if isinstance(v, str) and v.strip()]
    if texts:
        key = texts[rng.randrange(len(texts))]
        data[key] = f"{data[key]} Revised for version {number}: read the whole section again."
    else:
        lists = [k for k, v in data.items() if isinstance(v, list)]
        if lists:
            data[lists[0]] = [*data[lists[0]], f"Added in version {number}."]
    return out


def _typing(data: dict[str, Any], share: float) -> dict[str, Any]:
    """An earlier save of a section: its first text field as far as it had been typed."""
    out = json.loads(json.dumps(data))
    for key, value in out.items():
        if isinstance(value, str) and value.strip():
            out[key] = value[: max(1, int(len(value) * share))]
            break
    return out


@dataclass
class _Run:
    """What every phase shares: the sizes, the writer, one clock and the result being filled."""

    cfg: SeedConfig
    w: BulkWriter
    result: SeedResult
    rng: random.Random
    now: dt.datetime
    today: dt.date
    password_hash: str


@dataclass
class _Institution:
    org: Organization
    groups: list[StaffGroup]
    route: ApprovalRoute
    admin: Membership
    author: Membership
    legal: Membership
    compliance: Membership


@dataclass
class _Story:
    """The guideline's history, as the campaign and the audit trail need to know it."""

    guideline: Guideline
    contents: list[dict[str, Any]]  # each version's text, version 1 first
    version_id: dict[int, int]  # version number -> id
    start_day: dt.datetime  # when version 1 was written
    current: Publication  # the publication in force today
    saves: int  # section saves in the drafts' history


def seed(
    config: SeedConfig | None = None, *, log: Callable[[str], None] = lambda _msg: None
) -> SeedResult:
    """Build the institution described in the module docstring; returns ids and timings."""
    cfg = config or SeedConfig()
    now = timezone.now().replace(microsecond=0)
    run = _Run(
        cfg=cfg,
        w=BulkWriter(),
        result=SeedResult(),
        rng=random.Random(cfg.seed),
        now=now,
        today=timezone.localdate(),
        password_hash=make_password(PASSWORD),
    )
    result = run.result
    timer = Timer(result, log)
    with timer.phase("institution"):
        inst = _institution(run)
    with timer.phase("staff"):
        _staff(run, inst)
    with timer.phase("guideline"):
        story = _guideline(run, inst)
    with timer.phase("campaign"):
        acks, actors, published_hash = _campaign(run, inst, story)
    with timer.phase("audit"):
        result.counts["audit_events"] = _seed_audit(
            run.w,
            cfg,
            org=inst.org,
            guideline=story.guideline,
            acks=acks,
            published_version_id=story.current.version_id,
            published_number=cfg.versions - 1,
            published_hash=published_hash,
            actors=actors,
            start=story.start_day,
            now=now,
            author_id=inst.author.user_id,
            history=story.saves,
        )
    with timer.phase("indexes"):
        run.w.reset_sequences()
        run.w.analyze()
    result.counts["employees"] = cfg.employees
    result.counts["staff_groups"] = len(inst.groups)
    result.counts["versions"] = cfg.versions
    return result


def _institution(run: _Run) -> _Institution:
    """The institution, its groups, roles, route and personas (a few ORM saves)."""
    cfg, result = run.cfg, run.result
    org = Organization.objects.create(
        name=cfg.org_name,
        slug=cfg.org_slug,
        website="https://northfield.example",
        contact_name="Sam Social",
        contact_role="Head of Social Media",
        contact_email="social@northfield.example",
        contact_phone="+1 555 0100",
        policy_url="https://northfield.example/policy",
        brand_url="https://northfield.example/brand",
    )
    result.organization_id = org.pk
    result.org_slug = org.slug
    names = [
        f"{d} ({campus})" if cfg.groups > len(DEPARTMENTS) else d
        for campus in ("North", "South", "East", "West")
        for d in DEPARTMENTS
    ][: cfg.groups]
    groups = [StaffGroup.objects.create(organization=org, name=n) for n in names]
    result.big_group_id = groups[0].pk
    legal_role = ReviewerRole.objects.create(organization=org, name="Legal")
    compliance_role = ReviewerRole.objects.create(organization=org, name="Compliance")
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(route=route, order=1, reviewer_role=legal_role, due_days=5)
    ApprovalStage.objects.create(route=route, order=2, reviewer_role=compliance_role, due_days=5)

    def persona(role: str, name: str, group: StaffGroup | None = None, **flags: bool) -> Membership:
        email = f"{role}@{cfg.org_slug}.example"
        user = User.objects.create(email=email, full_name=name, password=run.password_hash)
        result.personas[role] = email
        return Membership.objects.create(user=user, organization=org, staff_group=group, **flags)

    admin = persona("admin", "Alex Admin", is_admin=True)
    author = persona("author", "Avery Author", is_author=True)
    legal = persona("legal", "Lou Legal")
    legal.reviewer_roles.set([legal_role])
    compliance = persona("compliance", "Cam Compliance")
    compliance.reviewer_roles.set([compliance_role])
    persona("auditor", "Aud Auditor", is_auditor=True)
    persona("employee", "Emery Employee", group=groups[0])
    return _Institution(org, groups, route, admin, author, legal, compliance)


def _staff(run: _Run, inst: _Institution) -> None:
    """Staff: users and memberships, the first group holding ``big_group_share`` of them."""
    cfg, w, groups = run.cfg, run.w, inst.groups
    first_user = w.next_id(User)
    first_member = w.next_id(Membership)
    big = int(cfg.employees * cfg.big_group_share) if len(groups) > 1 else cfg.employees
    run.result.big_group_size = big + 1  # plus the employee persona
    joined = run.now - dt.timedelta(days=400)

    def group_of(i: int) -> int:
        if i < big or len(groups) == 1:
            return groups[0].pk
        return groups[1 + (i - big) % (len(groups) - 1)].pk

    names_rng = random.Random(cfg.seed + 1)
    w.insert(
        User,
        ("id password email full_name is_active is_staff is_superuser date_joined"),
        (
            (
                first_user + i,
                run.password_hash,
                f"staff{i:06d}@{cfg.org_slug}.example",
                f"{names_rng.choice(FIRST)} {names_rng.choice(LAST)} {i:06d}",
                True,
                False,
                False,
                joined,
            )
            for i in range(cfg.employees)
        ),
        defer_indexes=True,
    )
    w.insert(
        Membership,
        (
            "id user_id organization_id is_active is_admin is_author is_auditor "
            "staff_group_id job_title joined_at"
        ),
        (
            (
                first_member + i,
                first_user + i,
                inst.org.pk,
                True,
                False,
                False,
                False,
                group_of(i),
                "Staff member",
                joined,
            )
            for i in range(cfg.employees)
        ),
        defer_indexes=True,
    )


def _guideline(run: _Run, inst: _Institution) -> _Story:
    """The guideline: versions, drafts with history, reviews, publications."""
    cfg = run.cfg
    guideline = Guideline.objects.create(
        organization=inst.org,
        title="Social media guidelines",
        slug="social-media",
        created_by=inst.author.user,
    )
    run.result.guideline_id = guideline.pk
    run.result.guideline_slug = guideline.slug
    contents = [confirm_all(starter_content(inst.org.placeholder_context()))]
    for n in range(2, cfg.versions + 1):
        contents.append(_bump(contents[-1], n, run.rng))
    start_day = run.now - dt.timedelta(days=30 * cfg.versions)
    version_id = _versions(run, inst, guideline, contents, start_day)
    saves = _drafts(run, inst, guideline, contents, version_id, start_day)
    _reviews(run, inst, guideline, contents, version_id, start_day)
    current = _publications(run, inst, guideline, version_id)
    return _Story(guideline, contents, version_id, start_day, current, saves)


def _versions(
    run: _Run,
    inst: _Institution,
    guideline: Guideline,
    contents: list[dict[str, Any]],
    start_day: dt.datetime,
) -> dict[int, int]:
    """Every version's frozen text; all but the newest approved, published and superseded."""
    cfg, w = run.cfg, run.w
    first_version = w.next_id(Version)
    # The author started each draft and saved every section of it, as draft_contributors
    # would record at submission; the reviewers wrote nothing, so they may sign.
    contributors = {str(inst.author.user_id): sorted([STARTED_PART, *(s.key for s in SECTIONS)])}
    w.insert(
        Version,
        (
            "id guideline_id number content content_hash quiz cases contributors "
            "change_summary status based_on_id created_by_id created_at"
        ),
        (
            (
                first_version + n - 1,
                guideline.pk,
                n,
                contents[n - 1],
                content_hash(contents[n - 1]),
                [],
                [],
                contributors,
                f"Version {n}: yearly review" if n > 1 else "First version",
                Version.Status.IN_REVIEW,
                first_version + n - 2 if n > 1 else None,
                inst.author.user_id,
                start_day + dt.timedelta(days=30 * (n - 1)),
            )
            for n in range(1, cfg.versions + 1)
        ),
    )
    version_id = {n: first_version + n - 1 for n in range(1, cfg.versions + 1)}
    # Every version but the newest went through review and publication; all but the one
    # in force since were superseded. They walk the same door as the app's own versions.
    older = [version_id[n] for n in range(1, cfg.versions)]
    move_many(older, from_=Version.Status.IN_REVIEW, to=Version.Status.APPROVED)
    move_many(older, from_=Version.Status.APPROVED, to=Version.Status.PUBLISHED)
    move_many(older[:-1], from_=Version.Status.PUBLISHED, to=Version.Status.SUPERSEDED)
    return version_id


def _drafts(
    run: _Run,
    inst: _Institution,
    guideline: Guideline,
    contents: list[dict[str, Any]],
    version_id: dict[int, int],
    start_day: dt.datetime,
) -> int:
    """One closed draft per version and the open draft now being written, each section with
    its history of saves (the wizard's history page and restore read these)."""
    cfg, w, author_id = run.cfg, run.w, inst.author.user_id
    first_draft = w.next_id(Draft)
    drafts = [
        (first_draft + n - 1, n, False, version_id.get(n - 1)) for n in range(1, cfg.versions + 1)
    ]
    drafts.append((first_draft + cfg.versions, cfg.versions + 1, True, version_id[cfg.versions]))
    w.insert(
        Draft,
        ("id guideline_id based_on_id start is_open quiz created_by_id created_at updated_at"),
        (
            (
                pk,
                guideline.pk,
                based_on,
                Draft.Start.COPY if based_on else Draft.Start.TEMPLATE,
                is_open,
                [],
                author_id,
                start_day + dt.timedelta(days=30 * (n - 1)),
                start_day + dt.timedelta(days=30 * (n - 1) + 1),
            )
            for pk, n, is_open, based_on in drafts
        ),
    )
    first_section = w.next_id(DraftSection)
    history_model = DraftSection.history.model
    first_history = w.next_id(history_model)
    section_rows: list[tuple[Any, ...]] = []
    history_rows: list[tuple[Any, ...]] = []
    for pk, n, is_open, _based_on in drafts:
        content = contents[min(n, cfg.versions) - 1]
        saves = cfg.open_draft_saves if is_open else cfg.saves_per_section
        day0 = start_day + dt.timedelta(days=30 * (n - 1))
        for s_index, section in enumerate(SECTIONS):
            section_pk = first_section + len(section_rows)
            final = content[section.key]
            saved_at = day0
            for rev in range(saves + 1):
                saved_at = day0 + dt.timedelta(minutes=10 * rev + s_index)
                data = final if rev == saves else _typing(final, (rev + 1) / (saves + 1))
                history_rows.append(
                    (
                        first_history + len(history_rows),
                        section_pk,
                        pk,
                        section.key,
                        data,
                        rev,
                        author_id,
                        saved_at,
                        saved_at,
                        "saved" if rev else None,
                        "~" if rev else "+",
                        author_id,
                    )
                )
            section_rows.append((section_pk, pk, section.key, final, saves, author_id, saved_at))
    w.insert(
        DraftSection,
        "id draft_id key data revision updated_by_id updated_at",
        section_rows,
    )
    w.insert(
        history_model,
        (
            "history_id id draft_id key data revision updated_by_id updated_at "
            "history_date history_change_reason history_type history_user_id"
        ),
        history_rows,
    )
    run.result.counts["draft_section_history"] = len(history_rows)
    return len(history_rows)


def _reviews(
    run: _Run,
    inst: _Institution,
    guideline: Guideline,
    contents: list[dict[str, Any]],
    version_id: dict[int, int],
    start_day: dt.datetime,
) -> None:
    """Every version but the last approved by Legal then Compliance; the last one open at the
    legal stage, with comments."""
    cfg, now, n_versions = run.cfg, run.now, run.cfg.versions
    legal, compliance, author = inst.legal, inst.compliance, inst.author
    route_snapshot = inst.route.snapshot()
    reviews = ReviewRequest.objects.bulk_create(
        [
            ReviewRequest(
                guideline=guideline,
                version_id=version_id[n],
                status=ReviewRequest.Status.APPROVED
                if n < n_versions
                else ReviewRequest.Status.OPEN,
                route=route_snapshot,
                stage_index=len(route_snapshot) if n < n_versions else 0,
                stage_started_at=now - dt.timedelta(days=1),
                stage_due_at=now + dt.timedelta(days=4),
                submitted_by=author.user,
                closed_at=now if n < n_versions else None,
            )
            for n in range(1, cfg.versions + 1)
        ]
    )
    run.result.review_id = reviews[-1].pk
    signatures = []
    for review, n in zip(reviews[:-1], range(1, cfg.versions), strict=True):
        for stage, member in enumerate((legal, compliance)):
            signatures.append(
                Signature(
                    review=review,
                    version_id=version_id[n],
                    stage_index=stage,
                    signer=member.user,
                    printed_name=member.user.full_name,
                    role_name=("Legal", "Compliance")[stage],
                    meaning=f"Approved — {('Legal', 'Compliance')[stage]} review",
                    content_hash=content_hash(contents[n - 1]),
                    signed_at=start_day + dt.timedelta(days=30 * (n - 1) + 2 + stage),
                )
            )
    Signature.objects.bulk_create(signatures)
    Comment.objects.bulk_create(
        [
            Comment(
                guideline_id=guideline.pk,
                review=reviews[-1],
                version_number=n_versions,
                section_key=SECTIONS[i % len(SECTIONS)].key,
                author=(legal.user, author.user)[i % 2],
                author_role=("Legal reviewer", "Author")[i % 2],
                by_reviewer=i % 2 == 0,
                body=f"Comment {i + 1}: please tighten this wording.",
            )
            for i in range(cfg.comments)
        ]
    )


def _publications(
    run: _Run, inst: _Institution, guideline: Guideline, version_id: dict[int, int]
) -> Publication:
    """Each approved version published in turn; version N-1 is in force today."""
    cfg, now, today = run.cfg, run.now, run.today
    pubs = []
    for n in range(1, cfg.versions):
        effective = today - dt.timedelta(days=30 * (cfg.versions - 1 - n) + 10)
        pubs.append(
            Publication(
                organization=inst.org,
                guideline=guideline,
                version_id=version_id[n],
                effective_date=effective,
                published_by=inst.admin.user,
                published_at=now - dt.timedelta(days=30 * (cfg.versions - 1 - n) + 10),
                requires_acknowledgement=n == cfg.versions - 1,
                skip_reason="" if n == cfg.versions - 1 else "Seeded history",
                next_review_date=effective + dt.timedelta(days=365),
                superseded_at=None if n == cfg.versions - 1 else now,
            )
        )
    Publication.objects.bulk_create(pubs)
    current = Publication.objects.get(version_id=version_id[cfg.versions - 1])
    Guideline.objects.filter(pk=guideline.pk).update(next_review_date=current.next_review_date)
    run.result.published_version_id = version_id[cfg.versions - 1]
    run.result.published_number = cfg.versions - 1
    return current


def _campaign(
    run: _Run, inst: _Institution, story: _Story
) -> tuple[list[tuple[int, dt.datetime]], list[int], str]:
    """The campaign for the version in force: everyone asked, ``ack_ratio`` acknowledged.
    Returns the acknowledgements (user id, when), every member's user id and the text's hash.
    """
    cfg, w, result, current = run.cfg, run.w, run.result, story.current
    org = inst.org
    campaign = Campaign.objects.create(
        organization=org,
        publication=current,
        version_id=current.version_id,
        due_date=run.today + dt.timedelta(days=7),
        all_staff=True,
        created_by=inst.admin.user,
        created_at=current.published_at,
        populated_at=current.published_at,
    )
    result.campaign_id = campaign.pk
    members = list(
        Membership.objects.filter(organization=org)
        .order_by("pk")
        .values_list("pk", "user_id", "staff_group_id", "is_admin", "is_author")
    )
    persona_users = set(
        User.objects.filter(email__in=result.personas.values()).values_list("pk", flat=True)
    )
    ack_rng = random.Random(cfg.seed + 2)
    published_hash = content_hash(story.contents[cfg.versions - 2])
    span = (run.now - current.published_at).total_seconds()
    requests = []
    acks = []
    for pk, user_id, group_id, _is_admin, _is_author in members:
        overdue = ack_rng.random() < cfg.overdue_share
        acked_at = None
        if user_id not in persona_users and ack_rng.random() < cfg.ack_ratio:
            acked_at = current.published_at + dt.timedelta(seconds=ack_rng.random() * span)
            acks.append((user_id, acked_at))
        requests.append(
            (
                pk,
                user_id,
                group_id,
                run.today - dt.timedelta(days=3) if overdue else campaign.due_date,
                acked_at,
            )
        )
    first_request = w.next_id(AckRequest)
    w.insert(
        AckRequest,
        (
            "id campaign_id membership_id user_id staff_group_id due_date "
            "acknowledged_at created_at reminder_count"
        ),
        (
            (first_request + i, campaign.pk, m, u, g, due, at, current.published_at, 0)
            for i, (m, u, g, due, at) in enumerate(requests)
        ),
        defer_indexes=True,
    )
    first_ack = w.next_id(Acknowledgement)
    w.insert(
        Acknowledgement,
        (
            "id organization_id user_id version_id content_hash acknowledged_at "
            "ip_address user_agent quiz_answered"
        ),
        (
            (
                first_ack + i,
                org.pk,
                u,
                current.version_id,
                published_hash,
                at,
                f"10.{(u >> 16) & 255}.{(u >> 8) & 255}.{u & 255}",
                USER_AGENT,
                False,
            )
            for i, (u, at) in enumerate(acks)
        ),
        defer_indexes=True,
    )
    result.counts["ack_requests"] = len(requests)
    result.counts["acknowledged"] = len(acks)
    return acks, [m[1] for m in members], published_hash


def _seed_audit(
    w: BulkWriter,
    cfg: SeedConfig,
    *,
    org: Organization,
    guideline: Guideline,
    acks: list[tuple[int, dt.datetime]],
    published_version_id: int,
    published_number: int,
    published_hash: str,
    actors: list[int],
    start: dt.datetime,
    now: dt.datetime,
    author_id: int,
    history: int,
) -> int:
    """Events in time order, each linked to the one before in its chain exactly as
    ``record()`` links them: acknowledgements in their person's lane, the rest in the
    institution's main chain."""
    rng = random.Random(cfg.seed + 3)
    version_type = Version._meta.label_lower
    # (created_at, action, actor_id, object_type, object_id, object_repr, guideline_id, details)
    events: list[tuple[Any, ...]] = []
    repr_published = f"{guideline.title} v{published_number}"
    for user_id, at in acks:
        events.append(
            (
                at,
                ACKNOWLEDGED,
                user_id,
                version_type,
                str(published_version_id),
                repr_published,
                guideline.pk,
                {"number": published_number, "content_hash": published_hash},
            )
        )
    span = (now - start).total_seconds()
    for i in range(history):
        at = start + dt.timedelta(seconds=rng.random() * span)
        events.append(
            (
                at,
                "guidelines.section.saved",
                author_id,
                "guidelines.draftsection",
                str(i + 1),
                "section",
                guideline.pk,
                {"section": SECTIONS[i % len(SECTIONS)].key, "revision": i % 7 + 1},
            )
        )
    filler = max(0, cfg.audit_events - len(events))
    for _ in range(filler):
        at = start + dt.timedelta(seconds=rng.random() * span)
        events.append((at, "accounts.user.signed_in", rng.choice(actors), "", "", "", None, {}))
    events.sort(key=lambda e: e[0])

    # Every chain's linker is made before the rows are streamed (COPY holds the connection).
    lanes = {0} | {
        personal_lane(actor) for _at, action, actor, *_ in events if action == ACKNOWLEDGED
    }
    heads = {h.key: h for h in ChainHead.objects.filter(ChainHead.keys_of("key", org.pk))}
    linkers = {}
    for lane in sorted(lanes):
        head = heads.get(ChainHead.key_for(org.pk, lane))
        linkers[lane] = ChainLinker(
            head.sequence if head else 0, head.hash if head else GENESIS, lane=lane
        )
    first_id = w.next_id(AuditEvent)
    emails = dict(User.objects.filter(pk__in=set(actors) | {author_id}).values_list("pk", "email"))

    def rows() -> Iterable[tuple[Any, ...]]:
        for i, (at, action, actor, otype, oid, orepr, gid, details) in enumerate(events):
            ip = f"10.{(actor >> 16) & 255}.{(actor >> 8) & 255}.{actor & 255}"
            link = linkers[personal_lane(actor) if action == ACKNOWLEDGED else 0]
            yield link.row(
                first_id + i,
                (
                    org.pk,
                    actor,
                    emails.get(actor, ""),
                    action,
                    otype,
                    oid,
                    orepr,
                    gid,
                    details,
                    ip,
                    USER_AGENT,
                    at,
                ),
            )

    count = w.insert(AuditEvent, AUDIT_FIELDS, rows(), defer_indexes=True)
    for lane, link in linkers.items():
        if link.sequence == 0:
            continue
        sequence, prev_hash, keys = link.sequence, link.prev_hash, link.keys
        chain = ChainHead.key_for(org.pk, lane)
        ChainHead.objects.update_or_create(
            key=chain,
            defaults={
                "sequence": sequence,
                "hash": prev_hash,
                "key_id": keys.current_id,
                "mac": keys.sign(head_message(chain, sequence, prev_hash)),
            },
        )
    return count
