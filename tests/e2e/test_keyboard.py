"""With the keyboard alone: a reviewer signs off, an employee acknowledges on a phone.

No mouse clicks: focus moves with Tab and Shift+Tab, links and buttons are pressed with Enter
or Space, text is typed, and a radio group's choice moves with the arrow keys (as keyboards
do in every browser). Each control reached must show where the focus is.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, ViewportSize, expect

from approvals.models import ReviewRequest, Signature
from publishing.models import Acknowledgement

PASSWORD = "charter-demo"
PHONE: ViewportSize = {"width": 375, "height": 740}
MAX_TABS = 120


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def _focused(target: Locator) -> bool:
    return bool(target.evaluate("el => el === document.activeElement"))


def _focus_is_visible(page: Page) -> bool:
    """The focused control draws an outline or a focus ring (Bootstrap uses a box shadow)."""
    return bool(
        page.evaluate(
            """() => {
              const el = document.activeElement;
              const s = getComputedStyle(el);
              const ring = s.boxShadow && s.boxShadow !== 'none';
              const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
              return ring || outline;
            }"""
        )
    )


def tab_to(page: Page, target: Locator, *, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the target has the focus, and check it shows."""
    target = target.first
    for _ in range(MAX_TABS):
        if _focused(target):
            assert _focus_is_visible(page), f"no visible focus on {target}"
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{target} never received the focus with the keyboard")


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(f"{url}/accounts/login/")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(email)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")  # submits the sign-in form
    page.wait_for_url("**/home/")


def test_reviewer_signs_off_with_the_keyboard_only(demo, page: Page, live_server, shots, a11y):
    review = ReviewRequest.objects.get(status="open")
    title = f"{review.version.guideline.title}, version {review.version.number}"
    sign_in(page, live_server.url, "legal@riverside.example")

    # Reviews, in the main navigation.
    main_nav = page.get_by_role("navigation", name="Main")
    tab_to(page, main_nav.get_by_role("link", name="Reviews", exact=True))
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name=re.compile("Waiting for your sign-off"))
    ).to_be_visible()
    tab_to(page, page.get_by_role("link", name=re.compile(re.escape(title))))
    shots(page, "inbox-focused")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("review-status")).to_have_text("In review")

    # A wrong password first, then the right one; the button is pressed with Space.
    password = page.get_by_label("Your password")
    tab_to(page, password)
    page.keyboard.type("not my password")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile("password is not correct"))).to_be_visible()
    a11y(page, "wrong-password", focus=True)
    password = page.get_by_label("Your password")
    tab_to(page, password)
    page.keyboard.type(PASSWORD)
    sign = page.get_by_role("button", name="Sign off")
    tab_to(page, sign)
    shots(page, "sign-off-focused")
    page.keyboard.press("Space")
    expect(page.get_by_text("Signed. Thank you.")).to_be_visible()
    shots(page, "signed")
    assert Signature.objects.filter(signer__email="legal@riverside.example").count() >= 1


def test_employee_acknowledges_on_a_phone_with_the_keyboard_only(
    demo, page: Page, live_server, shots
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "employee@riverside.example")
    panel = page.get_by_role("region", name="Guidelines to acknowledge")
    expect(panel).to_contain_text("Social media guidelines")
    tab_to(page, panel.get_by_role("link", name=re.compile("Read and acknowledge")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Social media guidelines", level=1)).to_be_visible()

    # The link at the top jumps past the text to the form; the next Tab lands inside it.
    tab_to(page, page.get_by_role("link", name="Go to the acknowledgement"))
    page.keyboard.press("Enter")
    form = page.locator("#acknowledge-form")

    # Question 1: the right answer is the second choice.
    first_q1 = form.get_by_label(re.compile("Reply and mention their treatment"))
    tab_to(page, first_q1)
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(form.get_by_label(re.compile("Do not confirm they are a patient"))).to_be_checked()
    # Question 2: the right answer is the first choice.
    tab_to(page, form.get_by_label(re.compile("Send the link to the social media team")))
    page.keyboard.press("Space")
    confirm = form.get_by_label(re.compile("I have read and understood"))
    tab_to(page, confirm)
    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    # Back up one control and forward again, as a person checking their answers would.
    tab_to(page, form.get_by_label(re.compile("Send the link to the social media team")), back=True)
    expect(form.get_by_label(re.compile("Send the link to the social media team"))).to_be_checked()
    button = form.get_by_role("button", name="Acknowledge", exact=True)
    tab_to(page, button)
    shots(page, "acknowledge-focused")
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile("you acknowledged Social media guidelines"))).to_be_visible()
    shots(page, "acknowledged")
    assert Acknowledgement.objects.filter(user__email="employee@riverside.example").exists()
