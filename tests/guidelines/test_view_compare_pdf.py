"""The redline between two versions as a PDF: marked as a comparison, words not markup."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from guidelines import services
from tests.guidelines.test_view_step import _post_data


def _text(pdf: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "redline.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_legal_downloads_the_redline_of_two_versions(author, legal, versioned_guideline, tmp_path):
    draft = versioned_guideline.drafts.get(is_open=True)
    data = _post_data(draft, "response")
    data["body"] = data["body"] + "\n\n- Never argue with a **troll** in public."
    url = reverse("guidelines:autosave", args=[versioned_guideline.pk, "response"])
    assert "Saved" in author.client().post(url, data).content.decode()
    services.freeze_draft(draft=draft, by=author.user, change_summary="Trolls")

    pdf_url = reverse("guidelines:compare_pdf", args=[versioned_guideline.pk])
    response = legal.client().get(pdf_url, {"old": "1", "new": "2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "redline-v1-v2.pdf" in response["Content-Disposition"]
    text = " ".join(_text(response.content, tmp_path).split())
    assert "COMPARISON — NOT A PUBLICATION" in text
    assert "Redline of version 1 → version 2 · page 1 of" in text  # the running footer
    assert "Comparison — not a publication" in text
    assert "Added bulleted item" in text
    assert "+Never argue with a +troll +in public." in text  # each run of formatting marked
    assert "**" not in text


def test_the_redline_pdf_is_of_versions_only(author, versioned_guideline):
    pdf_url = reverse("guidelines:compare_pdf", args=[versioned_guideline.pk])
    assert author.client().get(pdf_url, {"old": "1", "new": "draft"}).status_code == 404
