"""Keeping the facts the starter template marks to confirm, as an author does before submitting.

The Keep and Replace buttons themselves are covered by tests/guidelines/test_facts.py; the
journeys only need the facts out of the way, so this keeps them through the same service.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page

from guidelines.models import Draft
from tests.factories import confirm_draft_facts


def keep_all_facts(page: Page) -> None:
    """From any wizard page: keep every marked fact of the open draft, then reload the page."""
    found = re.match(r"^https?://[^/]+/guidelines/(\d+)/", page.url)
    assert found, page.url
    draft = Draft.objects.select_related("created_by").get(
        guideline_id=int(found.group(1)), is_open=True
    )
    confirm_draft_facts(draft, draft.created_by)
    page.reload()
