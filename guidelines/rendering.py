"""Markdown written by authors, turned into HTML that is safe to show to every employee.

Two layers guard the output: Markdown is parsed with raw HTML switched off (so ``<b>`` typed
by an author is shown as text, exactly as written), and the result is then sanitised with an
allow-list. Only the sanitiser's output is ever marked safe.
"""

from __future__ import annotations

import functools
import re
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# Block-level Markdown the guideline needs, without the parts of "extra" that smuggle in raw
# HTML or attributes (md_in_html, attr_list) or produce tags we do not allow (abbr,
# footnotes, definition lists). Headings start at h3 because the page owns h1 and h2.
_EXTENSIONS = ["fenced_code", "tables", "sane_lists", "toc"]
_EXTENSION_CONFIGS = {"toc": {"baselevel": 3, "marker": ""}}

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

# Plain text keeps the document's shape: blocks become paragraphs, list items and table rows
# become lines, and everything else (including soft line breaks) flows as spaces.
_PARAGRAPH_TAGS = frozenset(
    {"p", "ul", "ol", "blockquote", "pre", "h3", "h4", "h5", "h6", "hr", "table"}
)
_LINE_TAGS = frozenset({"li", "tr", "br"})
_PARAGRAPH, _LINE = "\x00", "\x01"
_WHITESPACE = re.compile(r"\s+")


def _markdown_to_html(text: str) -> str:
    """Parse Markdown with raw HTML disabled, so typed tags stay visible text."""
    md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    # Without these two, Python-Markdown passes HTML blocks and inline tags through verbatim.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md.convert(text)


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


@functools.lru_cache(maxsize=1024)  # published text repeats on every page view; output is pure
def render_markdown(text: str | None) -> SafeString:
    """Author Markdown as sanitised HTML, the only HTML from authors a template may trust."""
    if not text or not text.strip():
        return mark_safe("")
    # The one place author text becomes trusted HTML, and only after the sanitiser.
    return mark_safe(_sanitise(_markdown_to_html(text)))


class _TextExtractor(HTMLParser):
    """Collects the text of sanitised HTML, marking paragraph and line boundaries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _PARAGRAPH_TAGS:
            self.parts.append(_PARAGRAPH)
        elif tag in _LINE_TAGS:
            self.parts.append(_LINE)
        elif tag in ("td", "th"):
            self.parts.append(" ")
        self.in_pre = self.in_pre or tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self.parts.append(_PARAGRAPH)
        self.in_pre = self.in_pre and tag != "pre"

    def handle_data(self, data: str) -> None:
        # Line breaks in code are meaningful; elsewhere they are Markdown's soft wraps.
        self.parts.append(data.replace("\n", _LINE) if self.in_pre else data)


def render_plain(text: str | None) -> str:
    """Author Markdown as plain text, for checks, search and anything that is not HTML.

    The result is ordinary (unescaped) text: a template must autoescape it like any string.
    """
    if not text or not text.strip():
        return ""
    extractor = _TextExtractor()
    extractor.feed(_sanitise(_markdown_to_html(text)))
    extractor.close()
    paragraphs = []
    for chunk in "".join(extractor.parts).split(_PARAGRAPH):
        lines = (_WHITESPACE.sub(" ", line).strip() for line in chunk.split(_LINE))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)
