"""Reading the search box: words, phrases, prefixes; bounded; safe for PostgreSQL's syntax."""

from __future__ import annotations

import time

from search.finder import needle
from search.query import MAX_TERMS, Term, parse, root, tsquery
from search.snippets import snippet


def test_words_phrases_and_prefixes():
    assert parse('consent "patient photos" photo*') == [
        Term(("consent",)),
        Term(("patient", "photos")),
        Term(("photo",), prefix=True),
    ]


def test_curly_quotes_make_a_phrase_and_an_unclosed_quote_reads_as_words():
    assert parse("“two factor”") == [Term(("two", "factor"))]
    assert parse('"two factor') == [Term(("two",)), Term(("factor",))]


def test_nothing_but_letters_and_digits_reaches_the_query():
    terms = parse("a'b & c) | !d:* <-> e\\")
    assert tsquery(terms) == "'a' & 'b' & 'c' & 'd' & 'e'"
    assert tsquery(parse('"patient photos" photo*')) == "('patient' <-> 'photos') & 'photo':*"


def test_terms_are_bounded_and_unique():
    assert len(parse(" ".join(f"w{i}" for i in range(50)))) == MAX_TERMS
    assert parse("nurse nurse NURSE") == [Term(("nurse",))]


def test_a_long_hostile_query_reads_quickly():
    started = time.perf_counter()
    parse('"' * 100_000 + "*a" * 100_000)
    assert time.perf_counter() - started < 0.5


def test_snippet_marks_matches_and_stays_plain_text():
    pieces = snippet("Never post <b>patient</b> photos. Nurses care.", parse("patients nurse"))
    marked = [p.text for p in pieces if p.matched]
    assert marked == ["patient", "Nurses"]
    # The markup is kept as text, for the template to escape.
    assert "".join(p.text for p in pieces).startswith("Never post <b>")


def test_one_needle_for_sections_and_titles():
    """Without a word index, sections (SQLite) and guideline titles look for the same text:
    a phrase or prefix as typed, a word by its root."""
    assert needle(Term(("patient", "photos"))) == "patient photos"
    assert needle(Term(("consen",), prefix=True)) == "consen"
    assert needle(Term(("photos",))) == root("photos")
