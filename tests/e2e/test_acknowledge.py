"""An employee acknowledges the guideline on a phone; the admin's dashboard shows it."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def test_employee_acknowledges_on_a_phone_and_admin_sees_it(
    page, live_server, demo, login, shots, browser
):
    page.set_viewport_size(PHONE)
    login(page, "employee@riverside.example", "charter-demo")
    panel = page.get_by_role("region", name="Guidelines to acknowledge")
    expect(panel).to_contain_text("Social media guidelines")
    shots(page, "home-to-acknowledge")

    panel.get_by_role("link", name="Read and acknowledge").click()
    expect(page.get_by_role("heading", name="Social media guidelines", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="2. Official accounts and hashtags")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "read-guideline")

    # A wrong answer is refused, with the question named and nothing recorded.
    page.get_by_label("Do not confirm they are a patient", exact=False).check()
    page.get_by_label("Follow it to keep an eye on it").check()
    page.get_by_label("I have read and understood", exact=False).check()
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text("check your answer to question 2")).to_be_in_viewport()
    shots(page, "wrong-answer")

    page.get_by_label("Send the link to the social media team", exact=False).check()
    page.get_by_label("I have read and understood", exact=False).check()
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text("you acknowledged Social media guidelines, version 1")).to_be_visible()
    expect(page.get_by_text("you are up to date")).to_be_visible()
    shots(page, "acknowledged")

    admin_context = browser.new_context(viewport=PHONE)
    admin = admin_context.new_page()
    login(admin, "admin@riverside.example", "charter-demo")
    admin.goto(f"{live_server.url}/tracking/")
    admin.get_by_role("link", name="Track progress", exact=False).first.click()
    admin.get_by_label("Name or e-mail").fill("employee@riverside.example")
    admin.get_by_role("button", name="Filter").click()
    expect(admin.get_by_test_id("status-employee@riverside.example")).to_contain_text(
        "Acknowledged"
    )
    shots(admin, "admin-dashboard")
    admin_context.close()
