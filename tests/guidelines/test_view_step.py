"""The wizard step: prompts, structured editor, checks, plain-form saving and row buttons."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guidelines import services
from guidelines.sections import SECTIONS
from tests.factories import VersionFactory


def _url(guideline, key="accounts"):
    return reverse("guidelines:step", args=[guideline.pk, key])


def _post_data(draft, key):
    """What the browser would post for the stored section, plus its revision."""
    row = draft.sections.get(key=key)
    data = {"revision": row.revision}
    for name, value in row.data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for i, cells in enumerate(value):
                for col, cell in cells.items():
                    data[f"{name}-{i}-{col}"] = cell
        elif isinstance(value, list):
            data[name] = "\n".join(value)
        else:
            data[name] = value
    return data


def test_step_shows_why_prompts_scenarios_editor_checks_and_progress(author, wizard_guideline):
    html = author.client().get(_url(wizard_guideline)).content.decode()
    assert "Step 2 of 12" in html and "Official accounts and hashtags" in html
    assert "Impostor accounts" in html  # why it matters
    assert "Questions to help you write" in html and "Scenarios to test your text" in html
    assert 'name="accounts-0-handle"' in html and 'name="hashtags"' in html
    assert "Checks for this section" in html and "List at least one official account" in html
    for section in SECTIONS:
        assert f'id="progress-{section.key}"' in html
    assert 'aria-current="step"' in html and "Complete" in html


def test_plain_post_saves_and_goes_to_the_next_step(author, wizard_guideline, wizard_draft):
    data = _post_data(wizard_draft, "accounts")
    data["hashtags"] += "\n#RiversideRuns"
    data["action"] = "next"
    response = author.client().post(_url(wizard_guideline), data)
    assert response.status_code == 302
    assert response["Location"] == _url(wizard_guideline, "dos_donts")
    assert "#RiversideRuns" in wizard_draft.sections.get(key="accounts").data["hashtags"]


def test_last_step_goes_to_the_checklist(author, wizard_guideline, wizard_draft):
    data = {**_post_data(wizard_draft, "contact"), "action": "next"}
    response = author.client().post(_url(wizard_guideline, "contact"), data)
    assert response["Location"] == reverse("guidelines:checklist", args=[wizard_guideline.pk])


def test_any_step_saves_and_goes_to_the_checklist(author, wizard_guideline, wizard_draft):
    data = {**_post_data(wizard_draft, "scope"), "action": "checklist"}
    response = author.client().post(_url(wizard_guideline, "scope"), data)
    assert response["Location"] == reverse("guidelines:checklist", args=[wizard_guideline.pk])


def test_bad_input_shows_field_errors_and_keeps_the_typing(author, wizard_guideline, wizard_draft):
    data = _post_data(wizard_draft, "accounts")
    data.update(
        {
            "accounts-4-platform": "Instagram",
            "accounts-4-handle": "@Riverside",
            "accounts-4-url": "not a web address",
            "action": "save",
        }
    )
    data["accounts-0-platform"] = "Instagram"  # now a duplicate of row 2's handle on Instagram
    response = author.client().post(_url(wizard_guideline), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Not saved" in html
    assert 'value="not a web address"' in html
    assert "enter a full web address" in html
    assert "is listed twice" in html
    assert 'id="err-accounts-4-url"' in html and 'aria-invalid="true"' in html
    assert wizard_draft.sections.get(key="accounts").revision == 0


def test_required_field_left_empty_is_saved_but_its_check_fails(
    author, wizard_guideline, wizard_draft
):
    data = {**_post_data(wizard_draft, "contact"), "name": "", "action": "save"}
    author.client().post(_url(wizard_guideline, "contact"), data)
    html = author.client().get(_url(wizard_guideline, "contact")).content.decode()
    assert "To do:" in html and "Name the social media point of contact" in html


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("add:accounts", 5),
        ("remove:accounts:0", 3),
        ("up:accounts:1", 4),
        ("down:accounts:0", 4),
    ],
)
def test_row_buttons_work_without_javascript(
    author, wizard_guideline, wizard_draft, action, expected
):
    before = wizard_draft.sections.get(key="accounts").data["accounts"]
    data = {**_post_data(wizard_draft, "accounts"), "action": action}
    response = author.client().post(_url(wizard_guideline), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="wizard-row card mb-2"') == expected + 1  # +1: the template row
    after = wizard_draft.sections.get(key="accounts").data["accounts"]
    if action.startswith(("up", "down")):
        assert after[0] == before[1] and after[1] == before[0]
    elif action.startswith("remove"):
        assert after == before[1:]


def test_choice_fields_are_radios(author, wizard_guideline):
    html = author.client().get(_url(wizard_guideline, "disclosure")).content.decode()
    assert html.count('type="radio" name="separate_accounts"') == 3


def test_markdown_has_a_live_preview(author, wizard_guideline):
    html = author.client().get(_url(wizard_guideline, "privacy")).content.decode()
    assert 'data-hx-post="' + reverse("guidelines:preview", args=[wizard_guideline.pk]) in html
    assert 'id="preview-body"' in html and "<strong>No patient information.</strong>" in html


def test_stale_plain_post_shows_the_conflict_with_both_texts(
    author, admin, wizard_guideline, wizard_draft
):
    data = {**_post_data(wizard_draft, "contact"), "name": "Mine", "action": "save"}
    row = wizard_draft.sections.get(key="contact")
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "Theirs"},
        revision=row.revision,
        by=admin.user,
    )
    response = author.client().post(_url(wizard_guideline, "contact"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Someone else saved this section" in html
    assert 'value="Mine"' in html and ">Theirs</textarea>" in html
    assert 'name="revision" id="id_revision" value="1"' in html
    # Saving again (after merging) overwrites knowingly.
    data["revision"] = 1
    assert author.client().post(_url(wizard_guideline, "contact"), data).status_code == 302
    assert wizard_draft.sections.get(key="contact").data["name"] == "Mine"


def test_without_an_open_draft_the_step_sends_you_to_the_guideline(
    author, wizard_guideline, wizard_draft
):
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    response = author.client().get(_url(wizard_guideline))
    assert response.status_code == 302
    assert response["Location"] == reverse("guidelines:detail", args=[wizard_guideline.pk])


def test_unknown_section_is_404(author, wizard_guideline):
    assert author.client().get(_url(wizard_guideline, "nonsense")).status_code == 404


@pytest.mark.parametrize("versions", [1, 50])
def test_step_query_count_is_bounded(
    author, wizard_guideline, wizard_draft, versions, django_assert_max_num_queries
):
    for _ in range(versions):
        VersionFactory(guideline=wizard_guideline, created_by=author.user)
    client = author.client()
    client.get(_url(wizard_guideline))
    # 12 for the step, 2 for the comments beside it (the draft's number, the threads it carries).
    with django_assert_max_num_queries(14):
        response = client.get(_url(wizard_guideline))
    assert response.status_code == 200 and "Purpose and scope" in response.content.decode()


def test_refused_markdown_keeps_the_typing_but_is_not_rendered(
    author, wizard_guideline, wizard_draft
):
    data = {**_post_data(wizard_draft, "privacy"), "action": "save"}
    data["body"] = "**bold** " * 2500  # over the 20,000-character limit
    response = author.client().post(_url(wizard_guideline, "privacy"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "is too long" in html and "the limit is 20000" in html
    assert "**bold** **bold**" in html  # what was typed is still in the editor
    assert "<strong>bold</strong>" not in html  # but no preview was rendered from it
