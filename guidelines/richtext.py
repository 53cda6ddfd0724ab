"""Prose fields in one canonical form, whether typed in the rich-text editor or as Markdown.

The editor in the wizard sends HTML; the plain text box (no JavaScript) sends Markdown. Both
are reduced to the same thing before anything is stored: the text is turned into sanitised
HTML (the editor's through the allow-list, typed Markdown through the renderer), read into a
small document model (blocks of runs of text, each run with its marks and link), and written
back out by one deterministic Markdown writer. So the same content always gives the same
stored text and therefore the same fingerprint, whichever way it was entered, and hostile
markup never reaches storage: the sanitiser removes it whatever the browser sent.

Frozen versions are never rewritten: canonical text applies from the next save of a draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from .rendering import ALLOWED_TAGS, ALLOWED_URL_SCHEMES, markdown_html

# Far deeper than any guideline needs; deeper formatting is flattened to its text.
MAX_DEPTH = 16
# The editor's HTML for a field may be this many times the field's character limit (tags and
# entities take room); a bigger request is refused before it is parsed.
HTML_FACTOR = 10
# What the editor offers: anything else in a stored text keeps the plain text box for it.
EDITOR_TAGS = frozenset({"p", "br", "strong", "em", "a", "ul", "ol", "li"})
HEADING_TAGS = frozenset({"h3", "h4"})

_BLOCK_TAGS = frozenset(
    {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "h3", "h4", "h5", "h6", "table", "thead",
     "tbody", "tr", "th", "td"}
)  # fmt: skip
_RENAME = {"b": "strong", "i": "em"}
_VOID = frozenset({"br", "hr"})
_HOSTILE = (
    (re.compile(r"<\s*script", re.IGNORECASE), "scripts"),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE), "event handlers"),
    (re.compile(r"(?:java|vb)script\s*:", re.IGNORECASE), "javascript: links"),
    (re.compile(r"<\s*(?:iframe|object|embed|form|style)\b", re.IGNORECASE), "embedded content"),
    (re.compile(r"<\s*img\b", re.IGNORECASE), "images"),
)
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0]+")


class TooLarge(ValueError):
    """The editor's HTML is far over the field's limit; refused before it is read."""


# --- the document model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Text with its formatting: marks among "strong", "em", "code", and its link address."""

    text: str
    marks: frozenset[str] = frozenset()
    href: str = ""


BREAK = Run("\n", frozenset({"break"}))


