"""Browser tests: Debian's Chromium driven by Playwright against ``live_server``.

Screenshots of every failing test (and those a test takes on purpose) are saved under
``test-artifacts/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

# The real identity provider process of the single sign-on journeys.
from tests.sso.support import (  # noqa: F401
    idp,
    oidc_process,
    provider,
    saml_process,
    saml_provider,
    third_party_process,
)

# Assertions wait up to 15 s rather than Playwright's 5: on a loaded machine a page change
# (a sign-in, a submission that stores a version) can take longer, and passing waits return
# as soon as the page is ready, so this costs nothing when the page is quick.
expect.set_options(timeout=15_000)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.browser)
            # A real browser on a shared, loaded machine now and then misses a beat that no
            # wait in the test can name. One retry, reported as "R" and in the summary, so a
            # journey that fails twice still fails the build.
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
        for item in items:
            if "e2e" in item.nodeid.split("/"):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def shots(request) -> Iterator[Callable[..., Path]]:
    """``shots(page, "step-name")`` saves a screenshot named after the test."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}

    def take(page, name: str) -> Path:
        counter["n"] += 1
        path = folder / f"{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    yield take


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(exist_ok=True)
            with contextlib.suppress(Exception):  # the page may already be closed
                page.screenshot(path=str(ARTIFACTS / f"FAILED-{item.name}.png"), full_page=True)


@pytest.fixture
def login(live_server):
    """``login(page, email, password)`` signs in through the real form."""

    def do(page, email: str, password: str) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/home/")

    return do


def open_disclosure(page, name: str) -> None:
    """Open the <details> whose <summary> reads ``name`` by clicking it, as a person would.

    On a loaded machine a click can land while the page is still settling and toggle the
    disclosure twice; click again until it is open rather than fail on timing.
    """
    summary = page.locator("summary", has_text=name).first
    details = summary.locator("xpath=..")
    for _ in range(5):
        if details.evaluate("d => d.open"):
            return
        summary.click()
        page.wait_for_timeout(150)
    assert details.evaluate("d => d.open"), f"could not open '{name}'"


@pytest.fixture
def a11y(request):
    """``a11y(page, "name")`` runs axe-core, HTML_CodeSniffer and the reflow check on the page
    as it stands and keeps its HTML; when the test ends, the Nu Html Checker validates every
    kept page in one run and the test fails on any finding (see tests/a11y.py)."""
    from tests.a11y import PageChecks

    checks = PageChecks()
    failed_before = request.session.testsfailed
    yield checks
    if request.session.testsfailed == failed_before and checks.pages:
        checks.assert_clean()
