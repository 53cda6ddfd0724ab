"""Forms for starting guidelines and for editing one section of a draft as a structure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, cast

from django import forms
from django.http import QueryDict

from . import richtext
from .models import Draft, Version
from .quiz import QUIZ_MAX
from .rendering import render_markdown
from .schema import Field, FieldKind, Section, SectionData, normalise

# Plain-form row buttons (no JavaScript): "add:accounts", "remove:accounts:2", "up:links:1".
ROW_ACTION = re.compile(r"^(add|remove|up|down):([a-z_]+)(?::(\d{1,3}))?$")
NAV_ACTIONS = frozenset({"save", "next", "prev", "checklist"})


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Version) -> str:
        return f"{obj.guideline.title} — version {obj.number} ({obj.get_status_display()})"


def _versions_of(**lookup: Any) -> Any:
    return (
        Version.objects.filter(**lookup)
        .select_related("guideline")
        .defer("content", "quiz")
        .order_by("guideline__title", "-number")
    )


class StartForm(forms.Form):
    """How a draft begins: the starter template, a copy of a version, or blank."""

    start = forms.ChoiceField(
        label="How do you want to begin?",
        choices=[
            (
                Draft.Start.TEMPLATE,
                "Start from Charter's healthcare template, filled in with "
                "your institution's name and contact details",
            ),
            (Draft.Start.COPY, "Copy a version (the published one or any earlier one)"),
            (Draft.Start.BLANK, "Start blank"),
        ],
        widget=forms.RadioSelect,
        initial=Draft.Start.TEMPLATE,
    )
    copy_from = VersionChoiceField(
        label="Version to copy",
        queryset=Version.objects.none(),
        required=False,
        help_text="Only used when you copy a version.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") == Draft.Start.COPY and not data.get("copy_from"):
            self.add_error("copy_from", "Choose the version to copy.")
        return data


class CreateGuidelineForm(StartForm):
    title = forms.CharField(
        label="Title",
        max_length=200,
        # No initial value: a pre-filled title repeated the demo guideline's name, so a new
        # guideline silently took an existing one's title when the author didn't retype it.
        help_text="Staff see this title on the published guideline.",
    )
    field_order = ["title", "start", "copy_from"]

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["copy_from"]).queryset = _versions_of(
            guideline__organization=organization
        )
        if not cast(Any, self.fields["copy_from"]).queryset.exists():
            cast(Any, self.fields["start"]).choices = [
                c for c in cast(Any, self.fields["start"]).choices if c[0] != Draft.Start.COPY
            ]
            del self.fields["copy_from"]


class RenameForm(forms.Form):
    """The guideline's new title; the old one stays in the audit trail."""

    title = forms.CharField(
        label="New title",
        max_length=200,
        help_text="Staff see this title from now on; signed versions keep their text.",
    )


class NewDraftForm(StartForm):
    def __init__(self, *args: Any, guideline: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["copy_from"]).queryset = _versions_of(guideline=guideline)
        self.fields["start"].initial = Draft.Start.COPY
        latest = cast(Any, self.fields["copy_from"]).queryset.first()
        if latest is not None:
            self.fields["copy_from"].initial = latest.pk


# --- the section editor ---------------------------------------------------------------------


@dataclass
class Cell:
    column: Field
    name: str
    value: str
    errors: list[str] = dc_field(default_factory=list)

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return self.column.choices


@dataclass
class Row:
    index: int
    cells: list[Cell]

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass
class EditorField:
    """One field of the section as the template draws it, with its typed value and errors."""

    field: Field
    value: str = ""  # scalars; lists as one item per line
    rows: list[Row] = dc_field(default_factory=list)  # tables
    errors: list[str] = dc_field(default_factory=list)
    preview: Any = ""  # Markdown fields: the sanitised HTML of ``value``
    # Markdown fields: whether the rich-text editor can take the text over (it cannot keep a
    # table or a code block, so such text keeps the plain box).
    rich: bool = False

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def id(self) -> str:
        return f"id_{self.field.name}"

    @property
    def kind(self) -> str:
        return self.field.kind.value

    @property
    def blank_row(self) -> Row:
        """The row the "Add a row" script clones, numbered __i__."""
        return _row(self.field, "__i__", {})


