"""Words a comment is about: measured on the section's reader text, found again in a later
version when they are still there, and shown as changed (old and new wording) when not."""

from __future__ import annotations

import pytest
from django.utils.safestring import mark_safe

from approvals import anchors
from guidelines.sections import SECTIONS_BY_KEY

PRIVACY = SECTIONS_BY_KEY["privacy"]
BODY = (
    "Staff **must not** post patient details.\n\n"
    "- Ask first\n- Never share photos\n\n"
    "Staff must not post rumours."
)


def text_of(body: str) -> str:
    return anchors.reader_text(anchors.section_html(PRIVACY, {"body": body}))


def test_reader_text_collapses_whitespace_and_separates_blocks():
    assert text_of(BODY) == (
        "Staff must not post patient details. Ask first Never share photos "
        "Staff must not post rumours."
    )


def test_a_quote_is_found_and_stored_as_written_in_the_version():
    text = text_of(BODY)
    anchor = anchors.anchor_quote(text, "  Never   share\nphotos ")
    assert anchor.quote == "Never share photos"
    assert text[anchor.start : anchor.end] == anchor.quote
    assert anchor.prefix.endswith("Ask first ") and anchor.suffix.startswith(" Staff")


def test_of_two_equal_quotes_the_context_picks_the_right_one():
    text = text_of(BODY)
    second = anchors.anchor_quote(text, "must not", suffix=" post rumours.")
    assert second.start == text.rindex("must not")
    first = anchors.anchor_quote(text, "must not", prefix="Staff ", suffix=" post patient")
    assert first.start == text.index("must not")
    # Without context, the offset the browser measured decides.
    assert anchors.anchor_quote(text, "must not", start=70).start == second.start


@pytest.mark.parametrize(
    ("quote", "message"),
    [
        ("", "Select or type"),
        ("   ", "Select or type"),
        ("must never", "not in this section"),
        ("x" * (anchors.MAX_QUOTE + 1), "at most 1,000"),
    ],
)
def test_a_quote_not_in_the_section_or_too_long_is_refused(quote, message):
    with pytest.raises(anchors.QuoteError, match=message):
        anchors.anchor_quote(text_of(BODY), quote)


def test_words_still_present_are_anchored_where_they_now_are():
    old = text_of(BODY)
    anchor = anchors.anchor_quote(old, "Never share photos")
    new = text_of("A new opening sentence.\n\n" + BODY)
    placed = anchors.place(anchor, old_text=old, new_text=new)
    assert placed.state == "anchored" and placed.anchor is not None
    assert new[placed.anchor.start : placed.anchor.end] == "Never share photos"
    assert placed.anchor.start > anchor.start


def test_common_words_elsewhere_do_not_hold_a_changed_passage():
    # "must not" is still in the first sentence, but the second one, commented on, changed.
    old = text_of(BODY)
    anchor = anchors.anchor_quote(old, "must not", suffix=" post rumours.")
    new = text_of(BODY.replace("Staff must not post rumours.", "Staff should avoid rumours."))
    placed = anchors.place(anchor, old_text=old, new_text=new)
    assert placed.state == "changed"
    assert placed.quote == "must not" and placed.now == "should avoid"
    assert placed.passage is not None
    assert new[placed.passage[0] : placed.passage[1]] == "should avoid"
    assert [(s.op, s.text) for s in placed.segments] == [
        ("delete", "must not"),
        ("insert", "should avoid"),
    ]


def test_a_moved_passage_keeps_its_anchor():
    old = text_of(BODY)
    anchor = anchors.anchor_quote(old, "must not", suffix=" post rumours.")
    moved = "Staff must not post rumours.\n\n" + BODY.replace(
        "\n\nStaff must not post rumours.", ""
    )
    new = text_of(moved)
    placed = anchors.place(anchor, old_text=old, new_text=new)
    assert placed.state == "anchored" and placed.anchor is not None
    assert new[placed.anchor.end :].startswith(" post rumours")


def test_deleted_words_are_reported_removed():
    old = text_of(BODY)
    anchor = anchors.anchor_quote(old, "Ask first")
    new = text_of(BODY.replace("- Ask first\n", ""))
    assert anchors.place(anchor, old_text=old, new_text=new).state == "removed"


def test_marks_wrap_the_words_name_them_and_link_the_thread():
    html = anchors.section_html(PRIVACY, {"body": BODY})
    text = anchors.reader_text(html)
    anchor = anchors.anchor_quote(text, "patient details. Ask first")
    marked = str(
        anchors.mark_quotes(html, [anchors.Mark(anchor.start, anchor.end, 7, "comment 1")])
    )
    assert marked.count('<mark class="approvals-quote" data-threads="7">') == 2  # two blocks
    assert "[words of comment 1]" in marked
    assert '<a class="approvals-quote-ref" href="#thread-7">comment 1</a>' in marked
    # What the marks add is skipped when measuring, so the text a reader selects is unchanged.
    skipped = marked.replace("[words of comment 1] ", "").replace(">comment 1<", "><")
    assert anchors.reader_text(skipped) == text


def test_marked_text_is_escaped_again_and_tags_kept():
    html = mark_safe('<p>1 &lt; 2 &amp; <a href="https://x.example/?a=1&amp;b=2">3</a></p>')
    text = anchors.reader_text(html)
    assert text == "1 < 2 & 3"
    anchor = anchors.anchor_quote(text, "< 2")
    marked = str(anchors.mark_quotes(html, [anchors.Mark(anchor.start, anchor.end, 1, "c")]))
    assert "&lt; 2</mark>" in marked
    assert 'href="https://x.example/?a=1&amp;b=2"' in marked
    assert "<script" not in marked
