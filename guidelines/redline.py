"""The redline of prose as readers see it: paragraphs, headings and list items, never markup.

Both texts are read into the document model of ``guidelines/richtext.py`` (the same reading
that stores them), cut into units a reader recognises (a paragraph, a heading, an item of a
bulleted or numbered list), and the units are aligned: added, removed, moved, or changed with
a word-level redline. Words that stayed but changed their formatting or their link say so in
words ("now bold", "link address changed from … to …"), so nobody reads ``**`` or ``](`` in
a redline they sign, and no change is shown by colour alone.

Pure functions over two texts; the result is plain dataclasses for templates and the PDF.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .richtext import BREAK, Block, Run, document

# A unit edited in place is "changed" (not removed + added) when this share of it survived.
SIMILAR = 0.5
_TOKEN = re.compile(r"\s+|\w+(?:['\u2019\-]\w+)*|[^\w\s]")
_MARK_WORDS = {"strong": "bold", "em": "italic", "code": "code"}


@dataclass(frozen=True)
class Token:
    text: str
    marks: frozenset[str] = frozenset()
    href: str = ""


@dataclass(frozen=True)
class Unit:
    """One thing a reader sees: a paragraph, a heading or a list item, with its words."""

    kind: str  # "paragraph", "heading", "bulleted item", "numbered item", "quote", "code", "row"
    depth: int
    tokens: tuple[Token, ...]

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)


@dataclass(frozen=True)
class Piece:
    """A stretch of a unit's redline: equal, inserted or deleted words, with a note in words."""

    op: str  # "equal", "insert", "delete"
    text: str
    note: str = ""  # formatting or link change of equal words ("now bold")
    marks: frozenset[str] = frozenset()
    href: str = ""

    @property
    def is_insert(self) -> bool:
        return self.op == "insert"

    @property
    def leading(self) -> str:
        """Spaces before the words, shown outside the insertion or deletion mark."""
        return self.text[: len(self.text) - len(self.text.lstrip())]

    @property
    def body(self) -> str:
        return self.text.strip()

    @property
    def trailing(self) -> str:
        return self.text[len(self.text.rstrip()) :]

    @property
    def is_delete(self) -> bool:
        return self.op == "delete"

    @property
    def bold(self) -> bool:
        return "strong" in self.marks

    @property
    def italic(self) -> bool:
        return "em" in self.marks


@dataclass(frozen=True)
class UnitChange:
    status: str  # "added", "removed", "changed", "unchanged"
    moved: bool
    old: Unit | None
    new: Unit | None
    pieces: tuple[Piece, ...] = ()
    old_pieces: tuple[Piece, ...] = ()  # side by side: the old text with its deletions
    new_pieces: tuple[Piece, ...] = ()  # side by side: the new text with its insertions

    @property
    def unit(self) -> Unit:
        unit = self.new or self.old
        assert unit is not None
        return unit

    @property
    def is_change(self) -> bool:
        return self.status != "unchanged" or self.moved

    @property
    def label(self) -> str:
        """E.g. "Added bulleted item", "Moved numbered item", "Formatting changed"."""
        kind = self.unit.kind
        if self.status == "unchanged":
            return f"Moved {kind}" if self.moved else ""
        verb = {"added": "Added", "removed": "Removed", "changed": "Changed"}[self.status]
        return f"{verb} {kind}" + (", moved" if self.moved else "")

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(p.note for p in self.pieces if p.note)


@dataclass(frozen=True)
class ProseRedline:
    units: tuple[UnitChange, ...]

    @property
    def changed(self) -> bool:
        return any(u.is_change for u in self.units)

    @property
    def summary(self) -> tuple[str, ...]:
        """Counts in words: "2 list items added, 1 paragraph changed, 1 word now bold"."""
        counts: dict[str, int] = {}
        for unit in self.units:
            if unit.label:
                counts[unit.label] = counts.get(unit.label, 0) + 1
        return tuple(f"{label} ({n})" if n > 1 else label for label, n in counts.items())


# --- reading ---------------------------------------------------------------------------------


def _tokens(runs: list[Run]) -> tuple[Token, ...]:
    tokens: list[Token] = []
    for run in runs:
        if run is BREAK:
            tokens.append(Token(" "))
            continue
        marks = run.marks - {"break"}
        tokens.extend(Token(text, marks, run.href) for text in _TOKEN.findall(run.text))
    return tuple(tokens)


def _units(blocks: list[Block], depth: int = 0, in_item: str = "") -> list[Unit]:
    units: list[Unit] = []
    for block in blocks:
        kind = block.kind
        if kind == "p":
            units.append(Unit(in_item or "paragraph", depth, _tokens(block.runs)))
            in_item = ""  # further paragraphs of an item are paragraphs
        elif kind in ("h3", "h4", "h5", "h6"):
            units.append(Unit("heading", depth, _tokens(block.runs)))
        elif kind in ("ul", "ol"):
            item_kind = "bulleted item" if kind == "ul" else "numbered item"
            for item in block.items:
                units.extend(_units(item, depth + 1, item_kind))
        elif kind == "blockquote":
            for unit in _units(block.items[0], depth):
                units.append(Unit("quote", unit.depth, unit.tokens))
        elif kind == "pre":
            units.append(Unit("code", depth, (Token(block.text, frozenset({"code"})),)))
        elif kind == "table":
            for row in block.rows:
                cells: list[Token] = []
                for i, cell in enumerate(row):
                    if i:
                        cells.append(Token(" | "))
                    cells.extend(_tokens(cell))
                units.append(Unit("table row", depth, tuple(cells)))
    return units


