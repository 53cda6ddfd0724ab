"""Live Markdown preview: sanitised HTML of what is being typed."""

from django.urls import reverse


def test_preview_renders_markdown_safely(author, wizard_guideline):
    url = reverse("guidelines:preview", args=[wizard_guideline.pk])
    response = author.client().post(
        url, {"preview_field": "body", "body": "**Bold** <script>alert(1)</script>"}
    )
    html = response.content.decode()
    assert "<strong>Bold</strong>" in html
    assert "<script>" not in html


def test_preview_of_nothing_says_so(author, wizard_guideline):
    url = reverse("guidelines:preview", args=[wizard_guideline.pk])
    assert "Nothing written yet" in author.client().post(url, {"body": ""}).content.decode()


def test_preview_is_post_only(author, wizard_guideline):
    url = reverse("guidelines:preview", args=[wizard_guideline.pk])
    assert author.client().get(url).status_code == 405


def test_preview_of_text_over_the_section_limit_is_refused_unrendered(author, wizard_guideline):
    url = reverse("guidelines:preview", args=[wizard_guideline.pk])
    body = "**bold** " * 2500  # 22,500 characters; a section holds 20,000
    html = author.client().post(url, {"preview_field": "body", "body": body}).content.decode()
    assert "Too long to preview: 22500 characters, the limit is 20000." in html
    assert "<strong>" not in html
