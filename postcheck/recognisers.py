"""Presidio's predefined pattern recognisers, used directly on a draft post.

Presidio (``presidio-analyzer``) keeps maintained, tested patterns for dates and for national
health and insurance numbers, several with check-digit validation (an NHS number's modulus
11, a Medicare beneficiary identifier's letter rules). We call each recogniser's ``analyze``
ourselves with no NLP artefacts: the ``AnalyzerEngine`` is never built, so no spaCy pipeline
is loaded and no model is downloaded, at start-up or at run time.

Left out on purpose: the e-mail and web-address recognisers (they validate through
``tldextract``, which fetches the public suffix list over the network), the phone recogniser
(``phonenumbers`` scanning is slow on long runs of digits and separators), the health
insurance member ID recogniser (its look-aheads rescan a long run of letters, digits and dashes
from every position, quadratic time on a hostile paste) and the name recognisers (they need a
trained model).

Presidio matches with the backtracking ``regex`` module. The patterns used here have no nested
repetition (each is tested against pathological pastes in tests/postcheck/test_detect.py), the
post is at most ``MAX_POST`` characters, and Presidio's per-pattern timeout is lowered from its
60-second default to one second as a last resort.
"""

from __future__ import annotations

from dataclasses import dataclass

from presidio_analyzer import PatternRecognizer, RecognizerResult, pattern_recognizer
from presidio_analyzer.predefined_recognizers import (
    AuMedicareRecognizer,
    CaSinRecognizer,
    DateRecognizer,
    NhsRecognizer,
    UsMbiRecognizer,
    UsSsnRecognizer,
)

# Presidio reads this module global at match time; a post check must answer in well under a
# second, so a pattern that ever ran this long is abandoned rather than waited for.
pattern_recognizer.REGEX_TIMEOUT_SECONDS = 1


@dataclass(frozen=True)
class Hit:
    """One span a recogniser found, with the words that make it likely (its context)."""

    kind: str  # what it looks like, in plain words
    start: int
    end: int
    score: float
    context: tuple[str, ...]


# Numbers that identify a patient to their health service or insurer, with the name a person
# would use for each.
_IDENTIFIERS: tuple[tuple[PatternRecognizer, str], ...] = (
    (NhsRecognizer(), "an NHS number"),
    (UsMbiRecognizer(), "a Medicare beneficiary identifier"),
    (AuMedicareRecognizer(), "a Medicare card number"),
    (UsSsnRecognizer(), "a social security number"),
    (CaSinRecognizer(), "a social insurance number"),
)
_DATES = DateRecognizer()


def _run(recogniser: PatternRecognizer, text: str) -> list[RecognizerResult]:
    """The recogniser's own patterns and validation, without NLP artefacts (no spaCy)."""
    return recogniser.analyze(text, entities=recogniser.supported_entities)


def _context(recogniser: PatternRecognizer) -> tuple[str, ...]:
    return tuple(w.casefold() for w in (recogniser.context or []))


def identifiers(text: str) -> list[Hit]:
    """Health, insurance and social security numbers, best score first."""
    hits = [
        Hit(kind, r.start, r.end, r.score, _context(recogniser))
        for recogniser, kind in _IDENTIFIERS
        for r in _run(recogniser, text)
    ]
    return sorted(hits, key=lambda h: (-h.score, h.start))


def dates(text: str) -> list[Hit]:
    """Dates written with numbers or month abbreviations, in the order they appear."""
    hits = [Hit("a date", r.start, r.end, r.score, _context(_DATES)) for r in _run(_DATES, text)]
    return sorted(hits, key=lambda h: h.start)
