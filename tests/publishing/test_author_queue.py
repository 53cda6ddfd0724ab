"""The author's home queue: each submitted version stays in sight until it is published, and the
admin's home lists what is ready to publish."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from approvals import workflow
from approvals.models import ApprovalRoute, ApprovalStage, ReviewRequest
from guidelines.models import Draft, DraftSection, Version
from guidelines.sections import SECTIONS
from publishing import services
from tests.factories import PASSWORD, GuidelineFactory, starter


@pytest.fixture
def route(org, legal_role, compliance_role):
    route = ApprovalRoute.objects.create(organization=org)
    ApprovalStage.objects.create(route=route, order=1, reviewer_role=legal_role, due_days=5)
    ApprovalStage.objects.create(route=route, order=2, reviewer_role=compliance_role, due_days=5)
    return route


def submitted(org, author, title: str) -> ReviewRequest:
    """A new guideline's first version, submitted for review by the author."""
    guideline = GuidelineFactory(organization=org, created_by=author.user, title=title)
    draft = Draft.objects.create(
        guideline=guideline, start=Draft.Start.TEMPLATE, created_by=author.user
    )
    content = starter(org)
    for section in SECTIONS:
        DraftSection.objects.create(draft=draft, key=section.key, data=content[section.key])
    return workflow.submit(
        draft=draft, by=author.user, membership=author.membership, change_summary="First"
    )


def home(persona) -> str:
    response = persona.client().get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_in_review_names_the_stage_who_holds_it_and_when_it_is_due(
    route, org, author, legal, compliance
):
    review = submitted(org, author, "Patient photos")
    html = home(author)
    assert "After submitting" in html and "In review" in html
    assert "stage 1 of 2 (Legal review)" in html
    assert "with Lee Legal" in html and "Cory Compliance" not in html
    assert f"due {timezone.localtime(review.stage_due_at):%-d %b %Y}" in html


def test_changes_requested_shows_the_comment_and_a_revise_button_that_opens_a_draft(
    route, org, author, legal
):
    review = submitted(org, author, "Patient photos")
    workflow.request_changes(
        review=review,
        by=legal.user,
        membership=legal.membership,
        comment="Section 4 must name the privacy officer.",
    )
    html = home(author)
    assert "Changes requested" in html
    assert "Lee Legal asked for changes" in html
    assert "Section 4 must name the privacy officer." in html
    assert f'action="{reverse("approvals:revise", args=[review.pk])}"' in html

    client = author.client()
    response = client.post(reverse("approvals:revise", args=[review.pk]))
    assert response.status_code == 302
    assert Draft.objects.filter(guideline=review.guideline, is_open=True).exists()
    html = home(author)
    assert "Continue revising" in html
    assert reverse("guidelines:step", args=[review.guideline_id, "scope"]) in html


def test_approved_versions_wait_for_an_administrator_then_show_as_published(
    route, org, author, legal, compliance, admin, django_capture_on_commit_callbacks
):
    review = submitted(org, author, "Patient photos")
    for persona in (legal, compliance):
        workflow.sign_off(
            review=ReviewRequest.objects.get(pk=review.pk),
            by=persona.user,
            membership=Membership.objects.get(pk=persona.membership.pk),
            password=PASSWORD,
        )
    html = home(author)
    assert "Approved, waiting to be published" in html
    assert "an administrator publishes it" in html
    assert "Ready to publish" not in html  # the admin's panel, not the author's

    admin_html = home(admin)
    assert "Ready to publish" in admin_html
    assert reverse("publishing:publish", args=[review.version_id]) in admin_html

    with django_capture_on_commit_callbacks(execute=True):
        services.publish(
            version=Version.objects.get(pk=review.version_id),
            by=admin.user,
            effective_date=timezone.localdate(),
            requires_acknowledgement=False,
            skip_reason="Trial",
        )
    html = home(author)
    assert "Recently published" in html and "Approved, waiting" not in html
    assert "Ready to publish" not in home(admin)


def test_ready_to_publish_is_hidden_when_nothing_is_approved(admin):
    assert "Ready to publish" not in home(admin)


def test_employees_have_no_queue(route, org, author, employee):
    submitted(org, author, "Patient photos")
    assert "After submitting" not in home(employee)


def test_author_home_query_count_is_bounded(
    route, org, author, legal, legal_role, admin, django_assert_max_num_queries
):
    client = author.client()
    admin_client = admin.client()
    for batch in range(2):
        for i in range(4):
            review = submitted(org, author, f"Guideline {batch}-{i}")
            if i == 0:
                workflow.request_changes(
                    review=review, by=legal.user, membership=legal.membership, comment="No."
                )
        # More holders of the Legal stage: the queue names them without a query each.
        for i in range(5):
            user = User.objects.create(email=f"l{batch}-{i}@riverside.test", full_name=f"L {i}")
            Membership.objects.create(user=user, organization=org).reviewer_roles.add(legal_role)
        with django_assert_max_num_queries(19):
            response = client.get(reverse("home"))
        assert response.status_code == 200 and "In review" in response.content.decode()
        with django_assert_max_num_queries(19):
            response = admin_client.get(reverse("home"))
        assert response.status_code == 200 and "Changes requested" in response.content.decode()
