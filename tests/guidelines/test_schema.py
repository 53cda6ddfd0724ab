"""Section content: canonical form, validation, checks, state and hashing."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from guidelines.completeness import _unchanged, unchanged_from_template
from guidelines.facts import confirm_all
from guidelines.schema import (
    CHECK_CACHE,
    STATE_CACHE,
    CheckResult,
    SectionState,
    _run_checks,
    _section_state,
    content_hash,
    empty_section,
    is_empty,
    normalise,
    row_identity,
    run_checks,
    section_state,
    validate,
)
from guidelines.sections import (
    SAMPLE_CONTEXT,
    SECTIONS,
    get_section,
    normalise_content,
    starter_content,
)

ACCOUNTS = get_section("accounts")
CONTACT = get_section("contact")
SCOPE = get_section("scope")
DOS = get_section("dos_donts")
STARTER = confirm_all(starter_content(SAMPLE_CONTEXT))  # facts kept, as an author would


def account(platform: str = "Instagram", handle: str = "@x", **extra: str) -> dict[str, str]:
    return {"platform": platform, "handle": handle, **extra}


# --- empty and normalise ------------------------------------------------------------------------


def test_empty_section_has_every_field_empty() -> None:
    assert empty_section(ACCOUNTS) == {"accounts": [], "hashtags": [], "body": ""}


def test_is_empty_ignores_whitespace_blank_items_and_blank_rows() -> None:
    assert is_empty(ACCOUNTS, {"body": "  \n", "hashtags": ["", " "], "accounts": [{}]})
    assert is_empty(ACCOUNTS, None)
    assert not is_empty(ACCOUNTS, {"hashtags": ["#x"]})


def test_normalise_keeps_only_known_fields_and_fills_missing_ones() -> None:
    assert normalise(CONTACT, {"name": " Jo ", "shoe_size": "9"}) == {
        "name": "Jo",
        "role": "",
        "email": "",
        "phone": "",
        "body": "",
    }


def test_normalise_collapses_whitespace_in_one_line_fields_but_not_in_markdown() -> None:
    data = normalise(CONTACT, {"name": "  Jo \n  Lee ", "body": "\r\n- a\r\n- b  \r\n"})
    assert data["name"] == "Jo Lee"
    assert data["body"] == "- a\n- b"


def test_normalise_drops_empty_list_items_and_reads_text_one_item_a_line() -> None:
    assert normalise(DOS, {"dos": [" a ", "", "  ", "b"]})["dos"] == ["a", "b"]
    assert normalise(DOS, {"dos": "a\n\n b \n"})["dos"] == ["a", "b"]


def test_normalise_reduces_table_rows_to_known_columns_in_column_order() -> None:
    rows = [
        {"url": " https://x.example ", "handle": "@x", "colour": "red", "platform": "X"},
        {"platform": "", "handle": " "},
        "not a row",
    ]
    data = normalise(ACCOUNTS, {"accounts": rows})
    assert data["accounts"] == [
        {"platform": "X", "handle": "@x", "url": "https://x.example", "department": ""}
    ]
    assert list(data["accounts"][0]) == ["platform", "handle", "url", "department"]


def test_normalise_turns_wrong_types_into_empty_values() -> None:
    data = normalise(ACCOUNTS, {"accounts": "x", "hashtags": 3, "body": ["a"]})
    assert data == empty_section(ACCOUNTS)


def test_normalise_removes_characters_that_cannot_be_stored() -> None:
    assert normalise(CONTACT, {"name": "Jo\x00 Lee\ud800"})["name"] == "Jo Lee"


# --- validation ---------------------------------------------------------------------------------


def test_valid_and_empty_content_has_no_errors() -> None:
    for section in SECTIONS:
        assert validate(section, STARTER[section.key]) == {}
        assert validate(section, {}) == {}


def test_invalid_url_is_refused_with_an_example() -> None:
    errors = validate(SCOPE, {"policy_url": "https://"})
    assert errors == {
        "policy_url": [
            "Social media policy: enter a full web address, such as https://www.example.org/page."
        ]
    }


def test_javascript_and_other_schemes_are_refused() -> None:
    for url in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "ftp://files.example/x",
        "data:text/html,hi",
    ):
        assert validate(SCOPE, {"brand_url": url}) == {
            "brand_url": [
                "Brand guide: only web addresses starting with http:// or https:// are allowed."
            ]
        }, url


def test_address_without_scheme_gets_a_hint() -> None:
    assert validate(SCOPE, {"brand_url": "www.example.org/brand"}) == {
        "brand_url": ['Brand guide: add "https://" at the start of the address.']
    }


def test_table_cell_errors_are_keyed_by_row_and_column() -> None:
    rows = [account(handle="@a"), account(handle="@b"), account(handle="@c", url="nope")]
    errors = validate(ACCOUNTS, {"accounts": rows})
    assert list(errors) == ["accounts.2.url"]
    assert errors["accounts.2.url"][0].startswith("Web address in row 3:")


def test_duplicate_handle_is_found_ignoring_case_and_at_sign() -> None:
    rows = [account(handle="@x"), account(handle="X"), account("Facebook", "@x")]
    errors = validate(ACCOUNTS, {"accounts": rows})
    assert errors == {"accounts.1.handle": ["Handle @X is listed twice for Instagram."]}


def test_duplicate_reference_url_is_found_ignoring_trailing_slash() -> None:
    rows = [
        {"title": "CDC", "url": "https://www.cdc.gov"},
        {"title": "C", "url": "https://WWW.CDC.GOV/"},
    ]
    errors = validate(get_section("accuracy"), {"references": rows})
    assert errors == {"references.1.url": ["Web address https://WWW.CDC.GOV/ is listed twice."]}


def test_row_identity_matches_compare_semantics() -> None:
    assert row_identity(ACCOUNTS.field("accounts"), account(handle=" @RiverSide")) == (
        "instagram",
        "riverside",
    )
    assert row_identity(ACCOUNTS.field("accounts"), account(handle="")) is None


def test_over_long_text_says_how_long_and_what_the_limit_is() -> None:
    assert validate(CONTACT, {"name": "x" * 201}) == {
        "name": ["Name is too long: 201 characters, the limit is 200."]
    }


def test_over_long_list_item_is_keyed_by_position_and_quotes_the_item() -> None:
    errors = validate(DOS, {"dos": ["fine", "y" * 301]})
    assert list(errors) == ["dos.1"]
    assert errors["dos.1"][0].startswith('Do: item 2 ("yyyy')
    assert errors["dos.1"][0].endswith("301 characters, the limit is 300.")


def test_too_many_items_are_refused() -> None:
    errors = validate(DOS, {"dos": [f"item {i}" for i in range(21)]})
    assert errors == {"dos": ["Do can have at most 20 entries (there are 21)."]}


def test_bad_choice_lists_the_options() -> None:
    errors = validate(get_section("disclosure"), {"separate_accounts": "maybe"})
    message = errors["separate_accounts"][0]
    assert message.startswith("Separate personal and work accounts: choose one of ")
    assert "are recommended" in message


def test_bad_platform_in_a_table_is_refused() -> None:
    errors = validate(ACCOUNTS, {"accounts": [account(platform="MySpace")]})
    assert list(errors) == ["accounts.0.platform"]
    assert "choose one of Facebook, Instagram" in errors["accounts.0.platform"][0]


def test_bad_email_is_refused() -> None:
    for email in ("jo@", "jo.example.org", "jo @example.org"):
        assert validate(CONTACT, {"email": email}) == {
            "email": ["E-mail: enter a valid e-mail address, such as name@example.org."]
        }, email


def test_phone_numbers_accept_common_formats_and_refuse_words() -> None:
    for phone in ("+1 (555) 010-2040", "555.010.2040", "ext. 4455", "020 7946 0000 x12"):
        assert validate(CONTACT, {"phone": phone}) == {}, phone
    for phone in ("call me", "12", "555-CALL-NOW"):
        assert "phone" in validate(CONTACT, {"phone": phone}), phone


def test_wrong_types_are_reported_rather_than_silently_dropped() -> None:
    errors = validate(ACCOUNTS, {"accounts": "Instagram @x", "hashtags": [1, 2], "body": ["a"]})
    assert errors == {
        "accounts": ["Official accounts: expected a table of rows."],
        "hashtags": ["Official hashtags: expected a list of short texts."],
        "body": ["Guidance: expected text."],
    }


# --- checks and state ---------------------------------------------------------------------------


def test_run_checks_reports_every_check_then_input_validity() -> None:
    results = run_checks(CONTACT, {"name": "Jo", "email": "bad"})
    assert [r.code for r in results] == [
        "contact.name",
        "contact.email_or_phone",
        "contact.urgent_waits",
        "contact.facts",
        "contact.tone",
        "contact.valid_input",
    ]
    assert results[-1] == CheckResult(
        code="contact.valid_input",
        message="Correct the entries marked as invalid",
        passed=False,
        field="email",
    )


def test_section_state_walks_from_not_started_to_complete() -> None:
    assert section_state(CONTACT, {}) is SectionState.NOT_STARTED
    assert section_state(CONTACT, {"role": "Manager"}) is SectionState.IN_PROGRESS
    assert section_state(CONTACT, {"name": "Jo"}) is SectionState.FAILING
    assert section_state(CONTACT, {"name": "Jo", "phone": "555 0100"}) is SectionState.COMPLETE
    assert section_state(CONTACT, {"name": "Jo", "email": "x@"}) is SectionState.FAILING
    assert SectionState.FAILING.label == "Check failing"


# --- canonical form and hashing -----------------------------------------------------------------

FIELD_NAMES = sorted(
    {f.name for s in SECTIONS for f in s.fields}
    | {c.name for s in SECTIONS for f in s.fields for c in f.columns}
)
KEYS = st.sampled_from(FIELD_NAMES) | st.text(max_size=6)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)
SECTION_DATA = st.dictionaries(KEYS, VALUES, max_size=8)


@given(st.sampled_from(SECTIONS), SECTION_DATA)
def test_normalise_is_idempotent_and_always_hashable(section: Any, data: dict[str, Any]) -> None:
    once = normalise(section, data)
    assert normalise(section, once) == once
    assert list(once) == [f.name for f in section.fields]
    content_hash(normalise_content({section.key: data}))


@given(st.sampled_from(SECTIONS), SECTION_DATA)
def test_validate_and_state_never_crash_on_any_input(section: Any, data: dict[str, Any]) -> None:
    assert isinstance(validate(section, data), dict)
    assert section_state(section, data) in SectionState


def test_content_hash_is_stable_under_key_order() -> None:
    content = normalise_content(STARTER)
    reordered = {key: dict(reversed(list(content[key].items()))) for key in reversed(list(content))}
    assert content_hash(reordered) == content_hash(content)


def test_content_hash_ignores_noise_that_normalise_removes_but_not_real_edits() -> None:
    content = normalise_content(STARTER)
    noisy = {key: dict(value) for key, value in content.items()}
    noisy["contact"] = {
        **content["contact"],
        "name": f"  {content['contact']['name']} ",
        "extra": "x",
    }
    noisy["dos_donts"] = {**content["dos_donts"], "dos": [*content["dos_donts"]["dos"], " "]}
    assert content_hash(normalise_content(noisy)) == content_hash(content)
    edited = {**content, "contact": {**content["contact"], "name": "Someone Else"}}
    assert content_hash(normalise_content(edited)) != content_hash(content)


def test_checks_and_state_kept_by_content_are_the_same_as_computed_afresh() -> None:
    """The per-worker cache answers exactly what running the checks answers, for the section,
    content and jurisdiction asked about, and hands out a list of its own each time."""
    CHECK_CACHE.clear()
    STATE_CACHE.clear()
    for section in SECTIONS:
        data = STARTER[section.key]
        for jurisdiction in (None, "us", "uk", "ca"):
            first = run_checks(section, data, jurisdiction)
            first.append(CheckResult(code="x", message="x", passed=False, field=None))
            again = run_checks(section, data, jurisdiction)
            assert again == _run_checks(section, data, jurisdiction)
            assert section_state(section, data, jurisdiction) is _section_state(
                section, data, jurisdiction
            )
            assert section_state(section, data, jurisdiction) is _section_state(
                section, data, jurisdiction
            )
    # Content that differs by one character is another entry.
    assert section_state(CONTACT, {"name": "Jo"}) is SectionState.FAILING
    assert section_state(CONTACT, {"name": "Jo", "phone": "555 0100"}) is SectionState.COMPLETE
    # What is not plain JSON is computed each time rather than refused.
    assert run_checks(CONTACT, {"name": object()}) is not None


def test_unchanged_sections_kept_by_text_answer_as_computed_afresh() -> None:
    content = {**STARTER, "contact": {**STARTER["contact"], "name": "Someone adapted it"}}
    for text in (STARTER, content, STARTER):
        first = unchanged_from_template(text, SAMPLE_CONTEXT)
        assert first == _unchanged(text, SAMPLE_CONTEXT)
        first.clear()  # the caller's own set: the kept answer is untouched
        assert unchanged_from_template(text, SAMPLE_CONTEXT) == _unchanged(text, SAMPLE_CONTEXT)
    assert "contact" in unchanged_from_template(STARTER, SAMPLE_CONTEXT)
    assert "contact" not in unchanged_from_template(content, SAMPLE_CONTEXT)
