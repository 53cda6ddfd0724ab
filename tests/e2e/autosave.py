"""Waiting for the wizard's autosave the way a careful person would: until nothing is unsaved."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SAVED = re.compile(r"Saved \d\d:\d\d")


def expect_all_saved(page: Page) -> None:
    # One edit can send two autosaves (leaving a field, then the click itself). The form says
    # "saved" only once the save carrying the latest edit has answered, so navigating away next
    # can never cancel or skip a save.
    expect(page.locator("[data-wizard-form]")).to_have_attribute(
        "data-save-state", "saved", timeout=8000
    )
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=8000)
