import shutil
import subprocess

import pytest
from django.urls import reverse

from guidelines.sections import SECTIONS
from publishing import pdf as pdf_module
from publishing.models import PublishedPdf


def url(p, number=1):
    return reverse("publishing:pdf", args=[p.guideline.organization.slug, p.guideline.slug, number])


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
    text = pdf_text(response.content, tmp_path)
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
    first = client.get(url(published)).content
    second = client.get(url(published)).content
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
    tasks.render_pdf.run(publication.pk)
    assert PublishedPdf.objects.filter(publication=publication).exists()


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
