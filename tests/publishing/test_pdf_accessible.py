"""The published PDF is tagged (PDF/UA-1): language, title shown, headings and tables in its
structure tree, in reading order; and it uses the institution's paper size."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest

from accounts.models import Jurisdiction
from guidelines.sections import SECTIONS
from publishing.pdf import render_pdf
from tests.publishing.test_view_pdf import pdf_text

pytestmark = pytest.mark.django_db

LETTER = (612, 792)
A4 = (595, 842)


def _structure(node, out):
    node = node.get_object()
    if isinstance(node, dict):
        if "/S" in node:
            out.append(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids]:
            if kid is not None and (isinstance(kid, dict) or hasattr(kid, "get_object")):
                _structure(kid, out)
    return out


def test_the_pdf_is_tagged_with_language_title_and_headings(published, tmp_path):
    data = render_pdf(published)
    reader = pypdf.PdfReader(io.BytesIO(data))
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None
    assert reader.metadata.title == f"{published.guideline.title}, version 1"
    tags = _structure(root["/StructTreeRoot"], [])
    assert tags[0] == "/Document"
    assert tags.count("/H1") == 1  # the title on the cover
    assert tags.count("/H2") >= len(SECTIONS)  # contents, each section, the sign-offs
    assert "/Table" in tags and "/TH" in tags and "/L" in tags
    # Reading order: the cover's title comes before the first section's heading.
    assert tags.index("/H1") < tags.index("/H2")
    text = pdf_text(data, tmp_path)
    assert published.guideline.title in text and SECTIONS[0].title in text


@pytest.mark.parametrize(
    ("jurisdiction", "size"),
    [(Jurisdiction.US, LETTER), (Jurisdiction.UK, A4)],
)
def test_the_paper_is_letter_in_the_united_states_and_a4_elsewhere(
    published, org, jurisdiction, size
):
    org.jurisdiction = jurisdiction
    org.save()
    published.organization.refresh_from_db()
    page = pypdf.PdfReader(io.BytesIO(render_pdf(published))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
