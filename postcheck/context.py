"""What the institution's guideline in force tells the post check: its name, official accounts
and hashtags, and where each section can be read."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from guidelines.models import Guideline
from guidelines.sections import SECTIONS_BY_KEY
from publishing import official_check
from publishing.models import Publication

from .detect import Context
from .models import Sponsorship

MAX_GUIDELINES = 20  # an institution has a handful; the bound keeps a hostile one cheap


@dataclass(frozen=True)
class InForce:
    """The guideline the findings point into (the first one in force), or none."""

    publication: Publication | None
    accounts: list[dict[str, str]]
    hashtags: list[str]

    def section_link(self, key: str) -> str:
        if self.publication is None:
            return ""
        url = reverse(
            "publishing:guideline",
            kwargs={
                "org_slug": self.publication.organization.slug,
                "guideline_slug": self.publication.guideline.slug,
            },
        )
        return f"{url}#section-{key}"

    @staticmethod
    def section_title(key: str) -> str:
        section = SECTIONS_BY_KEY.get(key)
        return section.title if section else key


def in_force_for(organization: Organization) -> InForce:
    """The publications in force at the institution, one per active guideline, in one query
    (the same rule as ``publishing.selectors.in_force``, asked of every guideline at once)."""
    today = timezone.localdate()
    current = (
        Publication.objects.filter(guideline_id=OuterRef("guideline_id"), effective_date__lte=today)
        .order_by("-effective_date", "-version__number")
        .values("pk")[:1]
    )
    publications = list(
        Publication.objects.filter(
            organization=organization,
            guideline__status=Guideline.Status.ACTIVE,
            pk=Subquery(current),
        )
        .select_related("version", "guideline", "organization")
        .order_by("guideline_id")[:MAX_GUIDELINES]
    )
    accounts: list[dict[str, str]] = []
    hashtags: list[str] = []
    for publication in publications:
        section = publication.version.content.get("accounts") or {}
        accounts.extend(section.get("accounts") or [])
        for tag in section.get("hashtags") or []:
            tag = str(tag).strip().lstrip("#")
            if tag and tag not in hashtags:
                hashtags.append(tag)
    return InForce(publications[0] if publications else None, accounts, hashtags)


def context_for(
    organization: Organization,
    found: InForce,
    *,
    platform: str,
    sponsorship: str,
    posting_as: str,
) -> Context:
    """The rules' context: the guideline's facts and what the writer told us."""
    asked = official_check.read(posting_as) if posting_as else None
    official = bool(asked and official_check.find(asked, found.accounts))
    handles = tuple(
        official_check.key(a.get("handle") or "") for a in found.accounts if a.get("handle")
    )
    names = [organization.name, organization.handle_base]
    return Context(
        institution=organization.name,
        name_words=tuple(n for n in names if n),
        official_handles=tuple(h for h in handles if h),
        official_hashtags=tuple(found.hashtags),
        posting_from_official=official,
        platform=platform,
        sponsorship=sponsorship or Sponsorship.NONE,
    )
