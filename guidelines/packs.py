"""Jurisdiction packs: what changes in the starter text and the checks from country to country.

The catalogue (``sections.py``) is written once, with ``{placeholders}`` for the words that
depend on where an institution is: the privacy law, the consent a patient signs, the crisis
line, the rules on endorsements, the professional regulators. A pack fills them, lists the
regulations and official references the regulatory and education sections start from, and
switches on the checks that only apply there. The institution's setting
(``Organization.jurisdiction``) picks the pack; a test proves every pack fills every
placeholder and passes every check.

A pack points to official sources by name and address. It does not make an institution
compliant with anything, and says so: legal review is still the institution's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT = "us"

NOT_LEGAL_ADVICE = (
    "These references point to the official sources. Following this text does not by itself "
    "make an institution compliant with any law or code; have legal review the guideline."
)


@dataclass(frozen=True)
class Pack:
    """The words, references and rules of one jurisdiction."""

    code: str
    name: str
    # Placeholder values used inside the starter text of several sections.
    words: Mapping[str, str]
    regulations: tuple[str, ...]  # the regulatory section's starter list
    references: tuple[tuple[str, str], ...]  # (official source, web address), for education
    note: str = NOT_LEGAL_ADVICE
    checks: tuple[str, ...] = field(default_factory=tuple)  # codes of checks only used here


# The placeholders every pack fills; a test checks the starter text uses no others.
WORDS = (
    "privacy_law",
    "consent",
    "consent_keeper",
    "patient_stories",
    "crisis_line",
    "endorsement_rules",
    "regulators",
    "public_records",
    "ai_agreement",
    "other_region",
)

US = Pack(
    code="us",
    name="United States",
    words={
        "privacy_law": "HIPAA",
        "consent": "signed HIPAA authorization",
        "consent_keeper": "Communications",
        "patient_stories": (
            "which Communications keeps. It says how the story or image will be used, in which "
            "media, when the permission ends and how the patient can withdraw it; for a child, "
            "a parent or guardian signs"
        ),
        "crisis_line": "the 988 Suicide & Crisis Lifeline: call or text 988",
        "endorsement_rules": "the FTC Endorsement Guides",
        "regulators": "state medical, nursing and pharmacy boards",
        "public_records": "public-records law",
        "ai_agreement": "a business associate agreement",
        "other_region": "another state",
    },
    regulations=(
        "HIPAA Privacy and Security Rules",
        "FTC Endorsement Guides: disclosing paid or other material connections",
        "FDA rules on advertising and promotion of drugs and medical devices",
        "State medical, nursing and pharmacy board rules on professional conduct",
        "Copyright and trademark law",
        "National Labor Relations Act: most private-sector employees' right to discuss working "
        "conditions (not supervisors, and not public-sector employers)",
    ),
    references=(
        (
            "HIPAA for professionals (US Department of Health and Human Services)",
            "https://www.hhs.gov/hipaa/for-professionals/index.html",
        ),
        (
            "Disclosures 101 for social media influencers (Federal Trade Commission)",
            "https://www.ftc.gov/business-guidance/resources/"
            "disclosures-101-social-media-influencers",
        ),
        (
            "Employees' right to discuss working conditions (National Labor Relations Board)",
            "https://www.nlrb.gov/",
        ),
        ("988 Suicide & Crisis Lifeline", "https://988lifeline.org/"),
    ),
)

UK = Pack(
    code="uk",
    name="United Kingdom",
    words={
        "privacy_law": "UK GDPR and the Data Protection Act 2018",
        "consent": "explicit written consent",
        "consent_keeper": "Communications",
        "patient_stories": (
            "which Communications keeps. It says how the story or image will be used, in which "
            "media, for how long and how the patient can withdraw it; for a child who cannot "
            "decide, a person with parental responsibility signs"
        ),
        "crisis_line": "Samaritans: call 116 123, free, at any time",
        "endorsement_rules": "the CAP Code, enforced by the Advertising Standards Authority",
        "regulators": "the GMC, the NMC and the other professional regulators",
        "public_records": "the Freedom of Information Act",
        "ai_agreement": "a data processing contract that meets UK GDPR",
        "other_region": "another country",
    },
    regulations=(
        "UK GDPR and the Data Protection Act 2018: health data is special category data",
        "The CAP Code (Advertising Standards Authority): ads and paid posts are labelled",
        "GMC guidance for doctors on using social media",
        "NMC guidance on using social media responsibly",
        "Copyright and trademark law",
    ),
    references=(
        ("UK GDPR guidance (Information Commissioner's Office)", "https://ico.org.uk/"),
        (
            "Influencers' guide to making clear that ads are ads (ASA and CAP)",
            "https://www.asa.org.uk/",
        ),
        (
            "Guidance for doctors on social media (General Medical Council)",
            "https://www.gmc-uk.org/",
        ),
        (
            "Guidance on using social media responsibly (Nursing and Midwifery Council)",
            "https://www.nmc.org.uk/",
        ),
        ("Samaritans", "https://www.samaritans.org/"),
    ),
)

CANADA = Pack(
    code="ca",
    name="Canada",
    words={
        "privacy_law": "PIPEDA and the provincial health-privacy act that applies to you",
        "consent": "signed written consent",
        "consent_keeper": "Communications",
        "patient_stories": (
            "which Communications keeps. It says how the story or image will be used, in which "
            "media, for how long and how the patient can withdraw it; for a patient who cannot "
            "decide, their substitute decision-maker signs"
        ),
        "crisis_line": "9-8-8, the Suicide Crisis Helpline: call or text 988",
        "endorsement_rules": "the Competition Act's rules on deceptive marketing",
        "regulators": "the provincial regulatory colleges",
        "public_records": "access-to-information law",
        "ai_agreement": "a written agreement that protects the information as privacy law requires",
        "other_region": "another province or territory",
    },
    regulations=(
        "PIPEDA and provincial health-privacy acts (for example Ontario's PHIPA)",
        "Competition Act: deceptive marketing, testimonials and endorsements",
        "Your provincial college's standards on social media and professional conduct",
        "Copyright and trademark law",
    ),
    references=(
        ("Office of the Privacy Commissioner of Canada", "https://www.priv.gc.ca/"),
        ("Competition Bureau Canada", "https://competition-bureau.canada.ca/"),
        ("9-8-8 Suicide Crisis Helpline", "https://988.ca/"),
    ),
)

AUSTRALIA = Pack(
    code="au",
    name="Australia",
    words={
        "privacy_law": "the Privacy Act 1988 and any state health-records law",
        "consent": "signed written consent",
        "consent_keeper": "Communications",
        "patient_stories": (
            "which Communications keeps, and only for news or education, never as a "
            "testimonial in advertising for a health service: the advertising rules of Ahpra "
            "and the National Boards do not allow testimonials about clinical care"
        ),
        "crisis_line": "Lifeline: call 13 11 14",
        "endorsement_rules": (
            "the Ahpra and National Boards' guidelines for advertising a regulated health "
            "service and the Australian Consumer Law"
        ),
        "regulators": "Ahpra and the National Boards",
        "public_records": "freedom-of-information law",
        "ai_agreement": "a contract that protects the information as the Privacy Act requires",
        "other_region": "another country",
    },
    regulations=(
        "Privacy Act 1988 and the Australian Privacy Principles",
        "Ahpra and the National Boards' guidelines for advertising a regulated health service "
        "(no testimonials about clinical care)",
        "Ahpra's social media guidance for registered health practitioners",
        "Australian Consumer Law",
        "Copyright and trademark law",
    ),
    references=(
        ("Office of the Australian Information Commissioner", "https://www.oaic.gov.au/"),
        ("Advertising hub (Ahpra and the National Boards)", "https://www.ahpra.gov.au/"),
        ("Lifeline Australia", "https://www.lifeline.org.au/"),
    ),
    checks=("regulatory.no_testimonials", "privacy.no_testimonials"),
)

PACKS: Mapping[str, Pack] = {p.code: p for p in (US, UK, CANADA, AUSTRALIA)}
CHOICES: tuple[tuple[str, str], ...] = tuple((p.code, p.name) for p in PACKS.values())
PACK_CHECKS = frozenset(code for p in PACKS.values() for code in p.checks)


def get_pack(code: str | None) -> Pack:
    """The pack for a jurisdiction code; the default for an unknown or empty one."""
    return PACKS.get(code or DEFAULT, PACKS[DEFAULT])


def applies(check_code: str, jurisdiction: str | None) -> bool:
    """Whether a check runs for this jurisdiction: universal ones always, pack ones in theirs."""
    if check_code not in PACK_CHECKS:
        return True
    return check_code in get_pack(jurisdiction).checks


def starter_values(pack: Pack) -> dict[str, Any]:
    """Section fields the pack sets outright (lists and tables), by section and field."""
    return {
        "regulatory": {"regulations": list(pack.regulations)},
        "education_references": [{"title": t, "url": u} for t, u in pack.references],
    }
