"""Guideline pages: the list, the guided wizard, history, review, documents and compare."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from accounts.access import (
    DRAFT_EDITORS,
    active_org,
    can,
    can_edit_drafts,
    can_read_audit,
    get_for_org,
    require_role,
)
from accounts.dates import current_order, fmt
from accounts.http import MemberRequest
from accounts.models import Role, StaffGroup
from config.sql import kept_read

from . import cases as case_library
from . import services
from .compare import (
    FrozenRedline,
    changed_count,
    compare_content,
    compare_section,
    frozen_redline,
)
from .completeness import unchanged_from_template
from .facts import facts_in
from .forms import (
    NAV_ACTIONS,
    CreateGuidelineForm,
    NewDraftForm,
    QuizEditor,
    RenameForm,
    SectionEditor,
    quiz_action,
)
from .models import Draft, DraftSection, Guideline, Version
from .quiz import QUIZ_MAX
from .rendering import render_markdown
from .schema import FieldKind, Section, SectionState, run_checks, section_state, validate
from .sections import SECTIONS, SECTIONS_BY_KEY, normalise_content

# The longest Markdown any section accepts; a preview of more would be refused on saving.
MARKDOWN_LIMIT = max(
    fld.max_length for sec in SECTIONS for fld in sec.fields if fld.kind is FieldKind.MARKDOWN
)

READERS = (Role.ADMIN, Role.AUTHOR, Role.REVIEWER, Role.AUDITOR)
HISTORY_LIMIT = 50
# Institution details the starter template fills in, as an author would name them.
MISSING_DETAIL_LABELS = {
    "website": "website",
    "policy_url": "social media policy link",
    "brand_url": "brand guide link",
    "contact_name": "social media contact",
    "contact_email": "contact e-mail",
    "contact_phone": "contact phone",
}


# --- helpers --------------------------------------------------------------------------------


def removed_notice(removed: Sequence[str]) -> str:
    """What the sanitiser took out of the editor's text, said once beside "Saved"."""
    return "Removed from the text, as Charter never keeps them: " + ", ".join(removed) + "."


def _guideline(request: HttpRequest, pk: int) -> Guideline:
    return get_for_org(Guideline.objects.select_related("organization"), request, pk=pk)


def _open_draft(guideline: Guideline) -> Draft | None:
    """The open draft, with ``latest_number``: the guideline's highest version number (None
    before the first), which the threads beside the wizard need (read here, not once more)."""
    latest = (
        Version.objects.filter(guideline_id=OuterRef("guideline_id"))
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        guideline.drafts.filter(is_open=True)
        .select_related("created_by", "based_on")
        .defer("based_on__content", "based_on__quiz")
        .annotate(latest_number=Subquery(latest))
        .first()
    )


def _section(key: str) -> Section:
    try:
        return SECTIONS_BY_KEY[key]
    except KeyError as exc:
        raise Http404("No such section") from exc


def _stored(draft: Draft) -> dict[str, DraftSection]:
    return {row.key: row for row in draft.sections.select_related("updated_by")}


def _steps(
    guideline: Guideline, stored: dict[str, Any], current: str = "", live: Any = None
) -> list[dict[str, Any]]:
    """Every section with its state, for the progress bar and the review page."""
    steps = []
    for number, section in enumerate(SECTIONS, start=1):
        data = live if section.key == current and live is not None else stored.get(section.key)
        steps.append(
            {
                "number": number,
                "section": section,
                "key": section.key,
                "state": section_state(section, data, guideline.organization.jurisdiction),
                "current": section.key == current,
                "url": reverse("guidelines:step", args=[guideline.pk, section.key]),
            }
        )
    return steps


def _draft_data(stored: dict[str, DraftSection]) -> dict[str, Any]:
    return {key: row.data for key, row in stored.items()}


def _no_draft(request: HttpRequest, guideline: Guideline) -> HttpResponse:
    messages.error(request, "This guideline has no open draft. Start a new draft first.")
    return redirect("guidelines:detail", guideline.pk)


def _conflict_context(section: Section, conflict: services.EditConflict) -> dict[str, Any]:
    diff = compare_section(section, conflict.theirs, conflict.mine)
    theirs: list[dict[str, Any]] = []
    for fld in section.fields:
        value = conflict.theirs.get(fld.name)
        if fld.kind is FieldKind.LIST:
            value = "\n".join(value or [])
        elif fld.kind is FieldKind.TABLE:
            value = "\n".join(" · ".join(v for v in row.values() if v) for row in value or [])
        theirs.append({"field": fld, "text": value or ""})
    changed = {fd.field.name for fd in diff.changed_fields}
    return {
        "diff": diff,
        "section": section,
        "theirs": [t for t in theirs if t["field"].name in changed],
        "saved_by": conflict.saved_by,
        "saved_at": conflict.saved_at,
        "revision": conflict.revision,
        "message": str(conflict),
    }


