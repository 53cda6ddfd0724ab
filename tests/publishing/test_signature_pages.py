"""The PDF's sign-off page, the published page and the approved version's page show each
signature legibly: name, role, meaning, date and time with zone, factor, fingerprint."""

from __future__ import annotations

import re

from django.urls import reverse

from approvals.models import Signature
from publishing.pdf import render_pdf
from tests.publishing.test_view_pdf import pdf_text


def _factors(version) -> None:
    """Legal proved it with an authenticator code, Compliance through the identity provider."""
    Signature.objects.filter(version=version, role_name="Legal").update(
        factor="totp", used_second_factor=True
    )
    Signature.objects.filter(version=version, role_name="Compliance").update(
        factor="idp_mfa", used_second_factor=True
    )


def test_the_pdf_sign_off_page_shows_every_fact_of_each_signature(published, tmp_path):
    _factors(published.version)
    text = " ".join(pdf_text(render_pdf(published), tmp_path).split())
    signoffs = text[text.rindex("Sign-offs") :]
    for name, role, factor in (
        ("Lee Legal", "Legal", "Password and authenticator code"),
        ("Cory Compliance", "Compliance", "Identity provider's multi-factor"),
    ):
        block = signoffs[signoffs.index(name) :]
        assert f"Role {role}" in block
        assert f"Meaning Approved — {role} review" in block
        assert f"Proved by {factor}" in block
        # The date and the time with its zone, then the full fingerprint that matches.
        assert re.search(r"Signed \d{1,2} \w+ \d{4}, \d\d:\d\d \w+", block)
        assert f"Fingerprint {published.version.content_hash}" in block.replace(" ", " ")
        assert "(matches this version)" in block


def test_a_signature_without_a_recorded_factor_says_so(published, tmp_path):
    text = " ".join(pdf_text(render_pdf(published), tmp_path).split())
    assert "Proved by Not recorded" in text


def test_the_approved_versions_page_shows_every_fact(published, author):
    _factors(published.version)
    version = published.version
    url = reverse("guidelines:version", args=[version.guideline_id, version.number])
    html = author.client().get(url).content.decode()
    panel = html[html.index("version-signoff-heading") :]
    assert "<strong>Lee Legal</strong>, Legal" in panel
    assert "<dt>Meaning</dt><dd>Approved — Legal review</dd>" in panel
    assert "<dt>Proved by</dt><dd>Password and authenticator code</dd>" in panel
    assert "<dt>Proved by</dt><dd>Identity provider&#x27;s multi-factor</dd>" in panel
    assert re.search(r"<dt>Signed</dt><dd>\d{1,2} \w+ \d{4}, \d\d:\d\d \w+</dd>", panel)
    assert version.content_hash in panel and "matches this version" in panel


def test_the_published_page_shows_the_factor_and_zone(published, employee):
    _factors(published.version)
    url = reverse(
        "publishing:version", args=[published.organization.slug, published.guideline.slug, 1]
    )
    html = employee.client().get(url).content.decode()
    block = html[html.index('id="signoffs"') :]
    assert "<dt>Proved by</dt><dd>Password and authenticator code</dd>" in block
    assert re.search(r"<dt>Signed</dt><dd>\d{1,2} \w+ \d{4}, \d\d:\d\d \w+</dd>", block)
