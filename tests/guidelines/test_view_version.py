"""A frozen version: its text, fingerprint, status and the panels other apps add."""

from __future__ import annotations

from django.urls import reverse

from guidelines import hooks


def test_version_page_shows_content_hash_and_status(legal, versioned_guideline):
    version = versioned_guideline.versions.get(number=1)
    html = (
        legal.client()
        .get(reverse("guidelines:version", args=[versioned_guideline.pk, 1]))
        .content.decode()
    )
    assert version.content_hash in html and "In review" in html
    assert "unchanged since it was frozen" in html
    assert "Official accounts and hashtags" in html


def test_other_apps_add_panels_to_the_version_page(author, versioned_guideline, monkeypatch):
    monkeypatch.setattr(
        hooks,
        "VERSION_PANELS",
        [
            lambda request, version: ("guidelines/partials/preview.html", {"html": "x"}),
            lambda r, v: None,
        ],
    )
    response = author.client().get(reverse("guidelines:version", args=[versioned_guideline.pk, 1]))
    assert response.status_code == 200


def test_unknown_version_is_404(author, versioned_guideline):
    url = reverse("guidelines:version", args=[versioned_guideline.pk, 7])
    assert author.client().get(url).status_code == 404
