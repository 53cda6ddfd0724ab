"""The section catalogue: complete, self-consistent, and its starter text passes its own checks."""

from __future__ import annotations

import copy
import re
import string
from collections.abc import Iterator
from typing import Any

import pytest

from accounts.models import Organization
from guidelines.facts import confirm_all
from guidelines.schema import (
    FieldKind,
    Section,
    SectionData,
    SectionState,
    is_empty,
    run_checks,
    section_state,
    validate,
)
from guidelines.sections import (
    SAMPLE_CONTEXT,
    SECTIONS,
    SECTIONS_BY_KEY,
    empty_content,
    get_section,
    normalise_content,
    starter_content,
)

STARTER = confirm_all(starter_content(SAMPLE_CONTEXT))  # facts kept, as an author would
EXPECTED_KEYS = [
    "scope",
    "accounts",
    "dos_donts",
    "disclosure",
    "privacy",
    "accuracy",
    "professionalism",
    "security",
    "regulatory",
    "response",
    "education",
    "contact",
]


def starter(key: str, **changes: Any) -> SectionData:
    """A fresh copy of a section's filled-in starter content, with some fields replaced."""
    data = copy.deepcopy(STARTER[key])
    data.update(changes)
    return data


def failing(key: str, data: SectionData) -> set[str]:
    return {r.code for r in run_checks(get_section(key), data) if r.blocking}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


# --- the catalogue ------------------------------------------------------------------------------


def test_sections_follow_the_product_order() -> None:
    assert [s.key for s in SECTIONS] == EXPECTED_KEYS
    assert list(SECTIONS_BY_KEY) == EXPECTED_KEYS


def test_get_section_finds_by_key_and_refuses_unknown_keys() -> None:
    assert get_section("privacy").title == "Confidentiality, compliance and privacy"
    with pytest.raises(KeyError):
        get_section("marketing")


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_section_is_fully_described(section: Section) -> None:
    assert section.title and section.fields and section.checks
    assert section.question.endswith("?")
    assert 2 <= len(re.findall(r"[.!?](?:\s|$)", section.why)) <= 3
    assert 3 <= len(section.prompts) <= 8
    assert 2 <= len(section.scenarios) <= 8
    assert all(s.endswith(("?", ".")) for s in (*section.prompts, *section.scenarios))


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_field_is_well_formed(section: Section) -> None:
    names = [f.name for f in section.fields]
    assert len(names) == len(set(names))
    for f in section.fields:
        assert f.label and f.max_length > 0 and f.max_items > 0
        if f.kind is FieldKind.CHOICE:
            assert f.choices
        if f.kind is FieldKind.TABLE:
            columns = {c.name for c in f.columns}
            assert columns and set(f.identity) <= columns
            used = {n for _, n, _, _ in string.Formatter().parse(f.item_label) if n}
            assert used <= columns
            assert all(c.kind not in (FieldKind.LIST, FieldKind.TABLE) for c in f.columns)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_check_is_named_after_its_section_and_points_at_a_field(section: Section) -> None:
    for check in section.checks:
        assert check.code.startswith(f"{section.key}.")
        assert check.message and not check.message.endswith(".")
        assert check.field is None or check.field in {f.name for f in section.fields}
    assert len({c.code for c in section.checks}) == len(section.checks)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_field_has_starter_text(section: Section) -> None:
    assert set(section.starter) == {f.name for f in section.fields}
    assert all(STARTER[section.key][f.name] for f in section.fields)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_starter_passes_its_own_checks(section: Section) -> None:
    data = STARTER[section.key]
    assert failing(section.key, data) == set()
    assert validate(section, data) == {}
    assert section_state(section, data) is SectionState.COMPLETE


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_emptying_a_required_field_leaves_the_section_in_progress(section: Section) -> None:
    for f in section.fields:
        if f.required:
            data = starter(section.key, **{f.name: f.empty()})
            expected = (
                SectionState.NOT_STARTED if is_empty(section, data) else (SectionState.IN_PROGRESS)
            )
            assert failing(section.key, data), f.name
            assert section_state(section, data) is expected, f.name


def test_empty_content_is_not_started_everywhere() -> None:
    content = empty_content()
    assert list(content) == EXPECTED_KEYS
    assert all(section_state(s, content[s.key]) is SectionState.NOT_STARTED for s in SECTIONS)


def test_normalise_content_fills_missing_sections_and_drops_unknown_ones() -> None:
    content = normalise_content({"privacy": {"body": " x "}, "marketing": {"body": "y"}})
    assert list(content) == EXPECTED_KEYS
    assert content["privacy"] == {"body": "x"}
    assert content["scope"]["audience"] == []


