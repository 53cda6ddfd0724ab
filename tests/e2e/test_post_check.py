"""Check my post, its help page and the search box in a phone-sized browser (375 px): keyboard
only, the typed post kept on error, findings linked to the guideline, and every page passed
through the ``a11y`` fixture (axe-core, HTML_CodeSniffer, reflow, the Nu Html Checker)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.publishing.conftest import (  # noqa: F401  (fixtures)
    approved,
    do_publish,
    guideline,
    make_version,
    published,
)


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def in_force(transactional_db, published):  # noqa: F811  (the imported fixture)
    return published


def test_an_employee_checks_a_post_on_a_phone(
    page, live_server, login, employee, in_force, shots, a11y
):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, employee.email, PASSWORD)
    page.goto(f"{live_server.url}/check-my-post/")
    expect(page.get_by_text("This is a helper, not an approval.")).to_be_visible()
    a11y(page, "post-check")
    # Keyboard only: the account first, then submit an empty post.
    page.get_by_label("Which account will you post from? (optional)").focus()
    page.keyboard.type("@my.own.account")
    page.get_by_role("button", name="Check my post").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Paste or type the post you want to check.")).to_be_visible()
    expect(page.get_by_label("Which account will you post from? (optional)")).to_have_value(
        "@my.own.account"
    )
    a11y(page, "post-check-refused")
    page.get_by_label("Your draft post or caption").focus()
    page.keyboard.type(
        "Selfie in the ICU with Mrs Okafor in bed 4 before she was discharged! "
        "NHS number 943 476 5919."
    )
    page.get_by_role("button", name="Check my post").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="things to look at")).to_be_visible()
    expect(
        page.get_by_role("link", name="Confidentiality, compliance and privacy").first
    ).to_be_visible()
    expect(page.get_by_text("What looks like an NHS number is in the post.")).to_be_visible()
    assert fits_the_width(page)
    a11y(page, "post-check-findings")
    shots(page, "post-check-375")
    # The help page, reached from the note at the top.
    page.get_by_role("link", name="What does it look for?").click()
    expect(page.get_by_role("heading", name="It is a helper, not an approval")).to_be_visible()
    assert fits_the_width(page)
    a11y(page, "post-check-help")


def test_the_search_box_finds_a_section(page, live_server, login, employee, in_force, a11y):
    page.set_viewport_size({"width": 375, "height": 800})
    login(page, employee.email, PASSWORD)
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_label("Search the guidelines").fill('"patient information"')
    page.keyboard.press("Enter")
    result = page.locator(".search-results a").first
    expect(result).to_contain_text("Confidentiality, compliance and privacy")
    expect(page.locator(".search-results mark").first).to_be_visible()
    assert fits_the_width(page)
    a11y(page, "search-results")
    result.click()
    page.wait_for_url("**#section-privacy")
    # A guideline found by its title, listed above the sections.
    page.goto(f"{live_server.url}/search/?q=social+med*")
    expect(page.locator(".search-guidelines a").first).to_contain_text("Social media")
    assert fits_the_width(page)
    a11y(page, "search-guidelines")
