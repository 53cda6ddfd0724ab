"""Autosave: "Saved HH:MM", field errors without saving, and conflicts that lose nothing."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from guidelines import services
from search.models import SectionText
from tests.guidelines.test_view_step import _post_data


def _url(guideline, key="contact"):
    return reverse("guidelines:autosave", args=[guideline.pk, key])


def test_autosave_saves_and_answers_saved_with_the_time(author, wizard_guideline, wizard_draft):
    data = {**_post_data(wizard_draft, "contact"), "name": "Dana Whitfield"}
    response = author.client().post(_url(wizard_guideline), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saved " in html
    assert 'id="id_revision" value="1" data-hx-swap-oob="true"' in html
    assert 'id="step-checks" data-hx-swap-oob="true"' in html
    assert 'id="progress-contact"' in html
    assert wizard_draft.sections.get(key="contact").data["name"] == "Dana Whitfield"


def test_autosave_with_bad_input_shows_errors_and_saves_nothing(
    author, wizard_guideline, wizard_draft
):
    data = {**_post_data(wizard_draft, "contact"), "email": "not-an-address"}
    html = author.client().post(_url(wizard_guideline), data).content.decode()
    assert "Not saved" in html
    assert 'id="err-email" class="wizard-errors" data-hx-swap-oob="true"' in html
    assert "valid e-mail address" in html
    assert "id_revision" not in html
    assert wizard_draft.sections.get(key="contact").revision == 0


def test_autosave_table_errors_land_on_the_row_the_person_sees(
    author, wizard_guideline, wizard_draft
):
    data = _post_data(wizard_draft, "accounts")
    # An empty row typed in the middle must not shift the next row's error onto it.
    data.update({"accounts-4-platform": "", "accounts-4-handle": "", "accounts-4-url": ""})
    data.update({"accounts-5-platform": "X", "accounts-5-handle": "@new", "accounts-5-url": "bad"})
    html = author.client().post(_url(wizard_guideline, "accounts"), data).content.decode()
    start = html.index('id="err-accounts-5-url"')
    assert "full web address" in html[start : start + 400]
    assert "full web address" not in html[html.index('id="err-accounts-4-url"') : start]


def test_autosave_conflict_keeps_both_texts(author, admin, wizard_guideline, wizard_draft):
    data = {**_post_data(wizard_draft, "contact"), "name": "Mine"}
    row = wizard_draft.sections.get(key="contact")
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "Theirs"},
        revision=row.revision,
        by=admin.user,
    )
    html = author.client().post(_url(wizard_guideline), data).content.decode()
    assert "Not saved" in html and "Ada Admin saved this section" in html
    assert ">Theirs</textarea>" in html and "Mine" in html
    assert 'data-accept-revision="1"' in html
    assert wizard_draft.sections.get(key="contact").data["name"] == "Theirs"


def test_autosave_after_submission_is_refused(author, wizard_guideline, wizard_draft):
    data = _post_data(wizard_draft, "contact")
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    html = author.client().post(_url(wizard_guideline), data).content.decode()
    assert "Not saved" in html and "submitted" in html


def test_autosave_accepts_post_only(author, wizard_guideline):
    assert author.client().get(_url(wizard_guideline)).status_code == 405


def test_autosave_query_count_is_pinned(
    author, wizard_guideline, wizard_draft, django_assert_max_num_queries
):
    """Autosave runs at every pause in typing: session, membership, the open draft with its
    guideline, then one transaction (its two statements counted here) that locks and reads
    every section, saves, keeps the history, refreshes the search row, stamps the draft and
    appends the audit event. SQLite appends the event in three statements, PostgreSQL in two."""
    client = author.client()
    url = _url(wizard_guideline)
    client.post(url, {**_post_data(wizard_draft, "contact"), "name": "First"})
    data = {**_post_data(wizard_draft, "contact"), "name": "Second"}
    limit = 12 if connection.vendor == "postgresql" else 13
    with django_assert_max_num_queries(limit):
        html = client.post(url, data, HTTP_HX_REQUEST="true").content.decode()
    assert "Saved " in html and 'id="progress-contact"' in html
    row = wizard_draft.sections.get(key="contact")
    assert row.data["name"] == "Second" and row.revision == 2
    assert row.history.count() >= 2
    assert SectionText.objects.get(draft=wizard_draft, key="contact").body.startswith("Second")


def test_autosave_conflict_still_detected_with_the_single_read(
    author, admin, wizard_guideline, wizard_draft
):
    client = author.client()
    url = _url(wizard_guideline)
    client.post(url, {**_post_data(wizard_draft, "contact"), "name": "Mine 1"})
    stale = {**_post_data(wizard_draft, "contact"), "name": "Mine 2"}
    row = wizard_draft.sections.get(key="contact")
    services.save_section(
        draft=wizard_draft,
        key="contact",
        data={**row.data, "name": "Theirs"},
        revision=row.revision,
        by=admin.user,
    )
    stale["revision"] = row.revision  # what the author's editor still holds
    html = client.post(url, stale, HTTP_HX_REQUEST="true").content.decode()
    assert "Not saved" in html and 'id="progress-contact"' in html
    assert wizard_draft.sections.get(key="contact").data["name"] == "Theirs"
