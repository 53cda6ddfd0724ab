"""Jurisdiction packs: each fills every placeholder, passes every check, points to official
sources, and none claims that following it makes an institution compliant."""

from __future__ import annotations

import re

import pytest

from accounts.models import Jurisdiction, Organization
from guidelines.completeness import failing_checks
from guidelines.facts import confirm_all
from guidelines.packs import PACKS, WORDS, get_pack
from guidelines.schema import run_checks
from guidelines.sections import SAMPLE_CONTEXT, SECTIONS, get_section, starter_content

CODES = sorted(PACKS)


def _starter(code: str) -> dict:
    return starter_content({**SAMPLE_CONTEXT, "jurisdiction": code})


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def test_every_jurisdiction_an_institution_can_choose_has_a_pack() -> None:
    assert set(PACKS) == set(Jurisdiction.values)
    assert Organization(name="X", slug="x").placeholder_context()["jurisdiction"] == "us"


@pytest.mark.parametrize("code", CODES)
def test_pack_fills_every_placeholder_in_every_section(code: str) -> None:
    pack = PACKS[code]
    assert set(pack.words) == set(WORDS)
    assert all(value.strip() for value in pack.words.values())
    content = _starter(code)
    for section in SECTIONS:
        for text in _strings(content[section.key]):
            assert not re.search(r"\[(" + "|".join(WORDS) + r")\]", text), (code, section.key)
            assert "{" not in text, (code, section.key)


@pytest.mark.parametrize("code", CODES)
def test_pack_starter_passes_every_check_once_facts_are_confirmed(code: str) -> None:
    content = confirm_all(_starter(code))
    assert failing_checks(content, code) == []
    for section in SECTIONS:
        results = run_checks(section, content[section.key], code)
        assert all(r.passed for r in results), (code, [r for r in results if not r.passed])


@pytest.mark.parametrize("code", CODES)
def test_pack_sets_the_regulations_references_and_privacy_words(code: str) -> None:
    pack = PACKS[code]
    content = _starter(code)
    assert content["regulatory"]["regulations"] == list(pack.regulations)
    links = content["education"]["links"]
    assert [(row["title"], row["url"]) for row in links[1:]] == list(pack.references)
    assert pack.words["privacy_law"] in content["privacy"]["body"]
    assert pack.words["consent"] in content["privacy"]["body"]
    assert pack.words["crisis_line"] in content["response"]["body"]
    for _title, url in pack.references:
        assert url.startswith("https://")


@pytest.mark.parametrize("code", CODES)
def test_no_pack_claims_compliance(code: str) -> None:
    pack = PACKS[code]
    text = " ".join(
        [*pack.words.values(), *pack.regulations, *(t for t, _ in pack.references), pack.note]
    ).casefold()
    claims = (
        r"\b(ensur\w*|guarante\w*|makes? (you|the institution|your institution)|achiev\w*"
        r"|certif\w*)\b(?:\W+\w+){0,4}?\W+complian"
    )
    assert not re.search(claims, text)
    assert "does not by itself make an institution compliant" in pack.note


def test_unknown_jurisdiction_falls_back_to_the_united_states() -> None:
    assert get_pack("zz").code == "us" and get_pack(None).code == "us"


def test_australian_patient_stories_advice_differs() -> None:
    au = _starter("au")["privacy"]["body"]
    us = _starter("us")["privacy"]["body"]
    assert "testimonial" in au and "testimonial" not in us
    assert "HIPAA" in us and "HIPAA" not in au


TESTIMONIALS = {
    "fail": [
        "Feel free to share patient testimonials on our pages.",
        "Use patient reviews in our clinic ads.",
        "We feature success stories from patients in advertising.",
        "Testimonials are a great way to promote the new clinic.",
        "Staff are encouraged to repost patient reviews.",
        "It is fine to quote patient stories in a paid campaign.",
        "Share testimonials from happy patients.",
        "You can publish client reviews on the practice page.",
        "We should use testimonials in our recruitment ads for the surgery.",
        "Patient quotes are welcome in sponsored posts.",
    ],
    "pass": [
        "Testimonials about clinical care are not used in advertising.",
        "Never use patient testimonials to promote a service.",
        "Do not repost patient reviews.",
        "Patient stories are used only for news or education, with signed consent.",
        "Thank people for their feedback without repeating it.",
        "Reviews on third-party sites are left alone.",
        "Advertising for health services follows the advertising rules.",
        "Do not quote patient stories in campaigns.",
        "It is not acceptable to feature testimonials in ads.",
        "Can we share a testimonial?",
    ],
}


@pytest.mark.parametrize(
    ("verdict", "sentence"), [(v, s) for v, ss in TESTIMONIALS.items() for s in ss]
)
def test_australian_testimonial_check(verdict: str, sentence: str) -> None:
    for key in ("privacy", "regulatory"):
        section = get_section(key)
        au = [
            r
            for r in run_checks(section, {"body": sentence}, "au")
            if r.code.endswith("testimonials")
        ]
        us = [
            r
            for r in run_checks(section, {"body": sentence}, "us")
            if r.code.endswith("testimonials")
        ]
        assert not us  # the check belongs to the Australian pack only
        assert au and au[0].passed == (verdict == "pass"), (key, sentence)


# The bodies that publish each source: governments, regulators and the crisis lines they fund.
OFFICIAL_HOSTS = {
    "www.hhs.gov",
    "www.ftc.gov",
    "www.nlrb.gov",
    "988lifeline.org",
    "ico.org.uk",
    "www.asa.org.uk",
    "www.gmc-uk.org",
    "www.nmc.org.uk",
    "www.samaritans.org",
    "www.priv.gc.ca",
    "competition-bureau.canada.ca",
    "988.ca",
    "www.oaic.gov.au",
    "www.ahpra.gov.au",
    "www.lifeline.org.au",
}


@pytest.mark.parametrize("code", CODES)
def test_pack_references_name_an_official_source_and_its_address(code: str) -> None:
    from urllib.parse import urlsplit

    for title, url in PACKS[code].references:
        assert title.strip() and "://" not in title, title  # a name, not a bare link
        assert urlsplit(url).scheme == "https" and urlsplit(url).hostname in OFFICIAL_HOSTS, url


def test_every_pack_check_is_a_check_of_the_catalogue() -> None:
    from guidelines.packs import PACK_CHECKS

    codes = {c.code for s in SECTIONS for c in s.checks}
    assert codes >= PACK_CHECKS


@pytest.mark.parametrize("code", CODES)
def test_pack_privacy_words_reach_the_ai_and_advice_text(code: str) -> None:
    accuracy = _starter(code)["accuracy"]["body"]
    assert PACKS[code].words["ai_agreement"] in accuracy
    assert PACKS[code].words["other_region"] in accuracy
    if code != "us":
        assert "business associate" not in accuracy  # a US term, meaningless elsewhere
