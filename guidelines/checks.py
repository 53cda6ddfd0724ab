"""The checks a section's text must pass before submitting, and the words they look for.

The catalogue (``guidelines/sections.py``) builds each section's checks from these factories
and keyword patterns; ``schema.run_checks`` runs them. Keyword checks read the section's prose
with Markdown stripped and case, dashes and apostrophes folded, so "**Two**-factor" and
"two factor" count the same.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

from .schema import SectionData, url_error

CheckTest = Callable[[SectionData], bool]

_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\](\([^)]*\)|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+|[^@>\s]+@[^>\s]+)>")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|])")
_LINE_MARKER = re.compile(r"^[ \t]*(?:(?:#{1,6}|[-*+]|\d+[.)])[ \t]+|>[ \t]?)+", re.MULTILINE)
_DECORATION = re.compile(r"[*_~`|]+")
_DASHES = re.compile("[\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212/]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def plain_text(markdown: str) -> str:
    """Markdown reduced to its words (line breaks kept), for keyword checks and previews."""
    text = _FENCE.sub("", markdown)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub(" ", text)
    text = _LINE_MARKER.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    text = _DECORATION.sub(" ", text)
    return html.unescape(text)


def _fold(text: str) -> str:
    """Lower-case, straight quotes, dashes and slashes as spaces, single spaces."""
    text = _DASHES.sub(" ", text.casefold().translate(_QUOTES))
    return " ".join(text.split())


def _prose(data: Any) -> str:
    """All the words in a section's content, one value per line."""
    if isinstance(data, str):
        return plain_text(data)
    if isinstance(data, Mapping):
        return "\n".join(_prose(v) for v in data.values())
    if isinstance(data, list | tuple):
        return "\n".join(_prose(v) for v in data)
    return ""


def mentions(text: str, *patterns: str) -> bool:
    """Whether folded text matches any of the regex patterns (written lower-case, dash-free)."""
    folded = _fold(text)
    return any(re.search(p, folded) for p in patterns)


def filled(name: str) -> CheckTest:
    """Passes when the field has a value (text, or at least one item or row)."""
    return lambda data: bool(data.get(name))


def at_least(name: str, count: int) -> CheckTest:
    """Passes when a list or table field has at least ``count`` entries."""
    return lambda data: len(data.get(name) or []) >= count


def one_of(name: str, values: tuple[str, ...]) -> CheckTest:
    """Passes when a choice field holds one of the allowed values."""
    return lambda data: data.get(name) in values


def valid_url(name: str) -> CheckTest:
    """Passes when the field holds a valid http(s) web address."""
    return lambda data: bool(data.get(name)) and url_error("", str(data[name])) is None


def rows_have(name: str, *columns: str) -> CheckTest:
    """Passes when every row of a table fills in the given columns."""
    return lambda data: all(
        all(str(row.get(col) or "").strip() for col in columns) for row in data.get(name) or []
    )


def rows_valid_url(name: str, column: str) -> CheckTest:
    """Passes when the table has rows and each row's web address is valid."""

    def test(data: SectionData) -> bool:
        rows = data.get(name) or []
        return bool(rows) and all(
            row.get(column) and url_error("", str(row[column])) is None for row in rows
        )

    return test


def mentions_any(*patterns: str) -> CheckTest:
    """Passes when the section's prose matches any pattern."""
    return lambda data: mentions(_prose(data), *patterns)


def mentions_together(first: tuple[str, ...], second: tuple[str, ...]) -> CheckTest:
    """Passes when one sentence matches a pattern from each group ("report" + "hacked")."""

    def test(data: SectionData) -> bool:
        sentences = _SENTENCE_END.split(_prose(data))
        return any(mentions(s, *first) and mentions(s, *second) for s in sentences)

    return test


# Keyword patterns for checks. They run on folded text: lower-case, Markdown stripped, dashes
# and slashes turned into spaces, so write them lower-case with spaces instead of hyphens.
_GAP = r"(?:\W+\w+){0,5}?\W+"  # up to five words in between
_NEGATION = r"\b(not|never|no|don't|do not|doesn't|does not|isn't|aren't|cannot|can't|won't)\b"

AFFILIATION = (
    r"\bdisclos",
    r"\baffiliat",
    r"\b(views|opinions?|thoughts|posts?) (are|is) (my|their|his|her|your|our) own\b",
    r"\bspeak\w* (only )?for (myself|yourself|themselves|himself|herself)\b",
    r"\b(do not|don't|does not|doesn't) (necessarily )?(represent|reflect) the views\b",
    r"\b(say|state|mention|make (it )?clear) (that )?(you|they) work (at|for)\b",
)
PATIENT_INFORMATION = (
    r"\bpatients?\b(?:\W+\w+){0,3}?\W+(information|info|data|details|records?|identit\w*"
    r"|privacy|confidentiality)\b",
    r"\b(personal|protected|private|confidential) (health|medical) information\b",
    r"\bphi\b",
    r"\bmedical records?\b",
)
IMAGES = (r"\b(photo\w*|images?|imagery|pictures?|pics|videos?|selfies?|footage)\b",)
LOOKING_UP = (
    r"\b(search\w*|googl\w*|snoop\w*|stalk\w*|cyberstalk\w*|look\w* (up|for|into)"
    r"|check\w* up on|seek\w* out|track\w* down|hunt\w* (for|down))" + _GAP + r"(patients?"
    r"|people (in|under) your care|those (in|under) your care)\b",
    r"\blook\w* (?:\w+ ){0,3}?patients? up\b",
    r"\bpatients?\b" + _GAP + r"(searched|googled|looked up|looked for|looked into)\b",
)
NOT_ADVICE = (
    _NEGATION + r"(?:\W+\w+){0,6}?\W+(medical|clinical|health|healthcare|individual|personal"
    r"|personali[sz]ed|individuali[sz]ed|specific) advice\b",
    r"\b(substitute|replacement) for\b(?:\W+\w+){0,3}?\W+(advice|care|consultation|visit)\b",
    r"\bgeneral (health )?information only\b",
)
CONFLICTS = (
    r"\bconflicts? of interests?\b",
    r"\bcompeting interests?\b",
    r"\bcoi\b",
    r"\b(financial|commercial|industry) (interests?|ties|relationships?)\b",
)
TWO_FACTOR = (
    r"\btwo (factor|step)\b",
    r"\b2 (factor|step)\b",
    r"\b2fa\b",
    r"\b2sv\b",
    r"\bmulti factor\b",
    r"\bmfa\b",
)
REPORT = (
    r"\b(report\w*|tell|telling|notify\w*|contact\w*|call\w*|alert\w*|inform\w*|escalat\w*"
    r"|let (?:\w+ ){0,2}?know)\b",
)
COMPROMISE = (
    r"\b(compromis\w*|hack\w*|breach\w*|hijack\w*|taken over|takeover|unauthori[sz]ed"
    r"|stolen|suspicious (login|log in|sign in|activity))\b",
)
