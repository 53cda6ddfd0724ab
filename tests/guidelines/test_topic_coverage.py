"""The gaps a hospital's compliance reviewer found, each closed the same way: starter text that
covers it, a wizard prompt that asks about it, a scenario to work through, and a check.

One row per topic: the section, then a pattern for each of the four (read case-blind).
"""

from __future__ import annotations

import re

import pytest

from guidelines.facts import confirm_all
from guidelines.schema import run_checks
from guidelines.sections import (
    LABOUR_LAW_CAUTION,
    SAMPLE_CONTEXT,
    SECTIONS,
    get_section,
    starter_content,
)

STARTER = confirm_all(starter_content(SAMPLE_CONTEXT))

# topic: (section, starter, prompt, scenario, check code)
TOPICS: dict[str, tuple[str, str, str, str, str]] = {
    "a patient-information leak goes to the Privacy Officer; evidence, then removal": (
        "privacy",
        r"privacy officer decides whether it is a breach.*keep a screenshot.*then remove",
        r"privacy officer.*honest self-report",
        r"photo you posted.*whom do you tell",
        "privacy.privacy_officer",
    ),
    "patient images and stories need a signed authorization": (
        "privacy",
        r"signed hipaa authorization.*when the permission ends.*withdraw.*guardian signs",
        r"signed authorization.*use, the media, when it ends",
        r"film her going home",
        "privacy.authorization",
    ),
    "de-identification pitfalls": (
        "privacy",
        r"removing a name does not de-identify.*mutual connection.*memorial posts",
        r"de-identified.*can still identify",
        r"memorial tribute, without a name",
        "privacy.deidentified",
    ),
    "crisis and adverse events": (
        "response",
        r"crisis line.*on-call clinician.*nothing from the scene.*incident command"
        r".*hours are published",
        r"at risk of harming themselves",
        r"feel suicidal",
        "response.crisis_line",
    ),
    "generative AI": (
        "accuracy",
        r"business associate agreement.*label images that ai made.*synthetic patients",
        r"ai tools.*business associate agreement",
        r"chatbot",
        "accuracy.generative_ai",
    ),
    "endorsements disclosed in the post itself": (
        "disclosure",
        r"in the post itself.*#ad.*is itself a connection.*uniform, badge or logo",
        r"in the post itself, with #ad",
        r"pays a nurse to post a video of herself in the hospital's uniform",
        "disclosure.in_the_post",
    ),
    "advice online and telehealth": (
        "accuracy",
        r"does not start a clinician.patient relationship.*patient portal.*licens"
        r".*not medical advice",
        r"other states or province",
        r"another state asks a physician",
        "accuracy.promising_advice",
    ),
    "records of official accounts": (
        "accounts",
        r"retention schedule.*legal hold overrides",
        r"legal hold.*public-records",
        r"direct message with her test results",
        "accounts.records",
    ),
    "personal accounts: managers, former patients, work e-mail, elections, safety concerns": (
        "disclosure",
        r"never expected to connect with your manager.*former patients.*work e-mail.*political "
        r"candidate",
        r"connect with their supervisors.*former patients",
        r"(candidate for mayor|friend request)",
        "disclosure.connecting",
    ),
}


@pytest.mark.parametrize("topic", list(TOPICS))
def test_each_topic_has_starter_text_a_prompt_a_scenario_and_a_check(topic: str) -> None:
    key, starter, prompt, scenario, code = TOPICS[topic]
    section = get_section(key)
    text = " ".join(" ".join(str(v) for v in STARTER[key].values()).split()).casefold()
    assert re.search(starter, text, re.S), f"{topic}: the starter text does not cover it"
    scenarios = [s for sec in SECTIONS for s in sec.scenarios]
    prompts = [p for sec in SECTIONS for p in sec.prompts]
    assert any(re.search(prompt, p.casefold()) for p in prompts), f"{topic}: no prompt"
    assert any(re.search(scenario, s.casefold()) for s in scenarios), f"{topic}: no scenario"
    check = next((c for c in section.checks if c.code == code), None)
    assert check is not None, f"{topic}: no check {code}"
    assert next(r for r in run_checks(section, STARTER[key]) if r.code == code).passed


def test_personal_accounts_topic_also_keeps_official_accounts_out_of_elections() -> None:
    accounts = get_section("accounts")
    assert any(c.code == "accounts.political" for c in accounts.checks)
    assert any("endorse candidates" in p for p in accounts.prompts)
    disclosure = get_section("disclosure")
    assert any("patient safety" in p for p in disclosure.prompts)


def test_the_labour_law_caution_names_who_it_does_not_cover() -> None:
    """Accuracy fix: the US protection leaves out supervisors and public-sector employers."""
    caution = LABOUR_LAW_CAUTION.casefold()
    assert "national labor relations act" in caution
    assert "not supervisors" in caution and "public-sector employers" in caution
    asked = [p for s in SECTIONS for p in s.prompts if p == LABOUR_LAW_CAUTION]
    assert len(asked) >= 2  # beside every section that could limit what staff say about work
