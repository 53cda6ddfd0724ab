"""The redline: what changed between two versions of a guideline, section by section.

Reviewers sign off on the difference, so the engine neither invents changes (whitespace that
Markdown ignores is not a change; an untouched section says so) nor blurs them (an item
edited in place is "changed" with its own redline, a row is named by its identity).

Everything here is a pure function over the section catalogue's types; results are plain
dataclasses with attributes, so templates and the PDF can read them directly.

Moves: an item or row that only changed position is reported as ``unchanged`` with
``moved=True`` at its new position (never as removed + added), and counts towards the field
being changed, because the order of a published list is part of what was approved.
"""

from __future__ import annotations

import difflib
import re
import string
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.safestring import SafeString

from guidelines.redline import ProseRedline, compare_prose
from guidelines.rendering import render_markdown
from guidelines.schema import Content, Field, FieldKind, Section

Op = Literal["equal", "insert", "delete"]
Status = Literal["added", "removed", "changed", "unchanged"]
Mode = Literal["text", "value", "list", "table"]

# Prose is diffed word by word; short, atomic values (a URL, a phone number) are replaced
# whole, because a redline inside "https://…/policy-v2" is harder to read than old → new.
PROSE_KINDS = frozenset({FieldKind.MARKDOWN, FieldKind.TEXT})
VALUE_KINDS = frozenset({FieldKind.URL, FieldKind.EMAIL, FieldKind.PHONE, FieldKind.CHOICE})

# An edited list item is reported as "changed" (not removed + added) when at least this share
# of its words survived.
SIMILARITY_THRESHOLD = 0.5
# Summaries stay short: a few sentences per field, then a count of the rest.
SUMMARY_LIMIT = 5
QUOTE_LIMIT = 60

# Words (keeping "don't" and "two-factor" whole), runs of whitespace, single punctuation marks.
_TOKEN = re.compile(r"\s+|\w+(?:['\u2019\-]\w+)*|[^\w\s]")
# Spaces and tabs between words render as one space. (Inside a code block this hides a doubled
# space; guidelines are prose, and a redline full of invisible changes helps nobody.)
_INNER_SPACES = re.compile(r"(?<=\S)[ \t]+(?=\S)")
_BLANK_LINES = re.compile(r"\n{3,}")
_WORD = re.compile(r"\w")


# --- prose ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of text that is the same in both versions, only in the new one, or only in the old."""

    op: Op
    text: str

    @property
    def is_equal(self) -> bool:
        return self.op == "equal"

    @property
    def is_insert(self) -> bool:
        return self.op == "insert"

    @property
    def is_delete(self) -> bool:
        return self.op == "delete"

    @property
    def is_break(self) -> bool:
        """An added or removed line break, which needs a visible marker to be noticed."""
        return self.op != "equal" and "\n" in self.text and not self.text.strip()

    # A change is marked around its words only: the spaces and line breaks at its edges are
    # shown unmarked, so "+" sits next to the word and a new paragraph starts on its own line.
    @property
    def leading(self) -> str:
        return (
            "" if not self.text.strip() else self.text[: len(self.text) - len(self.text.lstrip())]
        )

    @property
    def body(self) -> str:
        return self.text.strip() or self.text

    @property
    def trailing(self) -> str:
        return "" if not self.text.strip() else self.text[len(self.text.rstrip()) :]

    @property
    def word_count(self) -> int:
        return sum(1 for token in _TOKEN.findall(self.text) if _WORD.search(token))


def normalise_text(text: Any) -> str:
    """The form two texts are compared in: whitespace that Markdown ignores is dropped."""
    if text is None:
        return ""
    result = str(text).replace("\r\n", "\n").replace("\r", "\n")
    result = "\n".join(line.rstrip() for line in result.split("\n"))
    result = _INNER_SPACES.sub(" ", result)
    result = _BLANK_LINES.sub("\n\n", result)
    return result.strip()


