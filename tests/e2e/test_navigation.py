"""Each demo role signs in through the browser and sees the navigation for its roles."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

NAV = {
    "admin@riverside.example": {"People": True, "Reviews": False},
    "author@riverside.example": {"People": False, "Reviews": False},
    "legal@riverside.example": {"People": False},
    "compliance@riverside.example": {"People": False},
    "employee@riverside.example": {"People": False, "Reviews": False},
}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


@pytest.mark.parametrize("email", list(NAV))
def test_demo_login_shows_navigation_for_role(page, live_server, demo, login, shots, email):
    login(page, email, "charter-demo")
    expect(page.get_by_test_id("active-org")).to_have_text("Riverside Health")
    nav = page.get_by_role("navigation", name="Main")
    admin_menu = nav.get_by_role("button", name="Administration")
    if NAV[email].get("People"):
        admin_menu.click()  # the institution's own pages sit behind one menu
        expect(admin_menu).to_have_attribute("aria-expanded", "true")
    else:
        expect(admin_menu).to_have_count(0)
    for link, visible in NAV[email].items():
        locator = nav.get_by_role("link", name=link, exact=True)
        if visible:
            expect(locator).to_be_visible()
        else:
            expect(locator).to_have_count(0)
    shots(page, email.split("@")[0])


def test_phone_width_menu_and_skip_link(page, live_server, demo, login, shots, a11y):
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, "admin@riverside.example", "charter-demo")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_role("button", name="Show navigation").click()
    page.get_by_role("button", name="Administration").click()
    expect(page.get_by_role("link", name="People", exact=True)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    shots(page, "admin-phone-menu")
    a11y(page, "admin-phone-menu-open")
