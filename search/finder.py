"""The search itself: which sections this member may find, matched, ranked, one query.

Scope is the institution the person is working in, never another one they belong to: every
member finds the sections of the versions in force; reviewers, auditors, authors and admins
(who read versions on their way to publication) also find versions in review or approved;
authors and admins (who edit drafts) also find open drafts. PostgreSQL matches with full-text
search over the GIN-indexed ``vector`` and ranks with ``ts_rank``; SQLite, the quick-start
database, matches words with ``LIKE`` over a bounded set of candidates and ranks by counting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.access import can, can_edit_drafts
from accounts.models import Membership, Role
from guidelines.models import Guideline, Version
from publishing.models import Publication

from .indexing import uses_postgres
from .models import SectionText
from .query import Term, root, tsquery
from .snippets import Piece, snippet

LIMIT = 20
GUIDELINE_LIMIT = 6
SQLITE_CANDIDATES = 500
# Who reads versions before they are published (the guideline pages' readers).
VERSION_READERS = (Role.ADMIN, Role.AUTHOR, Role.REVIEWER, Role.AUDITOR)
UNPUBLISHED = (Version.Status.IN_REVIEW, Version.Status.APPROVED)


class Kind:
    IN_FORCE = "In force"
    IN_REVIEW = "In review"
    APPROVED = "Approved, not yet published"
    DRAFT = "Draft"


@dataclass
class Hit:
    guideline_title: str
    section_title: str
    kind: str
    url: str
    snippet: list[Piece]
    title_pieces: list[Piece]


@dataclass
class GuidelineHit:
    """A guideline whose title matches, in one of the states this member may read."""

    title: list[Piece]
    kind: str
    url: str


@dataclass
class Results:
    hits: list[Hit]
    more: bool  # more matches than shown
    guidelines: list[GuidelineHit] = field(default_factory=list)


def visible(membership: Membership) -> QuerySet[SectionText]:
    """The index rows this member may find, in their active institution only."""
    today = timezone.localdate()
    current = Subquery(
        Publication.objects.filter(guideline_id=OuterRef("guideline_id"), effective_date__lte=today)
        .order_by("-effective_date", "-version__number")
        .values("version_id")[:1]
    )
    scope = Q(version__isnull=False, guideline__status=Guideline.Status.ACTIVE, version_id=current)
    if can(membership, *VERSION_READERS):
        scope |= Q(version__status__in=UNPUBLISHED)
    if can_edit_drafts(membership):
        scope |= Q(draft__is_open=True)
    return SectionText.objects.filter(organization_id=membership.organization_id).filter(scope)


# What a guideline hit reads: the guideline and the state (version or draft) it is found in.
GUIDELINE_FIELDS = (
    "guideline_id",
    "guideline__title",
    "guideline__slug",
    "version_id",
    "version__number",
    "version__status",
    "draft_id",
)
# What a section hit reads: the section, and the same as a guideline hit to place its link.
FIELDS = ("pk", "key", "title", "body", *GUIDELINE_FIELDS)


def needle(term: Term) -> str:
    """The text a term is looked for as, where the database has no word index (SQLite's
    sections, and guideline titles everywhere): a phrase or prefix as typed, a word by its root."""
    return " ".join(term.words) if term.is_phrase or term.prefix else root(term.words[0])


def _sqlite_rows(rows: QuerySet[SectionText], terms: list[Term]) -> list[dict[str, Any]]:
    # The same text is filtered for and counted for the score.
    needles = [needle(term) for term in terms]
    for text in needles:
        rows = rows.filter(Q(body__icontains=text) | Q(title__icontains=text))
    found = list(rows.order_by("pk").values(*FIELDS)[:SQLITE_CANDIDATES])

    def score(row: dict[str, Any]) -> int:
        title, body = row["title"].casefold(), row["body"].casefold()
        return sum(5 * title.count(text) + body.count(text) for text in needles)

    found.sort(key=lambda r: (-score(r), r["guideline__title"], r["pk"]))
    return found[: LIMIT + 1]


def postgres_matches(rows: QuerySet[SectionText], terms: list[Term]) -> QuerySet[SectionText]:
    """Rows matching every term through the GIN-indexed vector, best first (the bench EXPLAINs
    exactly this query)."""
    query = SearchQuery(tsquery(terms), search_type="raw", config="english")
    return (
        rows.filter(vector=query)
        .annotate(rank=SearchRank(F("vector"), query))
        .order_by("-rank", "guideline__title", "pk")
    )


def _postgres_rows(rows: QuerySet[SectionText], terms: list[Term]) -> list[dict[str, Any]]:
    return list(postgres_matches(rows, terms).values(*FIELDS)[: LIMIT + 1])


def _guideline_rows(rows: QuerySet[SectionText], terms: list[Term]) -> list[dict[str, Any]]:
    """Guidelines whose title holds every term, once per state this member may read (the
    guideline table is small: the title filter runs before the sections are joined)."""
    for term in terms:
        rows = rows.filter(guideline__title__icontains=needle(term))
    return list(
        rows.values(*GUIDELINE_FIELDS)
        .distinct()
        .order_by("guideline__title", "guideline_id", "version__number", "draft_id")[
            :GUIDELINE_LIMIT
        ]
    )


def _guideline_link(row: dict[str, Any], org_slug: str) -> tuple[str, str]:
    """(kind, link to the guideline as this state shows it): the section anchor dropped."""
    if row["draft_id"] is not None:
        return Kind.DRAFT, reverse("guidelines:detail", kwargs={"pk": row["guideline_id"]})
    kind, url = _place({**row, "key": ""}, org_slug)
    return kind, url.split("#", 1)[0]


def _place(row: dict[str, Any], org_slug: str) -> tuple[str, str]:
    """(kind, link to the exact section) for one row."""
    if row["draft_id"] is not None:
        url = reverse("guidelines:step", kwargs={"pk": row["guideline_id"], "key": row["key"]})
        return Kind.DRAFT, url
    # A visible version not on its way to publication is visible because it is in force.
    if row["version__status"] not in UNPUBLISHED:
        url = reverse(
            "publishing:guideline",
            kwargs={"org_slug": org_slug, "guideline_slug": row["guideline__slug"]},
        )
        return Kind.IN_FORCE, f"{url}#section-{row['key']}"
    url = reverse(
        "guidelines:version",
        kwargs={"pk": row["guideline_id"], "number": row["version__number"]},
    )
    kind = Kind.APPROVED if row["version__status"] == Version.Status.APPROVED else Kind.IN_REVIEW
    return f"{kind} (version {row['version__number']})", f"{url}#sec-{row['key']}"


def search(membership: Membership, terms: list[Term]) -> Results:
    """The best matches for these terms among what this member may find: guidelines by their
    title (one query) and sections by their words (one query)."""
    if not terms:
        return Results([], False)
    rows = visible(membership)
    org_slug = membership.organization.slug
    guidelines = []
    for row in _guideline_rows(rows, terms):
        kind, url = _guideline_link(row, org_slug)
        guidelines.append(GuidelineHit(snippet(row["guideline__title"], terms), kind, url))
    found = _postgres_rows(rows, terms) if uses_postgres() else _sqlite_rows(rows, terms)
    hits = []
    for row in found[:LIMIT]:
        kind, url = _place(row, org_slug)
        hits.append(
            Hit(
                guideline_title=row["guideline__title"],
                section_title=row["title"],
                kind=kind,
                url=url,
                snippet=snippet(row["body"], terms),
                title_pieces=snippet(row["title"], terms),
            )
        )
    return Results(hits, len(found) > LIMIT, guidelines)
