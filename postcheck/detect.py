"""The rules "Check my post" applies to a draft post, each finding tied to a guideline section.

Two sources of patterns. Dates and health, insurance and social security numbers are found by
Presidio's predefined pattern recognisers (``recognisers.py``: a maintained library, with
check-digit validation, no model). Everything a hospital post leaks that Presidio has no
recogniser for (a name beside care words, a room or bed, a record number, an age over 89, a
photo in a care area) and the sponsorship, account and advice rules are Charter's own, compiled
with RE2 (``google-re2``), whose automata run in time linear in the text whatever it contains.
RE2 has no look-around, so the few "unless the words before say…" exceptions are checked in
Python on a bounded slice of text. The post is bounded (``MAX_POST``) before it gets here.

The rules read the institution's own guideline where it speaks: its name, its official
accounts and its official hashtags come from the version in force (``Context``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import re2

from . import recognisers
from .models import MAX_POST, Sponsorship

QUOTE_MAX = 90
NEARBY = 120  # characters either side of a name in which a care word counts


def _rx(pattern: str) -> re2._Regexp:
    return re2.compile(pattern)


@dataclass(frozen=True)
class Finding:
    code: str
    title: str  # what we noticed, in plain words
    advice: str  # what to do about it
    section: str  # the guideline section it comes from (a catalogue key)
    quote: str = ""  # the words in the post that led to it


@dataclass(frozen=True)
class Context:
    """What the institution's guideline in force says, and what the writer told us."""

    institution: str = ""
    name_words: tuple[str, ...] = ()  # the institution's name and short forms
    official_handles: tuple[str, ...] = ()  # casefolded, without "@"
    official_hashtags: tuple[str, ...] = ()  # as listed, without "#"
    posting_from_official: bool = False
    platform: str = ""
    sponsorship: str = Sponsorship.NONE


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


# --- helpers ---------------------------------------------------------------------------------

_SENTENCE = _rx(r"[^.!?\n]+")


def sentences(text: str) -> Iterator[tuple[int, str]]:
    """(start, sentence) for every stretch between sentence ends and line breaks."""
    for m in _SENTENCE.finditer(text):
        yield m.start(), m.group(0)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


# --- possible patient information -------------------------------------------------------------

