"""Comments on exactly some words of a section: where the words are in a version's reader text,
where they are in a later version, or what they became when they changed.

A quote is kept the way the W3C Web Annotation model keeps one (a TextQuoteSelector: the
words, with a little text either side, and a TextPositionSelector: their offsets), measured on
a section's *reader text*: the text of the section as the review page draws it, whitespace
collapsed to single spaces and block elements separated by one space. The browser measures the
same text (static/js/quote-selection.js), but the server never trusts its offsets: a quote is
found again in the frozen version's own text before it is stored, and stored as found there.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Literal

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from guidelines.compare import Segment, diff_text
from guidelines.document import section_blocks
from guidelines.schema import ContentCache, Section

# Characters of reader text kept either side of a quote, to tell two equal quotes apart.
CONTEXT = 32
# A comment is about a phrase or a passage, not a whole section.
MAX_QUOTE = 1000

_BLOCK_TAGS = frozenset(
    {"p", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "div", "table", "thead"}
    | {"tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "pre", "br", "hr"}
    | {"section", "dl", "dt", "dd"}
)
# The redline's tokens: words (keeping "don't" whole), runs of whitespace, punctuation marks.
_TOKEN = re.compile(r"\s+|\w+(?:['\u2019\-]\w+)*|[^\w\s]")


class QuoteError(ValueError):
    """The words cannot be anchored; the message says why, for the person commenting."""


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in one version's reader text of a section."""

    quote: str
    prefix: str
    suffix: str
    start: int
    end: int


@dataclass(frozen=True)
class Placement:
    """A thread's quote read in a (possibly later) version.

    ``anchored``: the words are there (at ``anchor``). ``changed``: they were edited; ``now``
    is the passage that took their place (at ``passage`` in the new text) and ``segments`` the
    redline from the old words to it. ``removed``: the passage is gone.
    """

    state: Literal["anchored", "changed", "removed"]
    quote: str
    anchor: Anchor | None = None
    now: str = ""
    segments: tuple[Segment, ...] = ()
    passage: tuple[int, int] | None = None

    @property
    def is_changed(self) -> bool:
        return self.state != "anchored"


# --- reader text ---------------------------------------------------------------------------


# A frozen version's sections are drawn on every view of its review page: kept per worker.
HTML_CACHE = ContentCache(max_entries=512)


def section_html(section: Section, data: Any) -> SafeString:
    """A section's fields drawn exactly as the review page draws them (kept by content)."""
    key = ContentCache.key(section, data, None)
    if key is not None:
        cached = HTML_CACHE.get(key, section)
        if cached is not None:
            return cached
    # The project's own template over sanitised blocks.
    markup = mark_safe(
        render_to_string(
            "guidelines/partials/blocks.html", {"blocks": section_blocks(section, data)}
        )
    )
    if key is not None:
        HTML_CACHE.put(key, section, markup)
    return markup


Event = tuple[str, str]  # ("tag", raw markup) | ("block", raw markup) | ("data", text)