def _step_context(
    *,
    guideline: Guideline,
    draft: Draft,
    section: Section,
    stored: dict[str, DraftSection],
    editor: SectionEditor,
    conflict: dict[str, Any] | None = None,
    status: str = "",
) -> dict[str, Any]:
    live = editor.data()
    steps = _steps(guideline, _draft_data(stored), section.key, live)
    index = next(i for i, s in enumerate(SECTIONS) if s.key == section.key)
    row = stored.get(section.key)
    return {
        "guideline": guideline,
        "draft": draft,
        "section": section,
        "row": row,
        "steps": steps,
        "step": steps[index],
        "total": len(SECTIONS),
        "prev": steps[index - 1] if index > 0 else None,
        "next": steps[index + 1] if index + 1 < len(steps) else None,
        "editor": editor,
        "fields": editor.fields(),
        "checks": run_checks(section, live, guideline.organization.jurisdiction),
        "facts": facts_in(row.data if row else {}),
        "conflict": conflict,
        "status": status,
        "complete_count": sum(1 for s in steps if s["state"] == SectionState.COMPLETE),
    }


def _save(
    request: MemberRequest,
    draft: Draft,
    section: Section,
    editor: SectionEditor,
    sections: dict[str, DraftSection] | None = None,
) -> tuple[DraftSection | None, dict[str, Any] | None, str]:
    """Save what was typed; returns (saved row, conflict context, error message).
    ``sections`` is filled as ``services.save_section`` fills it."""
    if editor.refused:
        editor.set_errors(editor.refused)
        return None, None, "Not saved: " + " ".join(m for ms in editor.refused.values() for m in ms)
    try:
        row = services.save_section(
            draft=draft,
            key=section.key,
            data=editor.data(),
            revision=editor.revision,
            by=request.user,
            request=request,
            sections=sections,
        )
    except services.SectionInvalid as exc:
        editor.set_errors(exc.errors)
        return None, None, str(exc)
    except services.EditConflict as exc:
        editor.revision = exc.revision  # the next save overwrites knowingly, after merging
        return None, _conflict_context(section, exc), str(exc)
    except services.GuidelineError as exc:
        return None, None, str(exc)
    editor.revision = row.revision
    return row, None, ""


# --- list, create, detail --------------------------------------------------------------------


@require_role(*READERS)
def list_view(request: MemberRequest) -> HttpResponse:
    """Authors, admins, reviewers and auditors: the institution's guidelines."""
    org = active_org(request)
    versions = Version.objects.filter(guideline=OuterRef("pk"))
    guidelines = (
        Guideline.objects.filter(organization=org)
        .annotate(
            latest_number=Max("versions__number"),
            latest_status=Subquery(versions.order_by("-number").values("status")[:1]),
            published_number=Subquery(
                versions.filter(status=Version.Status.PUBLISHED).values("number")[:1]
            ),
            has_draft=Exists(Draft.objects.filter(guideline=OuterRef("pk"), is_open=True)),
        )
        .order_by("title")
    )
    # Retired guidelines leave the working list; auditors and admins still find their records.
    show_retired = can_read_audit(request.membership)
    return render(
        request,
        "guidelines/list.html",
        {
            "guidelines": guidelines.filter(status=Guideline.Status.ACTIVE),
            "retired": guidelines.filter(status=Guideline.Status.RETIRED) if show_retired else None,
            "can_edit": can_edit_drafts(request.membership),
            "status_labels": dict(Version.Status.choices),
        },
    )


@require_role(*DRAFT_EDITORS)
def create(request: MemberRequest) -> HttpResponse:
    """Authors and admins: start a guideline from the template, a copy, or blank."""
    org = active_org(request)
    form = CreateGuidelineForm(request.POST or None, organization=org)
    if request.method == "POST" and form.is_valid():
        try:
            guideline = services.create_guideline(
                organization=org,
                by=request.user,
                title=form.cleaned_data["title"],
                start=form.cleaned_data["start"],
                copy_from=form.cleaned_data.get("copy_from"),
                request=request,
            )
        except services.GuidelineError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"“{guideline.title}” created. Walk through each section.")
            missing = [
                label
                for field, label in MISSING_DETAIL_LABELS.items()
                if form.cleaned_data["start"] == "template" and not getattr(org, field)
            ]
            if missing:
                messages.warning(
                    request,
                    "Your institution's settings have no "
                    + ", ".join(missing)
                    + ": the template shows [placeholders] where they belong. Fill them in "
                    "the text (or ask an admin to complete the institution's details).",
                )
            return redirect("guidelines:step", guideline.pk, SECTIONS[0].key)
    return render(request, "guidelines/create.html", {"form": form})