def _tokenise(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _words_in(segments: Iterable[Segment], op: Op) -> int:
    return sum(segment.word_count for segment in segments if segment.op == op)


def _merge(segments: Iterable[Segment]) -> list[Segment]:
    """Join neighbours with the same op so the redline reads as phrases, not tokens."""
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].op == segment.op:
            merged[-1] = Segment(segment.op, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return merged


def _run_words(segments: Sequence[Segment], start: int, step: int) -> int:
    """Words in the run of changes that starts at ``start`` and goes in direction ``step``."""
    words, index = 0, start
    while 0 <= index < len(segments) and not segments[index].is_equal:
        words += segments[index].word_count
        index += step
    return words


def _is_filler(segments: Sequence[Segment], index: int) -> bool:
    """An equal run too slight to anchor a reader between two changes.

    Spaces and punctuation always are; one short word ("the", "to") is when the changes on
    both sides are whole phrases. Anything more is shown as unchanged, as it is.
    """
    segment = segments[index]
    if not segment.is_equal or not 0 < index < len(segments) - 1:
        return False
    if segments[index - 1].is_equal or segments[index + 1].is_equal:
        return False
    words = segment.word_count
    if words == 0:
        return True
    return (
        words == 1
        and len(segment.text.strip()) <= 3
        and min(_run_words(segments, index - 1, -1), _run_words(segments, index + 1, 1)) >= 4
    )


def _regroup(segments: list[Segment]) -> list[Segment]:
    """Within each run of changes, show all that was deleted, then all that was inserted.

    A space or a word like "the" that happens to match between two replaced phrases is folded
    into the change, so "quick brown" → "slow red" reads as one replacement, not two.
    """
    folded: list[Segment] = []
    for index, segment in enumerate(segments):
        if _is_filler(segments, index):
            folded += [Segment("delete", segment.text), Segment("insert", segment.text)]
        else:
            folded.append(segment)

    result: list[Segment] = []
    run: list[Segment] = []
    for segment in [*folded, Segment("equal", "")]:
        if not segment.is_equal:
            run.append(segment)
            continue
        result += [s for s in run if s.is_delete] + [s for s in run if s.is_insert]
        run = []
        result.append(segment)
    return _merge(result)


def diff_text(old: Any, new: Any) -> list[Segment]:
    """Word-level redline of two texts, compared after dropping insignificant whitespace.

    Joining the equal and insert segments gives ``normalise_text(new)``; joining the equal
    and delete segments gives ``normalise_text(old)``.
    """
    old_text, new_text = normalise_text(old), normalise_text(new)
    if old_text == new_text:
        # Identical texts must never show a change, however the matcher would split them.
        return [Segment("equal", new_text)] if new_text else []
    old_tokens, new_tokens = _tokenise(old_text), _tokenise(new_text)
    # autojunk off: in long prose, spaces and "the" are frequent, not noise.
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(new_tokens[j1:j2])))
        else:
            segments.append(Segment("delete", "".join(old_tokens[i1:i2])))
            segments.append(Segment("insert", "".join(new_tokens[j1:j2])))
    return _regroup(_merge(segments))


def _diff_value(old: str, new: str) -> list[Segment]:
    """Whole-value redline for atomic values such as URLs and e-mail addresses."""
    if old == new:
        return [Segment("equal", new)] if new else []
    return _merge([Segment("delete", old), Segment("insert", new)])


def _similarity(old: str, new: str) -> float:
    return difflib.SequenceMatcher(None, _tokenise(old), _tokenise(new), autojunk=False).ratio()


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_LIMIT:
        text = text[: QUOTE_LIMIT - 1].rstrip() + "…"
    return f"“{text}”"


