"""The one-page card beside the full guideline: do's and don'ts, official accounts and whom to
ask, on the web and as a one-page PDF."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from publishing.card import MAX_ITEMS, card


def _args(p, number=1):
    return [p.guideline.organization.slug, p.guideline.slug, number]


def test_card_page_shows_dos_donts_accounts_and_contact(published, employee):
    response = employee.client().get(reverse("publishing:card", args=_args(published)))
    html = response.content.decode()
    assert response.status_code == 200
    content = published.version.content
    assert content["dos_donts"]["dos"][0].replace("'", "&#x27;") in html
    assert content["dos_donts"]["donts"][0].replace("'", "&#x27;") in html
    assert content["accounts"]["accounts"][0]["handle"] in html
    assert content["contact"]["email"] in html
    assert "Download the card (PDF)" in html


def test_reader_page_links_the_card(published, employee):
    html = (
        employee.client()
        .get(reverse("publishing:guideline", args=_args(published)[:2]))
        .content.decode()
    )
    assert reverse("publishing:card", args=_args(published)) in html


def test_card_pdf_is_one_page(published, employee, tmp_path):
    response = employee.client().get(reverse("publishing:card_pdf", args=_args(published)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo is not installed")
    path = tmp_path / "card.pdf"
    path.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    assert "Pages:           1" in info.stdout


def test_card_pdf_fits_a_long_guideline_on_one_page(published, employee, tmp_path):
    content = published.version.content
    assert len(card(content).dos) <= MAX_ITEMS
    long = {**content, "dos_donts": {**content["dos_donts"], "dos": ["Do a thing " * 20] * 20}}
    summary = card(long)
    assert len(summary.dos) == MAX_ITEMS and summary.more_dos == 12


def test_card_of_an_unknown_version_is_404(published, employee):
    response = employee.client().get(reverse("publishing:card", args=_args(published, 9)))
    assert response.status_code == 404


def test_card_pdf_is_rendered_once_then_served_as_stored(published, employee, monkeypatch):
    from publishing import card as card_module
    from publishing.models import PublishedCard

    calls = []
    real = card_module.render_card_pdf

    def counting(publication, full_url):
        calls.append(full_url)
        return real(publication, full_url)

    monkeypatch.setattr(card_module, "render_card_pdf", counting)
    client = employee.client()
    address = reverse("publishing:card_pdf", args=_args(published))
    first = client.get(address)
    second = client.get(address, HTTP_HOST="localhost")
    assert first.content == second.content and first.content.startswith(b"%PDF")
    assert len(calls) == 1 and calls[0].endswith(
        reverse("publishing:version", args=_args(published))
    )
    assert PublishedCard.objects.filter(publication=published).count() == 1
    again = client.get(address, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_with_a_worker_the_card_is_rendered_when_publishing(approved, do_publish):
    from publishing import tasks
    from publishing.models import PublishedCard

    publication = do_publish(approved)
    tasks.render_pdf.run(publication.pk)
    assert PublishedCard.objects.filter(publication=publication).exists()


def test_the_card_link_says_how_big_the_stored_pdf_is(published, employee):
    from publishing.card import get_card_pdf
    from publishing.models import PublishedCard
    from publishing.templatetags.publishing_tags import file_size

    PublishedCard.objects.filter(publication=published).delete()
    client = employee.client()
    page = client.get(reverse("publishing:card", args=_args(published))).content.decode()
    assert "Download the card (PDF)</a>" in page  # not rendered yet: no size to promise
    size = len(get_card_pdf(published))
    assert PublishedCard.objects.get(publication=published).size == size
    page = client.get(reverse("publishing:card", args=_args(published))).content.decode()
    assert f"Download the card (PDF, {file_size(size)})</a>" in page


def test_card_pdf_is_printed_on_the_institutions_paper(published, employee, tmp_path):
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo is not installed")
    org = published.guideline.organization
    response = employee.client().get(reverse("publishing:card_pdf", args=_args(published)))
    path = tmp_path / "card.pdf"
    path.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True)
    expected = "612 x 792" if org.paper_size == "Letter" else "595.276 x 841.89"
    assert expected in info.stdout and "Pages:           1" in info.stdout
