"""When a guideline's review is "due" or "overdue": one rule for lists, panels and reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from guidelines.models import Guideline, ReviewState

TODAY = dt.date(2026, 3, 10)


@pytest.mark.parametrize(
    ("days_to_review", "state"),
    [
        (-1, ReviewState.OVERDUE),
        (0, ReviewState.DUE),  # due today is due, not yet overdue
        (30, ReviewState.DUE),
        (31, None),
    ],
)
def test_review_state_by_days_to_the_review_date(days_to_review, state):
    guideline = Guideline(next_review_date=TODAY + dt.timedelta(days=days_to_review))
    assert guideline.review_state(TODAY) == state


def test_no_review_date_means_no_review_state():
    assert Guideline(next_review_date=None).review_state(TODAY) is None


def test_review_due_query_agrees_with_the_rule_and_skips_retired(wizard_guideline):
    def due_ids() -> list[int]:
        return list(Guideline.objects.review_due(on=TODAY).values_list("pk", flat=True))

    for days in (-1, 0, 30, 31):
        Guideline.objects.filter(pk=wizard_guideline.pk).update(
            next_review_date=TODAY + dt.timedelta(days=days)
        )
        wizard_guideline.refresh_from_db()
        expected = [wizard_guideline.pk] if wizard_guideline.review_state(TODAY) else []
        assert due_ids() == expected
    Guideline.objects.filter(pk=wizard_guideline.pk).update(
        next_review_date=TODAY, status=Guideline.Status.RETIRED
    )
    assert due_ids() == []