def _row(fld: Field, index: Any, values: Mapping[str, Any]) -> Row:
    return Row(
        index=index if isinstance(index, int) else 0,
        cells=[
            Cell(col, f"{fld.name}-{index}-{col.name}", str(values.get(col.name) or ""))
            for col in fld.columns
        ],
    )


class SectionEditor:
    """Reads a section's fields from a POST (or stored data) and draws them with their errors.

    Not a Django form: tables are rows of cells named ``<field>-<i>-<column>``, and errors
    come from the catalogue's own ``validate`` so every screen speaks the same messages.
    """

    def __init__(
        self,
        section: Section,
        *,
        post: QueryDict | None = None,
        data: Mapping[str, Any] | None = None,
        revision: int = 0,
    ) -> None:
        self.section = section
        self.revision = revision
        self.revision_error = ""
        self.raw: dict[str, Any] = {}
        # Prose fields whose input was refused (far too large): not saved, with the reason.
        self.refused: dict[str, list[str]] = {}
        # What the sanitiser removed from the editor's text, in words for the author.
        self.removed: list[str] = []
        if post is not None:
            self.raw = self._parse(post)
            try:
                self.revision = int(post.get("revision", ""))
            except ValueError:
                self.revision = -1
                self.revision_error = "The page was out of date; reload it and try again."
        else:
            clean = normalise(section, data or {})
            for fld in section.fields:
                value = clean[fld.name]
                if fld.kind is FieldKind.LIST:
                    value = "\n".join(value)
                self.raw[fld.name] = value
        self.errors: dict[str, list[str]] = {}

    def _prose(self, fld: Field, value: str, *, rich: bool) -> str:
        """A prose field in canonical Markdown, from the editor's HTML or the plain text box."""
        if not rich:
            return richtext.canonical_markdown(value, limit=fld.max_length, headings=fld.headings)
        try:
            result = richtext.from_editor(value, limit=fld.max_length, headings=fld.headings)
        except richtext.TooLarge:
            self.refused[fld.name] = [
                f"{fld.label} is far too large to save ({len(value):,} characters of formatted "
                f"text; the limit is {fld.max_length:,} characters of text). Nothing was "
                "saved: the text saved before is kept."
            ]
            return ""
        for words in result.removed:
            if words not in self.removed:
                self.removed.append(words)
        return result.text

    def keep_stored(self, stored: Mapping[str, Any]) -> None:
        """Refused fields show what is saved, so that saving again cannot blank them."""
        for name in self.refused:
            self.raw[name] = stored.get(name, "")

    def _parse(self, post: QueryDict) -> dict[str, Any]:
        raw: dict[str, Any] = {}
        rich = set(post.getlist("rich"))
        for fld in self.section.fields:
            if fld.kind is FieldKind.TABLE:
                pattern = re.compile(rf"^{re.escape(fld.name)}-(\d{{1,3}})-([a-z_]+)$")
                rows: dict[int, dict[str, str]] = {}
                for key in post:
                    match = pattern.match(key)
                    if match:
                        rows.setdefault(int(match[1]), {})[match[2]] = post.get(key, "")
                raw[fld.name] = [rows[i] for i in sorted(rows)]
            elif fld.kind is FieldKind.MARKDOWN:
                raw[fld.name] = self._prose(fld, post.get(fld.name, ""), rich=fld.name in rich)
            else:
                raw[fld.name] = post.get(fld.name, "")
        return raw

    def data(self) -> SectionData:
        """What the person typed, in the shape the catalogue validates and normalises."""
        return {name: value for name, value in self.raw.items()}

    def apply_row_action(self, action: str) -> bool:
        """Add, remove or move a table row for the plain (script-free) form."""
        match = ROW_ACTION.match(action or "")
        if not match:
            return False
        verb, name, index = match[1], match[2], int(match[3] or 0)
        try:
            fld = self.section.field(name)
        except KeyError:
            return False
        if fld.kind is not FieldKind.TABLE:
            return False
        rows = list(self.raw.get(name) or [])
        if verb == "add":
            rows.append({})
        elif verb == "remove" and 0 <= index < len(rows):
            rows.pop(index)
        elif verb == "up" and 0 < index < len(rows):
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
        elif verb == "down" and 0 <= index < len(rows) - 1:
            rows[index + 1], rows[index] = rows[index], rows[index + 1]
        self.raw[name] = rows
        return True

    def set_errors(self, errors: Mapping[str, list[str]]) -> None:
        """Place the catalogue's errors ("field", "field.i", "field.i.column") on the editor.

        Table errors count rows after empty ones are dropped; they are mapped back to the row
        the person sees, so a half-typed blank row never shifts a message onto a neighbour.
        """
        self.errors = {}
        for key, messages in errors.items():
            parts = key.split(".")
            name = parts[0]
            try:
                fld = self.section.field(name)
            except KeyError:
                continue
            if fld.kind is FieldKind.TABLE and len(parts) == 3:
                positions = self._row_positions(fld)
                normalised = int(parts[1])
                shown = positions[normalised] if normalised < len(positions) else normalised
                self.errors.setdefault(f"{name}-{shown}-{parts[2]}", []).extend(messages)
            else:
                self.errors.setdefault(name, []).extend(messages)

    def _row_positions(self, fld: Field) -> list[int]:
        """Index of each non-empty typed row, in order (what normalisation keeps)."""
        rows = self.raw.get(fld.name) or []
        return [
            i for i, row in enumerate(rows) if normalise(self.section, {fld.name: [row]})[fld.name]
        ]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def fields(self) -> list[EditorField]:
        result = []
        for fld in self.section.fields:
            item = EditorField(field=fld, errors=list(self.errors.get(fld.name, [])))
            if fld.kind is FieldKind.TABLE:
                for i, values in enumerate(self.raw.get(fld.name) or []):
                    row = _row(fld, i, values)
                    for cell in row.cells:
                        cell.errors = list(self.errors.get(cell.name, []))
                    item.rows.append(row)
            else:
                value = self.raw.get(fld.name, "")
                item.value = value if isinstance(value, str) else "\n".join(value)
                if fld.kind is FieldKind.MARKDOWN and not item.errors:
                    # Refused text is not rendered: it may be far over the limit.
                    item.preview = render_markdown(item.value)
                    item.rich = richtext.editor_html(item.value, headings=fld.headings) is not None
            result.append(item)
        return result

    def error_slots(self) -> list[tuple[str, list[str]]]:
        """Every error container on the page with its messages (empty ones clear old errors)."""
        slots = []
        for item in self.fields():
            slots.append((item.name, item.errors))
            for row in item.rows:
                slots.extend((cell.name, cell.errors) for cell in row.cells)
        return slots


