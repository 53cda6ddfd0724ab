"""The first download of a PDF that a worker renders: the reader follows its progress on a
page that updates itself, with JavaScript (htmx polling a live region) and without (the page
reloads itself), and then downloads it with its real size shown."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from publishing import pdf as pdf_module
from publishing import tasks
from publishing.models import Publication

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", verbosity=0)


@pytest.fixture
def worker(settings, monkeypatch, demo):
    """A Celery worker is configured; the test plays the worker by running the queued task.

    The layout itself is done before the page opens: the task's write then lasts
    milliseconds, where a whole render inside it would hold the test database's table lock
    (SQLite) while the page polls from the server's thread."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued: list[int] = []
    monkeypatch.setattr(tasks.render_pdf, "delay", queued.append)
    laid_out = pdf_module.render_pdf(
        Publication.objects.select_related("version", "guideline", "organization").get(
            version__number=1
        )
    )
    monkeypatch.setattr(pdf_module, "render_pdf", lambda _publication: laid_out)
    return queued


def _ready_link(page):
    return page.get_by_role("link", name="Download PDF, ", exact=False)


def test_pdf_progress_updates_itself_then_downloads(
    page, live_server, demo, login, worker, shots, a11y
):
    page.set_viewport_size(PHONE)
    login(page, "employee@riverside.example", "charter-demo")
    publication = Publication.objects.get(version__number=1)
    page.goto(f"{live_server.url}/g/{publication.organization.slug}/{publication.guideline.slug}/")
    page.get_by_test_id("pdf-link").click()
    expect(page.get_by_role("status")).to_contain_text("Waiting for its turn")
    assert worker == [publication.pk]
    shots(page, "pdf-waiting")
    a11y(page, "pdf-waiting")

    tasks.render_pdf.run(publication.pk)
    # htmx hears the change at its next poll; the live region now offers the download.
    expect(_ready_link(page)).to_be_visible(timeout=15_000)
    publication.refresh_from_db()
    assert publication.pdf_size is not None
    size = round(publication.pdf_size / 1024)
    expect(_ready_link(page)).to_have_text(f"Download PDF, {size}\u00a0KB")
    shots(page, "pdf-ready")
    with page.expect_download() as download:
        _ready_link(page).click()
    assert download.value.suggested_filename.endswith("-v1.pdf")


def test_pdf_progress_without_javascript_reloads_itself(browser, live_server, demo, login, worker):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    login(page, "employee@riverside.example", "charter-demo")
    publication = Publication.objects.get(version__number=1)
    base = f"{live_server.url}/g/{publication.organization.slug}/{publication.guideline.slug}"
    page.goto(f"{base}/v1/pdf/")
    assert page.url == f"{base}/v1/pdf/status/"
    expect(page.get_by_text("Waiting for its turn")).to_be_visible()
    tasks.render_pdf.run(publication.pk)
    # No script runs: the page's own refresh (every 5 s) brings the download.
    expect(_ready_link(page)).to_be_visible(timeout=15_000)
    context.close()