def _lower_first(label: str) -> str:
    """'Owning department' reads as 'owning department' mid-sentence; 'URL' stays 'URL'."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _words(count: int) -> str:
    return f"{count} word" if count == 1 else f"{count} words"


def _and_join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --- alignment of items and rows -----------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    old: int | None
    new: int | None
    moved: bool = False


def _removals_first(block: list[_Pair]) -> list[_Pair]:
    """Between paired entries, list what went before what came, as the text redline does."""
    ordered: list[_Pair] = []
    stretch: list[_Pair] = []
    for pair in [*block, None]:
        if pair is not None and (pair.old is None or pair.new is None):
            stretch.append(pair)
            continue
        ordered += [p for p in stretch if p.new is None] + [p for p in stretch if p.old is None]
        stretch = []
        if pair is not None:
            ordered.append(pair)
    return ordered


def _align(
    old_keys: Sequence[Any], new_keys: Sequence[Any], similar: Callable[[int, int], bool]
) -> list[_Pair]:
    """Pair old and new entries in reading order: same key, edited in place, moved, or lone."""
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    pairs: list[_Pair] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += [_Pair(i, j) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
            continue
        # Within a replaced block, pair each new entry with the next old one it resembles,
        # keeping order so that a pairing never crosses another.
        block: list[_Pair] = []
        next_old = i1
        for j in range(j1, j2):
            match = next((i for i in range(next_old, i2) if similar(i, j)), None)
            if match is None:
                block.append(_Pair(None, j))
                continue
            block += [_Pair(i, None) for i in range(next_old, match)]
            block.append(_Pair(match, j))
            next_old = match + 1
        block += [_Pair(i, None) for i in range(next_old, i2)]
        pairs += _removals_first(block)

    # A removed entry that reappears elsewhere with the same key was moved, not replaced.
    removed: dict[Any, list[int]] = {}
    for pair in pairs:
        if pair.new is None and pair.old is not None:
            removed.setdefault(old_keys[pair.old], []).append(pair.old)
    moved_from: dict[int, int] = {}
    for pair in pairs:
        if pair.old is None and pair.new is not None and removed.get(new_keys[pair.new]):
            moved_from[pair.new] = removed[new_keys[pair.new]].pop(0)
    taken = set(moved_from.values())
    result: list[_Pair] = []
    for pair in pairs:
        if pair.new is None and pair.old in taken:
            continue
        if pair.old is None and pair.new in moved_from:
            result.append(_Pair(moved_from[pair.new], pair.new, moved=True))
        else:
            result.append(pair)
    return result


def _status(old: object | None, new: object | None, same: bool) -> Status:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    return "unchanged" if same else "changed"


_STATUS_LABELS: dict[str, str] = {
    "added": "Added",
    "removed": "Removed",
    "changed": "Changed",
    "unchanged": "Unchanged",
}


class _Entry:
    """What a list item and a table row share: a status, perhaps a move, and their label."""

    status: Status
    moved: bool

    @property
    def is_change(self) -> bool:
        return self.status != "unchanged" or self.moved

    @property
    def label(self) -> str:
        """The word a reader sees next to the entry: colour is never the only cue."""
        if self.status == "unchanged" and self.moved:
            return "Moved"
        return _STATUS_LABELS[self.status]


# --- lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemChange(_Entry):
    """One entry of a list field (a do, a hashtag, an audience) and what became of it."""

    status: Status
    old: str | None
    new: str | None
    segments: tuple[Segment, ...] = ()  # the word-level redline, for changed items
    moved: bool = False
    description: str = ""

    @property
    def text(self) -> str:
        """The item as it reads now, or as it read before it was removed."""
        return self.new if self.new is not None else (self.old or "")


def _clean_items(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    items = (" ".join(str(item).split()) for item in value if item is not None)
    return [item for item in items if item]


def _describe(item_label: str, values: Mapping[str, str], fallback: str) -> str:
    """Fill an item_label template; a missing or malformed placeholder never breaks compare."""
    if item_label == "{value}":
        return _quote(values.get("value", fallback))
    try:
        text = string.Formatter().vformat(item_label, (), _Blank(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return _quote(fallback)
    text = " ".join(text.split())
    return text or _quote(fallback)


class _Blank(dict[str, str]):
    """Template values where an absent column reads as empty rather than raising."""

    def __missing__(self, key: str) -> str:
        return ""


def _item_description(status: Status, moved: bool, subject: str) -> str:
    if status == "unchanged":
        return f"Moved {subject}" if moved else f"No change to {subject}"
    return f"{_STATUS_LABELS[status]} {subject}"


def diff_list(
    old: Sequence[str], new: Sequence[str], item_label: str = "{value}"
) -> list[ItemChange]:
    """Item-by-item comparison of two lists, in the new list's order with removals in place."""
    old_items, new_items = _clean_items(old), _clean_items(new)

    def similar(i: int, j: int) -> bool:
        return _similarity(old_items[i], new_items[j]) >= SIMILARITY_THRESHOLD

    changes: list[ItemChange] = []
    for pair in _align(old_items, new_items, similar):
        before = old_items[pair.old] if pair.old is not None else None
        after = new_items[pair.new] if pair.new is not None else None
        status = _status(before, after, before == after)
        segments = tuple(diff_text(before, after)) if status == "changed" else ()
        subject = _describe(item_label, {"value": after or before or ""}, after or before or "")
        changes.append(
            ItemChange(
                status=status,
                old=before,
                new=after,
                segments=segments,
                moved=pair.moved,
                description=_item_description(status, pair.moved, subject),
            )
        )
    return changes


