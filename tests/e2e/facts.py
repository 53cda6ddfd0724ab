"""Keeping the facts the starter template marks to confirm, as an author does in the wizard."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from guidelines.facts import facts_in
from guidelines.sections import SAMPLE_CONTEXT, SECTIONS, starter_content

# The steps whose starter text holds a fact to confirm.
FACT_STEPS = tuple(s.key for s in SECTIONS if facts_in(starter_content(SAMPLE_CONTEXT)[s.key]))
KEEP = re.compile("^Keep as written")


def keep_all_facts(page: Page) -> None:
    """From any wizard page: keep every marked fact, step by step, then come back."""
    found = re.match(r"^(https?://[^/]+)/guidelines/(\d+)/", page.url)
    assert found, page.url
    back = page.url
    base, pk = found.groups()
    for key in FACT_STEPS:
        page.goto(f"{base}/guidelines/{pk}/draft/{key}/")
        while page.get_by_role("button", name=KEEP).count():
            page.get_by_role("button", name=KEEP).first.click()
            expect(page.get_by_role("status").filter(has_text="Kept as written")).to_be_visible()
        expect(page.get_by_role("heading", name=re.compile("^Facts to confirm"))).to_have_count(0)
    page.goto(back)
