"""Every persona carried from one step to the next by Charter itself, checked with axe.

The author submits, legal asks for changes, the author revises and resubmits, legal and
compliance sign, the admin publishes from "Ready to publish", an employee acknowledges on a
phone and the author sees it published. After signing in nobody types an address: each page
is reached by a link or button on the page before. axe-core runs on every page reached, the
ones showing a failing check and a refused form included.
"""

from __future__ import annotations

import contextlib

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, ViewportSize

from guidelines.models import Guideline, Version
from publishing.models import Acknowledgement
from tests.a11y import PageChecks
from tests.e2e.aria_pins import AriaPins
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.persona_journey import PASSWORD, TITLE, Journey


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


def _no_typed_addresses(url: str, **kwargs) -> None:
    raise AssertionError(f"the journey typed an address ({url}); follow a link instead")


@pytest.fixture
def people(browser, live_server):
    """Sign each person in through the sign-in page, in a browser of their own; after that
    the page refuses ``goto``, so every later step must be a click."""
    pages: list[Page] = []

    def open_as(who: str, viewport: ViewportSize) -> Page:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        pages.append(page)
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(f"{who}@riverside.example")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/home/")
        page.goto = _no_typed_addresses
        return page

    open_as.pages = pages  # type: ignore[attr-defined]
    yield open_as
    for page in pages:
        page.context.close()


def test_each_persona_is_carried_to_their_next_step_by_home_and_notifications(demo, people):
    checks = PageChecks()
    pins = AriaPins()

    def visit(page: Page, name: str) -> None:
        pins(page, name)
        checks(page, name)

    try:
        Journey(open_as=people, visit=visit).run()
    except Exception:
        # Where each person stood when the journey broke.
        ARTIFACTS.mkdir(exist_ok=True)
        for n, page in enumerate(people.pages):
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"FAILED-persona-{n}.png"), full_page=True)
        raise

    guideline = Guideline.objects.get(title=TITLE)
    assert guideline.versions.get(number=2).status == Version.Status.PUBLISHED
    assert Acknowledgement.objects.filter(
        user__email="employee@riverside.example", version__guideline=guideline
    ).exists()
    # Every page reached was checked, among them a failing check and two refused forms.
    assert {"wizard-failing-check", "submit-form-errors", "publish-form-errors"} <= set(
        checks.pages
    )
    assert len(checks.pages) >= 30, checks.pages
    checks.assert_clean()
    pins.assert_all_pinned()