# --- starter text and placeholders --------------------------------------------------------------


# The placeholders an institution fills in: the one mapping lives on Organization.
PLACEHOLDERS = tuple(Organization(name="Any", slug="any").placeholder_context())


def test_starter_uses_only_known_placeholders_and_all_of_them() -> None:
    used = {
        name
        for s in SECTIONS
        for text in _strings(s.starter)
        for _, name, _, _ in string.Formatter().parse(text)
        if name is not None
    }
    from guidelines.packs import WORDS

    assert used == (set(PLACEHOLDERS) - {"jurisdiction"}) | set(WORDS)
    assert set(SAMPLE_CONTEXT) == set(PLACEHOLDERS)


def test_filled_starter_leaves_no_placeholder_behind() -> None:
    for text in _strings(STARTER):
        assert "{" not in text and "}" not in text
        assert not re.search(r"\[({})\]".format("|".join(PLACEHOLDERS)), text)


def test_starter_with_missing_details_shows_visible_placeholders() -> None:
    content = starter_content({"institution": "Lakeside Clinic", "contact_phone": "   "})
    assert "Lakeside Clinic" in content["privacy"]["body"]
    assert content["contact"]["email"] == "[contact_email]"
    assert content["contact"]["phone"] == "[contact_phone]"
    assert "[contact_name]" in content["response"]["escalation_contact"]


def test_starter_with_no_details_at_all_does_not_crash() -> None:
    content = starter_content({})
    assert "[institution]" in content["scope"]["body"]
    assert content["scope"]["policy_url"] == "[policy_url]"


def test_starter_tolerates_handles_with_at_signs_and_websites_with_slashes() -> None:
    context = {**SAMPLE_CONTEXT, "institution_handle": "@Lakeside", "website": "https://l.example/"}
    content = starter_content(context)
    assert content["accounts"]["accounts"][0]["handle"] == "@Lakeside"
    assert content["response"]["community_guidelines_url"] == (
        "https://l.example/community-guidelines"
    )


def test_starter_does_not_reinterpret_braces_in_the_institution_name() -> None:
    content = starter_content({**SAMPLE_CONTEXT, "institution": "St {Mary}'s {0}"})
    assert "St {Mary}'s {0}" in content["privacy"]["body"]


def test_starter_advises_with_should_and_leaves_must_to_the_policy() -> None:
    words = " ".join(_strings(STARTER)).lower()
    assert " must " not in words and " should " in words


def test_disclosure_and_professionalism_prompts_carry_the_legal_caution() -> None:
    for key in ("disclosure", "professionalism"):
        assert any("working conditions" in p and "unlawful" in p for p in get_section(key).prompts)


def test_privacy_scenarios_include_a_patient_thanking_staff_by_name() -> None:
    assert any("thanks you publicly" in s for s in get_section("privacy").scenarios)


# --- one failing case per check -----------------------------------------------------------------


def test_every_check_has_a_named_failing_case() -> None:
    for section in SECTIONS:
        for check in section.checks:
            if check.finder is not None:
                continue  # checks that read meaning have their tables in test_meaning_checks.py
            suffix = check.code.split(".", 1)[1]
            name = f"test_{section.key}_check_fails_without_{suffix}"
            assert name in globals(), f"missing {name}"


def test_scope_check_fails_without_audience() -> None:
    assert failing("scope", starter("scope", audience=["", "  "])) == {"scope.audience"}


def test_scope_check_fails_without_policy_url() -> None:
    assert failing("scope", starter("scope", policy_url="")) == {"scope.policy_url"}


def test_scope_check_fails_without_brand_url() -> None:
    assert failing("scope", starter("scope", brand_url="")) == {"scope.brand_url"}


def test_scope_check_fails_with_an_invalid_policy_url() -> None:
    data = starter("scope", policy_url="intranet/policies")
    assert failing("scope", data) == {"scope.policy_url", "scope.valid_input"}


def test_accounts_check_fails_without_account() -> None:
    assert failing("accounts", starter("accounts", accounts=[])) == {"accounts.account"}


def test_accounts_check_fails_without_platform_and_handle() -> None:
    rows = [{"platform": "Instagram", "handle": "", "url": "https://instagram.com/x"}]
    assert failing("accounts", starter("accounts", accounts=rows)) == {
        "accounts.platform_and_handle"
    }
    rows = [{"platform": "", "handle": "@x"}]
    assert failing("accounts", starter("accounts", accounts=rows)) == {
        "accounts.platform_and_handle"
    }


