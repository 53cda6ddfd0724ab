"""Quoted words found again in a section as readers see it, and replaced in its canonical text."""

from __future__ import annotations

import pytest

from guidelines import richtext, wording
from guidelines.sections import get_section

PRIVACY = get_section("privacy")
DOS = get_section("dos_donts")
CONTACT = get_section("contact")

BODY = (
    "Say **no patient** names. Then [read more](https://example.test/a) please.\n\n"
    "- one item here\n- two item here\n\nAnd no patient again."
)


def body(text: str) -> dict[str, str]:
    return {"body": text}


@pytest.mark.parametrize(
    ("quote", "before", "after", "replacement", "expected"),
    [
        # Across formatting: the new words take the formatting of the first word replaced.
        ("no patient", "Say ", "", "never any", "Say **never any** names."),
        ("names. Then read", "", "", "names; see", "Say **no patient** names; see [more]("),
        # Repeated words told apart by the words around them.
        ("item", "two ", "", "entry", "- two entry here"),
        ("no patient", "", " again", "nobody", "And nobody again."),
        # Removing words leaves no double space.
        ("Then ", "", "", "", "names. [read more]("),
    ],
)
def test_replace_where_readers_see_the_words(quote, before, after, replacement, expected):
    place = wording.locate(PRIVACY, body(BODY), quote, prefix=before, suffix=after)
    text = wording.replace(PRIVACY, body(BODY), place, replacement)["body"]
    assert expected in text
    # What is stored stays canonical: the editor's writer would store exactly this.
    assert richtext.canonical_markdown(text, limit=10_000) == text


def test_markup_is_not_part_of_what_readers_see():
    with pytest.raises(wording.NotFound):
        wording.locate(PRIVACY, body(BODY), "**no patient**")
    assert wording.locate(PRIVACY, body(BODY), "read more please").field == "body"


def test_repeated_words_without_context_are_ambiguous():
    with pytest.raises(wording.Ambiguous):
        wording.locate(PRIVACY, body(BODY), "item")


def test_a_quote_across_two_paragraphs_is_not_found():
    with pytest.raises(wording.NotFound):
        wording.locate(PRIVACY, body(BODY), "please. one item")


def test_changed_context_still_finds_words_that_appear_once():
    place = wording.locate(PRIVACY, body(BODY), "read more", prefix="Now ", suffix=" later")
    assert place.prefix.endswith("Then ")


def test_white_space_in_a_selection_is_collapsed():
    place = wording.locate(PRIVACY, body(BODY), "  no\npatient   names. ")
    assert place.spot == 0


def test_list_items_and_one_line_fields():
    dos = {"dos": ["Be kind online", "Check facts"], "donts": [], "body": ""}
    place = wording.locate(DOS, dos, "facts")
    assert wording.replace(DOS, dos, place, "sources")["dos"] == ["Be kind online", "Check sources"]
    contact = {"name": "Pat Lee", "role": "Social media lead", "email": "", "phone": "", "body": ""}
    place = wording.locate(CONTACT, contact, "media lead")
    assert wording.replace(CONTACT, contact, place, "media manager")["role"] == (
        "Social media manager"
    )


def test_an_empty_quote_is_nowhere():
    assert wording.places(PRIVACY, body(BODY), "   ") == []


def test_context_reaching_into_the_next_paragraph_still_fits():
    place = wording.locate(
        PRIVACY, body(BODY), "item", prefix="please. one ", suffix=" here two item"
    )
    assert place.spot == 1
