"""The public check in a real browser: a pasted profile address is confirmed, and the check
and its poster have no serious accessibility problems."""

from __future__ import annotations

from django.core.management import call_command
from playwright.sync_api import expect


def serious_problems(page) -> list:
    """axe-core's serious and critical findings alone (other tests import this; new tests use
    the ``a11y`` fixture, which runs every checker)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_patient_pastes_a_profile_address_and_is_told_it_is_official(page, live_server, a11y):
    call_command("load_demo")
    page.goto(f"{live_server.url}/official-accounts/riverside-health/")
    page.get_by_label("Account handle or profile web address").fill(
        "https://www.instagram.com/RiversideHealth/?igsh=abc"
    )
    page.get_by_role("button", name="Check").click()
    answer = page.get_by_test_id("answer")
    expect(answer).to_contain_text("Yes, @RiversideHealth on Instagram is an official account")
    # What a screen reader finds: a heading to jump to, the answer in words first.
    expect(answer).to_match_aria_snapshot(
        """
        - heading "Answer" [level=2]
        - paragraph:
          - strong: "Yes"
          - text: /, @RiversideHealth on Instagram is an official account of Riverside Health/
        """
    )
    a11y(page, "official")
    page.get_by_label("Account handle or profile web address").fill("@RiversideHealths")
    page.get_by_role("button", name="Check").click()
    expect(answer).to_contain_text("is not an official account of Riverside Health")
    expect(answer).to_match_aria_snapshot(
        """
        - heading "Answer" [level=2]
        - paragraph:
          - strong: "No"
          - text: /“@RiversideHealths” is not an official account of Riverside Health/
        """
    )
    a11y(page, "not-official")


def test_an_admin_opens_the_poster_from_the_check(page, live_server, login, a11y):
    from django.conf import settings

    call_command("load_demo")
    login(page, "admin@riverside.example", settings.CHARTER_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/official-accounts/riverside-health/")
    page.get_by_role("link", name="Print a poster with a QR code for this check").click()
    expect(page.get_by_role("heading", name="Is this account really ours?")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for")).to_be_visible()
    a11y(page, "poster")