# Words that place a sentence in someone's care.
_CARE = _rx(
    r"(?i)\b(?:patients?|pt|admitted|admission|discharged?|diagnos(?:ed|is)|surgery|operation|"
    r"procedure|treated|treatment|chemo(?:therapy)?|icu|nicu|picu|ward|bedside|delivered|"
    r"labou?r|born|stroke|cancer|tumou?r|overdose|trauma|intubated|ventilator|dialysis|biopsy|"
    r"fracture|scan|mri|coded|passed away|died|resident|hospice|transplant|recovery|"
    r"came in|brought in|rushed in|er|ed|a&e|emergency)\b"
)
# A date a service could have happened on.
_DATE = _rx(
    r"(?i)\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?"
    r"(?:,?\s+\d{4})?|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b(?:\s+\d{4})?)"
)
# Words that make a date a date of service (admission, surgery, birth…).
_SERVICE = _rx(
    r"(?i)\b(?:admitted|admission|discharged?|surgery|operated|operation|procedure|delivered|"
    r"born|treated|diagnosed|er|ed|a&e|emergency|came in|brought in|rushed in|passed away|"
    r"died|transplant|coded|intubated)\b"
)
_NOT_DATES = {"24/7", "24-7", "9-5", "1/2", "1/3", "1/4", "3/4", "50/50"}
_ROOM = _rx(
    r"(?i)\b(?:room|rm|bed|bay|cubicle|stretcher|crib|isolette|pod|stall)\.?\s*"
    r"(?:no\.?\s*|number\s*|#\s*)?\d{1,4}[a-z]?\b"
)
_MRN = _rx(
    r"(?i)\b(?:mrn|medical\s+record(?:\s+(?:number|no\.?|#))?|chart\s+(?:number|no\.?|#)|"
    r"patient\s+(?:id|number|no\.?|#)|record\s+(?:number|no\.?|#)|hospital\s+number|"
    r"nhs\s+number|health\s+card(?:\s+number)?)\s*[:#]?\s*[a-z]{0,3}[-\s]?\d[\d\s-]{3,14}\d"
)
_AGE_NUMBER = r"(?:9\d|1[0-2]\d)"
_AGE = _rx(
    r"(?i)\b(?:"
    + _AGE_NUMBER
    + r"\s*-?\s*(?:years?|yrs?)\s*-?\s*old|"
    + _AGE_NUMBER
    + r"\s*(?:yo|y/o|y\.o\.)|aged?\s+"
    + _AGE_NUMBER
    + r"|turn(?:s|ed|ing)\s+"
    + _AGE_NUMBER
    + r"|"
    + _AGE_NUMBER
    + r"(?:st|nd|rd|th)\s+birthday|centenarian)\b"
)
# "our 100th birthday", "the hospital's 90th": an institution's anniversary, not a person's age.
_ANNIVERSARY_BEFORE = ("our", "hospital's", "clinic's", "centre's", "center's", "its", "the")
_PHOTO = _rx(
    r"(?i)(?:\b(?:photos?|pics?|pictures?|selfies?|videos?|filmed|filming|snapped|camera|"
    r"reel|livestream|live stream|footage|recorded)\b|📸|🤳|🎥|📷)"
)
_CARE_AREA = _rx(
    r"(?:\b(?:ER|ED|OR|ICU|NICU|PICU|PACU|A&E)\b|(?i:\b(?:icu|nicu|picu|pacu|ward|"
    r"emergency\s+(?:room|department)|operating\s+(?:room|theatre|theater)|trauma\s+bay|resus|"
    r"patient'?s?\s+rooms?|bedside|exam(?:ination)?\s+rooms?|recovery\s+room|"
    r"labou?r\s+and\s+delivery|l&d|waiting\s+room|nurses'?\s+station|unit|clinic|"
    r"cath\s+lab|theatre)\b))"
)
# A person named beside care: "Mrs Lopez", "patient Maria", "Tom was admitted".
_HONORIFIC_NAME = _rx(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+[A-Z][a-z]+")
_CARE_THEN_NAME = _rx(
    r"(?i:\b(?:patient|pt|resident|client|baby|little|sweet)\b\.?)\s+(?:(?i:named)\s+)?"
    r"([A-Z][a-z]+)"
)
_NAME_THEN_CARE = _rx(
    r"\b([A-Z][a-z]+)(?:\s+[A-Z][a-z]+)?(?:,?\s+(?:who\s+)?(?i:(?:was|is|got|has\s+been|"
    r"had\s+been|just\s+got)\s+(?:admitted|discharged|diagnosed|transferred|intubated|rushed|"
    r"brought|readmitted|treated|born|delivered|coding|in\s+surgery|in\s+(?:the\s+)?"
    r"(?:icu|er|ed|nicu))\b|came\s+in\b)|(?:'|\x{2019})s\s+(?i:surgery|diagnosis|chemo|scan|"
    r"biopsy|results|tumou?r|cancer|prognosis|bed)\b)"
)
# Capitalised words that are not names (sentence starters, pronouns, days, care words).
_NOT_NAMES = frozenset(
    [
        "the",
        "a",
        "an",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "this",
        "that",
        "these",
        "those",
        "today",
        "tonight",
        "yesterday",
        "tomorrow",
        "she",
        "he",
        "they",
        "it",
        "we",
        "i",
        "you",
        "who",
        "which",
        "what",
        "when",
        "where",
        "why",
        "how",
        "everyone",
        "someone",
        "anyone",
        "nobody",
        "everybody",
        "somebody",
        "patient",
        "patients",
        "safety",
        "experience",
        "care",
        "portal",
        "week",
        "day",
        "services",
        "service",
        "advocate",
        "advocacy",
        "relations",
        "access",
        "education",
        "family",
        "centre",
        "center",
        "information",
        "privacy",
        "rights",
        "satisfaction",
        "first",
        "here",
        "there",
        "then",
        "now",
        "so",
        "and",
        "but",
        "or",
        "if",
        "as",
        "at",
        "on",
        "in",
        "of",
        "for",
        "with",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "nurse",
        "nurses",
        "doctor",
        "doctors",
        "staff",
        "team",
        "unit",
        "ward",
        "surgery",
        "emergency",
        "baby",
        "little",
        "sweet",
        "resident",
        "client",
        "thank",
        "thanks",
        "happy",
        "congratulations",
        "congrats",
        "shout",
        "shoutout",
        "proud",
        "great",
        "big",
        "huge",
        "another",
        "one",
        "two",
        "three",
        "every",
        "all",
        "some",
        "many",
        "most",
        "no",
        "not",
        "never",
        "also",
        "just",
        "still",
        "again",
        "after",
        "before",
        "while",
        "since",
        "once",
        "new",
        "old",
        "good",
        "best",
        "last",
        "next",
    ]
)


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence holding text[start:end] (a dot inside the span does not end it)."""
    left = max(text.rfind(c, 0, start) for c in ".!?\n") + 1
    rights = [i for i in (text.find(c, end) for c in ".!?\n") if i >= 0]
    right = min(rights) if rights else len(text)
    return text[left:right]


def _in_sentence_with(pattern: re2._Regexp, text: str, start: int, end: int) -> bool:
    """Whether the sentence holding text[start:end] also matches ``pattern``."""
    return pattern.search(_sentence_around(text, start, end)) is not None


_WORD = _rx(r"\w+")


def _says_any(words: tuple[str, ...], text: str) -> bool:
    """Whether any of these words or phrases stands as whole words in ``text``."""
    spaced = " " + " ".join(_WORD.findall(text.casefold())) + " "
    return any(f" {w} " in spaced for w in words)


def _dates(text: str) -> Iterator[tuple[int, int]]:
    """Every date in the post: Presidio's date recogniser, then Charter's own forms written
    with month names ("March 3rd", "3 March") that it does not read."""
    for hit in recognisers.dates(text):
        yield hit.start, hit.end
    for m in _DATE.finditer(text):
        yield m.start(), m.end()


def _identifier(text: str) -> tuple[str, str] | None:
    """(what it looks like, the words) for a health, insurance or social security number that
    Presidio recognises, once the words its recogniser expects (its context: "NHS",
    "Medicare", "member"…) stand in the same sentence."""
    for hit in recognisers.identifiers(text):
        if _says_any(hit.context, _sentence_around(text, hit.start, hit.end)):
            return hit.kind, text[hit.start : hit.end]
    return None


def patient_information(text: str, ctx: Context) -> list[Finding]:
    found: list[Finding] = []
    names = set(w.casefold() for w in ctx.name_words for w in w.split())

    def name_hit() -> str | None:
        for m in _HONORIFIC_NAME.finditer(text):
            # A care word within a sentence or so either side.
            if _CARE.search(text[max(0, m.start() - NEARBY) : m.end() + NEARBY]):
                return m.group(0)
        for rx in (_CARE_THEN_NAME, _NAME_THEN_CARE):
            for m in rx.finditer(text):
                word = m.group(1).casefold()
                if word not in _NOT_NAMES and word not in names:
                    return m.group(0)
        return None

    quote = name_hit()
    if quote:
        found.append(
            Finding(
                "patient_name",
                "A name appears next to words about someone's care.",
                "Even a first name with a care detail can identify a patient. Take the name "
                "out, or ask the social media team about the consent process before posting.",
                "privacy",
                _quote(quote),
            )
        )
    for start, end in _dates(text):
        if text[start:end].strip() in _NOT_DATES:
            continue
        if _in_sentence_with(_SERVICE, text, start, end):
            found.append(
                Finding(
                    "date_of_service",
                    "A date sits next to a visit, admission, birth or treatment.",
                    "A date of service is patient information: together with the place it can "
                    "point to one person. Leave the date out.",
                    "privacy",
                    _quote(text[start:end]),
                )
            )
            break
    m = _ROOM.search(text)
    if m:
        found.append(
            Finding(
                "room_bed",
                "A room or bed number is mentioned.",
                "Room and bed numbers say where a patient is. Leave them out.",
                "privacy",
                _quote(m.group(0)),
            )
        )
    # Presidio's recognisers name the number more precisely (and checked its digits).
    m = _MRN.search(text)
    number = _identifier(text) or (
        ("a medical record or patient number", m.group(0)) if m else None
    )
    if number:
        found.append(
            Finding(
                "record_number",
                f"What looks like {number[0]} is in the post.",
                "Record, health service and insurance numbers identify a patient directly. "
                "Never post them, even partly.",
                "privacy",
                _quote(number[1]),
            )
        )
    for m in _AGE.finditer(text):
        before = text[max(0, m.start() - 20) : m.start()].split()
        if (
            "birthday" in m.group(0).casefold()
            and before
            and before[-1].casefold() in (_ANNIVERSARY_BEFORE)
        ):
            continue
        found.append(
            Finding(
                "age_over_89",
                "An age over 89 is mentioned.",
                "Ages over 89 are rare enough to identify someone, so privacy rules treat them "
                "as patient information. Say 'a long life' instead of the number.",
                "privacy",
                _quote(m.group(0)),
            )
        )
        break
    for m in _PHOTO.finditer(text):
        if _in_sentence_with(_CARE_AREA, text, m.start(), m.end()):
            found.append(
                Finding(
                    "photo_care_area",
                    "The post mentions a photo or video taken where care happens.",
                    "Pictures in care areas catch patients, screens, whiteboards and wristbands. "
                    "Check the background, or use a picture taken away from patients.",
                    "privacy",
                    _quote(m.group(0)),
                )
            )
            break
    return found


# --- sponsored or gifted without a disclosure -------------------------------------------------

_DISCLOSURE = _rx(
    r"(?i)(?:#(?:ad|advert|advertisement|sponsored|sponsor|gifted|gift|partner|paidpartnership|"
    r"paid|collab|affiliate)\b|\bpaid\s+partnership\b|\bsponsored\s+by\b|\bin\s+partnership\s+"
    r"with\b|\bgifted\s+by\b|\b(?:ad|advert|sponsored|gifted)\s*[:|]|\[ad\]|\(ad\)|"
    r"\bthis\s+is\s+an\s+ad\b|\bpaid\s+(?:post|promotion)\b|\bi\s+was\s+(?:paid|gifted)\b|"
    r"\b(?:affiliate|commission)\s+link\b)"
)
_PROMOTION_CUES = _rx(
    r"(?i)\b(?:discount\s+code|promo\s+code|use\s+(?:my\s+)?code|my\s+code|link\s+in\s+"
    r"(?:my\s+)?bio|swipe\s+up|sent\s+me|partnered\s+with|ambassador|commission|"
    r"\d{1,2}%\s+off|shop\s+now)\b"
)


def sponsorship(text: str, ctx: Context) -> list[Finding]:
    if _DISCLOSURE.search(text):
        return []
    if ctx.sponsorship != Sponsorship.NONE:
        given = "sponsored" if ctx.sponsorship == Sponsorship.SPONSORED else "gifted"
        return [
            Finding(
                "no_disclosure",
                f"You said this post is {given}, but the post itself does not say so.",
                "Say it in the post, where everyone sees it: start with #ad or use the "
                "platform's paid-partnership label, and name the brand.",
                "regulatory",
            )
        ]
    m = _PROMOTION_CUES.search(text)
    if m:
        return [
            Finding(
                "promotion_cue",
                "This reads like a promotion, with no disclosure in the post.",
                "If you were paid, given something or earn from a code or link, say so in the "
                "post (#ad or the paid-partnership label). If not, you can ignore this.",
                "regulatory",
                _quote(m.group(0)),
            )
        ]
    return []


# --- the institution's name, accounts and hashtags --------------------------------------------

_HASHTAG = _rx(r"#(\w{2,60})")
_DISCLAIMER = _rx(
    r"(?i)\b(?:views?\s+(?:are\s+)?(?:my|mine)\s*(?:own)?|opinions?\s+(?:are\s+)?(?:my|mine)\s*"
    r"(?:own)?|my\s+own\s+(?:views?|opinions?)|personal\s+account|not\s+(?:speaking|posting)\s+"
    r"(?:for|on\s+behalf\s+of))"
)
_LOOKALIKE_ADDITIONS = ("official", "real", "team", "staff", "news", "hq", "the", "we", "us")


def _fold(tag: str) -> str:
    return tag.casefold().replace("_", "")


def distance(a: str, b: str, limit: int = 3) -> int:
    """Edit distance, stopping early past ``limit`` (both sides are at most 60 characters)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _mimics(tag: str, official: str) -> bool:
    t, o = _fold(tag), _fold(official)
    if tag.casefold() == official.casefold():
        return False
    if t == o:
        return True  # the same letters, split differently: #Riverside_Health
    if len(o) >= 6 and 0 < distance(t, o) <= (1 if len(o) < 10 else 2):
        return True
    return any(t in (o + extra, extra + o) for extra in _LOOKALIKE_ADDITIONS)


def institution(text: str, ctx: Context) -> list[Finding]:
    if ctx.posting_from_official:
        return []
    found: list[Finding] = []
    # Hashtags are judged as hashtags below, not as mentions of the name.
    folded = _HASHTAG.sub(" ", text).casefold()
    tags = [m.group(1) for m in _HASHTAG.finditer(text)][:50]
    official_tags = [t for t in ctx.official_hashtags if t][:50]
    official_used = [t for t in tags if any(t.casefold() == o.casefold() for o in official_tags)]
    name_used = next(
        (w for w in ctx.name_words if len(w) >= 4 and w.casefold() in folded),
        None,
    )
    handle_used = next((h for h in ctx.official_handles if h and f"@{h}" in folded), None)
    if (name_used or handle_used) and not _DISCLAIMER.search(text):
        found.append(
            Finding(
                "institution_name",
                f"The post names {ctx.institution or 'the institution'} from an account that "
                "is not one of its official accounts.",
                "That is allowed, but make it clear the post is yours: add 'views are my own' "
                "(or similar), don't use the logo, and don't speak for the institution.",
                "disclosure",
                _quote(name_used or f"@{handle_used}"),
            )
        )
    if official_used:
        found.append(
            Finding(
                "official_hashtag",
                "The post uses an official hashtag from a personal account.",
                "Official hashtags gather the institution's own posts. Check the guideline on "
                "when staff may use them, and never on complaints or patient stories.",
                "accounts",
                _quote("#" + official_used[0]),
            )
        )
    targets = [*official_tags, *(w.replace(" ", "") for w in ctx.name_words if len(w) >= 6)]
    for tag in tags:
        if any(tag.casefold() == o.casefold() for o in official_tags):
            continue
        if any(_mimics(tag, target) for target in targets):
            found.append(
                Finding(
                    "lookalike_hashtag",
                    "A hashtag looks like an official one but is not on the official list.",
                    "Look-alike hashtags confuse people and are a favourite of impostors. Use "
                    "the official hashtag exactly as listed, or none.",
                    "accounts",
                    _quote("#" + tag),
                )
            )
            break
    return found


# --- individual medical advice ----------------------------------------------------------------

_MED = (
    r"(?:mg|mcg|dose|doses|dosage|meds|medications?|medicines?|pills?|tablets?|capsules?|"
    r"antibiotics?|insulin|ibuprofen|paracetamol|acetaminophen|tylenol|advil|aspirin|statins?|"
    r"steroids?|inhalers?|vitamins?|supplements?|prescriptions?|antidepressants?|metformin|"
    r"melatonin|blood\s+thinners?|chemo|treatment|therapy)"
)
_ADVICE = [
    _rx(
        r"(?i)\byou\s+(?:should|must|need\s+to|ought\s+to|can\s+just|could)\s+"
        r"(?:(?:just|definitely|probably|really|simply)\s+)?(?:take|stop|start|double|skip|"
        r"increase|decrease|reduce|lower|raise|switch|avoid|come\s+off|go\s+off|halve)\b"
        r"[^.!?\n]{0,40}\b" + _MED + r"\b"
    ),
    _rx(r"(?i)(?:^|[.!?\n]\s*)(?:stop|start|double|skip)\s+(?:taking\s+)?(?:your|the)\s+" + _MED),
    _rx(
        r"(?i)\b(?:take|taking|give|giving|try)\s+(?:\w+\s+){0,3}\d+(?:\.\d+)?\s*"
        r"(?:mg|mcg|ml|units?|iu|tablets?|pills?|capsules?|puffs?|drops?)\b"
    ),
    _rx(
        r"(?i)\b(?:dm|message|pm|email|text|inbox)\s+me\s+(?:with\s+)?(?:your|for)\s+"
        r"(?:symptoms|results|labs|meds|medications?|prescriptions?|diagnosis|scans?|"
        r"medical\s+advice|advice)"
    ),
    _rx(
        r"(?i)\b(?:no\s+need\s+to|don'?t\s+need\s+to|do\s+not\s+need\s+to|you\s+don'?t\s+have\s+"
        r"to)\s+(?:see|call|visit|ask)\s+(?:a|your)\s+(?:doctor|gp|physician|nurse|pharmacist)"
    ),
    _rx(
        r"(?i)\bif\s+you\s+(?:have|are\s+having|feel|notice|get)\b[^.!?\n]{0,80}\b(?:just\s+)?"
        r"(?:take|double|skip)\s+[^.!?\n]{0,30}\b" + _MED + r"\b"
    ),
]


def medical_advice(text: str, ctx: Context) -> list[Finding]:
    for rx in _ADVICE:
        m = rx.search(text)
        if m:
            return [
                Finding(
                    "medical_advice",
                    "Part of the post reads like advice for one person's health.",
                    "Share general, evidence-based information and point people to their own "
                    "clinician; don't tell someone what to take or stop, or invite symptoms "
                    "by message.",
                    "accuracy",
                    _quote(m.group(0).lstrip(".!?\n ")),
                )
            ]
    return []


RULES = (patient_information, sponsorship, institution, medical_advice)


def check(text: str, ctx: Context) -> Report:
    """Every rule over the post (bounded to ``MAX_POST`` characters)."""
    text = text[:MAX_POST]
    report = Report()
    for rule in RULES:
        report.findings.extend(rule(text, ctx))
    return report