# --- tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellChange:
    """One column of a table row, before and after."""

    name: str
    label: str
    old: str
    new: str
    segments: tuple[Segment, ...] = ()

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class RowChange(_Entry):
    """One row of a table field (an account, a reference) and what became of it."""

    status: Status
    old: Mapping[str, str] | None
    new: Mapping[str, str] | None
    cells: tuple[CellChange, ...]
    subject: str  # the row in words, from the field's item_label: "account @x on Instagram"
    description: str  # a sentence: "Changed URL of account @x on Instagram"
    moved: bool = False

    @property
    def changed_cells(self) -> tuple[CellChange, ...]:
        return tuple(cell for cell in self.cells if cell.changed)

    @property
    def filled_cells(self) -> tuple[CellChange, ...]:
        """Cells worth showing for an added or removed row: those with a value."""
        return tuple(cell for cell in self.cells if cell.old or cell.new)


def _clean_rows(table: Field, value: Any) -> list[dict[str, str]]:
    """Rows as column → stripped text; rows with nothing in them do not count."""
    rows: list[dict[str, str]] = []
    for row in value or []:
        if not isinstance(row, Mapping):
            continue
        clean = {
            column.name: " ".join(_scalar(row.get(column.name)).split()) for column in table.columns
        }
        if any(clean.values()):
            rows.append(clean)
    return rows


def _identity_part(value: str) -> str:
    """Identities match regardless of case and of a leading @ on handles."""
    return value.strip().lstrip("@").casefold()


def _row_key(table: Field, row: Mapping[str, str]) -> tuple[str, ...]:
    identity = tuple(_identity_part(row.get(name, "")) for name in table.identity)
    if identity and any(identity):
        return identity
    # No identity (or an incomplete row): the row is known only by its whole content.
    return ("\x00", *(row.get(column.name, "") for column in table.columns))


def _display(column: Field, value: str) -> str:
    """What the reader sees for a cell: the label of a choice rather than its stored value."""
    if column.kind == FieldKind.CHOICE:
        return dict(column.choices).get(value, value)
    return value


def _cell_segments(kind: FieldKind, old: str, new: str) -> tuple[Segment, ...]:
    if kind in PROSE_KINDS:
        return tuple(diff_text(old, new))
    return tuple(_diff_value(old, new))


def _cell(
    column: Field, before: Mapping[str, str] | None, after: Mapping[str, str] | None
) -> CellChange:
    old = _display(column, before.get(column.name, "")) if before else ""
    new = _display(column, after.get(column.name, "")) if after else ""
    return CellChange(
        name=column.name,
        label=column.label,
        old=old,
        new=new,
        segments=_cell_segments(column.kind, old, new),
    )