# --- the quiz editor ------------------------------------------------------------------------

QUIZ_SLOTS = 5  # choice boxes drawn per question; unused ones stay empty
QUIZ_PARSE_LIMIT = 20  # questions read from one POST (more than the maximum, to refuse them)
QUIZ_ACTION = re.compile(r"^(save|checklist|add|remove:(\d{1,2}))$")
QUIZ_PROBLEM = re.compile(r"^Question (\d+) (.*)$")


@dataclass
class QuizChoice:
    index: int
    value: str
    checked: bool

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass
class QuizQuestion:
    """One question as typed, with the errors placed on its parts."""

    index: int
    question: str
    choices: list[QuizChoice]
    errors: dict[str, list[str]] = dc_field(default_factory=dict)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def prefix(self) -> str:
        return f"q-{self.index}"

    @property
    def blank(self) -> bool:
        return not self.question.strip() and not any(c.value.strip() for c in self.choices)

    def error_list(self, part: str) -> list[str]:
        return self.errors.get(part, [])

    @property
    def question_errors(self) -> list[str]:
        return self.error_list("question")

    @property
    def choice_errors(self) -> list[str]:
        return self.error_list("choices")


def _question(index: int, text: str, choices: list[str], answer: int | None) -> QuizQuestion:
    slots = list(choices) + [""] * max(0, QUIZ_SLOTS - len(choices))
    return QuizQuestion(
        index=index,
        question=text,
        choices=[QuizChoice(j, value, answer == j) for j, value in enumerate(slots)],
    )


