"""The guidelines list: the institution's guidelines, their versions and review dates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from guidelines.models import Guideline
from tests.factories import GuidelineFactory, VersionFactory


def test_list_shows_own_guidelines_with_draft_and_review_due(
    author, org, other_org, wizard_guideline
):
    Guideline.objects.filter(pk=wizard_guideline.pk).update(
        next_review_date=timezone.localdate() + timedelta(days=10)
    )
    GuidelineFactory(organization=other_org, title="Lakeside secret")
    html = author.client().get(reverse("guidelines:list")).content.decode()
    assert "Social media guidelines" in html and "Lakeside secret" not in html
    assert "Open draft" in html and "Review due" in html
    assert "New guideline" in html


def test_reviewer_sees_the_list_without_editing_links(legal, wizard_guideline):
    html = legal.client().get(reverse("guidelines:list")).content.decode()
    assert "Social media guidelines" in html and "New guideline" not in html


def test_overdue_review_is_flagged(author, wizard_guideline):
    Guideline.objects.filter(pk=wizard_guideline.pk).update(
        next_review_date=timezone.localdate() - timedelta(days=1)
    )
    assert "Review overdue" in author.client().get(reverse("guidelines:list")).content.decode()


@pytest.mark.parametrize("count", [1, 40])
def test_list_query_count_is_bounded(author, org, count, django_assert_max_num_queries):
    for _ in range(count):
        VersionFactory(guideline=GuidelineFactory(organization=org))
    client = author.client()
    with django_assert_max_num_queries(10):
        response = client.get(reverse("guidelines:list"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/guidelines/') >= count
