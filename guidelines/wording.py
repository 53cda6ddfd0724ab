"""Words a reviewer quoted from a section, found again in its stored text and replaced.

A reviewer selects words as readers see them (no Markdown), so the search runs over what
readers see: each paragraph, heading, list item or table cell of a prose field, each item of
a list and each one-line field, as plain text. The words around the quote (``prefix`` and
``suffix``) tell apart two places with the same words. Replacing edits the runs of the
canonical document and writes it back with the one canonical Markdown writer, so the result
is exactly what the editor would have stored had the author typed the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import richtext
from .richtext import BREAK, Block, Run
from .schema import FieldKind, Section, SectionData, normalise

CONTEXT = 40  # characters of context kept on each side of a quote
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """Text as a selection gives it, white space collapsed as the browser shows it."""
    return _SPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Place:
    """One occurrence of the quote: which spot of which field, where in it, and around it."""

    field: str
    spot: int  # the index of the spot among the field's spots
    start: int
    end: int
    prefix: str
    suffix: str


class NotFound(LookupError):
    """The quoted words are not (or no longer) in the section."""


class Ambiguous(LookupError):
    """The quoted words appear in several places and the context does not say which."""


# --- spots: the pieces of visible text a quote may lie in ------------------------------------


def _run_lists(blocks: list[Block]) -> list[list[Run]]:
    """Every list of runs in reading order (the very lists inside the blocks, to edit in place)."""
    out: list[list[Run]] = []
    for block in blocks:
        if block.runs:
            out.append(block.runs)
        for item in block.items:
            out.extend(_run_lists(item))
        for row in block.rows:
            out.extend(row)
    return out


def _text(runs: list[Run]) -> str:
    # A line break reads as a space, and keeps one character so offsets stay aligned.
    return "".join(" " if r is BREAK else r.text for r in runs)


def _spots(section: Section, data: SectionData) -> list[tuple[str, list[str]]]:
    """(field name, visible texts of its spots), for every field words can be chosen from."""
    out: list[tuple[str, list[str]]] = []
    for fld in section.fields:
        value = data.get(fld.name)
        if fld.kind is FieldKind.MARKDOWN and isinstance(value, str):
            out.append((fld.name, [_text(r) for r in _run_lists(richtext.document(value))]))
        elif fld.kind is FieldKind.TEXT and isinstance(value, str):
            out.append((fld.name, [value]))
        elif fld.kind is FieldKind.LIST and isinstance(value, list):
            out.append((fld.name, [str(item) for item in value]))
    return out


def _occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    found = []
    start = text.find(quote)
    while start >= 0:
        found.append((start, start + len(quote)))
        start = text.find(quote, start + 1)
    return found


def places(section: Section, data: Mapping[str, Any], quote: str) -> list[Place]:
    """Every occurrence of the quoted words in the section, with the words around each."""
    quote = plain(quote)
    if not quote:
        return []
    found = []
    for name, texts in _spots(section, normalise(section, data)):
        for index, text in enumerate(texts):
            for start, end in _occurrences(text, quote):
                found.append(
                    Place(
                        field=name,
                        spot=index,
                        start=start,
                        end=end,
                        prefix=text[max(0, start - CONTEXT) : start],
                        suffix=text[end : end + CONTEXT],
                    )
                )
    return found


def _overlaps_end(ours: str, theirs: str) -> bool:
    return ours.endswith(theirs) or theirs.endswith(ours)


def _overlaps_start(ours: str, theirs: str) -> bool:
    return ours.startswith(theirs) or theirs.startswith(ours)


def locate(
    section: Section, data: Mapping[str, Any], quote: str, *, prefix: str = "", suffix: str = ""
) -> Place:
    """The one place the quote means: the only occurrence, or the only one whose surrounding
    words match ``prefix`` and ``suffix``. Raises ``NotFound`` or ``Ambiguous``."""
    found = places(section, data, quote)
    if not found:
        raise NotFound(quote)
    # Compared without the spaces at either end: a form may trim them, a selection may not.
    before = _SPACE.sub(" ", prefix)[-CONTEXT:].strip()
    after = _SPACE.sub(" ", suffix)[:CONTEXT].strip()
    if before or after:
        # A page may send context from the paragraph before or after; the words that count
        # are those the two share, so one must end (start) the other.
        fitting = [
            p
            for p in found
            if _overlaps_end(p.prefix.strip(), before) and _overlaps_start(p.suffix.strip(), after)
        ]
        if len(fitting) == 1:
            return fitting[0]
        if len(fitting) > 1:
            raise Ambiguous(quote)
    if len(found) == 1:
        # The words around it changed, but the quoted words are still there, once.
        return found[0]
    raise Ambiguous(quote)


# --- replacing -------------------------------------------------------------------------------


def _replace_runs(runs: list[Run], start: int, end: int, replacement: str) -> None:
    """Replace characters ``start``..``end`` of the runs; the new words take the formatting
    (bold, link…) of the first word they replace."""
    out: list[Run] = []
    position = 0
    inserted = False
    for run in runs:
        length = 1 if run is BREAK else len(run.text)
        lo, hi = position, position + length
        position = hi
        if hi <= start or lo >= end:
            if lo >= end and not inserted:
                out.append(Run(replacement, frozenset(), ""))
                inserted = True
            out.append(run)
            continue
        if run is BREAK:
            continue  # a line break inside the quote goes with the quoted words
        before = run.text[: max(0, start - lo)]
        after = run.text[max(0, end - lo) :]
        if before:
            out.append(Run(before, run.marks, run.href))
        if not inserted:
            out.append(Run(replacement, run.marks, run.href))
            inserted = True
        if after:
            out.append(Run(after, run.marks, run.href))
    if not inserted:
        out.append(Run(replacement, frozenset(), ""))
    runs[:] = [r for r in out if r is BREAK or r.text]


def replace(
    section: Section, data: Mapping[str, Any], place: Place, replacement: str
) -> SectionData:
    """The section's content with the words at ``place`` replaced (the rest untouched)."""
    clean = normalise(section, data)
    fld = section.field(place.field)
    replacement = plain(replacement)
    value = clean[fld.name]
    if fld.kind is FieldKind.MARKDOWN:
        blocks = richtext.document(value)
        _replace_runs(_run_lists(blocks)[place.spot], place.start, place.end, replacement)
        written = richtext.write(blocks)
        # Through the canonical writer again, as the editor's save would: removing words can
        # leave two spaces side by side, which a reader never sees.
        clean[fld.name] = richtext.canonical_markdown(
            written, limit=max(fld.max_length, len(written)), headings=fld.headings
        )
    elif fld.kind is FieldKind.TEXT:
        clean[fld.name] = plain(value[: place.start] + replacement + value[place.end :])
    elif fld.kind is FieldKind.LIST:
        items = list(value)
        item = items[place.spot]
        items[place.spot] = plain(item[: place.start] + replacement + item[place.end :])
        clean[fld.name] = items
    return clean
