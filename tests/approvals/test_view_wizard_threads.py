"""Beside each wizard step, while revising: the reviewers' decision and the open threads on
that section, carried from the version that was sent back; replies from there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Notification
from approvals import services, workflow
from approvals.models import Comment


@pytest.fixture
def sent_back(review, legal, author):
    """Legal commented on "scope", then sent version 1 back; the author started version 2."""
    thread = services.add_comment(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="scope",
        body="Say whether volunteers are covered.",
    )
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Scope is unclear."
    )
    services.start_revision(review=review, by=author.user, membership=author.membership)
    return thread


def step(review, key="scope"):
    return reverse("guidelines:step", args=[review.guideline_id, key])


def test_the_author_sees_the_decision_and_the_thread_beside_the_form(sent_back, review, author):
    response = author.client().get(step(review))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-labelledby="wizard-comments-h"' in html and "Reviewers’ comments" in html
    assert "Changes requested by Lee Legal (Legal review)" in html
    assert "Scope is unclear." in html
    assert "Say whether volunteers are covered." in html and "(Legal reviewer)" in html
    assert "1 open thread" in html
    # A reviewer's thread: the author answers it but a reviewer closes it.
    assert "A reviewer closes this thread." in html and "Mark resolved" not in html
    assert reverse("approvals:reply", args=[sent_back.pk]) in html


def test_other_sections_point_to_the_step_with_comments(sent_back, review, author):
    html = author.client().get(step(review, "privacy")).content.decode()
    assert "No open comments on this section." in html
    assert "Open comments on other sections" in html and step(review, "scope") in html


def test_no_aside_on_a_first_draft_without_comments(draft, author):
    url = reverse("guidelines:step", args=[draft.guideline_id, "scope"])
    html = author.client().get(url).content.decode()
    assert "wizard-comments" not in html


def test_a_thread_resolved_while_revising_shows_who_and_when(sent_back, review, author, legal):
    services.set_resolved(
        comment=sent_back, by=legal.user, membership=legal.membership, resolved=True
    )
    html = author.client().get(step(review)).content.decode()
    assert "Resolved</span> by Lee Legal" in html and "(version 2)" in html
    assert "0 open threads" in html


def test_the_author_may_close_their_own_thread_from_the_wizard(review, legal, author):
    mine = services.add_comment(
        review=review,
        by=author.user,
        membership=author.membership,
        section_key="scope",
        body="Check the volunteer wording.",
    )
    workflow.request_changes(review=review, by=legal.user, membership=legal.membership, comment="x")
    services.start_revision(review=review, by=author.user, membership=author.membership)
    html = author.client().get(step(review)).content.decode()
    assert reverse("approvals:resolve", args=[mine.pk]) in html and "Mark resolved" in html


def _add_threads(review, legal, count):
    for n in range(count):
        thread = Comment.objects.create(
            guideline_id=review.guideline_id,
            review=review,
            version_number=1,
            section_key="scope" if n % 2 else "privacy",
            author=legal.user,
            author_role="Legal reviewer",
            by_reviewer=True,
            body=f"Thread {n}",
        )
        Comment.objects.create(
            guideline_id=review.guideline_id,
            review=review,
            version_number=1,
            section_key=thread.section_key,
            parent=thread,
            author=legal.user,
            body=f"Reply {n}",
        )


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_queries_do_not_grow_with_the_number_of_threads(sent_back, review, legal, author):
    client = author.client()
    client.get(step(review))  # warm the session and caches
    _add_threads(review, legal, 2)
    few, html = _queries(client, step(review))
    assert "Thread 1" in html and "Reply 1" in html
    _add_threads(review, legal, 30)
    many, html = _queries(client, step(review))
    assert "Thread 29" in html and "Reply 29" in html
    assert many == few


def test_reply_from_the_wizard_goes_back_to_the_step(sent_back, review, author):
    response = author.client().post(
        reverse("approvals:reply", args=[sent_back.pk]),
        {"body": "Volunteers are now covered.", "next": step(review)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{step(review)}#thread-{sent_back.pk}"
    reply = Comment.objects.get(parent=sent_back)
    assert reply.review_id is None and reply.version_number == 2


def test_an_empty_reply_is_refused_with_a_message(sent_back, review, author):
    response = author.client().post(
        reverse("approvals:reply", args=[sent_back.pk]),
        {"body": " ", "next": step(review)},
        follow=True,
    )
    assert "The reply was not posted" in response.content.decode()
    assert not Comment.objects.filter(parent=sent_back).exists()


def test_reply_permissions(sent_back, client, legal, employee, outsider_all):
    url = reverse("approvals:reply", args=[sent_back.pk])
    assert client.post(url, {"body": "x"}).status_code == 302
    assert legal.client().post(url, {"body": "x"}).status_code == 403
    assert employee.client().post(url, {"body": "x"}).status_code == 403
    assert outsider_all.client().post(url, {"body": "x"}).status_code == 404


def test_notices_send_authors_to_the_step_and_reviewers_to_the_review(
    sent_back, review, admin, author, legal, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reply_while_revising(
            thread=sent_back, by=admin.user, membership=admin.membership, body="On it."
        )
    to_author = Notification.objects.get(user=author.user, message__contains="On it.")
    assert to_author.url == f"{step(review)}#thread-{sent_back.pk}"
    to_legal = Notification.objects.get(user=legal.user, message__contains="On it.")
    assert to_legal.url == reverse("approvals:review", args=[review.pk]) + f"#thread-{sent_back.pk}"


def test_the_checklist_shows_the_decision_and_where_comments_are_open(sent_back, review, author):
    html = author.client().get(reverse("guidelines:checklist", args=[review.guideline_id]))
    html = html.content.decode()
    assert "Changes requested by Lee Legal (Legal review)" in html and "Scope is unclear." in html
    assert "Open comments by section" in html and step(review, "scope") in html
    assert "Say whether volunteers are covered." not in html  # the threads are on their step
