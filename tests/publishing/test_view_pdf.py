import shutil
import subprocess

import pytest
from django.urls import reverse

from guidelines.sections import SECTIONS
from publishing import pdf as pdf_module
from publishing.models import PublishedPdf


def url(p, number=1):
    return reverse("publishing:pdf", args=[p.guideline.organization.slug, p.guideline.slug, number])


def body(response) -> bytes:
    """A stored PDF is streamed (FileResponse): the bytes, whichever way they came."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "guideline.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return out.stdout


def test_pdf_has_every_section_the_version_and_the_signatures(published, employee, tmp_path):
    response = employee.client().get(url(published))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(body(response), tmp_path)
    flat = " ".join(text.split())
    for section in SECTIONS:
        assert section.title in flat, section.title
    assert "Version 1" in flat
    assert "Lee Legal" in flat and "Cory Compliance" in flat
    assert "Approved — Legal review" in flat
    assert published.version.content_hash in flat
    assert "Contents" in flat and "Sign-offs" in flat
    assert "page 2 of" in flat


def test_pdf_is_rendered_once_and_then_served_as_stored(published, employee, monkeypatch):
    calls = []
    real = pdf_module.render_pdf

    def counting(publication):
        calls.append(publication.pk)
        return real(publication)

    monkeypatch.setattr(pdf_module, "render_pdf", counting)
    client = employee.client()
    first = body(client.get(url(published)))
    second = body(client.get(url(published)))
    assert first == second and first.startswith(b"%PDF")
    assert calls == [published.pk]
    assert PublishedPdf.objects.filter(publication=published).count() == 1


def test_anonymous_is_sent_to_login(client, published):
    assert client.get(url(published)).status_code == 302


def test_other_institution_gets_404(published, outsider):
    assert outsider.client().get(url(published)).status_code == 404


def test_unpublished_version_has_no_pdf(published, employee):
    assert employee.client().get(url(published, 9)).status_code == 404


def test_with_a_worker_the_pdf_is_rendered_when_publishing(
    approved, do_publish, settings, monkeypatch
):
    from publishing import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued: list[int] = []
    monkeypatch.setattr(tasks.render_pdf, "delay", queued.append)
    monkeypatch.setattr(tasks.target_campaign, "delay", lambda *a: None)
    publication = do_publish(approved)
    assert queued == [publication.pk]
    publication.refresh_from_db()
    assert publication.pdf_state == "queued"
    tasks.render_pdf.run(publication.pk)
    assert PublishedPdf.objects.filter(publication=publication).exists()
    publication.refresh_from_db()
    assert publication.pdf_state == "ready"
    assert publication.pdf_size == len(PublishedPdf.objects.get(publication=publication).data)


def test_pdf_carries_an_etag_and_answers_not_modified(published, employee):
    from django.urls import reverse

    version = published.version
    url = reverse(
        "publishing:pdf", args=[published.organization.slug, version.guideline.slug, version.number]
    )
    client = employee.client()
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] == f'"{version.content_hash}"'
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    # A stale copy (another fingerprint) gets the stored bytes again.
    other = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200 and body(other) == body(first)


def test_signed_in_pdf_is_never_kept_by_the_browser(published, employee):
    response = employee.client().get(url(published))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["ETag"] == f'"{published.version.content_hash}"'


def test_published_page_is_never_kept_by_the_browser(published, employee):
    page = reverse(
        "publishing:guideline", args=[published.organization.slug, published.guideline.slug]
    )
    assert employee.client().get(page)["Cache-Control"] == "no-store"


# --- the size people are told, and the first render's progress -------------------------------


def page(p, name="publishing:version", number=1):
    return reverse(name, args=[p.guideline.organization.slug, p.guideline.slug, number])


def status_url(p, number=1):
    return page(p, "publishing:pdf_status", number)


def test_every_link_to_the_pdf_gives_its_real_size_once_stored(published, employee, admin):
    client = employee.client()
    before = client.get(page(published)).content.decode()
    assert "Download PDF</a>" in before  # no size to tell before it exists
    data = body(client.get(url(published)))
    size = f"{round(len(data) / 1024)}\u00a0KB"
    published.refresh_from_db()
    assert published.pdf_state == "ready" and published.pdf_size == len(data)
    assert f"Download PDF, {size}</a>" in client.get(page(published)).content.decode()
    ack = reverse("publishing:acknowledge", args=[published.version_id])
    assert f"Download PDF, {size}</a>" in client.get(ack).content.decode()
    archive = reverse(
        "publishing:archive", args=[published.organization.slug, published.guideline.slug]
    )
    assert f"of version 1</span>, {size}</a>" in client.get(archive).content.decode()


def test_file_size_reads_like_a_file_manager():
    from publishing.templatetags.publishing_tags import file_size

    assert file_size(512) == "512\u00a0bytes"
    assert file_size(186_000) == "182\u00a0KB"
    assert file_size(1_500_000) == "1.4\u00a0MB"
    assert file_size(None) == ""


def test_cached_download_is_one_read_after_the_door(
    published, employee, django_assert_max_num_queries
):
    client = employee.client()
    body(client.get(url(published)))  # stored now
    with django_assert_max_num_queries(4):
        # The session and the person (the signed-in baseline), the guideline's door, and the
        # publication with its stored bytes in one read.
        response = client.get(url(published))
        data = body(response)
    published.refresh_from_db()
    assert len(data) == published.pdf_size and data.startswith(b"%PDF")
    assert response["Content-Length"] == str(published.pdf_size)
    assert 'attachment; filename="' in response["Content-Disposition"]


class Worker(list):
    """The render tasks queued for a Celery worker; ``get`` and ``post`` run the request's
    on-commit work, as the end of a real request would."""

    def __init__(self, capture):
        super().__init__()
        self.capture = capture

    def get(self, client, path, **extra):
        with self.capture(execute=True):
            return client.get(path, **extra)

    def post(self, client, path):
        with self.capture(execute=True):
            return client.post(path)


@pytest.fixture
def worker(settings, monkeypatch, django_capture_on_commit_callbacks):
    """A Celery worker is configured: tasks are queued (recorded here), not run inline."""
    from publishing import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = Worker(django_capture_on_commit_callbacks)
    monkeypatch.setattr(tasks.render_pdf, "delay", queued.append)
    return queued


def test_with_a_worker_a_pdf_not_stored_leads_to_its_progress_page(published, employee, worker):
    client = employee.client()
    response = worker.get(client, url(published))
    assert response.status_code == 302 and response["Location"] == status_url(published)
    assert worker == [published.pk]
    worker.get(client, url(published))
    worker.get(client, status_url(published))
    assert worker == [published.pk], "queued once, however many readers ask"
    html = worker.get(client, status_url(published)).content.decode()
    assert "Waiting for its turn" in html and "Step 1 of 3" in html
    assert 'role="status" aria-live="polite"' in html
    assert 'data-hx-trigger="every 2s"' in html
    assert f'data-hx-get="{status_url(published)}?shown=queued"' in html


def test_without_javascript_the_progress_page_reloads_itself_until_ready(
    published, employee, worker
):
    from publishing import tasks

    client = employee.client()
    worker.get(client, url(published))
    waiting = worker.get(client, status_url(published)).content.decode()
    # No script: the page refreshes itself (same address) and offers a plain "Check again" link.
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in waiting
    assert f'href="{status_url(published)}">Check again</a>' in waiting
    tasks.render_pdf.run(published.pk)
    ready = worker.get(client, status_url(published)).content.decode()
    assert 'http-equiv="refresh"' not in ready and "data-hx-trigger" not in ready
    published.refresh_from_db()
    size = f"{round(published.pdf_size / 1024)}\u00a0KB"
    assert f'href="{url(published)}" data-testid="pdf-download">Download PDF, {size}</a>' in ready
    download = worker.get(client, url(published))
    assert download.status_code == 200 and len(body(download)) == published.pdf_size


def test_polling_answers_204_until_the_state_changes(published, employee, worker, monkeypatch):
    from publishing import pdf as pdf_module
    from publishing import tasks

    client = employee.client()
    worker.get(client, url(published))
    poll = {"HTTP_HX_REQUEST": "true"}
    assert worker.get(client, status_url(published) + "?shown=queued", **poll).status_code == 204
    seen: list[str] = []
    real = pdf_module.render_pdf

    def watching(publication):
        published.refresh_from_db()
        seen.append(published.pdf_state)
        # While the worker lays it out, the poll hears "being laid out", step 2.
        fragment = worker.get(client, status_url(published) + "?shown=queued", **poll)
        seen.append(fragment.content.decode())
        return real(publication)

    monkeypatch.setattr(pdf_module, "render_pdf", watching)
    tasks.render_pdf.run(published.pk)
    assert seen[0] == "rendering"
    assert "Being laid out now" in seen[1] and 'value="2"' in seen[1]
    assert "?shown=rendering" in seen[1]
    done = worker.get(client, status_url(published) + "?shown=rendering", **poll)
    html = done.content.decode()
    assert done.status_code == 200 and "<html" not in html
    assert "Ready." in html and "data-hx-trigger" not in html, "polling stops once ready"


def test_a_failed_render_is_told_and_can_be_tried_again(published, employee, worker, monkeypatch):
    from publishing import pdf as pdf_module
    from publishing import tasks

    def broken(publication):
        raise RuntimeError("layout engine crashed")

    monkeypatch.setattr(pdf_module, "render_pdf", broken)
    client = employee.client()
    worker.get(client, url(published))
    with pytest.raises(RuntimeError):
        tasks.render_pdf.run(published.pk)
    published.refresh_from_db()
    assert published.pdf_state == "failed"
    html = worker.get(client, status_url(published)).content.decode()
    assert "could not be laid out" in html and "Try again" in html
    assert "data-hx-trigger" not in html and 'http-equiv="refresh"' not in html
    assert worker == [published.pk], "a failure is not retried by merely looking"
    response = worker.post(client, status_url(published))
    assert response.status_code == 302 and worker == [published.pk, published.pk]
    published.refresh_from_db()
    assert published.pdf_state == "queued"


def test_a_render_whose_worker_vanished_is_queued_again(published, employee, worker):
    import datetime as dt

    from django.utils import timezone

    from publishing.models import Publication

    Publication.objects.filter(pk=published.pk).update(
        pdf_state="rendering", pdf_state_at=timezone.now() - dt.timedelta(minutes=11)
    )
    worker.get(employee.client(), status_url(published))
    assert worker == [published.pk]
    Publication.objects.filter(pk=published.pk).update(
        pdf_state="rendering", pdf_state_at=timezone.now() - dt.timedelta(minutes=1)
    )
    worker.get(employee.client(), status_url(published))
    assert worker == [published.pk], "a render under way is left alone"


def test_without_a_worker_the_progress_page_renders_and_offers_the_download(published, employee):
    html = employee.client().get(status_url(published)).content.decode()
    assert "Ready." in html and "Download PDF, " in html


def test_progress_page_follows_the_guideline_door(published, outsider, client):
    assert outsider.client().get(status_url(published)).status_code == 404
    assert client.get(status_url(published)).status_code == 302
