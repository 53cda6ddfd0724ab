"""What approvals adds to other pages: the home panel and the version page's signatures."""

from typing import cast

from django.test import RequestFactory
from django.urls import reverse

from accounts.http import MemberRequest
from approvals.panels import version_signatures, waiting_for_sign_off

from .conftest import sign


def test_home_shows_waiting_for_your_sign_off_to_legal(review, legal):
    html = legal.client().get(reverse("home")).content.decode()
    assert "Waiting for your sign-off" in html and "Social media guidelines" in html


def test_home_panel_is_absent_for_employees(review, employee):
    assert (
        "Waiting for your sign-off" not in employee.client().get(reverse("home")).content.decode()
    )


def test_home_panel_for_compliance_is_empty_until_legal_signs(review, legal, compliance):
    request = cast(MemberRequest, RequestFactory().get("/"))
    request.membership = compliance.membership
    panel = waiting_for_sign_off(request)
    assert panel is not None and panel[1]["items"] == []
    sign(review, legal)
    request.membership = type(compliance.membership).objects.get(pk=compliance.membership.pk)
    panel = waiting_for_sign_off(request)
    assert panel is not None
    context = panel[1]
    assert [i.review.pk for i in context["items"]] == [review.pk]


def test_version_panel_lists_signatures(review, legal, compliance):
    sign(review, legal)
    sign(review, compliance)
    request = cast(MemberRequest, RequestFactory().get("/"))
    request.user, request.membership = compliance.user, compliance.membership
    panel = version_signatures(request, review.version)
    assert panel is not None
    template, context = panel
    assert template == "approvals/panels/version_signatures.html"
    assert [s.meaning for s in context["signatures"]] == [
        "Approved — Legal review",
        "Approved — Compliance review",
    ]
    assert context["review"].status == "approved"


def test_version_page_draws_the_review_status_and_signatures(review, legal, compliance, author):
    sign(review, legal)
    sign(review, compliance)
    url = reverse("guidelines:version", args=[review.guideline_id, review.version.number])
    response = author.client().get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="version-review-status">Approved<' in html
    assert "Approved — Legal review" in html and "Approved — Compliance review" in html
