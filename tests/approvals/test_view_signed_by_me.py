"""Signed by me: a reviewer's own signatures in this institution, with the link to each text."""

from django.urls import reverse
from django.utils import timezone

from approvals.models import ReviewRequest, Signature
from approvals.views import SIGNED_PER_PAGE
from tests.factories import VersionFactory

from .conftest import sign

URL = reverse("approvals:signed_by_me")


def test_lists_my_signature_with_date_meaning_version_and_link(review, legal, compliance):
    sign(review, legal)
    sign(review, compliance)
    response = legal.client().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    mine = Signature.objects.get(signer=legal.user)
    assert mine.meaning in html and "Social media guidelines, version 1" in html
    assert f"{timezone.localtime(mine.signed_at):%-d %b %Y, %H:%M}" in html
    assert reverse("guidelines:version", args=[review.guideline_id, 1]) in html
    assert "Compliance review" not in html  # only my own signatures


def test_nothing_signed_yet_says_so(legal):
    html = legal.client().get(URL).content.decode()
    assert "You have not signed anything here yet." in html


def test_people_without_a_reviewer_role_are_refused(author, employee, admin):
    for persona in (author, employee, admin):
        assert persona.client().get(URL).status_code == 403


def test_paginated_and_bounded(review, legal, django_assert_max_num_queries):
    sign(review, legal)
    mine = Signature.objects.get(signer=legal.user)
    client = legal.client()
    number = 1
    for size in (SIGNED_PER_PAGE + 1, SIGNED_PER_PAGE * 3):
        while Signature.objects.filter(signer=legal.user).count() < size:
            number += 1
            version = VersionFactory(
                guideline=review.guideline, number=number, created_by=review.version.created_by
            )
            other = ReviewRequest.objects.create(
                guideline=review.guideline,
                version=version,
                status=ReviewRequest.Status.APPROVED,
                route=[],
                stage_started_at=mine.signed_at,
                stage_due_at=mine.signed_at,
                submitted_by=review.submitted_by,
            )
            Signature.objects.create(
                review=other,
                version=version,
                stage_index=0,
                signer=legal.user,
                printed_name=mine.printed_name,
                role_name=mine.role_name,
                meaning=mine.meaning,
                content_hash=version.content_hash,
                signed_at=mine.signed_at,
            )
        with django_assert_max_num_queries(12):
            response = client.get(URL, {"page": 2})
        assert response.status_code == 200
        assert "Page 2 of" in response.content.decode()
