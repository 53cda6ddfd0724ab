from django.urls import reverse

from guidelines.models import Version


def test_approved_version_page_offers_publish_to_admin(admin, approved):
    url = reverse("guidelines:version", args=[approved.guideline_id, approved.number])
    html = admin.client().get(url).content.decode()
    assert reverse("publishing:publish", args=[approved.pk]) in html


def test_reviewer_sees_no_publish_button(legal, approved):
    url = reverse("guidelines:version", args=[approved.guideline_id, approved.number])
    html = legal.client().get(url).content.decode()
    assert reverse("publishing:publish", args=[approved.pk]) not in html


def test_published_version_page_links_reading_page_and_evidence(auditor, published):
    version = published.version
    assert Version.objects.get(pk=version.pk).status == Version.Status.PUBLISHED
    url = reverse("guidelines:version", args=[version.guideline_id, version.number])
    html = auditor.client().get(url).content.decode()
    assert reverse("publishing:evidence_pack", args=[published.pk]) in html
    assert "/pdf/" in html
