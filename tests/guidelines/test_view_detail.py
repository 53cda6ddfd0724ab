"""The guideline page: versions with status, author, date and summary; the open draft."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import VersionFactory

from .conftest import confirm_facts


def test_detail_lists_versions_and_the_draft(author, versioned_guideline):
    confirm_facts(versioned_guideline.drafts.get(is_open=True))
    html = (
        author.client()
        .get(reverse("guidelines:detail", args=[versioned_guideline.pk]))
        .content.decode()
    )
    assert "Version 1" in html and "In review" in html and "Arthur Author" in html
    assert "First" in html  # change summary
    assert "Continue writing" in html and "12 of 12 sections complete" in html


def test_without_a_draft_the_author_may_start_one(author, wizard_guideline, wizard_draft):
    from guidelines import services

    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    html = (
        author.client()
        .get(reverse("guidelines:detail", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert "Start a new draft" in html


def test_reviewer_sees_versions_but_not_the_draft(legal, versioned_guideline):
    html = (
        legal.client()
        .get(reverse("guidelines:detail", args=[versioned_guideline.pk]))
        .content.decode()
    )
    assert "Version 1" in html and "Continue writing" not in html


@pytest.mark.parametrize("count", [1, 50])
def test_detail_query_count_is_bounded(
    author, wizard_guideline, count, django_assert_max_num_queries
):
    versions = [
        VersionFactory(guideline=wizard_guideline, created_by=author.user) for _ in range(count)
    ]
    client = author.client()
    with django_assert_max_num_queries(14):
        response = client.get(reverse("guidelines:detail", args=[wizard_guideline.pk]))
    assert response.status_code == 200
    assert f"Version {versions[-1].number}" in response.content.decode()
