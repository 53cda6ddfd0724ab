"""A frozen version: its text, fingerprint, status and the panels other apps add."""

from __future__ import annotations

from typing import cast

from django.http import HttpResponse
from django.template import Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.http import MemberRequest
from guidelines import views


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


def test_version_page_draws_the_panels_it_is_given(author, versioned_guideline):
    """The page draws each panel config/urls.py passes it, and skips those with nothing."""
    request = cast(MemberRequest, RequestFactory().get("/"))
    request.user = author.user
    request.membership = author.membership
    panels = [
        lambda request, version: (
            Template("<p>{{ panel.text }}</p>"),
            {"text": f"Panel about version {version.number}"},
        ),
        lambda request, version: None,
    ]
    response = views.version(request, versioned_guideline.pk, 1, panels=panels)
    assert isinstance(response, HttpResponse) and response.status_code == 200
    assert "Panel about version 1" in response.content.decode()


def test_unknown_version_is_404(author, versioned_guideline):
    url = reverse("guidelines:version", args=[versioned_guideline.pk, 7])
    assert author.client().get(url).status_code == 404