class _Events(HTMLParser):
    """Splits HTML into tags (kept verbatim) and text, so text can be measured and marked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def _tag(self, tag: str, raw: str) -> None:
        self.events.append(("block" if tag in _BLOCK_TAGS else "tag", raw))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, self.get_starttag_text() or f"<{tag}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, self.get_starttag_text() or f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self._tag(tag, f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.events.append(("data", data))


def _events(markup: str) -> list[Event]:
    parser = _Events()
    parser.feed(markup)
    parser.close()
    return parser.events


def _measure(events: Sequence[Event]) -> tuple[str, list[list[int | None]]]:
    """The reader text, and for each text event the offset of each of its characters in it
    (``None`` for whitespace, which collapses)."""
    out: list[str] = []
    length = 0
    pending = False
    offsets: list[list[int | None]] = []
    for kind, value in events:
        if kind == "block":
            pending = True
        if kind != "data":
            continue
        here: list[int | None] = []
        for ch in value:
            if ch.isspace():
                pending = True
                here.append(None)
                continue
            if pending and length:
                out.append(" ")
                length += 1
            pending = False
            here.append(length)
            out.append(ch)
            length += 1
        offsets.append(here)
    return "".join(out), offsets


def reader_text(markup: str) -> str:
    """The text a reader selects words from, as both the browser and the server measure it."""
    return _measure(_events(markup))[0]


def normalise_quote(quote: str) -> str:
    return " ".join(quote.split())


# --- finding words -------------------------------------------------------------------------


def _common_tail(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_head(a: str, b: str) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def _at(text: str, start: int, end: int) -> Anchor:
    return Anchor(
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT) : start],
        suffix=text[end : end + CONTEXT],
        start=start,
        end=end,
    )


def locate(
    text: str, quote: str, *, prefix: str = "", suffix: str = "", hint: int | None = None
) -> Anchor | None:
    """Where ``quote`` is in ``text``: of several places, the one whose surroundings best match
    the prefix and suffix, then the one nearest ``hint``. ``None`` when it is not there."""
    quote = normalise_quote(quote)
    if not quote:
        return None
    best: tuple[int, int] | None = None
    best_score: tuple[int, int] | None = None
    found = text.find(quote)
    while found >= 0:
        context = _common_tail(prefix, text[max(0, found - CONTEXT) : found]) + _common_head(
            suffix, text[found + len(quote) : found + len(quote) + CONTEXT]
        )
        score = (context, -abs(found - hint) if hint is not None else 0)
        if best_score is None or score > best_score:
            best, best_score = (found, found + len(quote)), score
        found = text.find(quote, found + 1)
    return _at(text, *best) if best else None


def anchor_quote(
    text: str, quote: str, *, prefix: str = "", suffix: str = "", start: int | None = None
) -> Anchor:
    """The words a reviewer selected (or typed), found in the version's reader text."""
    words = normalise_quote(quote)
    if not words:
        raise QuoteError("Select or type the words you are commenting on.")
    if len(words) > MAX_QUOTE:
        raise QuoteError(
            f"Comment on at most {MAX_QUOTE:,} characters of the text: select fewer words."
        )
    found = locate(text, words, prefix=prefix[-CONTEXT:], suffix=suffix[:CONTEXT], hint=start)
    if found is None:
        raise QuoteError(
            "Those words are not in this section as written: select them in the text, or copy "
            "them exactly."
        )
    return found


# --- the same words in a later version -----------------------------------------------------


def _tokens(text: str) -> tuple[list[str], list[int]]:
    tokens, starts, at = [], [], 0
    for match in _TOKEN.finditer(text):
        tokens.append(match.group())
        starts.append(match.start())
        at = match.end()
    starts.append(at)
    return tokens, starts


Opcodes = tuple[tuple[str, int, int, int, int], ...]


@functools.lru_cache(maxsize=32)
def _word_diff(old_text: str, new_text: str) -> tuple[list[int], list[int], Opcodes]:
    """Token offsets of both texts and the word diff between them: computed once for all the
    threads of a section carried from the same version."""
    old_tokens, old_at = _tokens(old_text)
    new_tokens, new_at = _tokens(new_text)
    # autojunk off: in long prose, spaces and "the" are frequent, not noise (as the redline).
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    return old_at, new_at, tuple(matcher.get_opcodes())


def _passage(old_text: str, new_text: str, start: int, end: int) -> tuple[int, int] | None:
    """Where in ``new_text`` the passage ``old_text[start:end]`` is now, by the word diff of
    the two texts (as the redline pairs them); ``None`` when it was deleted outright."""
    old_at, new_at, opcodes = _word_diff(old_text, new_text)
    new_start: int | None = None
    new_end: int | None = None
    for tag, i1, i2, j1, j2 in opcodes:
        o1, o2 = old_at[i1], old_at[i2]
        if o2 <= start or o1 >= end or i1 == i2:
            continue  # before, after, or a pure insertion outside the words
        if tag == "equal":
            # Token for token: the overlapping part maps across exactly.
            lo = new_at[j1] + max(0, start - o1)
            hi = new_at[j1] + min(o2, end) - o1
        elif j1 == j2:
            continue  # deleted: nothing took the place of this part
        else:
            lo, hi = new_at[j1], new_at[j2]
        new_start = lo if new_start is None else min(new_start, lo)
        new_end = hi if new_end is None else max(new_end, hi)
    if new_start is None or new_end is None:
        return None
    # Trim the spaces a replaced run may start or end with.
    while new_start < new_end and new_text[new_start].isspace():
        new_start += 1
    while new_end > new_start and new_text[new_end - 1].isspace():
        new_end -= 1
    return (new_start, new_end) if new_end > new_start else None


# Context a quote found away from its old place must share with it to count as moved there
# (rather than as the same common words elsewhere, like a second "must not").
_MOVED_CONTEXT = 8


