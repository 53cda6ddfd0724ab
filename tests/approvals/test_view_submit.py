from django.urls import reverse

from approvals.models import ReviewRequest
from guidelines.models import Version

from .conftest import open_draft


def url(guideline):
    return reverse("approvals:submit", args=[guideline.pk])


def test_author_submits_and_lands_on_the_review(
    route, draft, guideline, author, legal, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = author.client().post(url(guideline), {"change_summary": "First version"})
    review = ReviewRequest.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/reviews/{review.pk}/")
    assert Version.objects.get().change_summary == "First version"
    assert [m.to for m in mailoutbox] == [[legal.email]]


def test_page_lists_failing_checks_and_disables_the_button(route, guideline, author):
    from guidelines.sections import SECTIONS

    open_draft(guideline, author.user, content={s.key: {} for s in SECTIONS})
    html = author.client().get(url(guideline)).content.decode()
    assert "still fail" in html and "disabled" in html


def test_missing_summary_is_refused(route, draft, guideline, author):
    response = author.client().post(url(guideline), {"change_summary": ""})
    assert response.status_code == 200 and not Version.objects.exists()


def test_second_submission_while_one_is_open_is_refused_and_keeps_typing(review, guideline, author):
    open_draft(guideline, author.user)
    response = author.client().post(url(guideline), {"change_summary": "My second summary"})
    html = response.content.decode()
    assert "already has a review" in html and "My second summary" in html
    assert Version.objects.count() == 1


def test_no_route_is_explained(draft, guideline, author):
    response = author.client().post(url(guideline), {"change_summary": "x"})
    assert "No approval route" in response.content.decode()


def test_anonymous_reviewer_and_outsider(client, route, draft, guideline, legal, outsider_all):
    assert client.get(url(guideline)).status_code == 302
    assert legal.client().get(url(guideline)).status_code == 403
    assert outsider_all.client().get(url(guideline)).status_code == 404


def test_a_fact_left_to_confirm_refuses_the_submission(route, guideline, author):
    """Facts to confirm block submitting where it happens, not only on the checklist."""
    from guidelines.sections import SAMPLE_CONTEXT, starter_content
    from tests.factories import starter

    content = starter(guideline.organization)
    marked = starter_content(SAMPLE_CONTEXT)["security"]  # still holds its [[confirm: …]]
    assert "[[confirm:" in str(marked)
    open_draft(guideline, author.user, content={**content, "security": marked})
    response = author.client().post(url(guideline), {"change_summary": "First version"})
    assert response.status_code == 200 and not Version.objects.exists()
    assert "Confirm or replace the facts" in response.content.decode()