def test_dos_donts_check_fails_without_dos() -> None:
    data = starter("dos_donts", dos=["Share official posts.", "Celebrate colleagues."])
    assert failing("dos_donts", data) == {"dos_donts.dos"}


def test_dos_donts_check_fails_without_donts() -> None:
    data = starter("dos_donts", donts=["Don't post patient details.", "", "  "])
    assert failing("dos_donts", data) == {"dos_donts.donts"}


def test_disclosure_check_fails_without_stance() -> None:
    assert failing("disclosure", starter("disclosure", separate_accounts="")) == {
        "disclosure.stance"
    }


def test_disclosure_check_fails_without_affiliation() -> None:
    body = "Share our news and events. Keep your accounts tidy. Say #ad in the post itself."
    data = starter("disclosure", body=body)
    assert failing("disclosure", data) == {"disclosure.affiliation"}


def test_privacy_check_fails_without_patient_information() -> None:
    body = (
        "Never take photos on the unit. You must not search for patients online. "
        "Report leaks to the Privacy Officer. Signed authorization comes first."
    )
    assert failing("privacy", starter("privacy", body=body)) == {"privacy.patient_information"}


def test_privacy_check_fails_without_patient_photos() -> None:
    body = (
        "Never post patient information. You must not search for patients online. "
        "Report leaks to the Privacy Officer. Signed authorization comes first."
    )
    assert failing("privacy", starter("privacy", body=body)) == {"privacy.patient_photos"}


def test_privacy_check_fails_without_searching_patients() -> None:
    body = (
        "Never post patient information, photos or videos. Look after patients well. "
        "Report leaks to the Privacy Officer. Signed authorization comes first."
    )
    assert failing("privacy", starter("privacy", body=body)) == {"privacy.searching_patients"}


def test_accuracy_check_fails_without_references() -> None:
    assert failing("accuracy", starter("accuracy", references=[])) == {"accuracy.references"}


def test_accuracy_check_fails_without_advice_disclaimer() -> None:
    body = "Use reliable sources and answer questions kindly. Keep patient details out of AI tools."
    data = starter("accuracy", body=body)
    assert failing("accuracy", data) == {"accuracy.advice_disclaimer"}


def test_professionalism_check_fails_without_conflicts_of_interest() -> None:
    data = starter("professionalism", body="Be respectful and kind. Interests are welcome.")
    assert failing("professionalism", data) == {"professionalism.conflicts_of_interest"}


def test_security_check_fails_without_two_factor() -> None:
    body = "Use strong passwords. If your account is hacked, report it to IT at once."
    assert failing("security", starter("security", body=body)) == {"security.two_factor"}


def test_security_check_fails_without_report_compromise() -> None:
    body = "Turn on two-factor authentication. Report phishing e-mails to IT."
    assert failing("security", starter("security", body=body)) == {"security.report_compromise"}


def test_security_report_check_needs_report_and_compromise_in_one_sentence() -> None:
    body = "Turn on 2FA. Report problems to IT. Accounts do get hacked."
    assert failing("security", starter("security", body=body)) == {"security.report_compromise"}


def test_regulatory_check_fails_without_regulations() -> None:
    assert failing("regulatory", starter("regulatory", regulations=[])) == {
        "regulatory.regulations"
    }


def test_regulatory_check_fails_without_policy_url() -> None:
    assert failing("regulatory", starter("regulatory", policy_url=" ")) == {"regulatory.policy_url"}


def test_response_check_fails_without_escalation_contact() -> None:
    assert failing("response", starter("response", escalation_contact="")) == {
        "response.escalation_contact"
    }


def test_education_check_fails_without_links() -> None:
    assert failing("education", starter("education", links=[])) == {"education.links"}


def test_education_check_fails_with_a_link_that_has_no_address() -> None:
    data = starter("education", links=[{"title": "Our course", "url": ""}])
    assert failing("education", data) == {"education.links"}


def test_education_check_fails_with_an_invalid_address() -> None:
    data = starter("education", links=[{"title": "Our course", "url": "javascript:alert(1)"}])
    assert failing("education", data) == {"education.links", "education.valid_input"}


def test_contact_check_fails_without_name() -> None:
    assert failing("contact", starter("contact", name="")) == {"contact.name"}


def test_contact_check_fails_without_email_or_phone() -> None:
    assert failing("contact", starter("contact", email="", phone="")) == {"contact.email_or_phone"}