def diff_table(
    field: Field, old_rows: Sequence[Mapping[str, Any]], new_rows: Sequence[Mapping[str, Any]]
) -> list[RowChange]:
    """Row-by-row comparison, rows matched by the field's identity columns.

    Without identity columns (or for a row whose identity is blank), a row edited in place is
    paired with its old self when most of its columns are unchanged.
    """
    old_clean, new_clean = _clean_rows(field, old_rows), _clean_rows(field, new_rows)
    old_keys = [_row_key(field, row) for row in old_clean]
    new_keys = [_row_key(field, row) for row in new_clean]
    columns = field.columns

    def similar(i: int, j: int) -> bool:
        if old_keys[i][0] != "\x00" or new_keys[j][0] != "\x00" or not columns:
            return False  # rows with identities match by identity only
        same = sum(old_clean[i][c.name] == new_clean[j][c.name] for c in columns)
        return same / len(columns) >= SIMILARITY_THRESHOLD

    changes: list[RowChange] = []
    for pair in _align(old_keys, new_keys, similar):
        before = old_clean[pair.old] if pair.old is not None else None
        after = new_clean[pair.new] if pair.new is not None else None
        cells = tuple(_cell(column, before, after) for column in columns)
        status = _status(before, after, before == after)
        shown = after if after is not None else (before or {})
        values = {column.name: _display(column, shown.get(column.name, "")) for column in columns}
        fallback = " ".join(values[name] for name in field.identity if values.get(name)) or (
            " · ".join(value for value in values.values() if value)
        )
        subject = _describe(field.item_label, {"value": fallback, **values}, fallback)
        if status == "changed":
            changed = [_lower_first(cell.label) for cell in cells if cell.changed]
            description = f"Changed {_and_join(changed)} of {subject}"
        else:
            description = _item_description(status, pair.moved, subject)
        changes.append(
            RowChange(
                status=status,
                old=before,
                new=after,
                cells=cells,
                subject=subject,
                description=description,
                moved=pair.moved,
            )
        )
    return changes


# --- fields and sections -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDiff:
    """One field of a section compared; which payload is filled depends on ``mode``."""

    field: Field
    changed: bool
    old: Any
    new: Any
    segments: tuple[Segment, ...] = ()  # text and value fields
    items: tuple[ItemChange, ...] = ()  # list fields
    rows: tuple[RowChange, ...] = ()  # table fields
    summary: tuple[str, ...] = ()
    # Prose fields: the redline of what readers see (guidelines/redline.py), when changed.
    prose: ProseRedline | None = None

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def kind(self) -> FieldKind:
        return self.field.kind

    @property
    def mode(self) -> Mode:
        """How the field is shown: a redline of text, old → new, or a list of entries."""
        if self.field.kind == FieldKind.LIST:
            return "list"
        if self.field.kind == FieldKind.TABLE:
            return "table"
        return "text" if self.field.kind in PROSE_KINDS else "value"

    @property
    def rendered(self) -> SafeString:
        """A prose field's new text as readers see it (sanitised HTML), never as Markdown."""
        return render_markdown(self.new if isinstance(self.new, str) else "")

    @property
    def is_empty(self) -> bool:
        """Empty in both versions: nothing to show, nothing to review."""
        return not (self.segments or self.items or self.rows)

    @property
    def entries(self) -> tuple[ItemChange, ...] | tuple[RowChange, ...]:
        return self.rows if self.field.kind == FieldKind.TABLE else self.items

    @property
    def changed_entries(self) -> tuple[ItemChange | RowChange, ...]:
        return tuple(entry for entry in self.entries if entry.is_change)

    @property
    def unchanged_entries(self) -> tuple[ItemChange | RowChange, ...]:
        return tuple(entry for entry in self.entries if not entry.is_change)

    @property
    def words_added(self) -> int:
        return _words_in(self.segments, "insert")

    @property
    def words_removed(self) -> int:
        return _words_in(self.segments, "delete")


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, (list, dict)):
        return ""
    return str(value)


