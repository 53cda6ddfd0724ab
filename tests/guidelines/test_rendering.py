"""Author Markdown becomes HTML that can never run script, in time bounded by its length."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

from django.utils.safestring import SafeString, mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from guidelines.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    ALLOWED_URL_SCHEMES,
    RENDER_CACHE,
    _RenderCache,
    render_markdown,
)

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<iframe src=javascript:alert(1)></iframe>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    '<div onmouseover="alert(1)">hover</div>',
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](vbscript:msgbox(1))",
    '[x](https://ok.example "title" onclick="alert(1)")',
    "![x](javascript:alert(1))",
    '![x](x" onerror="alert(1))',
    "<javascript:alert(1)>",
    '<https://ok.example" onmouseover="alert(1)>',
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "onerror=alert(1)",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "{: onclick=alert(1) }",
]

_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class _Collector(HTMLParser):
    """Every element and attribute that a browser would build from the output."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def assert_script_free(html: str) -> None:
    """What a browser would build from the output can load or run nothing."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, name)
            if name == "href":
                scheme = _CONTROL.sub("", value or "").split(":", 1)[0].lower()
                assert ":" in (value or "") and scheme in ALLOWED_URL_SCHEMES, value


def test_markdown_becomes_html() -> None:
    html = render_markdown("Be **kind** and *accurate*.\n\n- one\n- two\n\n> quoted")
    assert "<strong>kind</strong>" in html
    assert "<em>accurate</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<blockquote>" in html


def test_result_is_marked_safe_for_templates() -> None:
    assert isinstance(render_markdown("hello"), SafeString)
    assert isinstance(render_markdown(""), SafeString)


def test_empty_text_renders_nothing() -> None:
    assert render_markdown("") == ""
    assert render_markdown("   \n ") == ""
    assert render_markdown(None) == ""


def test_headings_start_below_the_page_headings() -> None:
    html = render_markdown("# Main\n\n## Sub\n\n###### Deep")
    assert "<h3>Main</h3>" in html
    assert "<h4>Sub</h4>" in html
    assert "<h6>Deep</h6>" in html
    assert "<h1" not in html and "<h2" not in html


def test_links_are_kept_with_nofollow_noopener() -> None:
    html = render_markdown('See [the policy](https://example.org/policy "Policy").')
    assert (
        '<a href="https://example.org/policy" title="Policy" rel="nofollow noopener">the policy</a>'
    ) in html


def test_mailto_links_are_kept() -> None:
    assert 'href="mailto:social@example.org"' in render_markdown(
        "[mail](mailto:social@example.org)"
    )


def test_javascript_links_lose_their_target() -> None:
    html = render_markdown("[x](javascript:alert(1)) and [y](JAVASCRIPT:alert(1))")
    assert "javascript" not in html.lower()
    assert_script_free(html)


def test_relative_and_data_links_lose_their_target() -> None:
    html = render_markdown("[a](/admin/) [b](data:text/html,hi) [c](ftp://example.org)")
    assert "href" not in html


def test_raw_html_is_shown_as_text_not_obeyed() -> None:
    html = render_markdown('Hello <b>there</b> <script>alert("x")</script>')
    assert "&lt;b&gt;there&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html
    assert [tag for tag, _ in elements(html)] == ["p"]


def test_images_never_render() -> None:
    html = render_markdown("![logo](https://example.org/x.png) <img src=x onerror=alert(1)>")
    assert "<img" not in html


def test_tables_render_without_inline_styles() -> None:
    html = render_markdown("| a | b |\n|:-|-:|\n| 1 | 2 |")
    assert "<table>" in html and "<td>1</td>" in html
    assert "style" not in html


def test_code_is_escaped() -> None:
    html = render_markdown("```\n<script>alert(1)</script>\n```")
    assert "<pre><code>&lt;script&gt;" in html


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.text(max_size=20), st.sampled_from(PAYLOADS)), min_size=1, max_size=8),
    st.sampled_from(["", " ", "\n", "\n\n", "\n- ", "\n> ", "\n# "]),
)
def test_no_input_yields_script_capable_output(parts: list[str], joiner: str) -> None:
    assert_script_free(render_markdown(joiner.join(parts)))


def test_every_payload_alone_is_harmless() -> None:
    for payload in PAYLOADS:
        html = render_markdown(payload)
        assert_script_free(html)
        assert "<script" not in html.lower() and "<iframe" not in html.lower()


# --- Pathological input: rendering time is bounded by the length, never its square --------

FIELD_LIMIT = 20_000  # the longest Markdown a section accepts
PATHOLOGICAL = {
    "4,000 unmatched [": "[" * 4000,
    "20,000 characters of ![": "![" * (FIELD_LIMIT // 2),
    "[[[[ runs": "[[[[" * (FIELD_LIMIT // 4),
    "nested brackets": "[" * (FIELD_LIMIT // 2) + "]" * (FIELD_LIMIT // 2),
    "links never closed": "[a](" * (FIELD_LIMIT // 4),
    "*_*_ runs": "*_" * (FIELD_LIMIT // 2),
    "quotes nested >>>>>": ">" * FIELD_LIMIT,
    "quotes nested > > >": "> " * (FIELD_LIMIT // 2),
    "lists nested": "1. " * (FIELD_LIMIT // 3),
    "lists indented": "".join("  " * i + "- x\n" for i in range(130)),
    "long backtick run": "`" * FIELD_LIMIT,
    "code spans never closed": "``a`" * (FIELD_LIMIT // 4),
    "many equal headings": "# a\n" * (FIELD_LIMIT // 4),
}
# Quadratic parsing of 20,000 characters costs many seconds; a linear render costs a tenth of one.
# The margin keeps a busy, shared processor (slower per instruction) from failing a linear render.
CPU_BUDGET_SECONDS = 1.0


def _cpu_seconds_to_render(text: str) -> float:
    # The best of three: a busy machine or a garbage collection can slow one run, while
    # quadratic parsing would be slow every time (and far above the budget).
    timings = []
    for _ in range(3):
        RENDER_CACHE.clear()
        start = time.process_time()
        render_markdown(text)
        timings.append(time.process_time() - start)
    return min(timings)


def test_pathological_input_renders_within_the_time_budget() -> None:
    slow = {}
    for name, text in PATHOLOGICAL.items():
        assert len(text) <= FIELD_LIMIT, name
        seconds = _cpu_seconds_to_render(text)
        if seconds > CPU_BUDGET_SECONDS:
            slow[name] = round(seconds, 2)
    assert slow == {}


def test_pathological_input_is_still_sanitised_text() -> None:
    for text in PATHOLOGICAL.values():
        assert_script_free(render_markdown(text))


def test_deep_nesting_is_cut_off_but_keeps_the_text() -> None:
    html = render_markdown("> " * 40 + "deep words")
    assert html.count("<blockquote>") == 16
    assert "deep words" in html


def test_brackets_and_code_spans_within_reach_still_work() -> None:
    html = render_markdown("[" * 20 + " [policy](https://example.org) and `code` ``a`b``")
    assert '<a href="https://example.org" rel="nofollow noopener">policy</a>' in html
    assert "<code>code</code>" in html and "<code>a`b</code>" in html


def test_render_cache_is_bounded_by_characters_not_entries() -> None:
    cache = _RenderCache(max_chars=10_000, max_entry_chars=3_000)
    for i in range(20):
        cache.put(f"{i:04d}" + "x" * 996, mark_safe("y" * 1000))
    assert cache.chars <= 10_000
    assert cache.get("0019" + "x" * 996) is not None  # the newest stay
    assert cache.get("0000" + "x" * 996) is None  # the oldest went
    cache.put("z" * 5000, mark_safe("big"))  # larger than one entry may be
    assert cache.get("z" * 5000) is None


def test_render_markdown_keeps_large_text_out_of_the_cache() -> None:
    RENDER_CACHE.clear()
    render_markdown("short text")
    render_markdown("word " * 30_000)
    assert RENDER_CACHE.get("short text") is not None
    assert RENDER_CACHE.chars < 1_000