def units_of(text: str) -> list[Unit]:
    """The units a reader sees in a stored Markdown text."""
    return [u for u in _units(document(text)) if u.text.strip()]


# --- comparing -------------------------------------------------------------------------------


def _describe(old: Token, new: Token) -> str:
    notes = []
    for mark, word in _MARK_WORDS.items():
        if mark in new.marks and mark not in old.marks:
            notes.append(f"now {word}")
        elif mark in old.marks and mark not in new.marks:
            notes.append(f"no longer {word}")
    if old.href != new.href:
        if not old.href:
            notes.append(f"now a link to {new.href}")
        elif not new.href:
            notes.append(f"no longer a link (was {old.href})")
        else:
            notes.append(f"link address changed from {old.href} to {new.href}")
    return ", ".join(notes)


def _append(pieces: list[Piece], piece: Piece) -> None:
    if not piece.text:
        return
    if pieces:
        last = pieces[-1]
        same = (last.op, last.note, last.marks, last.href) == (
            piece.op,
            piece.note,
            piece.marks,
            piece.href,
        )
        if same:
            pieces[-1] = Piece(last.op, last.text + piece.text, last.note, last.marks, last.href)
            return
    pieces.append(piece)


def _word_diff(
    old: Unit, new: Unit
) -> tuple[tuple[Piece, ...], tuple[Piece, ...], tuple[Piece, ...]]:
    """Inline pieces, and the old and new sides for the side-by-side view."""
    a, b = old.tokens, new.tokens
    matcher = difflib.SequenceMatcher(None, [t.text for t in a], [t.text for t in b], False)
    inline: list[Piece] = []
    left: list[Piece] = []
    right: list[Piece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for x, y in zip(a[i1:i2], b[j1:j2], strict=True):
                note = _describe(x, y) if x.text.strip() else ""
                _append(inline, Piece("equal", y.text, note, y.marks, y.href))
                _append(left, Piece("equal", x.text, note, x.marks, x.href))
                _append(right, Piece("equal", y.text, note, y.marks, y.href))
            continue
        for x in a[i1:i2]:
            _append(inline, Piece("delete", x.text, "", x.marks, x.href))
            _append(left, Piece("delete", x.text, "", x.marks, x.href))
        for y in b[j1:j2]:
            _append(inline, Piece("insert", y.text, "", y.marks, y.href))
            _append(right, Piece("insert", y.text, "", y.marks, y.href))
    return tuple(inline), tuple(left), tuple(right)


def _whole(unit: Unit, op: str) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    for token in unit.tokens:
        _append(pieces, Piece(op, token.text, "", token.marks, token.href))
    return tuple(pieces)


def _changed(old: Unit, new: Unit, moved: bool = False) -> UnitChange:
    inline, left, right = _word_diff(old, new)
    different = old.text != new.text or any(p.note for p in inline) or old.kind != new.kind
    return UnitChange("changed" if different else "unchanged", moved, old, new, inline, left, right)


def _same_words(old: Unit, new: Unit) -> UnitChange:
    """Units with the same words: only their formatting and links can differ (no matcher)."""
    pieces: list[Piece] = []
    left: list[Piece] = []
    for x, y in zip(old.tokens, new.tokens, strict=True):
        note = _describe(x, y) if x.text.strip() else ""
        _append(pieces, Piece("equal", y.text, note, y.marks, y.href))
        _append(left, Piece("equal", x.text, note, x.marks, x.href))
    if not any(p.note for p in pieces):
        return UnitChange("unchanged", False, old, new, tuple(pieces))
    return UnitChange("changed", False, old, new, tuple(pieces), tuple(left), tuple(pieces))


def compare_prose(old_text: str, new_text: str) -> ProseRedline:
    """Align two texts unit by unit and redline the changed ones word by word."""
    old_units, new_units = units_of(old_text or ""), units_of(new_text or "")
    matcher = difflib.SequenceMatcher(
        None, [(u.kind, u.text) for u in old_units], [(u.kind, u.text) for u in new_units], False
    )
    result: list[UnitChange] = []
    removed: list[tuple[int, Unit]] = []
    added: list[tuple[int, Unit]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for x, y in zip(old_units[i1:i2], new_units[j1:j2], strict=True):
                result.append(_same_words(x, y))
            continue
        olds, news = list(old_units[i1:i2]), list(new_units[j1:j2])
        # Pair units edited in place, in order, when enough of their words survived.
        while olds and news:
            # quick_ratio counts shared words regardless of order: linear, and enough to tell
            # an edited item from a different one.
            ratio = difflib.SequenceMatcher(
                None, [t.text for t in olds[0].tokens], [t.text for t in news[0].tokens], False
            ).quick_ratio()
            if ratio < SIMILAR:
                break
            result.append(_changed(olds.pop(0), news.pop(0)))
        for x in olds:
            removed.append((len(result), x))
            result.append(UnitChange("removed", False, x, None, _whole(x, "delete")))
        for y in news:
            added.append((len(result), y))
            result.append(UnitChange("added", False, None, y, _whole(y, "insert")))
    # A unit removed in one place and added, same words, in another has moved.
    for r_index, old in removed:
        for n, (a_index, new) in enumerate(added):
            if (old.kind, old.text) == (new.kind, new.text):
                result[a_index] = _moved(old, new)
                result[r_index] = UnitChange("unchanged", False, old, None)  # shown where it is now
                added.pop(n)
                break
    return ProseRedline(tuple(u for u in result if u.new is not None or u.status == "removed"))


def _moved(old: Unit, new: Unit) -> UnitChange:
    change = _changed(old, new, moved=True)
    return change
