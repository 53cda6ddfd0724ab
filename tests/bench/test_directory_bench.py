"""bench/directory.py in miniature, so that the script `make bench` runs at 100,000 people
keeps working: a small full roster and the audience preview, with their budgets' checks."""

from __future__ import annotations

import pytest

from accounts.models import Organization
from bench import directory


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    # Several batches of each kind even in a small file, as at full size.
    monkeypatch.setattr("accounts.staff_import.MEMBER_BATCH", 50)
    monkeypatch.setattr("accounts.staff_import.FOLLOW_UP_BATCH", 50)
    monkeypatch.setattr("accounts.staff_import.STAGE_BATCH", 50)


@pytest.mark.django_db
def test_roster_and_preview_figures():
    small = directory.roster_figures("roster-small", 100)
    large = directory.roster_figures("roster-large", 300)
    assert (large["added"], large["updated"], large["deactivated"]) == (3, 30, 3)
    # Statements grow with batches, never with rows: 3x the rows, well under 3x the SQL.
    assert large["statements"] < 2.5 * small["statements"]
    preview = directory.preview_figures(Organization.objects.get(slug="roster-large"))
    assert preview["staff"] == 300 + 3 + 1 and preview["raw_sql_ms"] > 0
    figures = {
        "preview": {**preview, "ratio": 1.0},
        "roster_memory_ratio": 1.0,
        "scim": [{"create_queries": 15, "patch_queries": 14}] * 2,
    }
    assert directory.missed(figures) == []
    figures["roster_memory_ratio"] = 2.0
    assert len(directory.missed(figures)) == 1
