"""Writes about guidelines: creating, editing drafts and freezing them into versions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Organization, StaffGroup, User
from accounts.notify import About, Work, guideline_subject, resolve
from audit.models import AuditEvent
from audit.services import record

from . import cases as case_library
from . import facts
from .models import Draft, DraftSection, Guideline, Version
from .quiz import entry_limit_problems, quiz_problems
from .schema import Content, SectionData, normalise, validate
from .sections import SECTIONS, empty_content, get_section, normalise_content, starter_content


class GuidelineError(Exception):
    """A refused change to a guideline or draft, with a message for the person."""


class SectionInvalid(GuidelineError):
    """The typed section has malformed entries; nothing was saved, the typing is kept."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Not saved: correct the entries marked below.")
        self.errors = errors


class CasesInvalid(GuidelineError):
    """A case breaks a rule (an answer too long, an unknown section); nothing was saved."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class QuizConflict(GuidelineError):
    """Someone saved the quiz after this editor was loaded; nothing was saved."""


def quiz_token(quiz: Any) -> str:
    """A short fingerprint of a stored quiz: the editor posts it back to prove what it saw."""
    return hashlib.sha256(json.dumps(quiz, sort_keys=True).encode()).hexdigest()[:16]


class QuizInvalid(GuidelineError):
    """The typed quiz breaks a rule; ``problems`` name the question ("Question 2 …")."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Quiz not saved: correct the entries marked below.")
        self.problems = problems


class EditConflict(GuidelineError):
    """Someone saved the section since this person loaded it: both texts, nothing lost."""

    def __init__(
        self,
        *,
        key: str,
        mine: SectionData,
        theirs: SectionData,
        revision: int,
        saved_by: User | None = None,
        saved_at: datetime | None = None,
    ) -> None:
        who = str(saved_by) if saved_by else "Someone"
        super().__init__(
            f"Not saved: {who} saved this section while you were editing it. "
            "Compare both texts, merge them, then save again."
        )
        self.key = key
        self.mine = mine
        self.theirs = theirs
        self.revision = revision  # the stored revision; saving against it overwrites knowingly
        self.saved_by = saved_by
        self.saved_at = saved_at


def _initial_content(
    *, organization: Organization, start: str, copy_from: Version | None
) -> tuple[Content, Version | None]:
    if start == Draft.Start.TEMPLATE:
        return starter_content(organization.placeholder_context()), None
    if start == Draft.Start.COPY:
        if copy_from is None:
            raise GuidelineError("Choose the version to copy.")
        if copy_from.guideline.organization_id != organization.pk:
            raise GuidelineError("That version belongs to another institution.")
        return normalise_content(copy_from.content), copy_from
    if start == Draft.Start.BLANK:
        return empty_content(), None
    raise GuidelineError("Choose how to start: template, copy of a version, or blank.")


