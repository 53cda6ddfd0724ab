"""Markdown written by authors, turned into HTML that is safe to show to every employee.

Two layers guard the output: Markdown is parsed with raw HTML switched off (so ``<b>`` typed
by an author is shown as text, exactly as written), and the result is then sanitised with an
allow-list. Only the sanitiser's output is ever marked safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from xml.etree import ElementTree as etree

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown import inlinepatterns
from markdown.blockparser import BlockParser
from markdown.extensions.tables import TableProcessor
from markdown.treeprocessors import Treeprocessor

# Block-level Markdown the guideline needs, without the parts of "extra" that smuggle in raw
# HTML or attributes (md_in_html, attr_list) or produce tags we do not allow (abbr,
# footnotes, definition lists). Headings start at h3 because the page owns h1 and h2: a small
# tree processor shifts them (the "toc" extension did this too, but its heading ids, which the
# sanitiser strips anyway, cost quadratic time on many equal headings).
_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
_HEADING_SHIFT = 2

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
        "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
# Tags whose content is code, not text, and must vanish with the tag if one ever appears.
_DROP_WITH_CONTENT = frozenset({"script", "style"})


# Link and code-span scanning may look ahead this many characters per character of input, in
# total over one rendering. Ordinary text uses a small fraction; a run of unmatched "[", "!["
# or backticks would otherwise rescan the rest of the paragraph once per bracket (quadratic:
# 20,000 characters of "![" took 20 s). Once spent, what is left renders as literal text.
_SCAN_STEPS_PER_CHAR = 32
_SCAN_STEPS_FLOOR = 100_000
# Far deeper than any guideline needs, shallow enough that nesting cannot cost much.
_MAX_NESTING = 16


class _ScanBudget:
    """Look-ahead steps left for one rendering, shared by every scanning pattern."""

    def __init__(self, steps: int) -> None:
        self.left = steps

    def window(self, data: str, index: int) -> int:
        """The end of the stretch of ``data`` from ``index`` that may still be scanned."""
        return min(len(data), index + max(self.left, 0))

    def spend(self, steps: int) -> None:
        self.left -= max(steps, 1)


class _BudgetedLinkScan(inlinepatterns.LinkInlineProcessor):
    """Link text and target scanning that stops when the rendering's budget is spent.

    Within the budget the result is exactly Python-Markdown's; beyond it the bracket is not a
    link, which is what an unmatched bracket is anyway.
    """

    budget: _ScanBudget

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        end = self.budget.window(data, index)
        depth = 1
        pos = index
        while pos < end:
            char = data[pos]
            if char == "]":
                depth -= 1
            elif char == "[":
                depth += 1
            pos += 1
            if depth == 0:
                break
        self.budget.spend(pos - index)
        if depth:
            return "", index, False
        return data[index : pos - 1], pos, True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        end = self.budget.window(data, index)
        if end < len(data):
            # Not enough budget to see the whole rest of the paragraph: the answer could
            # differ from a full scan, so this is not a link.
            self.budget.spend(end - index)
            return "", None, index, False
        href, title, stop, handled = super().getLink(data, index)
        self.budget.spend((stop if handled else end) - index)
        return href, title, stop, handled


def _budgeted(cls: type, budget: _ScanBudget) -> type:
    """``cls`` with budgeted link scanning (its own handleMatch, the budget's getText/getLink)."""
    return type(f"Budgeted{cls.__name__}", (_BudgetedLinkScan, cls), {"budget": budget})


class _BudgetedBacktick(inlinepatterns.BacktickInlineProcessor):
    """Python-Markdown's code-span search, stopping when the rendering's budget is spent."""

    def __init__(self, pattern: str, budget: _ScanBudget) -> None:
        super().__init__(pattern)
        self.budget = budget

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:  # type: ignore[override]
        # The same search as Python-Markdown's, scanning only within the budget.
        begin = start
        max_ticks = 0
        # The opening run is always consumed, so that a spent budget still moves on.
        while start < len(text) and text[start] == "`":
            max_ticks += 1
            start += 1
        last = self.budget.window(text, start)
        complete = last == len(text)
        longest_span = 0
        end = 0
        i = start
        while i < last:
            span_length = 0
            while i < last and text[i] == "`":
                span_length += 1
                i += 1
            if not span_length:
                i += 1
                continue
            if max_ticks == span_length:
                self.budget.spend(i - begin)
                return start, i - span_length
            if span_length > longest_span:
                longest_span = span_length
                end = i
        self.budget.spend(last - begin)
        if complete and 0 < longest_span < max_ticks:
            return start - (max_ticks - longest_span), end - longest_span
        return start + max_ticks, None


class _LinearTable(TableProcessor):
    """Python-Markdown's table test, shown only the lines it decides on.

    The original splits the whole block into lines each time a block is tested, and the block
    parser tests every remainder of a block again (5,000 heading lines took 1.5 s). The answer
    depends on the first two rows, or with a border on the rows up to the first without a pipe.
    """

    def test(self, parent: etree.Element, block: str) -> bool:
        first_end = block.find("\n")
        if first_end < 0:
            return False
        header = block[:first_end].strip(" ")
        if not (header.startswith("|") or self.RE_END_BORDER.search(header)):
            second_end = block.find("\n", first_end + 1)
            return super().test(parent, block if second_end < 0 else block[:second_end])
        start = first_end + 1
        while True:
            end = block.find("\n", start)
            row = (block[start:] if end < 0 else block[start:end]).strip(" ")
            if end < 0 or not (row.startswith("|") or self.RE_END_BORDER.search(row)):
                return super().test(parent, block if end < 0 else block[:end])
            start = end + 1


class _ShiftHeadings(Treeprocessor):
    """h1-h4 written by the author become h3-h6; the page owns h1 and h2."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            tag = element.tag
            if isinstance(tag, str) and len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
                element.tag = f"h{min(int(tag[1]) + _HEADING_SHIFT, 6)}"


def _markdown_to_html(text: str) -> str:
    """Parse Markdown with raw HTML disabled, so typed tags stay visible text."""
    md = markdown.Markdown(extensions=_EXTENSIONS)
    # Without these two, Python-Markdown passes HTML blocks and inline tags through verbatim.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    budget = _ScanBudget(_SCAN_STEPS_PER_CHAR * len(text) + _SCAN_STEPS_FLOOR)
    patterns = md.inlinePatterns
    patterns.register(_BudgetedBacktick(inlinepatterns.BACKTICK_RE, budget), "backtick", 190)
    for name, pattern, cls, priority in _LINK_PATTERNS:
        patterns.register(_budgeted(cls, budget)(pattern, md), name, priority)
    md.parser.blockprocessors.register(
        _LinearTable(md.parser, {"use_align_attribute": False}), "table", 75
    )
    md.treeprocessors.register(_ShiftHeadings(md), "charter_headings", 5)
    _limit_nesting(md.parser)
    return md.convert(text)


def _limit_nesting(parser: BlockParser) -> None:
    """Lists and quotes nest at most ``_MAX_NESTING`` deep; deeper text stays one paragraph.

    Each level re-tests the rest of the block, and thousands of "1. " or "> " in a row nested
    thousands deep: seconds of work, or a RecursionError that broke the page.
    """
    parse_blocks = parser.parseBlocks
    depth = 0

    def limited(parent: etree.Element, blocks: list[str]) -> None:
        nonlocal depth
        if depth >= _MAX_NESTING:
            etree.SubElement(parent, "p").text = "\n\n".join(blocks)
            blocks.clear()
            return
        depth += 1
        try:
            parse_blocks(parent, blocks)
        finally:
            depth -= 1

    parser.parseBlocks = limited  # type: ignore[method-assign]


# Python-Markdown's own link patterns, names and priorities, each given the scan budget.
_LINK_PATTERNS = [
    ("reference", inlinepatterns.REFERENCE_RE, inlinepatterns.ReferenceInlineProcessor, 170),
    ("link", inlinepatterns.LINK_RE, inlinepatterns.LinkInlineProcessor, 160),
    ("image_link", inlinepatterns.IMAGE_LINK_RE, inlinepatterns.ImageInlineProcessor, 150),
    (
        "image_reference",
        inlinepatterns.IMAGE_REFERENCE_RE,
        inlinepatterns.ImageReferenceInlineProcessor,
        140,
    ),
    (
        "short_reference",
        inlinepatterns.REFERENCE_RE,
        inlinepatterns.ShortReferenceInlineProcessor,
        130,
    ),
    (
        "short_image_ref",
        inlinepatterns.IMAGE_REFERENCE_RE,
        inlinepatterns.ShortImageReferenceInlineProcessor,
        125,
    ),
]


def _sanitise(html: str) -> str:
    """Keep only the allow-listed tags, attributes and link schemes."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative="deny",  # a relative link in a published guideline points nowhere useful
        link_rel=LINK_REL,
        strip_comments=True,
    )