def _limit(sentences: list[str], label: str) -> tuple[str, ...]:
    if len(sentences) <= SUMMARY_LIMIT:
        return tuple(sentences)
    rest = len(sentences) - (SUMMARY_LIMIT - 1)
    more = f"…and {rest} more changes to {_lower_first(label)}"
    return (*sentences[: SUMMARY_LIMIT - 1], more)


def compare_field(field: Field, old: Any, new: Any) -> FieldDiff:
    """Compare one field's two values, however (in)complete they are."""
    label = _lower_first(field.label)
    if field.kind == FieldKind.LIST:
        items = tuple(diff_list(_clean_items(old), _clean_items(new), field.item_label))
        sentences = [item.description for item in items if item.is_change]
        return FieldDiff(
            field=field,
            changed=bool(sentences),
            old=old,
            new=new,
            items=items,
            summary=_limit(sentences, field.label),
        )
    if field.kind == FieldKind.TABLE:
        rows = tuple(diff_table(field, old or [], new or []))
        sentences = [row.description for row in rows if row.is_change]
        return FieldDiff(
            field=field,
            changed=bool(sentences),
            old=old,
            new=new,
            rows=rows,
            summary=_limit(sentences, field.label),
        )

    if field.kind in PROSE_KINDS:
        before, after = normalise_text(old), normalise_text(new)
        segments = tuple(diff_text(before, after))
    else:
        before, after = " ".join(_scalar(old).split()), " ".join(_scalar(new).split())
        if field.kind == FieldKind.CHOICE:
            before, after = _display(field, before), _display(field, after)
        segments = tuple(_diff_value(before, after))
    changed = before != after
    summary: tuple[str, ...] = ()
    if changed and not before:
        summary = (f"Added {label}",)
    elif changed and not after:
        summary = (f"Removed {label}",)
    elif changed and field.kind in PROSE_KINDS:
        added, removed = _words_in(segments, "insert"), _words_in(segments, "delete")
        counts = [f"{_words(added)} added"] if added else []
        counts += [f"{_words(removed)} removed"] if removed else []
        summary = (f"Edited {label} ({', '.join(counts)})" if counts else f"Edited {label}",)
    elif changed:
        summary = (f"Changed {label} from {_quote(before)} to {_quote(after)}",)
    return FieldDiff(
        field=field,
        changed=changed,
        old=old,
        new=new,
        segments=segments,
        summary=summary,
        prose=_prose(field, before, after) if changed else None,
    )


def _prose(field: Field, before: str, after: str) -> ProseRedline | None:
    """Markdown fields are shown as readers see them; other text fields word by word."""
    if field.kind != FieldKind.MARKDOWN:
        return None
    return compare_prose(before, after)


@dataclass(frozen=True)
class SectionDiff:
    """One section of the guideline compared, field by field, in the catalogue's order."""

    section: Section
    fields: tuple[FieldDiff, ...]

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title

    @property
    def changed(self) -> bool:
        return any(field_diff.changed for field_diff in self.fields)

    @property
    def changed_fields(self) -> tuple[FieldDiff, ...]:
        return tuple(field_diff for field_diff in self.fields if field_diff.changed)

    @property
    def is_empty(self) -> bool:
        """Blank in both versions, so there is nothing to read either."""
        return all(field_diff.is_empty for field_diff in self.fields)

    @property
    def changed_count(self) -> int:
        """How many of the section's fields changed."""
        return len(self.changed_fields)

    @property
    def summary(self) -> tuple[str, ...]:
        return tuple(sentence for f in self.fields for sentence in f.summary)