def test_contact_check_passes_with_phone_only() -> None:
    assert failing("contact", starter("contact", email="")) == set()


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_every_section_fails_its_valid_input_check_when_text_is_too_long(
    section: Section,
) -> None:
    data = starter(section.key)
    data["body"] += "\n\n" + "x" * 20000
    assert failing(section.key, data) == {f"{section.key}.valid_input"}
    assert section_state(section, data) is SectionState.FAILING


# --- keyword checks accept reasonable wordings --------------------------------------------------

TOLERATED = [
    ("disclosure", "disclosure.affiliation", "Add *Views are my own* to your profile."),
    ("disclosure", "disclosure.affiliation", "Mention your AFFILIATION with the hospital."),
    ("disclosure", "disclosure.affiliation", "Say that you work at the hospital."),
    (
        "disclosure",
        "disclosure.affiliation",
        "These posts don't necessarily represent the views of my employer.",
    ),
    ("privacy", "privacy.patient_information", "Never share patients' personal details."),
    ("privacy", "privacy.patient_information", "Protect PHI at all times."),
    ("privacy", "privacy.patient_information", "No protected health information, ever."),
    ("privacy", "privacy.patient_photos", "No selfies with patients."),
    ("privacy", "privacy.patient_photos", "Check every **picture** before posting."),
    ("privacy", "privacy.searching_patients", "Do not Google patients."),
    ("privacy", "privacy.searching_patients", "Never look a patient up on Facebook."),
    ("privacy", "privacy.searching_patients", "Patients must never be searched for online."),
    ("privacy", "privacy.searching_patients", "Don't [look up](https://x.example) patients."),
    ("privacy", "privacy.searching_patients", "Never look up people in your care."),
    ("accuracy", "accuracy.advice_disclaimer", "This is general information only."),
    ("accuracy", "accuracy.advice_disclaimer", "We never give personal medical advice online."),
    (
        "accuracy",
        "accuracy.advice_disclaimer",
        "Posts are not a substitute for professional medical advice.",
    ),
    (
        "professionalism",
        "professionalism.conflicts_of_interest",
        "Declare any Conflict-of-Interest.",
    ),
    ("professionalism", "professionalism.conflicts_of_interest", "**Conflicts** of _interest_"),
    ("professionalism", "professionalism.conflicts_of_interest", "List competing interests."),
    ("security", "security.two_factor", "Turn on 2FA."),
    ("security", "security.two_factor", "Use **multi-factor** authentication."),
    ("security", "security.two_factor", "Enable MFA everywhere."),
    ("security", "security.two_factor", "Turn on two\u2011step verification."),
    (
        "security",
        "security.report_compromise",
        "If you are hacked, tell the social media team at once!",
    ),
    (
        "security",
        "security.report_compromise",
        "- If someone has taken over your account, call the IT desk",
    ),
]


@pytest.mark.parametrize(("key", "code", "body"), TOLERATED)
def test_keyword_checks_accept_reasonable_wordings(key: str, code: str, body: str) -> None:
    assert code not in failing(key, starter(key, body=body))


def test_keyword_checks_ignore_link_targets() -> None:
    body = "Read [our guide](https://x.example/conflict-of-interest)."
    assert "professionalism.conflicts_of_interest" in failing(
        "professionalism", starter("professionalism", body=body)
    )


# --- checks for the topics a compliance officer looks for ---------------------------------------


def _without(key: str, *phrases: str) -> SectionData:
    """The starter section with every sentence containing one of the phrases removed."""
    data = starter(key)
    kept = [
        line
        for line in data["body"].split("\n")
        if not any(p.casefold() in line.casefold() for p in phrases)
    ]
    data["body"] = "\n".join(kept)
    return data


def test_accounts_check_fails_without_records() -> None:
    data = _without("accounts", "records")
    assert failing("accounts", data) == {"accounts.records"}


def test_disclosure_check_fails_without_in_the_post() -> None:
    data = _without("disclosure", "in the post")
    assert failing("disclosure", data) == {"disclosure.in_the_post"}


def test_privacy_check_fails_without_privacy_officer() -> None:
    data = _without("privacy", "privacy officer", "privacy office")
    assert failing("privacy", data) == {"privacy.privacy_officer"}


def test_privacy_check_fails_without_authorization() -> None:
    data = _without("privacy", "authorization")
    assert failing("privacy", data) == {"privacy.authorization"}


def test_accuracy_check_fails_without_generative_ai() -> None:
    data = _without("accuracy", " AI ")
    assert failing("accuracy", data) == {"accuracy.generative_ai"}


def test_response_check_fails_without_crisis_line() -> None:
    data = _without("response", "crisis line")
    assert failing("response", data) == {"response.crisis_line"}
