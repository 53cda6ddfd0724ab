"""Keeping the search index in step: a version's sections once when it is frozen, a draft's
section each time it is saved, and a full rebuild that is safe to run again."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.db.models import Value
from django.db.models.expressions import CombinedExpression

from guidelines.models import Draft, DraftSection, Version
from guidelines.sections import SECTIONS_BY_KEY

from .models import SectionText
from .text import section_text, sections_text

BATCH = 500


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def weighted_vector() -> CombinedExpression:
    """Titles weigh more than body text in the ranking."""
    return SearchVector("title", weight="A", config="english") + SearchVector(
        "body", weight="B", config="english"
    )


def _fill_vectors(ids: Iterable[int]) -> None:
    ids = list(ids)
    if uses_postgres() and ids:
        SectionText.objects.filter(pk__in=ids).update(vector=weighted_vector())


def index_versions(versions: Iterable[Version]) -> int:
    """Index each version's sections (a version already indexed is left as it is)."""
    written = 0
    versions = list(versions)
    for start in range(0, len(versions), BATCH):
        chunk = versions[start : start + BATCH]
        done = set(
            SectionText.objects.filter(version__in=chunk).values_list("version_id", flat=True)
        )
        rows = [
            SectionText(
                organization_id=v.guideline.organization_id,
                guideline_id=v.guideline_id,
                version=v,
                key=section.key,
                title=section.title,
                body=body,
            )
            for v in chunk
            if v.pk not in done
            for section, body in sections_text(v.content)
        ]
        created = SectionText.objects.bulk_create(rows, batch_size=BATCH)
        _fill_vectors(r.pk for r in created if r.pk is not None)
        if uses_postgres() and created and created[0].pk is None:
            # A database that returns no ids from a bulk insert: fill by version instead.
            SectionText.objects.filter(version__in=chunk, vector=None).update(
                vector=weighted_vector()
            )
        written += len(rows)
    return written


def index_draft_section(row: DraftSection) -> None:
    """The row for one saved section of an open draft, written or refreshed.

    Refreshing is one UPDATE that also sets the PostgreSQL vector from the new text (an
    autosave runs this on every keystroke pause); only a section's first save inserts. Saves
    of one draft are serialised by the draft's lock, so two first saves cannot both insert.
    """
    section = SECTIONS_BY_KEY.get(row.key)
    if section is None:
        return
    draft = row.draft
    body = section_text(section, row.data)
    values: dict[str, Any] = {
        "organization_id": draft.guideline.organization_id,
        "guideline_id": draft.guideline_id,
        "title": section.title,
        "body": body,
    }
    if uses_postgres():
        # From the new values, not the columns: SET reads a row's columns as they were.
        values["vector"] = SearchVector(
            Value(section.title), weight="A", config="english"
        ) + SearchVector(Value(body), weight="B", config="english")
    if SectionText.objects.filter(draft=draft, key=row.key).update(**values):
        return
    values.pop("vector", None)
    entry = SectionText.objects.create(draft=draft, key=row.key, **values)
    _fill_vectors([entry.pk])


def forget_draft(draft: Draft) -> None:
    """A closed draft is no longer searched: its rows go."""
    SectionText.objects.filter(draft=draft).delete()


def rebuild() -> int:
    """Index every version not yet indexed and every open draft's sections; safe to re-run."""
    written = 0
    last = 0
    while True:
        chunk = list(
            Version.objects.filter(pk__gt=last).select_related("guideline").order_by("pk")[:BATCH]
        )
        if not chunk:
            break
        written += index_versions(chunk)
        last = chunk[-1].pk
    SectionText.objects.filter(draft__is_open=False).delete()
    for row in DraftSection.objects.filter(draft__is_open=True).select_related("draft__guideline"):
        index_draft_section(row)
        written += 1
    return written