def compare_section(
    section: Section, old_data: Mapping[str, Any] | None, new_data: Mapping[str, Any] | None
) -> SectionDiff:
    """Compare one section; fields missing on either side count as empty."""
    old_data, new_data = old_data or {}, new_data or {}
    return SectionDiff(
        section=section,
        fields=tuple(
            compare_field(f, old_data.get(f.name, f.empty()), new_data.get(f.name, f.empty()))
            for f in section.fields
        ),
    )


def compare_content(
    sections: Sequence[Section], old: Content | None, new: Content | None
) -> list[SectionDiff]:
    """Compare two whole guidelines in catalogue order; sections outside it are not shown."""
    old, new = old or {}, new or {}
    return [compare_section(s, old.get(s.key), new.get(s.key)) for s in sections]


# Comparisons of two frozen versions, kept by their two fingerprints (content hashes): a
# frozen text never changes, so neither does its comparison. Per worker process, newest last.
FROZEN_CACHE_SIZE = 64
_frozen: OrderedDict[tuple[str, str], list[SectionDiff]] = OrderedDict()
_frozen_lock = threading.Lock()


def compare_frozen(
    sections: Sequence[Section],
    old_hash: str,
    new_hash: str,
    load: Callable[[], tuple[Content | None, Content | None]],
) -> list[SectionDiff]:
    """``compare_content`` of two frozen versions, computed once per pair of fingerprints.

    ``load`` fetches both texts and is called only when the pair has not been compared yet,
    so a repeated comparison reads neither text from the database.
    """
    key = (old_hash, new_hash)
    with _frozen_lock:
        found = _frozen.get(key)
        if found is not None:
            _frozen.move_to_end(key)
            return found
    old, new = load()
    diffs = compare_content(sections, old, new)
    with _frozen_lock:
        _frozen[key] = diffs
        while len(_frozen) > FROZEN_CACHE_SIZE:
            _frozen.popitem(last=False)
    return diffs


@dataclass(frozen=True)
class FrozenRedline:
    """A comparison of two frozen versions as the page shows it: the sections' redline
    already rendered, and the two numbers of its heading."""

    html: SafeString
    changed: int
    total: int


_redlines: OrderedDict[tuple[str, str], FrozenRedline] = OrderedDict()


def frozen_redline(
    sections: Sequence[Section],
    old_hash: str,
    new_hash: str,
    load: Callable[[], tuple[Content | None, Content | None]],
    render: Callable[[list[SectionDiff]], SafeString],
) -> FrozenRedline:
    """The redline of two frozen versions, rendered once per pair of fingerprints.

    Rendering the redline's template costs more than the comparison itself, and it depends
    on nothing but the two texts, so a repeated comparison neither reads the texts nor
    renders the sections again: it pastes the kept HTML.
    """
    key = (old_hash, new_hash)
    with _frozen_lock:
        found = _redlines.get(key)
        if found is not None:
            _redlines.move_to_end(key)
            return found
    diffs = compare_frozen(sections, old_hash, new_hash, load)
    redline = FrozenRedline(html=render(diffs), changed=changed_count(diffs), total=len(diffs))
    with _frozen_lock:
        _redlines[key] = redline
        while len(_redlines) > FROZEN_CACHE_SIZE:
            _redlines.popitem(last=False)
    return redline


def changed_count(diffs: Iterable[SectionDiff]) -> int:
    """How many sections changed: the number a reviewer sees before opening the redline."""
    return sum(1 for diff in diffs if diff.changed)


def summarise(diffs: Iterable[SectionDiff]) -> list[str]:
    """One line per change, prefixed by its section, e.g. for a change summary or e-mail."""
    return [f"{diff.title}: {sentence}" for diff in diffs for sentence in diff.summary]


__all__ = [
    "CellChange",
    "FieldDiff",
    "FrozenRedline",
    "ItemChange",
    "RowChange",
    "SectionDiff",
    "Segment",
    "changed_count",
    "compare_content",
    "compare_field",
    "compare_section",
    "diff_list",
    "diff_table",
    "diff_text",
    "frozen_redline",
    "normalise_text",
    "summarise",
]
