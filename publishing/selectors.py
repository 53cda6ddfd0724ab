"""Read-only questions about what is published and in force; no writes here."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import Organization, User
from audit.models import AuditEvent
from guidelines.compare import compare_content
from guidelines.models import Guideline, Version
from guidelines.sections import SECTIONS

from .models import (
    Acknowledgement,
    AckRequest,
    AckRequestQuerySet,
    Campaign,
    Publication,
    QuizAttempt,
)


def in_force(guideline: Guideline, *, on: dt.date | None = None) -> Publication | None:
    """The publication in force on a date: the latest one whose effective date has come."""
    day = on or timezone.localdate()
    return (
        Publication.objects.filter(guideline=guideline, effective_date__lte=day)
        .select_related("version", "guideline", "organization", "published_by")
        .order_by("-effective_date", "-version__number")
        .first()
    )


def is_superseded(publication: Publication, *, on: dt.date | None = None) -> bool:
    """True once a later publication of the same guideline has taken effect.

    A publication read with ``superseded_today()`` as its ``superseded`` annotation answers
    for today without a query.
    """
    known = getattr(publication, "superseded", None)
    if known is not None and on is None:
        return bool(known)
    day = on or timezone.localdate()
    return (
        Publication.objects.filter(guideline_id=publication.guideline_id, effective_date__lte=day)
        .filter(
            Q(effective_date__gt=publication.effective_date)
            | Q(
                effective_date=publication.effective_date,
                version__number__gt=publication.version.number,
            )
        )
        .exists()
    )


def superseded_today() -> Exists:
    """``is_superseded`` for today as an expression over publications, to annotate a read."""
    return Exists(
        Publication.objects.filter(
            guideline_id=OuterRef("guideline_id"), effective_date__lte=timezone.localdate()
        ).filter(
            Q(effective_date__gt=OuterRef("effective_date"))
            | Q(
                effective_date=OuterRef("effective_date"),
                version__number__gt=OuterRef("version__number"),
            )
        )
    )


def previous_publication(publication: Publication) -> Publication | None:
    return (
        Publication.objects.filter(
            guideline_id=publication.guideline_id,
            version__number__lt=publication.version.number,
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )


def official_accounts(version: Version) -> list[dict[str, str]]:
    return list((version.content.get("accounts") or {}).get("accounts") or [])


def accounts_in_force(organization: Organization) -> tuple[list[dict[str, str]], str, bool]:
    """The official accounts of every guideline in force, its contact, and whether any is.

    One guideline's superseded versions do not count: only the publication in force speaks.
    """
    accounts: list[dict[str, str]] = []
    contact = ""
    publications = [
        p
        for p in (
            in_force(g)
            for g in Guideline.objects.filter(
                organization=organization, status=Guideline.Status.ACTIVE
            ).order_by("pk")
        )
        if p is not None
    ]
    for publication in publications:
        accounts.extend(official_accounts(publication.version))
        if not contact:
            details = publication.version.content.get("contact") or {}
            contact = details.get("email") or details.get("phone") or ""
    return accounts, contact, bool(publications)


def campaign_figures(
    campaign: Campaign,
    *,
    today: dt.date | None = None,
    by_group: bool = True,
    group_names: Mapping[int, str] | None = None,
    fresh_since: dt.datetime | None = None,
) -> dict[str, Any]:
    """Overall and per-group progress from one aggregate query, whatever the campaign's size.

    The campaign is scanned once, grouped by staff group and by the facts that decide each
    request's state (closed, acknowledged, replaced, past its due date: see
    ``AckRequestQuerySet.state_of``) with a single count per group, rather than one
    ``COUNT … FILTER`` per figure evaluated on every row; every figure, and the overall row,
    is a sum of those counts. Grouping by plain true/false columns (not by a computed state)
    keeps PostgreSQL's estimate of the groups small, so that it still scans in parallel.

    With ``group_names`` (the institution's groups, in the order to show them) the scan is
    grouped by the group's id alone, without joining the groups to every request. With
    ``fresh_since`` (the start of today) the rows also say who was not reminded since then
    (``overdue_fresh``, ``pending_fresh``) and when anyone was last reminded
    (``last_reminded``): what a reminder would do now, from the same scan.
    """
    day = today or timezone.localdate()
    facts: dict[str, Q] = {
        "closed": Q(closed_at__isnull=False),
        "acknowledged": AckRequestQuerySet.acknowledged_q(),
        "replaced": Q(replaced_at__isnull=False),
        "late": Q(due_date__lt=day),
    }
    counts: dict[str, Any] = {"n": Count("*")}
    if fresh_since is not None:
        facts["fresh"] = Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=fresh_since)
        counts["last"] = Max("last_reminded_at")
    fields = ["staff_group_id"] if by_group else []
    if by_group and group_names is None:
        fields.append("staff_group__name")
    found: dict[int | None, dict[str, Any]] = {}
    named: dict[int | None, str | None] = {}
    scan = (
        AckRequest.objects.filter(campaign=campaign)
        .values(
            *fields,
            **{k: ExpressionWrapper(q, output_field=BooleanField()) for k, q in facts.items()},
        )
        .annotate(**counts)
        .order_by()
    )
    for row in scan:
        pk = row["staff_group_id"] if by_group else None
        figures = found.get(pk)
        if figures is None:
            figures = found[pk] = _empty_figures(fresh_since is not None)
            if by_group:
                figures["staff_group_id"] = pk
                named[pk] = row.get("staff_group__name")
        _add_count(figures, row)
    groups: list[dict[str, Any]] = []
    if by_group:
        if group_names is None:
            # By name, as the groups' list reads; requests of no group last.
            order = sorted(found, key=lambda pk: (named[pk] is None, named[pk] or "", pk or 0))
            groups = [found[pk] | {"staff_group__name": named[pk]} for pk in order]
        else:
            groups = [
                found.pop(pk) | {"staff_group__name": name}
                for pk, name in group_names.items()
                if pk in found
            ]
            # Requests of no group (or, never expected, of a group not listed) come last.
            groups += [row | {"staff_group__name": None} for row in found.values()]
        overall = _empty_figures(fresh_since is not None)
        for g in groups:
            for key in overall:
                if key == "last_reminded":
                    overall[key] = _latest(overall[key], g[key])
                else:
                    overall[key] += g[key]
    else:
        overall = found.get(None) or _empty_figures(fresh_since is not None)
    rows: list[dict[str, Any]] = [overall, *groups]
    for row in rows:
        row["percent"] = percent(row["acknowledged"], row["total"])
    for row in rows[1:]:
        row["name"] = row["staff_group__name"] or "No group"
    return {"overall": rows[0], "groups": rows[1:]}


def _empty_figures(outlook: bool) -> dict[str, Any]:
    figures: dict[str, Any] = dict.fromkeys(
        ("total", "acknowledged", "pending", "overdue", "replaced", "closed"), 0
    )
    if outlook:
        figures |= {"overdue_fresh": 0, "pending_fresh": 0, "last_reminded": None}
    return figures


def _add_count(figures: dict[str, Any], row: dict[str, Any]) -> None:
    """Adds one count of the grouped scan to its group's figures."""
    n = row["n"]
    state = AckRequestQuerySet.state_of(
        closed=bool(row["closed"]),
        acknowledged=bool(row["acknowledged"]),
        replaced=bool(row["replaced"]),
        late=bool(row["late"]),
    )
    if state in ("closed", "replaced"):
        figures[state] += n
    else:
        # Counted in the campaign (``open_q``): acknowledged, or pending (overdue or not).
        figures["total"] += n
        if state == "acknowledged":
            figures["acknowledged"] += n
        else:
            figures["pending"] += n
            if state == "overdue":
                figures["overdue"] += n
            if row.get("fresh"):
                figures["pending_fresh"] += n
                if state == "overdue":
                    figures["overdue_fresh"] += n
    if "last" in row:
        figures["last_reminded"] = _latest(figures["last_reminded"], row["last"])


def _latest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None else a if b is None else max(a, b)


def percent(part: int, whole: int) -> int:
    """Whole percent, rounded down so that 99.9% never shows as "100%"."""
    return (part * 100) // whole if whole else 0


def roster(
    campaign: Campaign,
    *,
    q: str = "",
    group_id: int | None = None,
    status: str = "",
    today: dt.date | None = None,
) -> QuerySet[AckRequest]:
    """The campaign's people, filtered as the dashboard and the CSV export ask."""
    day = today or timezone.localdate()
    qs = AckRequest.objects.filter(campaign=campaign)
    if q:
        qs = qs.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
    if group_id:
        qs = qs.filter(staff_group_id=group_id)
    if status == "acknowledged":
        qs = qs.acknowledged()
    elif status == "pending":
        qs = qs.pending()
    elif status == "overdue":
        qs = qs.overdue(on=day)
    elif status == "closed":
        qs = qs.closed()
    elif status == "replaced":
        qs = qs.replaced()
    return qs.select_related("user", "staff_group").order_by("user__full_name", "user__email")


def pending_requests(user: User, organization: Organization) -> QuerySet[AckRequest]:
    """What this person still has to acknowledge in this institution."""
    return (
        AckRequest.objects.pending()
        .filter(
            user=user,
            campaign__organization=organization,
            campaign__status=Campaign.Status.OPEN,
        )
        .select_related("campaign__version__guideline", "campaign__publication")
        .order_by("due_date")
    )


def owed_counts(
    user: User, organization_ids: list[int], *, today: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """What this person still has to acknowledge, and how much is overdue, per institution.

    One query whatever the number of institutions; the same rules as ``pending_requests``.
    """
    if not organization_ids:
        return {}
    day = today or timezone.localdate()
    rows = (
        AckRequest.objects.pending()
        .filter(
            user=user,
            campaign__organization_id__in=organization_ids,
            campaign__status=Campaign.Status.OPEN,
        )
        .values("campaign__organization_id")
        .annotate(
            owed=Count("pk"), overdue=Count("pk", filter=AckRequestQuerySet.overdue_q(on=day))
        )
        .order_by()
    )
    return {
        r["campaign__organization_id"]: {"owed": r["owed"], "overdue": r["overdue"]} for r in rows
    }


def quiz_summaries(request_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per request: how many tries at the quiz, which questions were wrong (with how often),
    and when it was passed. One query for a batch of requests (the CSV asks per 2,000 rows)."""
    summaries: dict[int, dict[str, Any]] = {}
    rows = (
        QuizAttempt.objects.filter(request_id__in=list(request_ids))
        .order_by("attempted_at", "pk")
        .values_list("request_id", "attempted_at", "wrong_questions", "passed")
    )
    for request_id, attempted_at, wrong, passed in rows:
        entry = summaries.setdefault(
            request_id, {"attempts": 0, "wrong": Counter(), "passed_at": None}
        )
        entry["attempts"] += 1
        for item in wrong or []:
            entry["wrong"][int(item.get("number", 0))] += 1
        if passed and entry["passed_at"] is None:
            entry["passed_at"] = attempted_at
    return summaries


def describe_wrong(wrong: Counter[int]) -> str:
    """ "Q2 x2; Q3" — the questions answered wrongly, in order, with how many times."""
    return "; ".join(
        f"Q{n}" + (f" x{count}" if count > 1 else "") for n, count in sorted(wrong.items())
    )


def retired_on(guideline: Guideline) -> dt.date | None:
    """The day a retired guideline stopped applying, from the audit event that retired it
    (the trail is the record of when; the guideline row only says that it is retired)."""
    if guideline.status != Guideline.Status.RETIRED:
        return None
    at = (
        AuditEvent.objects.filter(
            organization_id=guideline.organization_id,
            guideline_id=guideline.pk,
            action="guidelines.guideline.retired",
        )
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return timezone.localdate(at) if at is not None else None


def campaigns_of(publication: Publication, *, on: dt.date) -> list[Campaign]:
    """The publication's campaigns (on publication, then each yearly cycle), oldest first,
    each marked ``running`` when it was the one asking staff on ``on``."""
    campaigns = list(
        Campaign.objects.filter(publication=publication).order_by("starts_on", "created_at")
    )
    for i, campaign in enumerate(campaigns):
        began = campaign.starts_on or timezone.localdate(campaign.created_at)
        nxt = campaigns[i + 1] if i + 1 < len(campaigns) else None
        ended = (nxt.starts_on or timezone.localdate(nxt.created_at)) if nxt else None
        campaign.running = began <= on and (ended is None or on < ended)  # type: ignore[attr-defined]
    return campaigns


SINCE_SECTIONS = 6  # changed sections named before the full text; the comparison has all
SINCE_SENTENCES = 3  # plain sentences per section


def changed_since_acknowledged(user: User, version: Version) -> dict[str, Any] | None:
    """What changed since the version of this guideline the person last acknowledged, as
    plain sentences per changed section (no redline markup), or None when there is no
    earlier acknowledgement to compare with. Two queries; only the reading page asks."""
    last = (
        Acknowledgement.objects.filter(
            user=user,
            version__guideline_id=version.guideline_id,
            version__number__lt=version.number,
        )
        .select_related("version")
        .order_by("-version__number")
        .first()
    )
    if last is None:
        return None
    diffs = [
        d for d in compare_content(SECTIONS, last.version.content, version.content) if d.changed
    ]
    return {
        "number": last.version.number,
        "acknowledged_at": last.acknowledged_at,
        "total": len(diffs),
        "sections": [
            {
                "key": d.key,
                "title": d.title,
                "sentences": list(d.summary[:SINCE_SENTENCES]),
                "more": max(0, len(d.summary) - SINCE_SENTENCES),
            }
            for d in diffs[:SINCE_SECTIONS]
        ],
        "more_sections": max(0, len(diffs) - SINCE_SECTIONS),
    }
