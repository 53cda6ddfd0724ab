"""Where the words matched, as pieces of plain text for the template to escape and mark.

Nothing here builds HTML: a snippet is a list of (text, matched) pieces and the template wraps
matched pieces in ``<mark>`` with autoescaping on, so a guideline's text can never inject markup
through a search result.
"""

from __future__ import annotations

from dataclasses import dataclass

from .query import Term, root

WINDOW = 240  # characters of body shown around the first match
BEFORE = 60


@dataclass(frozen=True)
class Piece:
    text: str
    matched: bool


def _tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word, in one pass."""
    spans: list[tuple[int, int]] = []
    start = -1
    for i, ch in enumerate(text):
        if ch.isalnum():
            if start < 0:
                start = i
        elif start >= 0:
            spans.append((start, i))
            start = -1
    if start >= 0:
        spans.append((start, len(text)))
    return spans


def _matchers(terms: list[Term]) -> list[str]:
    roots = []
    for term in terms:
        for word in term.words:
            roots.append(word if term.prefix else root(word))
    return [r for r in roots if r]


def matches(text: str, terms: list[Term]) -> list[tuple[int, int]]:
    """Spans of the words a term lights up (a word starting with a term's root)."""
    roots = _matchers(terms)
    return [
        (s, e) for s, e in _tokens(text) if any(text[s:e].casefold().startswith(r) for r in roots)
    ]


def pieces(text: str, spans: list[tuple[int, int]]) -> list[Piece]:
    out: list[Piece] = []
    at = 0
    for s, e in spans:
        if s > at:
            out.append(Piece(text[at:s], False))
        out.append(Piece(text[s:e], True))
        at = e
    if at < len(text):
        out.append(Piece(text[at:], False))
    return out


def snippet(text: str, terms: list[Term]) -> list[Piece]:
    """A window of the text around its first match (its start when nothing lights up)."""
    spans = matches(text, terms)
    start = 0
    if spans:
        start = max(0, spans[0][0] - BEFORE)
        while start > 0 and not text[start - 1].isspace():
            start -= 1  # begin on a word
    end = min(len(text), start + WINDOW)
    while end < len(text) and not text[end].isspace() and end - start < WINDOW + 30:
        end += 1
    window = text[start:end].replace("\n", " · ")
    result = pieces(window, matches(window, terms))
    if start > 0:
        result.insert(0, Piece("… ", False))
    if end < len(text):
        result.append(Piece(" …", False))
    return result
