"""The redline shows every real change, and nothing that is not one."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from guidelines.compare import (
    SectionDiff,
    Segment,
    changed_count,
    compare_content,
    compare_section,
    diff_list,
    diff_table,
    diff_text,
    normalise_text,
    summarise,
)
from guidelines.schema import Field, FieldKind, Section

# Small sections of our own, so these tests speak about the engine, not the catalogue.
PLATFORM = Field(
    "platform",
    "Platform",
    FieldKind.CHOICE,
    choices=(("facebook", "Facebook"), ("instagram", "Instagram"), ("x", "X")),
)
ACCOUNTS = Field(
    "accounts",
    "Official accounts",
    FieldKind.TABLE,
    columns=(
        PLATFORM,
        Field("handle", "Handle", FieldKind.TEXT),
        Field("url", "URL", FieldKind.URL),
        Field("department", "Owning department", FieldKind.TEXT),
    ),
    identity=("platform", "handle"),
    item_label="account {handle} on {platform}",
)
HASHTAGS = Field("hashtags", "Official hashtags", FieldKind.LIST, item_label="hashtag {value}")
REFERENCES = Field(
    "references",
    "References",
    FieldKind.TABLE,
    columns=(Field("title", "Title", FieldKind.TEXT), Field("url", "URL", FieldKind.URL)),
    item_label="reference {title}",
)


def make_section(key: str, title: str, *fields: Field) -> Section:
    return Section(
        key=key,
        title=title,
        question=f"{title}?",
        why="",
        prompts=(),
        scenarios=(),
        fields=fields,
        starter={},
    )


SCOPE = make_section(
    "scope",
    "Purpose and scope",
    Field("purpose", "Purpose", FieldKind.MARKDOWN),
    Field("policy_url", "Social media policy", FieldKind.URL),
    Field("audiences", "Audiences", FieldKind.LIST),
)
ACCOUNTS_SECTION = make_section("accounts", "Official accounts and hashtags", ACCOUNTS, HASHTAGS)
CONTACT = make_section(
    "contact",
    "Contact information",
    Field("name", "Name", FieldKind.TEXT),
    Field("email", "E-mail", FieldKind.EMAIL),
)
CATALOGUE = (SCOPE, ACCOUNTS_SECTION, CONTACT)


def ops(segments: list[Segment]) -> list[tuple[str, str]]:
    return [(segment.op, segment.text) for segment in segments]


def account(platform: str, handle: str, url: str = "", department: str = "") -> dict[str, str]:
    return {"platform": platform, "handle": handle, "url": url, "department": department}


# --- prose ---------------------------------------------------------------------------------


def test_identical_text_is_one_unchanged_segment() -> None:
    text = "Staff must never share patient information.\n\nNot even de-identified."
    assert ops(diff_text(text, text)) == [("equal", text)]


def test_two_empty_texts_have_no_segments() -> None:
    assert diff_text("", "") == []
    assert diff_text(None, "  \n") == []


def test_insertion() -> None:
    segments = diff_text("Pause before posting.", "Pause and think before posting.")
    assert ops(segments) == [
        ("equal", "Pause"),
        ("insert", " and think"),
        ("equal", " before posting."),
    ]


def test_deletion() -> None:
    segments = diff_text(
        "Never confirm that someone is a patient.", "Never confirm someone is a patient."
    )
    assert ops(segments) == [
        ("equal", "Never confirm"),
        ("delete", " that"),
        ("equal", " someone is a patient."),
    ]


def test_replacement_shows_what_went_then_what_came() -> None:
    segments = diff_text(
        "Use 2FA on all accounts.", "Use two-factor authentication on all accounts."
    )
    assert ops(segments) == [
        ("equal", "Use "),
        ("delete", "2FA"),
        ("insert", "two-factor authentication"),
        ("equal", " on all accounts."),
    ]


def test_a_matching_space_does_not_split_a_replacement() -> None:
    segments = diff_text("The quick brown fox", "The slow red fox")
    assert ops(segments) == [
        ("equal", "The "),
        ("delete", "quick brown"),
        ("insert", "slow red"),
        ("equal", " fox"),
    ]


def test_changed_punctuation_is_the_only_change() -> None:
    segments = diff_text("Report it to IT.", "Report it to IT!")
    assert ops(segments) == [("equal", "Report it to IT"), ("delete", "."), ("insert", "!")]


def test_text_added_to_an_empty_field_is_one_insert() -> None:
    assert ops(diff_text("", "New text")) == [("insert", "New text")]
    assert ops(diff_text("Old text", "")) == [("delete", "Old text")]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Line one  \nLine two", "Line one\nLine two"),  # trailing spaces
        ("Line one\r\nLine two\r\n", "Line one\nLine two"),  # Windows line endings
        ("Para one\n\n\n\nPara two", "Para one\n\nPara two"),  # extra blank lines
        ("Be  kind", "Be kind"),  # doubled space inside a line
        ("Be\tkind", "Be kind"),  # a tab between words
        ("\n  Text\n\n", "  Text"),  # leading and trailing blank lines
        ("Tab\t \nend", "Tab\nend"),
    ],
)
def test_whitespace_markdown_ignores_is_not_a_change(old: str, new: str) -> None:
    segments = diff_text(old, new)
    assert [segment.op for segment in segments] == ["equal"]


def test_indentation_is_kept_because_markdown_reads_it() -> None:
    assert normalise_text("- item\n    - nested") == "- item\n    - nested"


def test_a_new_paragraph_break_is_a_visible_change() -> None:
    segments = diff_text("One. Two.", "One.\n\nTwo.")
    changed = [segment for segment in segments if not segment.is_equal]
    assert changed and any(segment.is_break for segment in changed)


def test_changes_are_marked_around_their_words_not_their_edges() -> None:
    # The template puts leading and trailing whitespace outside <ins>/<del>.
    segment = Segment("insert", "\n\nA new paragraph. ")
    assert (segment.leading, segment.body, segment.trailing) == ("\n\n", "A new paragraph.", " ")
    assert (Segment("delete", " ").leading, Segment("delete", " ").body) == ("", " ")
    assert Segment("insert", "\n\n").is_break and not Segment("insert", "x\n").is_break


def test_word_counts_of_segments() -> None:
    segments = diff_text("Post kindly.", "Post kindly and accurately, always.")
    inserted = [segment for segment in segments if segment.is_insert]
    assert sum(segment.word_count for segment in inserted) == 3


# Prose made of words, punctuation and all sorts of whitespace, so the tokeniser is exercised.
prose = st.lists(
    st.one_of(
        st.sampled_from(["patient", "post", "share", "don't", "two-factor", "the", "a", "IT"]),
        st.sampled_from([" ", "  ", "\n", "\n\n", "\r\n", "\t", " \n"]),
        st.sampled_from([".", ",", "!", "—", "@", "#"]),
        st.text(max_size=6),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(prose, prose)
def test_segments_rebuild_both_versions(old: str, new: str) -> None:
    segments = diff_text(old, new)
    rebuilt_new = "".join(s.text for s in segments if s.op in ("equal", "insert"))
    rebuilt_old = "".join(s.text for s in segments if s.op in ("equal", "delete"))
    assert rebuilt_new == normalise_text(new)
    assert rebuilt_old == normalise_text(old)
    assert all(segment.text for segment in segments)
    # Merged: never two neighbours with the same op.
    assert all(a.op != b.op for a, b in itertools.pairwise(segments))


@settings(max_examples=200, deadline=None)
@given(prose)
def test_same_text_never_shows_a_change(text: str) -> None:
    assert all(segment.is_equal for segment in diff_text(text, text + "  \r\n"))


# --- lists ---------------------------------------------------------------------------------


def test_list_additions_removals_and_unchanged_items() -> None:
    changes = diff_list(["Be kind", "Argue with trolls"], ["Be kind", "Report impostors"])
    assert [(c.status, c.text) for c in changes] == [
        ("unchanged", "Be kind"),
        ("removed", "Argue with trolls"),
        ("added", "Report impostors"),
    ]
    assert changes[1].description == "Removed “Argue with trolls”"
    assert changes[2].description == "Added “Report impostors”"
    assert [c.label for c in changes] == ["Unchanged", "Removed", "Added"]


def test_list_item_edited_in_place_is_changed_with_its_redline() -> None:
    (change,) = diff_list(["Share official posts"], ["Share official posts and events"])
    assert change.status == "changed"
    assert (change.old, change.new) == ("Share official posts", "Share official posts and events")
    assert ops(list(change.segments)) == [
        ("equal", "Share official posts"),
        ("insert", " and events"),
    ]
    assert change.description == "Changed “Share official posts and events”"


def test_moved_item_is_unchanged_but_flagged() -> None:
    changes = diff_list(["A first", "B second", "C third"], ["C third", "A first", "B second"])
    assert [(c.status, c.text, c.moved) for c in changes] == [
        ("unchanged", "C third", True),
        ("unchanged", "A first", False),
        ("unchanged", "B second", False),
    ]
    assert changes[0].label == "Moved"
    assert changes[0].is_change


def test_list_whitespace_and_blank_items_are_not_changes() -> None:
    changes = diff_list(["Be kind", ""], ["  Be   kind "])
    assert [(c.status, c.text) for c in changes] == [("unchanged", "Be kind")]


def test_list_item_label_describes_items() -> None:
    (change,) = diff_list([], ["#RiversideCares"], item_label="hashtag {value}")
    assert change.description == "Added hashtag #RiversideCares"


# --- tables --------------------------------------------------------------------------------


def test_added_row_is_described_by_its_item_label() -> None:
    (row,) = diff_table(ACCOUNTS, [], [account("instagram", "@RiversideER")])
    assert row.status == "added"
    assert row.subject == "account @RiversideER on Instagram"
    assert row.description == "Added account @RiversideER on Instagram"
    assert [(cell.name, cell.new) for cell in row.filled_cells] == [
        ("platform", "Instagram"),
        ("handle", "@RiversideER"),
    ]


def test_removed_row_is_described_from_its_old_values() -> None:
    (row,) = diff_table(ACCOUNTS, [account("x", "@riverside")], [])
    assert row.status == "removed"
    assert row.description == "Removed account @riverside on X"
    assert row.new is None


def test_changed_column_is_named_with_old_and_new_values() -> None:
    old = [account("facebook", "@riverside", "https://facebook.com/riverside")]
    new = [account("facebook", "@riverside", "https://facebook.com/riversidehealth")]
    (row,) = diff_table(ACCOUNTS, old, new)
    assert row.status == "changed"
    assert row.description == "Changed URL of account @riverside on Facebook"
    assert [(c.name, c.old, c.new) for c in row.changed_cells] == [
        ("url", "https://facebook.com/riverside", "https://facebook.com/riversidehealth")
    ]


def test_several_changed_columns_read_as_one_sentence() -> None:
    old = [account("facebook", "@riverside", "https://a.example", "Communications")]
    new = [account("facebook", "@riverside", "https://b.example", "Emergency department")]
    (row,) = diff_table(ACCOUNTS, old, new)
    assert row.description == "Changed URL and owning department of account @riverside on Facebook"


@pytest.mark.parametrize("handle", ["@Riverside", "riverside", "RIVERSIDE", " @riverside "])
def test_rows_match_by_identity_ignoring_case_and_at_sign(handle: str) -> None:
    old = [account("facebook", "@riverside", "https://a.example")]
    new = [account("facebook", handle, "https://a.example")]
    (row,) = diff_table(ACCOUNTS, old, new)
    # Same account: at most its spelling changed, never "removed one, added another".
    assert row.status in ("unchanged", "changed")
    assert [cell.name for cell in row.changed_cells] in ([], ["handle"])


def test_same_handle_on_another_platform_is_another_account() -> None:
    changes = diff_table(
        ACCOUNTS, [account("facebook", "@riverside")], [account("x", "@riverside")]
    )
    assert sorted(change.status for change in changes) == ["added", "removed"]


def test_unchanged_rows_are_unchanged_and_keep_new_order() -> None:
    rows = [account("facebook", "@a"), account("instagram", "@b"), account("x", "@c")]
    changes = diff_table(ACCOUNTS, rows, [rows[1], rows[2], rows[0]])
    assert [(c.status, c.moved) for c in changes] == [
        ("unchanged", False),
        ("unchanged", False),
        ("unchanged", True),
    ]
    assert changes[2].description == "Moved account @a on Facebook"


def test_rows_without_identity_are_paired_when_mostly_the_same() -> None:
    old = [{"title": "CDC guidance", "url": "https://cdc.example/a"}]
    new = [{"title": "CDC guidance", "url": "https://cdc.example/b"}]
    (row,) = diff_table(REFERENCES, old, new)
    assert row.status == "changed"
    assert row.description == "Changed URL of reference CDC guidance"


def test_a_broken_item_label_never_breaks_the_redline() -> None:
    broken = Field(
        "t",
        "T",
        FieldKind.TABLE,
        columns=(Field("a", "A", FieldKind.TEXT),),
        identity=("a",),
        item_label="row {missing} {0} {",
    )
    (row,) = diff_table(broken, [], [{"a": "x"}])
    assert row.description == "Added “x”"


def test_cell_values_are_compared_as_text() -> None:
    old = [{"title": "Guide", "url": 0}]
    new = [{"title": "Guide", "url": "0"}]
    (row,) = diff_table(REFERENCES, old, new)
    assert row.status == "unchanged"


def test_blank_rows_and_unknown_columns_are_ignored() -> None:
    old = [account("facebook", "@a")]
    new = [{**account("facebook", "@a"), "extra": "ignored"}, account("", ""), {}, "junk"]
    assert [change.status for change in diff_table(ACCOUNTS, old, new)] == ["unchanged"]  # type: ignore[arg-type]


# --- sections and whole guidelines ---------------------------------------------------------


OLD: dict[str, dict[str, Any]] = {
    "scope": {
        "purpose": "These guidelines help staff post safely.",
        "policy_url": "https://intranet.example/policy",
        "audiences": ["Employees", "Volunteers"],
    },
    "accounts": {
        "accounts": [account("facebook", "@riverside", "https://facebook.com/riverside")],
        "hashtags": ["#RiversideCares"],
    },
    "contact": {"name": "Dana Ortiz", "email": "social@riverside.example"},
}


def test_unchanged_section_is_flagged_unchanged() -> None:
    diff = compare_section(SCOPE, OLD["scope"], dict(OLD["scope"]))
    assert not diff.changed
    assert diff.summary == ()
    assert diff.changed_count == 0
    assert all(not field_diff.changed for field_diff in diff.fields)


def test_section_summary_sentences() -> None:
    new = {
        "purpose": "These guidelines help all staff post safely.",
        "policy_url": "https://intranet.example/policy-2025",
        "audiences": ["Employees", "Volunteers", "Students"],
    }
    diff = compare_section(SCOPE, OLD["scope"], new)
    assert diff.changed and diff.changed_count == 3
    assert diff.summary == (
        "Edited purpose (1 word added)",
        "Changed social media policy from “https://intranet.example/policy” to "
        "“https://intranet.example/policy-2025”",
        "Added “Students”",
    )


def test_fields_report_how_they_are_shown() -> None:
    diff = compare_section(ACCOUNTS_SECTION, {}, OLD["accounts"])
    assert [(f.name, f.mode, f.changed) for f in diff.fields] == [
        ("accounts", "table", True),
        ("hashtags", "list", True),
    ]
    assert diff.summary == (
        "Added account @riverside on Facebook",
        "Added hashtag #RiversideCares",
    )


def test_value_fields_are_replaced_whole() -> None:
    diff = compare_section(
        CONTACT, OLD["contact"], {**OLD["contact"], "email": "web@riverside.example"}
    )
    email = diff.fields[1]
    assert email.mode == "value"
    assert ops(list(email.segments)) == [
        ("delete", "social@riverside.example"),
        ("insert", "web@riverside.example"),
    ]


def test_missing_fields_and_sections_count_as_empty() -> None:
    diff = compare_section(CONTACT, None, {"name": "Dana Ortiz"})
    assert diff.summary == ("Added name",)
    assert diff.fields[1].is_empty and not diff.fields[1].changed
    assert not compare_section(CONTACT, {}, {"name": "", "email": None}).changed


def test_compare_content_follows_the_catalogue_and_flags_unchanged_sections() -> None:
    new = {
        "contact": {"name": "Dana Ortiz", "email": "social@riverside.example"},
        "scope": OLD["scope"],
        "accounts": {
            "accounts": [
                account("facebook", "@Riverside", "https://facebook.com/riverside"),
                account("instagram", "@RiversideER"),
            ],
            "hashtags": ["#RiversideCares"],
        },
        "unknown": {"ignored": "yes"},
    }
    diffs = compare_content(CATALOGUE, OLD, new)
    assert [(d.key, d.changed) for d in diffs] == [
        ("scope", False),
        ("accounts", True),
        ("contact", False),
    ]
    assert changed_count(diffs) == 1
    assert summarise(diffs) == [
        "Official accounts and hashtags: Changed handle of account @Riverside on Facebook",
        "Official accounts and hashtags: Added account @RiversideER on Instagram",
    ]


def test_compare_content_with_no_old_version_adds_everything() -> None:
    diffs = compare_content(CATALOGUE, None, OLD)
    assert changed_count(diffs) == 3
    assert (
        compare_content(CATALOGUE, {}, {})
        and changed_count(compare_content(CATALOGUE, {}, {})) == 0
    )


def test_long_summaries_are_capped() -> None:
    new = {"audiences": [f"Group {n}" for n in range(9)]}
    diff = compare_section(SCOPE, {}, new)
    assert len(diff.summary) == 5
    assert diff.summary[-1] == "…and 5 more changes to audiences"


# --- the template --------------------------------------------------------------------------

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def render_diff(diff: SectionDiff) -> str:
    if not django_settings.configured:
        django_settings.configure(USE_I18N=False)
    from django.template import Context, Engine

    engine = Engine(dirs=[str(TEMPLATES)])
    template = engine.get_template("guidelines/partials/section_diff.html")
    return template.render(Context({"diff": diff, "section": diff.section}))


def test_template_marks_changes_with_words_not_only_colour() -> None:
    new = {
        "purpose": "These guidelines help all staff post <safely>.",
        "policy_url": "https://intranet.example/policy",
        "audiences": ["Employees", "Students"],
    }
    html = render_diff(compare_section(SCOPE, OLD["scope"], new))
    assert '<ins class="redline-ins">' in html and '<del class="redline-del">' in html
    assert (
        'help <ins class="redline-ins"><span class="redline-mark" aria-hidden="true">+</span>'
        in html
    )
    assert (
        '<span class="visually-hidden">[added] </span>all'
        '<span class="visually-hidden"> [end added]</span></ins> staff'
    ) in html
    assert '<span class="redline-label">Added</span>' in html
    assert '<span class="redline-label">Removed</span>' in html
    assert "[added] </span>&lt;" in html and "<safely" not in html  # author text is escaped
    assert "style=" not in html and "<script" not in html
    # The untouched policy link is folded away, and said to be unchanged.
    assert 'Social media policy <span class="redline-quiet">— no changes</span>' in html


def test_template_table_changes_name_columns_and_values() -> None:
    old = {"accounts": [account("facebook", "@riverside", "https://a.example")]}
    new = {"accounts": [account("facebook", "@riverside", "https://b.example")]}
    html = render_diff(compare_section(ACCOUNTS_SECTION, old, new))
    assert '<span class="redline-label">Changed</span>' in html
    assert "account @riverside on Facebook" in html
    assert "<dt>URL</dt>" in html
    assert "https://a.example</del>" in html and "https://b.example</ins>" in html


def test_template_collapses_unchanged_section() -> None:
    html = render_diff(compare_section(SCOPE, OLD["scope"], OLD["scope"]))
    assert html.lstrip().startswith('<section class="redline-section redline-unchanged')
    # The title stays a heading, so heading navigation still finds the section.
    assert '<h2 class="h6 redline-title mb-1" id="redline-scope">' in html
    assert "No changes in this section" in html
    assert "<ins" not in html and "<del" not in html
    assert "These guidelines help staff post safely." in html
