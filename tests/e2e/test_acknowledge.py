"""An employee acknowledges the guideline on a phone; the admin's dashboard shows it."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def test_employee_acknowledges_on_a_phone_and_admin_sees_it(
    page, live_server, demo, login, shots, browser, a11y
):
    page.set_viewport_size(PHONE)
    login(page, "employee@riverside.example", "charter-demo")
    panel = page.get_by_role("region", name="Guidelines to acknowledge")
    expect(panel).to_contain_text("Social media guidelines")
    shots(page, "home-to-acknowledge")
    a11y(page, "home-to-acknowledge")

    panel.get_by_role("link", name="Read and acknowledge").click()
    expect(page.get_by_role("heading", name="Social media guidelines", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="2. Official accounts and hashtags")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "read-guideline")
    a11y(page, "read-guideline")
    # Each quiz answer is a target of at least 24 x 24 px (WCAG 2.5.8), its label too.
    for radio in page.get_by_role("radio").all():
        box = radio.bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, box

    # A wrong answer is refused, with the question named and nothing recorded.
    page.get_by_label("Do not confirm they are a patient", exact=False).check()
    page.get_by_label("Follow it to keep an eye on it").check()
    page.get_by_label("I have read and understood", exact=False).check()
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text("check your answer to question 2")).to_be_in_viewport()
    shots(page, "wrong-answer")
    a11y(page, "wrong-answer")
    # Nothing asked twice (WCAG 3.3.7): the answers and the tick given stay as they were.
    expect(page.get_by_label("Do not confirm they are a patient", exact=False)).to_be_checked()
    expect(page.get_by_label("Follow it to keep an eye on it")).to_be_checked()
    expect(page.get_by_label("I have read and understood", exact=False)).to_be_checked()

    page.get_by_label("Send the link to the social media team", exact=False).check()
    page.get_by_label("I have read and understood", exact=False).check()
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text("you acknowledged Social media guidelines, version 1")).to_be_visible()
    expect(page.get_by_text("you are up to date")).to_be_visible()
    shots(page, "acknowledged")
    a11y(page, "acknowledged")

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
    a11y(admin, "admin-dashboard")
    admin_context.close()


def test_a_case_from_the_library_is_asked_then_answered_with_its_section_on_a_phone(
    page, live_server, demo, login, shots, a11y
):
    """The demo asks its phishing case of the administration staff: moved there, the employee
    answers it after the written quiz, is pointed to its section when wrong, then reads the
    answer and the section it comes from."""
    from accounts.models import Membership, StaffGroup
    from tests.a11y import reflow_problems

    nurse = Membership.objects.get(
        user__email="employee@riverside.example", organization__slug="riverside-health"
    )
    nurse.staff_group = StaffGroup.objects.get(
        organization=nurse.organization, name="Administration"
    )
    nurse.save(update_fields=["staff_group"])

    page.set_viewport_size(PHONE)
    login(page, "employee@riverside.example", "charter-demo")
    page.get_by_role("region", name="Guidelines to acknowledge").get_by_role(
        "link", name="Read and acknowledge"
    ).click()
    form = page.locator("#acknowledge-form")
    expect(form).to_contain_text("First, 3 short questions")
    expect(form).to_contain_text("What would you do?")

    page.get_by_label("Do not confirm they are a patient", exact=False).check()
    page.get_by_label("Send the link to the social media team", exact=False).check()
    page.get_by_label("Log in through the link quickly", exact=False).check()
    page.get_by_label("I have read and understood", exact=False).check()
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_text("check your answer to question 3")).to_be_in_viewport()
    hint = page.get_by_text("Not quite: section", exact=False)
    expect(hint).to_contain_text("has the answer")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], reflow_problems(
        page, PHONE["width"]
    )
    shots(page, "case-answered-wrongly")
    a11y(page, "acknowledge-case-wrong")

    page.get_by_label("Do not log in through the link", exact=False).check()
    page.get_by_label("I have read and understood", exact=False).check()
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    answers = page.get_by_role("region", name="The cases you answered")
    expect(answers).to_be_in_viewport()
    expect(answers).to_contain_text("Do not log in through the link")
    expect(answers).to_contain_text("From section")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], reflow_problems(
        page, PHONE["width"]
    )
    shots(page, "case-answers")
    a11y(page, "acknowledge-case-answers")

    # The answer's section link leads to the section in the text below.
    link = answers.get_by_role("link").first
    title = link.inner_text()
    link.click()
    expect(page.get_by_role("heading", name=title, exact=False).first).to_be_in_viewport()
