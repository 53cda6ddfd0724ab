"""The whole guideline, plain or as questions and answers."""

from __future__ import annotations

from html import unescape

from django.urls import reverse

from guidelines import services
from guidelines.sections import SECTIONS


def test_draft_document_in_plain_form(author, wizard_guideline):
    html = unescape(
        author.client()
        .get(reverse("guidelines:document", args=[wizard_guideline.pk]))
        .content.decode()
    )
    assert "Draft preview" in html
    for section in SECTIONS:
        assert section.title in html
    assert "@Riverside" in html and "<strong>No patient information.</strong>" in html


def test_question_and_answer_form_uses_the_questions(author, wizard_guideline):
    html = (
        author.client()
        .get(reverse("guidelines:document", args=[wizard_guideline.pk]) + "?layout=qa")
        .content.decode()
    )
    for section in SECTIONS:
        assert section.question in unescape(html)


def test_version_document_for_a_reviewer(legal, versioned_guideline):
    html = (
        legal.client()
        .get(reverse("guidelines:document", args=[versioned_guideline.pk]) + "?version=1")
        .content.decode()
    )
    assert "Version 1" in html and "Draft preview" not in html


def test_unknown_version_is_404(author, versioned_guideline):
    url = reverse("guidelines:document", args=[versioned_guideline.pk]) + "?version=9"
    assert author.client().get(url).status_code == 404


def test_draft_document_without_a_draft_redirects(author, wizard_guideline, wizard_draft):
    services.freeze_draft(draft=wizard_draft, by=author.user, change_summary="v1")
    response = author.client().get(reverse("guidelines:document", args=[wizard_guideline.pk]))
    assert response.status_code == 302
