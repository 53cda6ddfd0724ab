"""The checks' building blocks: prose read as words, and the factories the catalogue uses."""

from __future__ import annotations

from guidelines.checks import (
    TWO_FACTOR,
    at_least,
    mentions,
    mentions_any,
    mentions_together,
    plain_text,
    rows_have,
    valid_url,
)


def test_plain_text_strips_markdown_but_keeps_the_words() -> None:
    markdown = (
        "# Heading\n> quoted **bold** and _italic_\n- [a link](https://x.example) and "
        "![an image](i.png)\n1. `code` &amp; <b>html</b>"
    )
    assert plain_text(markdown).split() == [
        "Heading",
        "quoted",
        "bold",
        "and",
        "italic",
        "a",
        "link",
        "and",
        "an",
        "image",
        "code",
        "&",
        "html",
    ]


def test_keywords_match_whatever_the_case_dashes_and_markup() -> None:
    assert mentions("Turn on Two-Factor sign-in", *TWO_FACTOR)
    assert mentions_any(*TWO_FACTOR)({"body": "Turn on **Two**-factor sign-in"})
    assert mentions("use 2‑step verification", *TWO_FACTOR)
    assert not mentions("Choose a long password", *TWO_FACTOR)


def test_mentions_any_reads_every_field_of_the_section() -> None:
    test = mentions_any(*TWO_FACTOR)
    assert test({"body": "Passwords matter.", "tips": ["Use MFA everywhere"]})
    assert not test({"body": "Passwords matter.", "tips": []})


def test_mentions_together_needs_both_in_one_sentence() -> None:
    test = mentions_together((r"\breport\b",), (r"\bhacked\b",))
    assert test({"body": "If your account is hacked, report it at once."})
    assert not test({"body": "Report odd messages. An account can be hacked."})


def test_list_table_and_address_factories() -> None:
    assert at_least("dos", 2)({"dos": ["a", "b"]}) and not at_least("dos", 2)({"dos": ["a"]})
    has_handles = rows_have("accounts", "platform", "handle")
    assert has_handles({"accounts": [{"platform": "X", "handle": "@a"}]})
    assert not has_handles({"accounts": [{"platform": "X", "handle": " "}]})
    assert valid_url("url")({"url": "https://example.org/policy"})
    assert not valid_url("url")({"url": "javascript:alert(1)"})
    assert not valid_url("url")({})