@require_role(*READERS)
def detail(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors, admins, reviewers and auditors: a guideline's versions and its open draft."""
    guideline = _guideline(request, pk)
    may_edit = can_edit_drafts(request.membership)
    versions = list(
        guideline.versions.select_related("created_by").defer("content", "quiz").order_by("-number")
    )
    draft = _open_draft(guideline)
    steps = _steps(guideline, _draft_data(_stored(draft))) if draft and may_edit else []
    today = timezone.localdate()
    return render(
        request,
        "guidelines/detail.html",
        {
            "guideline": guideline,
            "versions": versions,
            "draft": draft,
            "steps": steps,
            "complete_count": sum(1 for s in steps if s["state"] == SectionState.COMPLETE),
            "may_edit": may_edit,
            "may_retire": can(request.membership, Role.ADMIN),
            "new_draft_form": NewDraftForm(guideline=guideline)
            if may_edit and draft is None
            else None,
            "review_state": guideline.review_state(today),
        },
    )


@require_POST
@require_role(*DRAFT_EDITORS)
def new_draft(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: open the next draft, from a version, the template, or blank."""
    guideline = _guideline(request, pk)
    form = NewDraftForm(request.POST, guideline=guideline)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("guidelines:detail", guideline.pk)
    try:
        services.start_draft(
            guideline=guideline,
            by=request.user,
            start=form.cleaned_data["start"],
            copy_from=form.cleaned_data.get("copy_from"),
            request=request,
        )
    except services.GuidelineError as exc:
        messages.error(request, str(exc))
        return redirect("guidelines:detail", guideline.pk)
    messages.success(request, "New draft started.")
    return redirect("guidelines:step", guideline.pk, SECTIONS[0].key)


@require_role(*DRAFT_EDITORS)
def rename(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: give the guideline a new title (the old one is audited)."""
    guideline = _guideline(request, pk)
    form = RenameForm(request.POST or None, initial={"title": guideline.title})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_guideline(
                guideline=guideline,
                by=request.user,
                title=form.cleaned_data["title"],
                request=request,
            )
        except services.GuidelineError as exc:
            form.add_error("title", str(exc))
        else:
            messages.success(request, "Guideline renamed.")
            return redirect("guidelines:detail", guideline.pk)
    return render(request, "guidelines/rename.html", {"guideline": guideline, "form": form})


@require_role(*DRAFT_EDITORS)
def discard_draft(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: confirm, then close the open draft without making a version."""
    guideline = _guideline(request, pk)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    if request.method == "POST":
        try:
            services.discard_draft(draft=draft, by=request.user, request=request)
        except services.GuidelineError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Draft discarded. You can start a new draft at any time.")
        return redirect("guidelines:detail", guideline.pk)
    return render(
        request,
        "guidelines/discard_draft.html",
        {
            "guideline": guideline,
            "draft": draft,
            "section_count": draft.sections.count(),
        },
    )


# --- the wizard ------------------------------------------------------------------------------


StepPanel = Callable[[MemberRequest, Guideline, Draft, str], "tuple[str, dict[str, Any]] | None"]


@require_role(*DRAFT_EDITORS)
def step(
    request: MemberRequest, pk: int, key: str, threads: StepPanel | None = None
) -> HttpResponse:
    """Authors and admins: one section of the open draft, with prompts, editor and checks.

    ``threads`` draws the reviewers' comments on the section beside the form; config/urls.py
    passes it, since the comments belong to approvals, above this app.
    """
    guideline = _guideline(request, pk)
    section = _section(key)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    aside = threads(request, guideline, draft, section.key) if threads is not None else None
    stored = _stored(draft)
    row = stored.get(key)
    if request.method != "POST":
        editor = SectionEditor(
            section, data=row.data if row else {}, revision=row.revision if row else 0
        )
        # Stored text can hold entries that are no longer valid (a template placeholder for a
        # detail the institution has not filled in): mark them at once, not after a save.
        editor.set_errors(validate(section, row.data if row else {}))
        context = _step_context(
            guideline=guideline, draft=draft, section=section, stored=stored, editor=editor
        )
        return render(request, "guidelines/step.html", {**context, "comments": aside})

    editor = SectionEditor(section, post=request.POST)
    action = request.POST.get("action", "save")
    row_action = editor.apply_row_action(action)
    saved, conflict, error = _save(request, draft, section, editor)
    editor.keep_stored(row.data if row else {})
    if saved is not None:
        stored[key] = saved
        if not row_action and action in NAV_ACTIONS:
            messages.success(request, f"Saved {timezone.localtime(saved.updated_at):%H:%M}.")
            if editor.removed:
                messages.warning(request, removed_notice(editor.removed))
            index = [s.key for s in SECTIONS].index(key)
            if action == "next" and index + 1 < len(SECTIONS):
                return redirect("guidelines:step", guideline.pk, SECTIONS[index + 1].key)
            if action == "prev" and index > 0:
                return redirect("guidelines:step", guideline.pk, SECTIONS[index - 1].key)
            if action in ("checklist", "next"):
                return redirect("guidelines:checklist", guideline.pk)
            return redirect("guidelines:step", guideline.pk, key)
    status = f"Saved {timezone.localtime(saved.updated_at):%H:%M}" if saved else error
    if saved and editor.removed:
        status += ". " + removed_notice(editor.removed)
    context = _step_context(
        guideline=guideline,
        draft=draft,
        section=section,
        stored=stored,
        editor=editor,
        conflict=conflict,
        status=status,
    )
    return render(
        request,
        "guidelines/step.html",
        {**context, "comments": aside},
        status=200 if saved else 422,
    )


@require_POST
@require_role(*DRAFT_EDITORS)
def autosave(request: MemberRequest, pk: int, key: str) -> HttpResponse:
    """Authors and admins: save a section as they type (htmx); says "Saved", errors or conflict."""
    section = _section(key)
    # It runs at every pause in typing, so each read counts: the open draft comes with its
    # guideline and institution in one query, and the save hands back the rows it locked for
    # the progress bar. Only when there is no open draft is the guideline looked up alone.
    draft = (
        Draft.objects.filter(
            guideline_id=pk, guideline__organization=active_org(request), is_open=True
        )
        .select_related("guideline__organization")
        .first()
    )
    guideline = draft.guideline if draft else _guideline(request, pk)
    editor = SectionEditor(section, post=request.POST)
    rows: dict[str, DraftSection] = {}
    if draft is None:
        saved, conflict, error = None, None, "Not saved: this draft was submitted or closed."
    else:
        saved, conflict, error = _save(request, draft, section, editor, sections=rows)
    live = editor.data()
    if draft is not None and not rows:  # refused before the save read anything
        rows = _stored(draft)
    steps = _steps(guideline, _draft_data(rows), key, live)
    return render(
        request,
        "guidelines/partials/autosave.html",
        {
            "guideline": guideline,
            "section": section,
            "saved": saved,
            "saved_at": timezone.localtime(saved.updated_at) if saved else None,
            "error": error,
            "removed": removed_notice(editor.removed) if saved and editor.removed else "",
            "conflict": conflict,
            "error_slots": editor.error_slots(),
            "checks": run_checks(section, live, guideline.organization.jurisdiction),
            "s": next(s for s in steps if s["current"]),
            "complete_count": sum(1 for s in steps if s["state"] == SectionState.COMPLETE),
        },
    )


@require_POST
@require_role(*DRAFT_EDITORS)
def preview(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: the Markdown being typed, as staff will see it (htmx)."""
    _guideline(request, pk)
    name = request.POST.get("preview_field", "body")
    text = request.POST.get(name, "")
    context: dict[str, Any]
    if len(text) > MARKDOWN_LIMIT:
        # Text the section would refuse is never rendered: rendering is the costly part.
        context = {"too_long": len(text), "limit": MARKDOWN_LIMIT}
    else:
        context = {"html": render_markdown(text)}
    return render(request, "guidelines/partials/preview.html", context)


@require_role(*DRAFT_EDITORS)
def section_history(request: MemberRequest, pk: int, key: str) -> HttpResponse:
    """Authors and admins: every saved text of one section, newest first, to restore from."""
    guideline = _guideline(request, pk)
    section = _section(key)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    row = draft.sections.filter(key=key).first()
    records = list(
        DraftSection.history.filter(draft_id=draft.pk, key=key)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: HISTORY_LIMIT + 1]
    )
    entries = []
    for i, rec in enumerate(records[:HISTORY_LIMIT]):
        earlier = records[i + 1].data if i + 1 < len(records) else {}
        entries.append(
            {
                "record": rec,
                "diff": compare_section(section, earlier, rec.data),
                "is_current": row is not None and rec.revision == row.revision,
            }
        )
    return render(
        request,
        "guidelines/section_history.html",
        {
            "guideline": guideline,
            "draft": draft,
            "section": section,
            "row": row,
            "entries": entries,
            "truncated": len(records) > HISTORY_LIMIT,
        },
    )


@require_POST
@require_role(*DRAFT_EDITORS)
def restore(request: MemberRequest, pk: int, key: str) -> HttpResponse:
    """Authors and admins: bring back an earlier saved text of a section."""
    guideline = _guideline(request, pk)
    section = _section(key)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    try:
        services.restore_section(
            draft=draft,
            key=section.key,
            history_id=int(request.POST.get("history_id", "0")),
            revision=int(request.POST.get("revision", "-1")),
            by=request.user,
            request=request,
        )
    except ValueError:
        messages.error(request, "That saved text does not exist for this section.")
        return redirect("guidelines:section_history", guideline.pk, key)
    except services.GuidelineError as exc:
        messages.error(request, str(exc))
        return redirect("guidelines:section_history", guideline.pk, key)
    messages.success(request, f"The earlier text of “{section.title}” is back.")
    return redirect("guidelines:step", guideline.pk, key)


@require_POST
@require_role(*DRAFT_EDITORS)
def confirm_fact(request: MemberRequest, pk: int, key: str) -> HttpResponse:
    """Authors and admins: keep one fact marked to confirm as written, or replace it."""
    guideline = _guideline(request, pk)
    section = _section(key)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    keep = request.POST.get("action") == "keep"
    replacement = None if keep else " ".join(request.POST.get("replacement", "").split())
    try:
        index = int(request.POST.get("index", ""))
    except ValueError:
        messages.error(request, "That fact could not be found. Reload the page and try again.")
        return redirect("guidelines:step", guideline.pk, key)
    if not keep and not replacement:
        messages.error(
            request, "Type what should replace the marked text, or keep it as it is written."
        )
        return redirect("guidelines:step", guideline.pk, key)
    try:
        services.resolve_fact(
            draft=draft,
            key=section.key,
            field=request.POST.get("field", ""),
            index=index,
            expected=request.POST.get("text", ""),
            replacement=replacement,
            by=request.user,
            request=request,
        )
    except KeyError:
        messages.error(
            request, "That fact has already been confirmed or changed. Check the text below."
        )
    except services.EditConflict:
        messages.error(request, "Someone saved this section at the same moment. Try again.")
    except services.SectionInvalid as exc:
        first = next(iter(exc.errors.values()))[0]
        messages.error(request, f"Not saved: {first}")
    else:
        messages.success(request, "Kept as written." if keep else "Replaced.")
    return redirect("guidelines:step", guideline.pk, key)


@require_role(*DRAFT_EDITORS)
def cases(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: answer the wizard's scenarios to publish them as worked cases, and
    choose which of them the quiz asks, of which staff groups."""
    guideline = _guideline(request, pk)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    scenarios = case_library.catalogue_scenarios()
    saved = {(c["section"], c["scenario"]): c for c in draft.cases}
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        typed = [
            {
                **item,
                "answer": request.POST.get(f"answer-{i}", ""),
                "wrong": request.POST.get(f"wrong-{i}", ""),
                "groups": request.POST.getlist(f"groups-{i}"),
            }
            for i, item in enumerate(scenarios)
        ]
        try:
            services.save_cases(draft=draft, cases=typed, by=request.user, request=request)
        except services.CasesInvalid as exc:
            problems, status = exc.problems, 422
            saved = {(c["section"], c["scenario"]): c for c in typed}
        except services.GuidelineError as exc:
            messages.error(request, str(exc))
            return redirect("guidelines:detail", guideline.pk)
        else:
            messages.success(request, "The case library is saved.")
            return redirect("guidelines:checklist", guideline.pk)
    staff_groups = list(
        StaffGroup.objects.filter(organization=guideline.organization).values_list("pk", "name")
    )
    groups: list[dict[str, Any]] = []
    for i, item in enumerate(scenarios):
        if not groups or groups[-1]["section"].key != item["section"]:
            groups.append({"section": SECTIONS_BY_KEY[item["section"]], "items": []})
        case = saved.get((item["section"], item["scenario"]), {})
        wrong = case.get("wrong") or ""
        chosen = {str(g) for g in case.get("groups") or []}
        groups[-1]["items"].append(
            {
                "index": i,
                **item,
                "answer": case.get("answer", ""),
                "wrong": wrong if isinstance(wrong, str) else "\n".join(wrong),
                "staff_groups": [(pk, name, str(pk) in chosen) for pk, name in staff_groups],
                "asked": bool(wrong),
            }
        )
    return render(
        request,
        "guidelines/cases.html",
        {
            "guideline": guideline,
            "draft": draft,
            "groups": groups,
            "problems": problems,
            "max_wrong": case_library.MAX_WRONG,
            "case_questions_max": case_library.CASE_QUESTIONS_MAX,
        },
        status=status,
    )


@require_role(*DRAFT_EDITORS)
def checklist(request: MemberRequest, pk: int, threads: StepPanel | None = None) -> HttpResponse:
    """Authors and admins: the checklist of every section's checks before submitting.

    ``threads`` (from config/urls.py) draws why the draft came back and which sections have
    open comments, at the top.
    """
    guideline = _guideline(request, pk)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    data = _draft_data(_stored(draft))
    unchanged = unchanged_from_template(data, guideline.organization.placeholder_context())
    summary = []
    for step_info in _steps(guideline, data):
        section = step_info["section"]
        checks = run_checks(section, data.get(section.key), guideline.organization.jurisdiction)
        summary.append(
            {
                **step_info,
                "checks": checks,
                "failing": [c for c in checks if c.blocking],
                "unchanged": section.key in unchanged,
            }
        )
    failing = [(s, c) for s in summary for c in s["failing"]]
    return render(
        request,
        "guidelines/checklist.html",
        {
            "guideline": guideline,
            "draft": draft,
            "summary": summary,
            "failing": failing,
            "ready": not failing,
            "unchanged_count": len(unchanged),
            "complete_count": sum(1 for s in summary if s["state"] == SectionState.COMPLETE),
            "comments": threads(request, guideline, draft, "") if threads is not None else None,
        },
    )


@require_role(*DRAFT_EDITORS)
def quiz(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins: the draft's optional quiz, up to five multiple-choice questions."""
    guideline = _guideline(request, pk)
    draft = _open_draft(guideline)
    if draft is None:
        return _no_draft(request, guideline)
    status = 200
    # The quiz this editor was loaded with, carried through add/remove until it is saved.
    base = services.quiz_token(draft.quiz)
    if request.method != "POST":
        editor = QuizEditor(quiz=draft.quiz)
    else:
        base = request.POST.get("quiz_base", "")
        editor = QuizEditor(post=request.POST)
        action, index = quiz_action(request.POST.get("action", "save"))
        if action == "add":
            status = 200 if editor.add() else 422
        elif action == "remove":
            editor.remove(index)
        else:
            try:
                saved = services.save_quiz(
                    draft=draft, quiz=editor.quiz(), by=request.user, base=base, request=request
                )
            except services.QuizConflict as exc:
                # Keep the typing; saving again now knowingly replaces the newer quiz.
                editor.form_errors.append(str(exc))
                base = services.quiz_token(Draft.objects.get(pk=draft.pk).quiz)
                status = 409
            except services.QuizInvalid as exc:
                editor.set_problems(exc.problems)
                editor.form_errors.insert(0, str(exc))
                status = 422
            except services.GuidelineError as exc:
                editor.form_errors.append(str(exc))
                status = 422
            else:
                count = len(saved.quiz)
                messages.success(
                    request,
                    f"Quiz saved: {count} question{'s' if count != 1 else ''}."
                    if count
                    else "Quiz saved: this draft has no quiz.",
                )
                if action == "checklist":
                    return redirect("guidelines:checklist", guideline.pk)
                return redirect("guidelines:quiz", guideline.pk)
    steps = _steps(guideline, _draft_data(_stored(draft)))
    return render(
        request,
        "guidelines/quiz.html",
        {
            "guideline": guideline,
            "draft": draft,
            "editor": editor,
            "quiz_base": base,
            "unsaved": request.method == "POST",
            "steps": steps,
            "quiz_current": True,
            "max_questions": QUIZ_MAX,
            "last_key": SECTIONS[-1].key,
            "complete_count": sum(1 for s in steps if s["state"] == SectionState.COMPLETE),
        },
        status=status,
    )


# --- reading: documents, versions, compare ---------------------------------------------------


def _version(guideline: Guideline, number: Any, *, text: bool = True) -> Version:
    """One version of the guideline; with ``text=False`` its content is read only if used."""
    versions = guideline.versions.select_related("created_by")
    if not text:
        versions = versions.defer("content")
    try:
        return versions.get(number=int(number))
    except (Version.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such version") from exc


@require_role(*READERS)
def document(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors and admins (draft), reviewers and auditors too (versions): the whole text."""
    guideline = _guideline(request, pk)
    layout = "qa" if request.GET.get("layout") == "qa" else "plain"
    version = None
    draft = None
    if request.GET.get("version"):
        version = _version(guideline, request.GET["version"])
        content = version.content
    else:
        if not can_edit_drafts(request.membership):
            raise PermissionDenied("Only authors and admins read drafts.")
        draft = _open_draft(guideline)
        if draft is None:
            return _no_draft(request, guideline)
        content = _draft_data(_stored(draft))
    content = normalise_content(content)
    return render(
        request,
        "guidelines/document.html",
        {
            "guideline": guideline,
            "version": version,
            "draft": draft,
            "layout": layout,
            "sections": [(s, content[s.key]) for s in SECTIONS],
        },
    )


VersionPanel = Callable[[MemberRequest, Version], "tuple[str, dict[str, Any]] | None"]


@require_role(*READERS)
def version(
    request: MemberRequest, pk: int, number: int, panels: Sequence[VersionPanel] = ()
) -> HttpResponse:
    """Authors, admins, reviewers and auditors: one frozen version, its hash and status.

    ``panels`` are what later apps know about the version (its signatures, its publication);
    config/urls.py passes them, since this app cannot import the apps above it.
    """
    guideline = _guideline(request, pk)
    obj = _version(guideline, number)
    drawn = [p for p in (panel(request, obj) for panel in panels) if p is not None]
    content = normalise_content(obj.content)
    return render(
        request,
        "guidelines/version.html",
        {
            "guideline": guideline,
            "version": obj,
            "intact": obj.verify(),
            "sections": [(s, content[s.key]) for s in SECTIONS],
            "panels": drawn,
            "previous": obj.number - 1 if obj.number > 1 else None,
        },
    )


@require_role(*READERS)
def compare(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors, admins, reviewers and auditors: any two versions (authors: or the draft)."""
    may_edit = can_edit_drafts(request.membership)
    # The guideline with every version's number, status, date and fingerprint in one read:
    # the two lists of choices, and the fingerprints that find a kept redline without
    # reading either text.
    guideline, rows = _guideline_for_compare(request, pk, draft=may_edit)
    has_draft = may_edit and bool(getattr(guideline, "has_open_draft", False))
    options = compare_options(guideline.pk, has_draft, rows)
    latest = str(rows[0][0]) if rows else ""
    default_new = "draft" if has_draft else latest
    default_old = latest if has_draft else (str(rows[1][0]) if len(rows) > 1 else "")
    old_key = request.GET.get("old") or default_old
    new_key = request.GET.get("new") or default_new
    if "draft" in (old_key, new_key) and not may_edit:
        raise PermissionDenied("Only authors and admins read drafts.")
    hashes = {str(number): fingerprint for number, _s, _c, fingerprint in rows}

    def load(choice: str) -> dict[str, Any] | None:
        if not choice:
            return None
        if choice == "draft":
            draft = _open_draft(guideline) if has_draft else None
            if draft is None:
                raise Http404("No open draft")
            return _draft_data(_stored(draft))
        return _version(guideline, choice).content

    redline: FrozenRedline | None = None
    if old_key and new_key and "draft" not in (old_key, new_key):
        # Two frozen versions: their redline is kept, rendered, by their fingerprints, and
        # their texts are read (together) and compared only the first time.
        if old_key not in hashes or new_key not in hashes:
            raise Http404("No such version")
        redline = frozen_redline(
            SECTIONS,
            hashes[old_key],
            hashes[new_key],
            lambda: _two_texts(guideline, old_key, new_key),
            _render_redline,
        )
    else:
        old, new = load(old_key), load(new_key)
        if old is not None and new is not None:
            diffs = compare_content(SECTIONS, old, new)
            redline = FrozenRedline(
                html=_render_redline(diffs), changed=changed_count(diffs), total=len(diffs)
            )
    labels = dict(options.labels)
    return render(
        request,
        "guidelines/compare.html",
        {
            "guideline": guideline,
            "old_options": options.html(old_key),
            "new_options": options.html(new_key),
            "old_key": old_key,
            "new_key": new_key,
            "old_label": labels.get(old_key, ""),
            "new_label": labels.get(new_key, ""),
            "redline": redline,
            "ready": redline is not None and redline.total > 0,
        },
    )


VersionRow = tuple[int, str, Any, str]  # number, status, created_at, content_hash

# What the page reads of the guideline (the rest loads if used, as with ``.only()``): each
# column comes once per version, and every date among them is parsed again on every row.
_GUIDELINE_COLUMNS = ("id", "organization_id", "title")


def _compare_read(*, pk: int, org: int, draft: bool) -> Any:
    """The guideline joined with its versions, newest first (one row with no version when it
    has none); with ``draft``, whether a draft is open."""
    guidelines = Guideline.objects.filter(pk=pk, organization_id=org)
    if draft:
        guidelines = guidelines.annotate(
            has_open_draft=Exists(Draft.objects.filter(guideline=OuterRef("pk"), is_open=True))
        )
    return guidelines.order_by(F("versions__number").desc(nulls_last=True)).values_list(
        *_GUIDELINE_COLUMNS,
        *(("has_open_draft",) if draft else ()),
        "versions__number",
        "versions__status",
        "versions__created_at",
        "versions__content_hash",
    )


def _guideline_for_compare(
    request: MemberRequest, pk: int, *, draft: bool
) -> tuple[Guideline, list[VersionRow]]:
    """The guideline of the active institution (404 otherwise), for those who may read drafts
    whether one is open, and its versions newest first: one statement, compiled once.

    Compiling the query cost the page more than running it, and the page is compared against
    a view that does nothing (bench/budgets.toml), so its text is kept (config/sql.py).
    """
    org = active_org(request)
    rows = kept_read(
        ("guidelines.compare", draft),
        lambda pk, org: _compare_read(pk=pk, org=org, draft=draft),
        pk=pk,
        org=org.pk,
    )
    if not rows:
        raise Http404("Not found")
    width = len(_GUIDELINE_COLUMNS)
    guideline = Guideline.from_db(DEFAULT_DB_ALIAS, _GUIDELINE_COLUMNS, rows[0][:width])
    guideline.organization = org  # the same row: the read asked for this institution's
    if draft:
        guideline.has_open_draft = bool(rows[0][width])  # type: ignore[attr-defined]
        width += 1
    versions = [cast(VersionRow, row[width:]) for row in rows if row[width] is not None]
    return guideline, versions


def _two_texts(guideline: Guideline, old_key: str, new_key: str) -> tuple[Any, Any]:
    """Both versions' texts in one read (a redline not yet kept)."""
    texts = dict(
        guideline.versions.filter(number__in={int(old_key), int(new_key)}).values_list(
            "number", "content"
        )
    )
    return texts.get(int(old_key)), texts.get(int(new_key))


@dataclass(frozen=True)
class CompareOptions:
    """The choices of both lists on the compare page: (value, label) pairs and the same as
    ready ``<option>`` elements, so a page marks one as chosen without a template loop."""

    labels: tuple[tuple[str, str], ...]
    elements: tuple[str, ...]

    def html(self, chosen: str) -> SafeString:
        mark = f'<option value="{escape(chosen)}">'
        # Every value and label was escaped when the elements were built.
        return mark_safe(
            "".join(
                f'<option value="{escape(chosen)}" selected>{e[len(mark) :]}'
                if e.startswith(mark)
                else e
                for e in self.elements
            )
        )


# Per worker process, newest last: the choices of a guideline's versions, by everything they
# show (the versions' numbers, states and dates, an open draft, the date order and zone).
_compare_options: OrderedDict[tuple[Any, ...], CompareOptions] = OrderedDict()
_compare_options_lock = threading.Lock()
COMPARE_OPTIONS_CACHE_SIZE = 64


def compare_options(
    guideline_pk: int, has_draft: bool, rows: Sequence[tuple[int, str, Any, str]]
) -> CompareOptions:
    key = (
        guideline_pk,
        has_draft,
        current_order(),
        timezone.get_current_timezone_name(),
        tuple((number, status, created) for number, status, created, _hash in rows),
    )
    with _compare_options_lock:
        found = _compare_options.get(key)
        if found is not None:
            _compare_options.move_to_end(key)
            return found
    labels: tuple[tuple[str, str], ...] = (("draft", "Current draft"),) if has_draft else ()
    labels += tuple(
        (str(n), f"Version {n} ({Version.Status(s).label}, {fmt(created)})")
        for n, s, created, _hash in rows
    )
    options = CompareOptions(
        labels=labels,
        elements=tuple(
            f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in labels
        ),
    )
    with _compare_options_lock:
        _compare_options[key] = options
        while len(_compare_options) > COMPARE_OPTIONS_CACHE_SIZE:
            _compare_options.popitem(last=False)
    return options


def _render_redline(diffs: list[Any]) -> SafeString:
    """Every section of a comparison, as the compare page shows it."""
    return render_to_string("guidelines/partials/redline.html", {"diffs": diffs})


COMPARE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "compare.css"
COMPARE_PDF_CSS = Path(settings.BASE_DIR) / "static" / "css" / "compare_pdf.css"


@require_role(*READERS)
def compare_pdf(request: MemberRequest, pk: int) -> HttpResponse:
    """Authors, admins, reviewers and auditors: the redline of two versions as a PDF.

    For legal's files and for counsel outside the institution; every page says it is a
    comparison, not a publication. Versions only: a draft is not a document to file.
    """
    from weasyprint import CSS, HTML  # heavy: loaded only when a PDF is asked for

    guideline = _guideline(request, pk)
    old = _version(guideline, request.GET.get("old", ""))
    new = _version(guideline, request.GET.get("new", ""))
    diffs = compare_content(SECTIONS, old.content, new.content)
    html = render_to_string(
        "guidelines/compare_pdf.html",
        {
            "guideline": guideline,
            "old": old,
            "new": new,
            "diffs": diffs,
            "changed": changed_count(diffs),
            "generated_at": timezone.now(),
            "by": request.user,
        },
    )
    # Paper and running footer vary per institution and per pair of versions (numbers only).
    page = CSS(
        string=f"@page {{ size: {guideline.organization.paper_size}; @bottom-center {{ "
        f'content: "Redline of version {old.number} \\2192  version {new.number} \\00B7  page " '
        'counter(page) " of " counter(pages); font: 9pt sans-serif; } }'
    )
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[CSS(filename=str(COMPARE_CSS)), CSS(filename=str(COMPARE_PDF_CSS)), page]
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"{guideline.slug}-redline-v{old.number}-v{new.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
