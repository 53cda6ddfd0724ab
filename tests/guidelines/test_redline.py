"""Redlines of prose as readers see it: units added, removed, moved and changed, formatting and
link changes named in words, and never a Markdown mark."""

from __future__ import annotations

from django.template.loader import render_to_string

from guidelines.compare import compare_section
from guidelines.redline import compare_prose
from guidelines.sections import get_section

OLD = (
    "# Before you post\n\n"
    "Read the [policy](https://www.riverside.example/policy) and be **kind**.\n\n"
    "- Check the room\n- Check the screen\n- Check the badge\n\n"
    "Closing words stay as they were."
)
NEW = (
    "# Before you post\n\n"
    "Read the [policy](https://www.riverside.example/policy-2026) and be *kind* always.\n\n"
    "- Check the badge\n- Check the room\n- Check the whiteboard\n\n"
    "Closing words stay as they were."
)


def _changes(redline):
    return [(u.label, u.unit.text) for u in redline.units if u.is_change]


def test_units_are_added_removed_moved_and_changed():
    redline = compare_prose(OLD, NEW)
    assert _changes(redline) == [
        (
            "Changed paragraph",
            "Read the policy and be kind always.",
        ),
        ("Moved bulleted item", "Check the badge"),
        ("Changed bulleted item", "Check the whiteboard"),
    ]
    changed = redline.units[1]
    assert changed.notes == (
        "link address changed from https://www.riverside.example/policy to "
        "https://www.riverside.example/policy-2026",
        "no longer bold, now italic",
    )
    inserted = [p.text for p in changed.pieces if p.is_insert]
    assert inserted == [" always"]


def test_an_added_and_a_removed_list_item_are_named():
    redline = compare_prose("- one\n- two", "- one\n- two\n- three\n\n1. first")
    assert _changes(redline) == [
        ("Added bulleted item", "three"),
        ("Added numbered item", "first"),
    ]
    redline = compare_prose("- one\n- two", "- two")
    assert [(u.label, u.unit.text) for u in redline.units if u.is_change] == [
        ("Removed bulleted item", "one")
    ]


def test_the_same_words_written_differently_are_no_change():
    assert not compare_prose("* a\n* b\n\n__bold__", "- a\n- b\n\n**bold**").changed


def test_the_rendered_redline_shows_words_never_markup():
    section = get_section("response")
    diff = compare_section(section, {"body": OLD}, {"body": NEW})
    html = render_to_string(
        "guidelines/partials/section_diff.html", {"diff": diff, "section": section}
    )
    assert "**" not in html and "](" not in html
    assert "Moved bulleted item" in html and "Changed bulleted item" in html
    assert "(no longer bold, now italic)" in html
    assert "[added]" in html and "always" in html
    assert "Side by side: before and after" in html
    assert '<a href="https://www.riverside.example/policy-2026" rel="nofollow noopener">' in html