class QuizEditor:
    """Reads the quiz form (``q-<i>-question``, ``q-<i>-choice-<j>``, ``q-<i>-answer``).

    Not a Django form: questions are repeated groups, and the rules are publishing's own
    ``quiz_problems`` (through the service), whose "Question N …" messages are placed back on
    the question the person sees.
    """

    def __init__(
        self, *, post: QueryDict | None = None, quiz: list[dict[str, Any]] | None = None
    ) -> None:
        self.form_errors: list[str] = []
        if post is not None:
            self.questions = self._parse(post)
        else:
            self.questions = [
                _question(
                    i,
                    str(item.get("question", "")),
                    [str(c) for c in item.get("choices", [])],
                    item.get("answer") if isinstance(item.get("answer"), int) else None,
                )
                for i, item in enumerate(quiz or [])
                if isinstance(item, dict)
            ]

    @staticmethod
    def _parse(post: QueryDict) -> list[QuizQuestion]:
        try:
            count = min(int(post.get("count", "0")), QUIZ_PARSE_LIMIT)
        except ValueError:
            count = 0
        questions = []
        for i in range(max(count, 0)):
            slots = [
                post.get(f"q-{i}-choice-{j}", "")
                for j in range(QUIZ_PARSE_LIMIT)
                if f"q-{i}-choice-{j}" in post or j < QUIZ_SLOTS
            ]
            try:
                answer: int | None = int(post.get(f"q-{i}-answer", ""))
            except ValueError:
                answer = None
            questions.append(_question(i, post.get(f"q-{i}-question", ""), slots, answer))
        return questions

    def _kept(self) -> list[QuizQuestion]:
        """The questions that are saved: wholly empty ones are dropped."""
        return [q for q in self.questions if not q.blank]

    def quiz(self) -> list[dict[str, Any]]:
        """What was typed, in publishing's quiz shape (empty choices dropped, answer remapped)."""
        result = []
        for q in self._kept():
            filled = [c for c in q.choices if c.value.strip()]
            marked = next((n for n, c in enumerate(filled) if c.checked), None)
            result.append(
                {
                    "question": q.question.strip(),
                    "choices": [c.value.strip() for c in filled],
                    "answer": marked,
                }
            )
        return result

    def add(self) -> bool:
        if len(self.questions) >= QUIZ_MAX:
            self.form_errors.append(f"A quiz has at most {QUIZ_MAX} questions.")
            return False
        self.questions.append(_question(len(self.questions), "", [], None))
        return True

    def remove(self, index: int) -> bool:
        if not 0 <= index < len(self.questions):
            return False
        kept = [q for q in self.questions if q.index != index]
        self.questions = [
            _question(n, q.question, [c.value for c in q.choices], _checked(q))
            for n, q in enumerate(kept)
        ]
        return True

    def set_problems(self, problems: list[str]) -> None:
        """Place each "Question N …" message on the part of the question it is about."""
        kept = self._kept()
        for problem in problems:
            match = QUIZ_PROBLEM.match(problem)
            number = int(match[1]) if match else 0
            if not match or not 1 <= number <= len(kept):
                self.form_errors.append(problem)
                continue
            rest = match[2]
            if "no text" in rest or ("longer than" in rest and "choice" not in rest):
                part = "question"
            elif "right answer" in rest:
                part = "answer"
                rest += " Mark one of the filled-in choices as the right one."
            else:
                part = "choices"
            kept[number - 1].errors.setdefault(part, []).append(f"This question {rest}")

    @property
    def has_errors(self) -> bool:
        return bool(self.form_errors) or any(q.errors for q in self.questions)

    @property
    def can_add(self) -> bool:
        return len(self.questions) < QUIZ_MAX


def _checked(q: QuizQuestion) -> int | None:
    return next((c.index for c in q.choices if c.checked), None)


def quiz_action(action: str) -> tuple[str, int]:
    """The pressed button: ("save" | "checklist" | "add" | "remove", question index)."""
    match = QUIZ_ACTION.match(action or "")
    if not match:
        return "save", 0
    if match[2] is not None:
        return "remove", int(match[2])
    return match[1], 0