def place(anchor: Anchor, *, old_text: str, new_text: str) -> Placement:
    """Where a quote anchored in ``old_text`` is in ``new_text``: still there (where the word
    diff puts its passage, or moved with its surroundings), changed (with the passage now in
    its place and the redline between the two), or removed."""
    if old_text == new_text:
        return Placement("anchored", anchor.quote, anchor=anchor)
    mapped = _passage(old_text, new_text, anchor.start, anchor.end)
    if mapped is not None and new_text[mapped[0] : mapped[1]] == anchor.quote:
        return Placement("anchored", anchor.quote, anchor=_at(new_text, *mapped))
    found = locate(
        new_text, anchor.quote, prefix=anchor.prefix, suffix=anchor.suffix, hint=anchor.start
    )
    if found is not None and (
        _common_tail(anchor.prefix, found.prefix) >= _MOVED_CONTEXT
        or _common_head(anchor.suffix, found.suffix) >= _MOVED_CONTEXT
    ):
        return Placement("anchored", anchor.quote, anchor=found)
    if mapped is None:
        return Placement("removed", anchor.quote)
    now = new_text[mapped[0] : mapped[1]]
    return Placement(
        "changed",
        anchor.quote,
        now=now,
        segments=tuple(diff_text(anchor.quote, now)),
        passage=mapped,
    )


# --- drawing the words in the text ---------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """Words to highlight in a section's text, and the thread they belong to."""

    start: int
    end: int
    thread_id: int
    label: str  # "comment 2": what the reference link after the words says
    # The passage that replaced a thread's words (drawn dashed, and named so), not the words.
    changed: bool = False


def _cover(offsets: list[int | None], marks: Sequence[Mark]) -> list[frozenset[int]]:
    """Which marks cover each character; whitespace inside a mark counts as covered."""
    direct = [
        frozenset(i for i, m in enumerate(marks) if o is not None and m.start <= o < m.end)
        for o in offsets
    ]
    result = list(direct)
    before: frozenset[int] = frozenset()
    left: list[frozenset[int]] = []
    for o, cov in zip(offsets, direct, strict=True):
        if o is not None:
            before = cov
        left.append(before)
    after: frozenset[int] = frozenset()
    for index in range(len(offsets) - 1, -1, -1):
        if offsets[index] is not None:
            after = direct[index]
        else:
            result[index] = left[index] & after
    return result


def mark_quotes(markup: SafeString, marks: Sequence[Mark]) -> SafeString:
    """``markup`` with each mark's words in a <mark>, named for screen readers, followed by a
    link to its thread. Text is re-escaped; tags are kept exactly as they were."""
    if not marks:
        return markup
    events = _events(markup)
    _, offsets = _measure(events)
    starts = {m.start for m in marks}
    out: list[str] = []
    text_index = 0
    for kind, value in events:
        if kind != "data":
            out.append(value)
            continue
        here = offsets[text_index]
        text_index += 1
        cover = _cover(here, marks)
        open_cov: frozenset[int] | None = None
        for ch, offset, cov in zip(value, here, cover, strict=True):
            if cov != open_cov:
                if open_cov:
                    out.append("</mark>")
                if cov:
                    ids = " ".join(str(marks[i].thread_id) for i in sorted(cov))
                    kind = "approvals-quote"
                    if all(marks[i].changed for i in cov):
                        kind += " approvals-quote-changed-text"
                    out.append(f'<mark class="{kind}" data-threads="{ids}">')
                open_cov = cov
            if offset is not None and offset in starts:
                for m in marks:
                    if m.start == offset:
                        what = "changed words of" if m.changed else "words of"
                        out.append(
                            f'<span class="visually-hidden" id="quote-{m.thread_id}" '
                            "data-quote-skip>"
                            f"[{what} {html.escape(m.label)}] </span>"
                        )
            out.append(html.escape(ch, quote=False))
            ending = [m for m in marks if offset is not None and m.end - 1 == offset]
            if ending:
                if open_cov:
                    out.append("</mark>")
                    open_cov = None
                for m in ending:
                    out.append(
                        f'<sup data-quote-skip><a class="approvals-quote-ref" '
                        f'href="#thread-{m.thread_id}">{html.escape(m.label)}'
                        f"{' (changed)' if m.changed else ''}</a></sup>"
                    )
        if open_cov:
            out.append("</mark>")
    # Tags verbatim from markup that was safe, and every piece of text escaped again.
    return mark_safe("".join(out))
