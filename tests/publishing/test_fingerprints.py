"""Fingerprints show where records are checked (reviewers, admins, auditors), not to staff."""

from __future__ import annotations

from django.urls import reverse


def _pages(published):
    org, guideline = published.organization.slug, published.guideline.slug
    return {
        "published": reverse("publishing:guideline", args=[org, guideline]),
        "version": reverse("publishing:version", args=[org, guideline, 1]),
        "acknowledge": reverse("publishing:acknowledge", args=[published.version_id]),
    }


def test_an_employee_never_sees_a_fingerprint(published, employee):
    client = employee.client()
    for page in (*_pages(published).values(), reverse("publishing:my_acknowledgements")):
        html = client.get(page).content.decode()
        assert "ingerprint" not in html, page
        assert published.version.content_hash[:16] not in html, page


def test_admins_auditors_and_reviewers_see_it_on_the_published_pages(
    published, admin, auditor, legal
):
    pages = _pages(published)
    for persona in (admin, auditor, legal):
        client = persona.client()
        for name in ("published", "version"):
            html = client.get(pages[name]).content.decode()
            assert "Fingerprint" in html and published.version.content_hash[:16] in html
            assert "(matches this version)" in html


def test_the_acknowledge_page_shows_none_even_to_an_admin(published, admin):
    html = admin.client().get(_pages(published)["acknowledge"]).content.decode()
    assert "ingerprint" not in html
