"""Compare any two versions, or the draft against a version: per-section redline."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guidelines import services
from tests.factories import VersionFactory, starter


def _edit_accounts(author, guideline):
    draft = guideline.drafts.get(is_open=True)
    row = draft.sections.get(key="accounts")
    accounts = row.data["accounts"] + [{"platform": "Instagram", "handle": "@RiversideER"}]
    services.save_section(
        draft=draft,
        key="accounts",
        data={**row.data, "accounts": accounts},
        revision=row.revision,
        by=author.user,
    )


def test_author_compares_the_draft_with_the_last_version(author, versioned_guideline):
    _edit_accounts(author, versioned_guideline)
    html = (
        author.client()
        .get(reverse("guidelines:compare", args=[versioned_guideline.pk]))
        .content.decode()
    )
    assert "1 of 12 sections changed" in html
    assert "Added account @RiversideER on Instagram" in html
    assert "No changes in this section" in html  # unchanged sections folded


def test_reviewer_compares_two_versions(author, legal, versioned_guideline):
    _edit_accounts(author, versioned_guideline)
    draft = versioned_guideline.drafts.get(is_open=True)
    services.freeze_draft(draft=draft, by=author.user, change_summary="Add ER account")
    html = (
        legal.client()
        .get(reverse("guidelines:compare", args=[versioned_guideline.pk]))
        .content.decode()
    )
    assert "from Version 1" in html and "to Version 2" in html
    assert "Added account @RiversideER" in html
    assert "Current draft" not in html


def test_nothing_to_compare_says_so(legal, wizard_guideline):
    html = (
        legal.client()
        .get(reverse("guidelines:compare", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert "nothing to compare yet" in html


def test_unknown_version_is_404(author, versioned_guideline):
    url = reverse("guidelines:compare", args=[versioned_guideline.pk]) + "?old=1&new=99"
    assert author.client().get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 50])
def test_compare_query_count_is_bounded(
    author, org, wizard_guideline, count, django_assert_max_num_queries
):
    content = starter(org)
    versions = [
        VersionFactory(guideline=wizard_guideline, created_by=author.user, content=content)
        for _ in range(count)
    ]
    client = author.client()
    url = reverse("guidelines:compare", args=[wizard_guideline.pk])
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200 and "Compare" in response.content.decode()
    with django_assert_max_num_queries(10):
        response = client.get(url, {"old": versions[0].number, "new": versions[-1].number})
    assert response.status_code == 200
    assert "0 of 12 sections changed" in response.content.decode()


def test_another_institutions_guideline_is_404_each_time(outsider, versioned_guideline):
    url = reverse("guidelines:compare", args=[versioned_guideline.pk])
    client = outsider.client()
    assert [client.get(url).status_code for _ in range(2)] == [404, 404]
