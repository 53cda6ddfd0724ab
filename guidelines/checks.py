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
from dataclasses import dataclass
from typing import Any

from . import facts
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
        return plain_text(facts.strip(data))
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
GAP = r"(?:\W+\w+){0,5}?\W+"  # up to five words in between
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
    r"|check\w* up on|seek\w* out|track\w* down|hunt\w* (for|down))" + GAP + r"(patients?"
    r"|people (in|under) your care|those (in|under) your care)\b",
    r"\blook\w* (?:\w+ ){0,3}?patients? up\b",
    r"\bpatients?\b" + GAP + r"(searched|googled|looked up|looked for|looked into)\b",
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


# --- Checks that read meaning ------------------------------------------------------------------
# A section can mention its topic and still say the opposite of what it exists for ("Feel free
# to post patient information"). These rules read sentence by sentence: a sentence is a finding
# when it names the rule's subject and takes the permissive (or dismissive) stance, unless a
# negation governs the stance ("is not fine", "never acceptable"), a condition limits it ("only
# with the patient's signed authorization"), or the sentence is a question. Every pattern is a
# bounded regex over one folded sentence, so the work grows linearly with the text.

_CLAUSE_BREAK = re.compile(r"[,:;()]|\bbut\b|\bhowever\b|\bwhereas\b")
_NEGATORS = re.compile(
    r"\b(not|never|no|nor|don't|do not|doesn't|does not|isn't|aren't|cannot|can't|won't"
    r"|shouldn't|mustn't|wouldn't|avoid|without|nobody|no one|neither|hardly|rarely)\b"
)
_LEADING_NEGATION = re.compile(r"^(never|don't|do not|avoid|no one|nobody|under no)\b")
_NEGATED_AFTER = re.compile(r"^\W*(not|never|n't|no longer)\b")
_EXCEPTION = re.compile(r"\b(except|other than|apart from|but not|excluding|anything but)\b")
# Words that limit a permission so that it no longer contradicts the section.
CONDITIONS = (
    r"\bonly (with|if|after|when|once|through|via|by|on|in)\b",
    r"\bunless\b",
    r"\bprovided (that )?\b",
    r"\bas long as\b",
)
_QUOTE_LIMIT = 240

Finder = Callable[[SectionData], str]


@dataclass(frozen=True)
class Contradiction:
    """A sentence pattern that says the opposite of what a section is for, with why it matters."""

    subject: tuple[str, ...]  # what the sentence is about ("patient information")
    stance: tuple[str, ...] = ()  # the permissive stance; empty: naming the subject is enough
    conditions: tuple[str, ...] = CONDITIONS  # limits that make a permission acceptable
    fields: tuple[str, ...] = ()  # fields to read; empty: every field's prose
    negatable: bool = True  # False: "must not" is as much a finding as "must"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _negated(folded: str, start: int, end: int) -> bool:
    """Whether a negation governs the words at ``folded[start:end]``."""
    before = folded[:start]
    if _LEADING_NEGATION.match(folded) and start > 0:
        return True
    clause = _CLAUSE_BREAK.split(before)[-1]
    if _NEGATORS.search(" ".join(clause.split()[-6:])):
        return True
    return bool(_NEGATED_AFTER.match(folded[end : end + 16]))


def _first(patterns: tuple[str, ...], folded: str) -> re.Match[str] | None:
    for pattern in patterns:
        found = re.search(pattern, folded)
        if found:
            return found
    return None


def contradicting_sentence(rule: Contradiction, text: str) -> str:
    """The first sentence of ``text`` that says what the rule describes, or ""."""
    for sentence in _sentences(text):
        if sentence.endswith("?"):
            continue  # a question asks; it does not assert
        folded = _fold(sentence)
        subject = _first(rule.subject, folded)
        if subject is None:
            continue
        if not rule.stance:
            if not rule.negatable or not _negated(folded, subject.start(), subject.end()):
                return sentence
            continue
        if any(re.search(p, folded) for p in rule.conditions):
            continue
        for pattern in rule.stance:
            for stance in re.finditer(pattern, folded):
                if _negated(folded, stance.start(), stance.end()):
                    continue
                lo, hi = sorted((stance.end(), subject.start()))
                if _EXCEPTION.search(folded[lo:hi]):
                    continue
                return sentence
    return ""