class _RenderCache:
    """Recently rendered texts, bounded by the characters held rather than by a count.

    Published text repeats on every page view and rendering is pure, so it is worth keeping;
    a count bound (1,024 texts of any size) let one author's large drafts grow every worker.
    """

    def __init__(self, max_chars: int, max_entry_chars: int) -> None:
        self.max_chars = max_chars
        self.max_entry_chars = max_entry_chars
        self.chars = 0
        self._entries: OrderedDict[str, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> SafeString | None:
        with self._lock:
            html = self._entries.get(text)
            if html is not None:
                self._entries.move_to_end(text)
            return html

    def put(self, text: str, html: SafeString) -> None:
        size = len(text) + len(html)
        if size > self.max_entry_chars:
            return
        with self._lock:
            if text in self._entries:
                return
            self._entries[text] = html
            self.chars += size
            while self.chars > self.max_chars:
                old_text, old_html = self._entries.popitem(last=False)
                self.chars -= len(old_text) + len(old_html)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.chars = 0


# About 4 MB of text per worker (Python keeps ASCII at a byte a character, more for others);
# an entry is at most one full-length section and its HTML.
RENDER_CACHE = _RenderCache(max_chars=4_000_000, max_entry_chars=100_000)


def render_markdown(text: str | None) -> SafeString:
    """Author Markdown as sanitised HTML, the only HTML from authors a template may trust."""
    if not text or not text.strip():
        return mark_safe("")
    html = RENDER_CACHE.get(text)
    if html is None:
        # The one place author text becomes trusted HTML, and only after the sanitiser.
        html = mark_safe(_sanitise(_markdown_to_html(text)))
        RENDER_CACHE.put(text, html)
    return html


def markdown_html(text: str) -> str:
    """The sanitised HTML of author Markdown as a plain string (for reading it as a document)."""
    return str(render_markdown(text))