def _unique_slug(organization: Organization, title: str) -> str:
    base = (slugify(title) or "guideline")[:70]
    taken = set(
        Guideline.objects.filter(organization=organization, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _open_draft(
    *, guideline: Guideline, by: User, start: str, content: Content, based_on: Version | None
) -> Draft:
    draft = Draft.objects.create(guideline=guideline, start=start, based_on=based_on, created_by=by)
    quiz = list(based_on.quiz) if based_on is not None else []
    cases = list(based_on.cases) if based_on is not None else []
    if quiz or cases:
        draft.quiz = quiz
        draft.cases = cases
        draft.save(update_fields=["quiz", "cases"])
    for section in SECTIONS:
        row = DraftSection(draft=draft, key=section.key, data=content[section.key], updated_by=by)
        row._history_user = by  # type: ignore[attr-defined]
        row.save()
    return draft


def create_guideline(
    *,
    organization: Organization,
    by: User,
    title: str,
    start: str,
    copy_from: Version | None = None,
    slug: str = "",
    request: HttpRequest | None = None,
) -> Guideline:
    """A new guideline with its first open draft: from the template, a copy, or blank."""
    title = " ".join(title.split())
    if not title:
        raise GuidelineError("Give the guideline a title.")
    if len(title) > 200:
        raise GuidelineError("Keep the title under 200 characters.")
    content, based_on = _initial_content(
        organization=organization, start=start, copy_from=copy_from
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                guideline = Guideline.objects.create(
                    organization=organization,
                    title=title,
                    slug=slug or _unique_slug(organization, title),
                    created_by=by,
                )
        except IntegrityError as exc:
            raise GuidelineError("A guideline with that address already exists.") from exc
        draft = _open_draft(
            guideline=guideline, by=by, start=start, content=content, based_on=based_on
        )
        record(
            "guidelines.guideline.created",
            actor=by,
            organization=organization,
            obj=guideline,
            guideline_id=guideline.pk,
            details={
                "title": title,
                "start": start,
                "copied_version": based_on.number if based_on else None,
                "draft_id": draft.pk,
            },
            request=request,
        )
    return guideline


def start_draft(
    *,
    guideline: Guideline,
    by: User,
    start: str,
    copy_from: Version | None = None,
    request: HttpRequest | None = None,
) -> Draft:
    """Open the next draft of an existing guideline (one open draft at a time)."""
    if copy_from is not None and copy_from.guideline.organization_id != guideline.organization_id:
        raise GuidelineError("That version belongs to another institution.")
    content, based_on = _initial_content(
        organization=guideline.organization, start=start, copy_from=copy_from
    )
    with transaction.atomic():
        locked = Guideline.objects.select_for_update().get(pk=guideline.pk)
        if locked.status != Guideline.Status.ACTIVE:
            raise GuidelineError("This guideline is retired; it cannot get a new draft.")
        if locked.drafts.filter(is_open=True).exists():
            raise GuidelineError("This guideline already has an open draft: continue that one.")
        draft = _open_draft(
            guideline=locked, by=by, start=start, content=content, based_on=based_on
        )
        record(
            "guidelines.draft.started",
            actor=by,
            organization=locked.organization,
            obj=draft,
            guideline_id=locked.pk,
            details={"start": start, "copied_version": based_on.number if based_on else None},
            request=request,
        )
    return draft


def _locked_sections(draft: Draft, key: str) -> tuple[DraftSection, dict[str, DraftSection]]:
    """The open draft's section ``key``, and every section row of the draft, locked.

    One query reads the rows with their draft and locks both (PostgreSQL locks every joined
    row of a FOR UPDATE), so a submission still waits for the save and the save still sees a
    draft closed under it. Every row, not just ``key``: the draft row is locked anyway, so this
    serialises nothing more, and the caller's progress bar needs the rest. A draft with no
    rows yet, or without ``key`` (the catalogue grew), takes the slower path.
    """
    rows = list(
        DraftSection.objects.select_for_update()
        .select_related("draft")
        .filter(draft_id=draft.pk)
        .order_by("pk")
    )
    locked_draft = rows[0].draft if rows else Draft.objects.select_for_update().get(pk=draft.pk)
    if not locked_draft.is_open:
        raise GuidelineError("This draft was submitted and can no longer be edited.")
    # The caller's draft carries its guideline and institution: the search index reads them.
    locked_draft.guideline = draft.guideline
    by_key = {}
    for row in rows:
        row.draft = locked_draft
        by_key[row.key] = row
    section = by_key.get(key)
    if section is None:
        created = DraftSection.objects.create(draft=locked_draft, key=key, data={})
        section = DraftSection.objects.select_for_update().get(pk=created.pk)
        section.draft = locked_draft
        by_key[key] = section
    return section, by_key


def save_section(
    *,
    draft: Draft,
    key: str,
    data: Mapping[str, Any],
    revision: int,
    by: User,
    request: HttpRequest | None = None,
    reason: str = "",
    sections: dict[str, DraftSection] | None = None,
) -> DraftSection:
    """Save one section of the open draft, refusing malformed input and stale revisions.

    ``revision`` is the revision the person's editor was loaded with: if someone saved since,
    the save is refused with an ``EditConflict`` so no one's text is silently overwritten.
    ``sections``, when given, is filled with every section row of the draft as it stands after
    the save (or the refusal of a conflict), read under the same lock, so that a caller
    drawing the progress bar needs no second read.
    """
    section_def = get_section(key)
    errors = validate(section_def, data)
    if errors:
        raise SectionInvalid(errors)
    clean = normalise(section_def, data)
    with transaction.atomic():
        row, rows = _locked_sections(draft, key)
        if sections is not None:
            sections.update(rows)
        stored = normalise(section_def, row.data)
        if stored == clean:
            # The same text is already saved (an autosave and a plain save of one edit racing
            # each other): nothing to merge, so no conflict and no new revision.
            return row
        if row.revision != revision:
            raise EditConflict(
                key=key,
                mine=clean,
                theirs=stored,
                revision=row.revision,
                saved_by=row.updated_by,
                saved_at=row.updated_at,
            )
        row.data = clean
        row.revision += 1
        row.updated_by = by
        row._history_user = by  # type: ignore[attr-defined]
        row._change_reason = reason or "saved"  # type: ignore[attr-defined]
        row.save()
        Draft.objects.filter(pk=draft.pk).update(updated_at=timezone.now())
        record(
            "guidelines.section.saved",
            actor=by,
            organization=draft.guideline.organization,
            obj=row,
            guideline_id=draft.guideline_id,
            details={
                "section": key,
                "revision": row.revision,
                **({"reason": reason} if reason else {}),
            },
            request=request,
        )
    return row


def resolve_fact(
    *,
    draft: Draft,
    key: str,
    field: str,
    index: int,
    expected: str,
    replacement: str | None,
    by: User,
    request: HttpRequest | None = None,
) -> DraftSection:
    """Keep one fact marked to confirm as written (``replacement`` None) or replace it.

    The fact is named by its place and its words, so a save elsewhere in the section does
    not get in the way, while a fact that has changed or gone raises KeyError. Goes through
    ``save_section``, so the change is in the section's history and the audit trail.
    """
    row = draft.sections.get(key=key)
    current = [f for f in facts.facts_in(row.data) if f.field == field and f.index == index]
    if not current or current[0].text != expected:
        raise KeyError(f"{field}:{index}")
    data = facts.resolve(row.data, field=field, index=index, replacement=replacement)
    return save_section(
        draft=draft,
        key=key,
        data=data,
        revision=row.revision,
        by=by,
        request=request,
        reason="fact kept" if replacement is None else "fact replaced",
    )


def restore_section(
    *,
    draft: Draft,
    key: str,
    history_id: int,
    revision: int,
    by: User,
    request: HttpRequest | None = None,
) -> DraftSection:
    """Bring back an earlier saved text of a section, as a new save (history keeps both)."""
    earlier = DraftSection.history.filter(history_id=history_id, draft_id=draft.pk, key=key).first()
    if earlier is None:
        raise GuidelineError("That saved text does not exist for this section.")
    return save_section(
        draft=draft,
        key=key,
        data=earlier.data,
        revision=revision,
        by=by,
        request=request,
        reason=f"restored revision {earlier.revision}",
    )


def save_quiz(
    *,
    draft: Draft,
    quiz: list[dict[str, Any]],
    by: User,
    base: str | None = None,
    request: HttpRequest | None = None,
) -> Draft:
    """Save the open draft's optional quiz: staff must answer it right before acknowledging.

    ``base`` is ``quiz_token`` of the quiz the editor was loaded with: if someone saved a
    different quiz since, the save is refused with ``QuizConflict`` rather than replacing it.
    """
    problems = quiz_problems(quiz) + entry_limit_problems(quiz if isinstance(quiz, list) else [])
    if problems:
        raise QuizInvalid(problems)
    clean = [
        {
            "question": " ".join(str(item["question"]).split()),
            "choices": [" ".join(str(c).split()) for c in item["choices"]],
            "answer": item["answer"],
        }
        for item in quiz
    ]
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        if not locked.is_open:
            raise GuidelineError("This draft was submitted and can no longer be edited.")
        if locked.quiz == clean:
            return locked  # nothing changed: no audit noise
        if base is not None and quiz_token(locked.quiz) != base:
            count = len(locked.quiz)
            raise QuizConflict(
                "Someone else saved this quiz after you opened it, so your changes were not "
                f"saved. The saved quiz now has {count} question{'s' if count != 1 else ''}; "
                "your questions are kept below: save again to replace it with them."
            )
        locked.quiz = clean
        locked.save(update_fields=["quiz", "updated_at"])
        record(
            "guidelines.quiz.saved",
            actor=by,
            organization=draft.guideline.organization,
            obj=locked,
            guideline_id=locked.guideline_id,
            details={"questions": len(clean)},
            request=request,
        )
    return locked


QUIZ_PART = "quiz"
STARTED_PART = "draft"


def save_cases(
    *, draft: Draft, cases: list[dict[str, Any]], by: User, request: HttpRequest | None = None
) -> Draft:
    """Save the draft's case library: the scenarios the author answered for staff."""
    clean, problems = case_library.clean(cases)
    named = case_library.named_groups(clean)
    if named:
        known = set(
            StaffGroup.objects.filter(
                organization_id=draft.guideline.organization_id, pk__in=named
            ).values_list("pk", flat=True)
        )
        if named - known:
            problems.append("A case is for a staff group this institution does not have.")
    if problems:
        raise CasesInvalid(problems)
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        if not locked.is_open:
            raise GuidelineError("This draft was submitted or closed; the cases were not saved.")
        if locked.cases == clean:
            return locked
        locked.cases = clean
        locked.save(update_fields=["cases", "updated_at"])
        record(
            "guidelines.cases.saved",
            actor=by,
            organization=draft.guideline.organization,
            obj=locked,
            guideline_id=draft.guideline_id,
            details={"cases": len(clean), "in_quiz": sum(1 for c in clean if c.get("wrong"))},
            request=request,
        )
    return locked


def draft_contributors(draft: Draft) -> dict[str, list[str]]:
    """Everyone who saved any part of the draft, and which parts: {user id: [part, ...]}.

    Read from the sections' history (every save, even one later overwritten or restored
    away), the quiz saves in the audit trail and the draft's creator; two queries.
    """
    parts: dict[str, set[str]] = {}
    if draft.created_by_id is not None:
        parts.setdefault(str(draft.created_by_id), set()).add(STARTED_PART)
    edits = (
        DraftSection.history.filter(draft_id=draft.pk, history_user_id__isnull=False)
        .exclude(history_type="+")  # creating the rows is starting the draft, not editing
        .values_list("history_user_id", "key")
        .distinct()
    )
    for user_id, key in edits:
        parts.setdefault(str(user_id), set()).add(key)
    quiz_editors = (
        AuditEvent.objects.filter(
            action="guidelines.quiz.saved",
            object_type=Draft._meta.label_lower,
            object_id=str(draft.pk),
            actor_id__isnull=False,
        )
        .values_list("actor_id", flat=True)
        .distinct()
    )
    for user_id in quiz_editors:
        parts.setdefault(str(user_id), set()).add(QUIZ_PART)
    # Whoever answered the cases wrote part of what is published, so may not review it either.
    case_editors = (
        AuditEvent.objects.filter(
            action="guidelines.cases.saved",
            object_type=Draft._meta.label_lower,
            object_id=str(draft.pk),
            actor_id__isnull=False,
        )
        .values_list("actor_id", flat=True)
        .distinct()
    )
    for user_id in case_editors:
        parts.setdefault(str(user_id), set()).add("cases")
    return {user_id: sorted(found) for user_id, found in sorted(parts.items())}


def freeze_draft(
    *, draft: Draft, by: User, change_summary: str, request: HttpRequest | None = None
) -> Version:
    """Turn the open draft into the next numbered, immutable version.

    Frozen so that a signature always refers to exactly the text that was read. The caller
    (submitting for review) decides whether the completeness checks must pass first.
    """
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
            cases=locked.cases,
            change_summary=summary,
            based_on=locked.based_on,
            created_by=by,
            contributors=draft_contributors(locked),
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


def rename_guideline(
    *, guideline: Guideline, by: User, title: str, request: HttpRequest | None = None
) -> Guideline:
    """Change the title people see; signed versions are untouched (their hash covers sections).

    The audit event keeps the old title, so evidence of an earlier sign-off can be matched to
    the name it was known by then.
    """
    title = " ".join(title.split())
    if not title:
        raise GuidelineError("Give the guideline a title.")
    if len(title) > 200:
        raise GuidelineError("Keep the title under 200 characters.")
    with transaction.atomic():
        locked = Guideline.objects.select_for_update().get(pk=guideline.pk)
        if locked.status == Guideline.Status.RETIRED:
            raise GuidelineError("This guideline is retired: its title stays as it was.")
        old = locked.title
        if old == title:
            raise GuidelineError("That is already the guideline's title.")
        locked.title = title
        locked.save(update_fields=["title"])
        record(
            "guidelines.guideline.renamed",
            actor=by,
            organization=locked.organization,
            obj=locked,
            guideline_id=locked.pk,
            details={"old_title": old, "new_title": title},
            request=request,
        )
    return locked


def discard_draft(*, draft: Draft, by: User, request: HttpRequest | None = None) -> None:
    """Close the open draft without making a version; its sections and history stay stored.

    Nothing is deleted: the draft's sections and their edit history remain for an auditor,
    and the audit event names the draft, who started it and which sections it held.
    """
    with transaction.atomic():
        guideline = Guideline.objects.select_for_update().get(pk=draft.guideline_id)
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        if not locked.is_open:
            raise GuidelineError("This draft is no longer open: it was submitted or discarded.")
        locked.is_open = False
        locked.save(update_fields=["is_open", "updated_at"])
        # Dropping the revision answers the changes requested: nothing is left to resubmit.
        resolve(About(Work.REVISE, guideline_subject(guideline.pk)))
        record(
            "guidelines.draft.discarded",
            actor=by,
            organization=guideline.organization,
            obj=locked,
            guideline_id=guideline.pk,
            details={
                "started_by": locked.created_by.email,
                "started_at": locked.created_at.isoformat(),
                "sections": sorted(locked.sections.values_list("key", flat=True)),
            },
            request=request,
        )
