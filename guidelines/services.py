"""Writes about guidelines: creating, editing drafts and freezing them into versions."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from audit.services import record

from .models import Draft, Guideline, Version


class GuidelineError(Exception):
    """A refused change to a guideline or draft, with a message for the person."""


def freeze_draft(
    *, draft: Draft, by: Any, change_summary: str, request: Any = None
) -> Version:
    """Turn the open draft into the next numbered, immutable version.

    Frozen so that a signature always refers to exactly the text that was read. The caller
    (submitting for review) decides whether the completeness checks must pass first.
    """
    from .sections import SECTIONS
    from .schema import normalise

    summary = change_summary.strip()
    if not summary:
        raise GuidelineError("Write a change summary: reviewers read it first.")
    with transaction.atomic():
        guideline = Guideline.objects.select_for_update().get(pk=draft.guideline_id)
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        if not locked.is_open:
            raise GuidelineError("This draft was already submitted.")
        stored = {s.key: s.data for s in locked.sections.all()}
        content = {s.key: normalise(s, stored.get(s.key, {})) for s in SECTIONS}
        number = (guideline.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = Version.objects.create(
            guideline=guideline,
            number=number,
            content=content,
            quiz=locked.quiz,
            change_summary=summary,
            based_on=locked.based_on,
            created_by=by,
        )
        locked.is_open = False
        locked.save(update_fields=["is_open", "updated_at"])
        record(
            "guidelines.version.frozen",
            actor=by,
            organization=guideline.organization,
            obj=version,
            guideline_id=guideline.pk,
            details={"number": number, "content_hash": version.content_hash},
            request=request,
        )
    return version
