"""Who closes a thread: its author, or a reviewer of the route; a reviewer's thread waits for a
reviewer. It works after the review it was opened in has closed."""

import pytest
from django.urls import reverse

from approvals import workflow
from approvals.models import Comment
from approvals.services import add_comment, start_revision
from tests.conftest import make_persona
from tests.factories import ReviewerRoleFactory


@pytest.fixture
def thread(review, legal):
    return add_comment(
        review=review, by=legal.user, membership=legal.membership, section_key="scope", body="?"
    )


@pytest.fixture
def own_thread(review, author):
    return add_comment(
        review=review, by=author.user, membership=author.membership, section_key="scope", body="!"
    )


def url(comment):
    return reverse("approvals:resolve", args=[comment.pk])


def resolved(comment):
    return Comment.objects.get(pk=comment.pk).is_resolved


def test_a_reviewer_resolves_and_reopens_a_reviewers_thread(thread, legal, compliance):
    response = legal.client().post(url(thread), {"resolved": "1"})
    assert response.status_code == 302 and response["Location"].endswith(f"#thread-{thread.pk}")
    thread.refresh_from_db()
    assert thread.is_resolved and thread.resolved_by == legal.user
    # Any reviewer of the route may reopen it, not only the one who opened it.
    compliance.client().post(url(thread), {"resolved": "0"})
    assert not resolved(thread)


@pytest.mark.parametrize("who", ["author", "admin"])
def test_the_author_or_an_admin_alone_cannot_close_a_reviewers_thread(request, thread, who):
    persona = request.getfixturevalue(who)
    response = persona.client().post(url(thread), {"resolved": "1"})
    assert response.status_code == 403
    assert not resolved(thread)


def test_the_author_closes_their_own_thread_and_a_reviewer_may_too(own_thread, author, legal):
    assert author.client().post(url(own_thread), {"resolved": "1"}).status_code == 302
    assert resolved(own_thread)
    assert legal.client().post(url(own_thread), {"resolved": "0"}).status_code == 302
    assert not resolved(own_thread)


def test_another_author_cannot_close_someone_elses_thread(org, own_thread):
    other = make_persona(org, "second@riverside.test", "Bea Second", is_author=True)
    assert other.client().post(url(own_thread), {"resolved": "1"}).status_code == 403


def test_a_reviewer_outside_the_route_cannot_close_it(org, thread):
    role = ReviewerRoleFactory(organization=org, name="Marketing")
    stranger = make_persona(org, "marketing@riverside.test", "Mo Marketing", roles=(role,))
    assert stranger.client().post(url(thread), {"resolved": "1"}).status_code == 403


def test_resolving_after_the_review_closed_works_and_lands_in_the_wizard(
    thread, review, author, legal
):
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Fix scope."
    )
    start_revision(review=review, by=author.user, membership=author.membership)
    step = reverse("guidelines:step", args=[review.guideline_id, "scope"])
    response = legal.client().post(url(thread), {"resolved": "1", "next": step})
    assert response.status_code == 302 and response["Location"] == f"{step}#thread-{thread.pk}"
    thread.refresh_from_db()
    assert thread.is_resolved and thread.resolved_in_version == 2


def test_an_outside_next_is_ignored(thread, legal, review):
    response = legal.client().post(url(thread), {"resolved": "1", "next": "https://evil.test/"})
    assert response["Location"].startswith(reverse("approvals:review", args=[review.pk]))


def test_a_reply_reopens_a_resolved_thread(thread, review, legal):
    legal.client().post(url(thread), {"resolved": "1"})
    add_comment(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="scope",
        body="Not quite.",
        parent=thread,
    )
    assert not resolved(thread)


def test_anonymous_employee_auditor_and_outsider(client, thread, employee, auditor, outsider_all):
    assert client.post(url(thread)).status_code == 302
    assert employee.client().post(url(thread)).status_code == 403
    assert auditor.client().post(url(thread)).status_code == 403
    assert outsider_all.client().post(url(thread)).status_code == 404
    assert not resolved(thread)
