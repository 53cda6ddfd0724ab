import pytest
from django.urls import reverse

from approvals.models import Comment
from approvals.services import add_comment


@pytest.fixture
def thread(review, legal):
    return add_comment(
        review=review, by=legal.user, membership=legal.membership, section_key="scope", body="?"
    )


def url(comment):
    return reverse("approvals:resolve", args=[comment.pk])


def test_author_resolves_and_reopens_a_thread(thread, author, legal):
    assert author.client().post(url(thread), {"resolved": "1"}).status_code == 302
    thread.refresh_from_db()
    assert thread.is_resolved and thread.resolved_by == author.user
    legal.client().post(url(thread), {"resolved": "0"})
    thread.refresh_from_db()
    assert not thread.is_resolved


def test_a_reply_reopens_a_resolved_thread(thread, review, author, legal):
    author.client().post(url(thread), {"resolved": "1"})
    add_comment(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="scope",
        body="Not quite.",
        parent=thread,
    )
    thread.refresh_from_db()
    assert not thread.is_resolved


def test_resolving_in_a_finished_review_is_refused(thread, review, author):
    from approvals import workflow

    workflow.withdraw(review=review, by=author.user, membership=author.membership, reason="x")
    response = author.client().post(url(thread), {"resolved": "1"}, follow=True)
    assert "finished" in response.content.decode()
    assert not Comment.objects.get(pk=thread.pk).is_resolved


def test_anonymous_employee_and_outsider(client, thread, employee, outsider_all):
    assert client.post(url(thread)).status_code == 302
    assert employee.client().post(url(thread)).status_code == 403
    assert outsider_all.client().post(url(thread)).status_code == 404
