"""Starting a guideline: from the template, from a version, or blank."""

from __future__ import annotations

from django.urls import reverse

from guidelines.models import Guideline
from tests.factories import GuidelineFactory, VersionFactory


def test_author_creates_from_template_and_lands_on_the_first_step(author, org):
    response = author.client().post(
        reverse("guidelines:create"), {"title": "Staff guidelines", "start": "template"}
    )
    guideline = Guideline.objects.get(title="Staff guidelines")
    assert response["Location"] == reverse("guidelines:step", args=[guideline.pk, "scope"])
    assert guideline.organization == org and guideline.drafts.get().start == "template"


def test_copy_offers_only_this_institutions_versions(author, org, other_org):
    mine = VersionFactory(guideline=GuidelineFactory(organization=org, title="Ours"))
    VersionFactory(guideline=GuidelineFactory(organization=other_org, title="Theirs"))
    html = author.client().get(reverse("guidelines:create")).content.decode()
    assert "Ours — version" in html and "Theirs — version" not in html
    response = author.client().post(
        reverse("guidelines:create"), {"title": "Copy", "start": "copy", "copy_from": mine.pk}
    )
    assert response.status_code == 302
    assert Guideline.objects.get(title="Copy").drafts.get().based_on == mine


def test_copy_without_a_version_keeps_the_typing_and_says_why(author, org):
    VersionFactory(guideline=GuidelineFactory(organization=org))
    response = author.client().post(
        reverse("guidelines:create"), {"title": "Keep me", "start": "copy"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose the version to copy" in html and 'value="Keep me"' in html


def test_copy_is_not_offered_before_any_version_exists(author):
    html = author.client().get(reverse("guidelines:create")).content.decode()
    assert "Copy a version" not in html


def test_template_start_warns_about_missing_institution_details(author, org):
    org.policy_url = ""
    org.save()
    response = author.client().post(
        reverse("guidelines:create"), {"title": "G", "start": "template"}, follow=True
    )
    html = response.content.decode()
    assert "no social media policy link" in html
    # The step marks the unfilled placeholder at once.
    assert "[policy_url]" in html and "enter a full web address" in html


def test_the_title_starts_empty_rather_than_repeating_an_existing_guidelines_name(author, org):
    GuidelineFactory(organization=org, title="Social media guidelines")
    html = author.client().get(reverse("guidelines:create")).content.decode()
    assert 'name="title"' in html
    assert 'value="Social media guidelines"' not in html