@dataclass
class Block:
    """A paragraph, heading ("h3".."h6"), list ("ul"/"ol" with items), quote, code, rule, table."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    items: list[list[Block]] = field(default_factory=list)  # list items; a quote's blocks in [0]
    text: str = ""  # code blocks
    rows: list[list[list[Run]]] = field(default_factory=list)  # tables


@dataclass
class _Node:
    tag: str
    href: str = ""
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Sanitised (well-formed) HTML as a tree, elements nested deeper than MAX_DEPTH dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]
        self.skipped = 0
        self.flattened = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = _RENAME.get(tag, tag)
        if tag in _VOID:
            self.stack[-1].children.append(_Node(tag))
            return
        if self.skipped or len(self.stack) > MAX_DEPTH:
            self.skipped += 1
            self.flattened = True
            return
        href = (dict(attrs).get("href") or "") if tag == "a" else ""
        node = _Node(tag, href)
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if _RENAME.get(tag, tag) in _VOID:
            return
        if self.skipped:
            self.skipped -= 1
        elif len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _tree(html: str) -> tuple[_Node, bool]:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root, builder.flattened


def _inlines(node: _Node | str, marks: frozenset[str], href: str, out: list[Run]) -> None:
    if isinstance(node, str):
        out.append(Run(node, marks, href))
        return
    tag = node.tag
    if tag == "br":
        out.append(BREAK)
        return
    if tag in ("strong", "em", "code"):
        marks = marks | {tag}
    elif tag == "a":
        href = node.href or href
    spaced = tag in _BLOCK_TAGS
    if spaced:
        out.append(Run(" ", marks, href))
    for child in node.children:
        _inlines(child, marks, href, out)
    if spaced:
        out.append(Run(" ", marks, href))


def _tidy(runs: list[Run]) -> list[Run]:
    """Collapse white space as a browser shows it, merge equal neighbours, trim each line.

    White space carries the formatting of the run before it, so "**a** **b**" and "**a b**"
    read the same and are written the same.
    """
    out: list[Run] = []
    for run in runs:
        if run is BREAK:
            if out and out[-1] is not BREAK:
                out.append(BREAK)
            continue
        text = _SPACE.sub(" ", run.text)
        if text.startswith(" ") and (not out or out[-1] is BREAK or out[-1].text.endswith(" ")):
            text = text[1:]
        if not text:
            continue
        marks, href = run.marks, run.href
        if not text.strip():
            if not out or out[-1] is BREAK:
                continue
            marks, href = out[-1].marks, out[-1].href
        if out and out[-1] is not BREAK and (out[-1].marks, out[-1].href) == (marks, href):
            out[-1] = Run(out[-1].text + text, marks, href)
        else:
            out.append(Run(text, marks, href))
    lines: list[list[Run]] = [[]]
    for run in out:
        if run is BREAK:
            lines.append([])
        else:
            lines[-1].append(run)
    result: list[Run] = []
    for line in lines:
        if line:
            line[0] = Run(line[0].text.lstrip(" "), line[0].marks, line[0].href)
            line[-1] = Run(line[-1].text.rstrip(" "), line[-1].marks, line[-1].href)
        line = [run for run in line if run.text]
        if not line:
            continue
        if result:
            result.append(BREAK)
        result.extend(line)
    return result


class _Reader:
    """Turns the sanitised tree into blocks; headings become paragraphs where not allowed."""

    def __init__(self, *, headings: bool) -> None:
        self.headings = headings

    def blocks(self, node: _Node) -> list[Block]:
        blocks: list[Block] = []
        pending: list[Run] = []

        def flush() -> None:
            runs = _tidy(pending)
            if runs:
                blocks.append(Block("p", runs))
            pending.clear()

        for child in node.children:
            if isinstance(child, str) or child.tag not in _BLOCK_TAGS:
                _inlines(child, frozenset(), "", pending)
                continue
            flush()
            blocks.extend(self.block(child))
        flush()
        return _merge_lists(blocks)

    def block(self, node: _Node) -> list[Block]:
        tag = node.tag
        if tag in ("p", "li", "td", "th", "tr", "thead", "tbody"):
            return self.blocks(node) if tag != "p" else self._paragraph(node, "p")
        if tag in ("h3", "h4", "h5", "h6"):
            return self._paragraph(node, tag if self.headings else "p")
        if tag in ("ul", "ol"):
            items = []
            for child in node.children:
                if isinstance(child, _Node) and child.tag == "li":
                    item = self.blocks(child)
                elif isinstance(child, str) and not child.strip():
                    continue
                else:
                    item = self.blocks(_Node("li", children=[child]))
                items.extend(_list_items([_in_item(b) for b in item]))
            return [Block(tag, items=items)] if items else []
        if tag == "blockquote":
            inner = self.blocks(node)
            return [Block("blockquote", items=[inner])] if inner else []
        if tag == "pre":
            text = _text_of(node).strip("\n")
            return [Block("pre", text=text)] if text.strip() else []
        if tag == "hr":
            return [Block("hr")]
        if tag == "table":
            rows = []
            for row in _rows(node):
                rows.append([_tidy(_cell_runs(cell)) for cell in row])
            width = max((len(r) for r in rows), default=0)
            rows = [r + [[]] * (width - len(r)) for r in rows if any(r)]
            return [Block("table", rows=rows)] if rows and width else []
        return self.blocks(node)

    def _paragraph(self, node: _Node, kind: str) -> list[Block]:
        if any(isinstance(c, _Node) and c.tag in _BLOCK_TAGS for c in node.children):
            return self.blocks(node)  # blocks inside a paragraph (pasted oddities) stand alone
        runs: list[Run] = []
        for child in node.children:
            _inlines(child, frozenset(), "", runs)
        runs = _tidy(runs)
        if kind != "p":
            runs = [r for r in runs if r is not BREAK]  # a heading is one line
        return [Block(kind, runs)] if runs else []


def _in_item(block: Block) -> Block:
    """A list item holds paragraphs and lists; anything else is kept as a paragraph of its words."""
    if block.kind in ("p", "ul", "ol"):
        return block
    if block.kind in ("h3", "h4", "h5", "h6"):
        return Block("p", block.runs)
    return Block("p", _tidy([Run(" ".join(_words(block)))]))


def _words(block: Block) -> list[str]:
    words = [r.text for r in block.runs if r is not BREAK] + [block.text]
    for item in block.items:
        for inner in item:
            words.extend(_words(inner))
    for row in block.rows:
        for cell in row:
            words.extend(r.text for r in cell if r is not BREAK)
    return [w for w in words if w.strip()]


def _list_items(item: list[Block]) -> list[list[Block]]:
    """One item, or several when it starts with a nested list (lifted to this level)."""
    if not item:
        return []
    if item[0].kind in ("ul", "ol"):
        return [*item[0].items, *([item[1:]] if item[1:] else [])]
    return [item]


def _merge_lists(blocks: list[Block]) -> list[Block]:
    """Neighbouring lists of one kind are one list (Markdown cannot write them apart)."""
    merged: list[Block] = []
    for block in blocks:
        if merged and block.kind in ("ul", "ol") and merged[-1].kind == block.kind:
            merged[-1].items.extend(block.items)
        else:
            merged.append(block)
    return merged


def _text_of(node: _Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(_text_of(c) for c in node.children)


def _rows(table: _Node) -> list[list[_Node]]:
    rows: list[list[_Node]] = []
    for child in table.children:
        if not isinstance(child, _Node):
            continue
        if child.tag == "tr":
            cells = [c for c in child.children if isinstance(c, _Node) and c.tag in ("td", "th")]
            rows.append(cells)
        elif child.tag in ("thead", "tbody"):
            rows.extend(_rows(child))
    return rows


def _cell_runs(cell: _Node) -> list[Run]:
    runs: list[Run] = []
    for child in cell.children:
        _inlines(child, frozenset(), "", runs)
    return [r for r in runs if r is not BREAK]


# --- the writer ----------------------------------------------------------------------------------

_ENTITY = re.compile(r"&(#?[A-Za-z0-9]+;)")
_ANGLE = re.compile(r"<(?=\S)")
_ORDINAL = re.compile(r"^(\d+)\.")
_REFERENCE = re.compile(r"^\[[^\]]*\]:")


def _escape(text: str, *, in_link: bool = False, in_cell: bool = False) -> str:
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < n else ""
        prev = text[i - 1] if i else ""
        if ch in "\\`*":
            out.append("\\" + ch)
        elif ch == "_":
            out.append("_" if prev.isalnum() and nxt.isalnum() else "\\_")
        elif ch == "]" and not in_link and nxt and nxt in "([":
            out.append("\\]")
        elif ch == "|" and in_cell:
            out.append("\\|")
        else:
            out.append(ch)
    escaped = "".join(out)
    escaped = _ENTITY.sub(r"&amp;\1", escaped)
    return _ANGLE.sub("&lt;", escaped)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if depth < 0:
            return False
    return depth == 0


def _code(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _href(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


_LEVELS = ("href", "strong", "em", "code")


def _key(run: Run, level: str) -> str | bool:
    return run.href if level == "href" else level in run.marks


def _write_runs(
    runs: list[Run], depth: int = 0, *, in_link: bool = False, cell: bool = False
) -> str:
    if depth == len(_LEVELS):
        text = "".join(r.text for r in runs)
        return _escape(text, in_link=in_link, in_cell=cell)
    level = _LEVELS[depth]
    out = []
    i = 0
    while i < len(runs):
        key = _key(runs[i], level)
        j = i
        while j < len(runs) and _key(runs[j], level) == key:
            j += 1
        group = runs[i:j]
        i = j
        if not key:
            out.append(_write_runs(group, depth + 1, in_link=in_link, cell=cell))
            continue
        if level == "code":
            raw = "".join(r.text for r in group)
            lead = raw[: len(raw) - len(raw.lstrip(" "))]
            trail = raw[len(raw.rstrip(" ")) :]
            out.append(lead + _code(raw.strip(" ")) + trail if raw.strip() else raw)
            continue
        inner = _write_runs(group, depth + 1, in_link=in_link or level == "href", cell=cell)
        lead = inner[: len(inner) - len(inner.lstrip(" "))]
        trail = inner[len(inner.rstrip(" ")) :]
        core = inner.strip(" ")
        if not core:
            out.append(inner)
        elif level == "href":
            if not _balanced(core) or "]:" in core:
                # As character references: a backslash-escaped "]" followed by ":" at the start of a
                # line still reads as a link reference definition to the Markdown parser, and so
                # does a link whose text holds "]:" (its line was escaped as one, unlinking it).
                core = core.replace("\\[", "&#91;").replace("\\]", "&#93;")
                core = core.replace("[", "&#91;").replace("]", "&#93;")
            out.append(f"{lead}[{core}]({_href(str(key))}){trail}")
        else:
            marker = "**" if level == "strong" else "*"
            out.append(f"{lead}{marker}{core}{marker}{trail}")
    for i in range(1, len(out)):
        # "!" just before a link would make it an image.
        before = out[i - 1][:-1]
        escaped = (len(before) - len(before.rstrip("\\"))) % 2 == 1  # "\!" but not "\\!"
        if out[i].startswith("[") and out[i - 1].endswith("!") and not escaped:
            out[i - 1] = out[i - 1][:-1] + "\\!"
    return "".join(out)


def _line_start(line: str) -> str:
    """Escape what would make a line of text into a heading, quote, list or rule."""
    if not line:
        return line
    first = line[0]
    if first in "#>+-":
        return "\\" + line
    if first == "[" and _REFERENCE.match(line):
        return "\\" + line
    if first == "=":
        return "&#61;" + line[1:]
    if first == "~":
        return "&#126;" + line[1:]
    return _ORDINAL.sub(r"\1\\.", line, count=1)


def _lines(runs: list[Run]) -> list[str]:
    lines: list[list[Run]] = [[]]
    for run in runs:
        if run is BREAK:
            lines.append([])
        else:
            lines[-1].append(run)
    return [_line_start(_write_runs(line)) for line in lines if line]


def _write_block(block: Block) -> list[str]:
    kind = block.kind
    if kind == "p":
        written = _lines(block.runs)
        return [line + "  " for line in written[:-1]] + written[-1:]
    if kind in ("h3", "h4", "h5", "h6"):
        text = " ".join(_lines(block.runs))
        if text.endswith("#"):
            text = text[:-1] + "\\#"
        return ["#" * (int(kind[1]) - 2) + " " + text]
    if kind in ("ul", "ol"):
        lines: list[str] = []
        loose = False
        for number, item in enumerate(block.items, start=1):
            marker = f"{number}. " if kind == "ol" else "- "
            body = _write_item(item)
            if not body:
                continue
            if loose:
                lines.append("")
            lines.append(marker + body[0])
            lines.extend(("    " + line) if line else "" for line in body[1:])
            loose = len(item) > 1
        return lines
    if kind == "blockquote":
        return [("> " + line) if line else ">" for line in _write_blocks(block.items[0])]
    if kind == "pre":
        longest = max((len(m) for m in re.findall(r"`{3,}", block.text)), default=2)
        fence = "`" * (longest + 1)
        return [fence, *block.text.split("\n"), fence]
    if kind == "hr":
        return ["---"]
    if kind == "table":
        rows = [
            "| " + " | ".join(_write_runs(cell, cell=True) for cell in row) + " |"
            for row in block.rows
        ]
        rule = "| " + " | ".join("---" for _ in block.rows[0]) + " |"
        return [rows[0], rule, *rows[1:]]
    return []


def _write_item(blocks: list[Block]) -> list[str]:
    """A list item: a list follows its paragraph directly, other blocks after a blank line."""
    lines: list[str] = []
    previous = ""
    for block in blocks:
        written = _write_block(block)
        if not written:
            continue
        if lines and not (previous == "p" and block.kind in ("ul", "ol")):
            lines.append("")
        lines.extend(written)
        previous = block.kind
    return lines


def _write_blocks(blocks: list[Block]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        written = _write_block(block)
        if not written:
            continue
        if lines:
            lines.append("")
        lines.extend(written)
    return lines


def write(blocks: list[Block]) -> str:
    """The canonical Markdown of a document."""
    return "\n".join(_write_blocks(blocks)).strip("\n")


# --- the two doors -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Canonical:
    """The canonical text, and what was removed on the way, in words for the author."""

    text: str
    removed: tuple[str, ...] = ()


_NOT_BOLD = re.compile(r"<b\b[^>]*font-weight:\s*(?:normal|400)[^>]*>", re.IGNORECASE)


def _sanitise_editor_html(html: str) -> str:
    # Google Docs wraps a whole copied passage in <b style="font-weight:normal">.
    html = _NOT_BOLD.sub("<span>", html)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS) | set(_RENAME),
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative="deny",
        link_rel=None,
        strip_comments=True,
    )


def _canonical_html(html: str, *, headings: bool) -> tuple[str, bool]:
    root, flattened = _tree(html)
    return write(_Reader(headings=headings).blocks(root)), flattened


def from_editor(html: str, *, limit: int, headings: bool = True) -> Canonical:
    """The editor's HTML as canonical Markdown; ``TooLarge`` when far over ``limit`` characters."""
    if len(html) > limit * HTML_FACTOR:
        raise TooLarge(len(html))
    removed = [words for pattern, words in _HOSTILE if pattern.search(html)]
    text, flattened = _canonical_html(_sanitise_editor_html(html), headings=headings)
    if flattened:
        removed.append(f"formatting nested more than {MAX_DEPTH} deep")
    return Canonical(text, tuple(removed))


def canonical_markdown(text: str, *, limit: int, headings: bool = True) -> str:
    """Typed Markdown in canonical form; text over ``limit`` stays as typed, for validation."""
    if not text.strip() or len(text) > limit:
        return text
    return _canonical_html(markdown_html(text), headings=headings)[0]


def editor_html(text: str, *, headings: bool = True) -> str | None:
    """The HTML the editor starts from, or None when the text uses what the editor cannot keep."""
    html = markdown_html(text) if text.strip() else ""
    allowed = EDITOR_TAGS | (HEADING_TAGS if headings else frozenset())
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    return html if tags <= allowed else None


def document(text: str) -> list[Block]:
    """The blocks a reader sees in a stored Markdown text (for comparing what readers see)."""
    if not text.strip():
        return []
    return _Reader(headings=True).blocks(_tree(markdown_html(text))[0])