def quoted(sentence: str) -> str:
    """A sentence as it appears in a finding: trimmed, in quotation marks."""
    text = " ".join(sentence.split())
    if len(text) > _QUOTE_LIMIT:
        text = text[: _QUOTE_LIMIT - 1].rstrip() + "…"
    return f"\u201c{text}\u201d"


def contradiction(rule: Contradiction, why: str) -> Finder:
    """A finder for the catalogue: explains what it found and why it matters, quoting it."""

    def find(data: SectionData) -> str:
        if rule.fields:
            text = "\n".join(_prose(data.get(name)) for name in rule.fields)
        else:
            text = _prose(data)
        sentence = contradicting_sentence(rule, text)
        return f"{quoted(sentence)} {why}" if sentence else ""

    return find


# Stances the meaning rules look for, on folded sentences.
_WHO = (
    r"(you|staff|employees|everyone|anyone|clinicians|nurses|physicians|doctors|we|they"
    r"|colleagues)"
)
PERMISSION = (
    r"\bfeel free\b",
    r"\b(is|are|it's|that's|it is|that is|be|seems|considered) (totally |perfectly |generally "
    r"|usually |always |completely )?(fine|ok|okay|acceptable|allowed|permitted|harmless"
    r"|no problem|alright|all right|safe|appropriate|encouraged|welcome)\b",
    r"\b(fine|ok|okay|acceptable|alright|safe|appropriate|harmless) to\b",
    r"\b" + _WHO + r" (may|can|could|are (welcome|free|allowed|permitted|encouraged) to)\b",
    r"\bwelcome to\b",
    r"\bgo ahead\b",
    r"\bnothing wrong with\b",
    r"\bno (harm|problem|issue) (in|with)\b",
    r"\bup to you\b",
    r"\bfreely\b",
)
OPTIONAL = (
    r"\boptional\b",
    r"\bnot (required|necessary|needed|important|essential|mandatory)\b",
    r"\bunnecessary\b",
    r"\bno need\b",
    r"\b(needn't|need not)\b",
    r"\b(don't|do not|doesn't|does not) (really )?(need|have) to\b",
    r"\b(doesn't|does not) matter\b",
    r"\bdon't bother\b",
    r"\b(skip|skipped|skipping)\b",
    r"\bif you (like|want|wish|prefer)\b",
    r"\bup to you\b",
    r"\bnot worth\b",
)
_NOT_SAYING = (
    r"\b(never|don't|do not|avoid|no need to|needn't|need not|don't need to|do not need to"
    r"|don't have to|do not have to|shouldn't|should not|not necessary to|not required to)\b"
    r"(?!\W+(hesitate|forget|fail))(?:\W+\w+){0,2}?\W+(disclos|mention|say|state|reveal|admit"
    r"|tell|show|identify|name|label|tag)\w*"
)
HIDING = (
    _NOT_SAYING,
    r"^(hide|conceal)\b",
    r"\b(you|staff|we|they) (should|can|may|could) (hide|conceal)\b",
    r"\b(hide|conceal)\w* (your|their|it|this|that|where|who)\b",
    r"\bkeep\b(?:\W+\w+){0,3}?\W+(quiet|secret|private|hidden|to yourself)\b",
    r"\b(keep quiet about|leave out)\b",
    r"\b(disclosure|disclosing) (is|are) (optional|unnecessary|not (needed|necessary|required))",
)
RULE_LANGUAGE = (
    r"\bmust\b",
    r"\b(will|may|can|could|shall) (be|face|result in|lead to) (\w+ )?(disciplin\w*|dismiss\w*"
    r"|terminat\w*|fired|sanction\w*|suspend\w*|suspension)\b",
    r"\bdisciplinary (action|measures?|procedures?|process)\b",
    r"\bgrounds for (dismissal|termination|discipline)\b",
    r"\b(strictly )?(prohibited|forbidden)\b",
    r"\bzero tolerance\b",
    r"\bmandatory\b",
    r"\bshall\b",
)
