"""Comment threads follow a guideline from version to version without being copied: an open
thread of version 1 is open on version 2, and one resolved on version 2 is gone from 3."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals import services, workflow
from approvals.models import Comment, ReviewRequest
from approvals.threads import current_number, threads_at
from audit.models import AuditEvent
from guidelines.models import Draft, Version


def comment(review, persona, section="scope", body="Please say who this covers."):
    return services.add_comment(
        review=review,
        by=persona.user,
        membership=persona.membership,
        section_key=section,
        body=body,
    )


def send_back(review, persona, why="See my comments."):
    workflow.request_changes(
        review=ReviewRequest.objects.get(pk=review.pk),
        by=persona.user,
        membership=persona.membership,
        comment=why,
    )
    return ReviewRequest.objects.get(pk=review.pk)


def revise(review, author) -> Draft:
    return services.start_revision(review=review, by=author.user, membership=author.membership)


def resolve(thread, persona, resolved=True):
    return services.set_resolved(
        comment=Comment.objects.get(pk=thread.pk),
        by=persona.user,
        membership=persona.membership,
        resolved=resolved,
    )


def open_keys(guideline_id, number, membership=None):
    found = threads_at(
        guideline_id=guideline_id, number=number, membership=membership, reviewer=False
    )
    return {t["comment"].body: t["comment"].is_resolved for ts in found.values() for t in ts}


def test_a_comment_knows_its_guideline_version_and_capacity(review, legal, author):
    thread = comment(review, legal)
    assert thread.guideline_id == review.guideline_id and thread.version_number == 1
    assert thread.by_reviewer and thread.author_role == "Legal reviewer"
    mine = comment(review, author, body="A note to self.")
    assert not mine.by_reviewer and mine.author_role == "Author"


def test_threads_carry_from_v1_to_v2_and_drop_out_once_resolved(
    review, legal, compliance, author, submit
):
    a = comment(review, legal, "scope", "Who is covered?")
    comment(review, legal, "privacy", "Name the consent form.")
    reviewed = send_back(review, legal)
    draft = revise(reviewed, author)
    guideline_id = review.guideline_id
    rows = Comment.objects.count()

    # On the draft that becomes version 2, both threads of version 1 are there, open.
    assert current_number(guideline_id) == 2
    assert open_keys(guideline_id, 2) == {"Who is covered?": False, "Name the consent form.": False}

    # Legal closes one while the author revises, though the review of version 1 is closed.
    resolve(a, legal)
    a.refresh_from_db()
    assert a.resolved_in_version == 2 and a.resolved_by == legal.user

    v2 = submit(Draft.objects.get(pk=draft.pk), summary="Named the form")
    assert v2.version.number == 2
    # Version 2's review lists both (one resolved there): not "0 comments".
    assert open_keys(guideline_id, 2) == {"Who is covered?": True, "Name the consent form.": False}
    # Version 1's own page still shows its threads, with the resolution made later.
    assert open_keys(guideline_id, 1) == {"Who is covered?": True, "Name the consent form.": False}

    # Version 3: the thread resolved on version 2 is not carried; the open one is.
    revise(send_back(v2, legal), author)
    assert current_number(guideline_id) == 3
    assert open_keys(guideline_id, 3) == {"Name the consent form.": False}
    # Nothing was copied along the way.
    assert Comment.objects.count() == rows


def test_a_reviewer_replies_on_v2_to_a_thread_of_v1(review, legal, author, submit):
    thread = comment(review, legal)
    draft = revise(send_back(review, legal), author)
    v2 = submit(draft, summary="Scope rewritten")
    reply = services.add_comment(
        review=v2,
        by=legal.user,
        membership=legal.membership,
        section_key="privacy",  # ignored: a reply stays in its thread's section
        body="Better, thank you.",
        parent=thread,
    )
    assert reply.parent_id == thread.pk and reply.section_key == "scope"
    assert reply.review_id == v2.pk and reply.version_number == 2


def test_the_author_replies_from_the_wizard_before_the_version_exists(review, legal, author):
    thread = comment(review, legal)
    resolve(thread, legal)
    revise(send_back(review, legal), author)
    with pytest.raises(workflow.WorkflowError, match="resolved in an earlier version"):
        services.reply_while_revising(
            thread=thread, by=author.user, membership=author.membership, body="Done."
        )
    other = Comment.objects.get(pk=thread.pk)
    resolve(other, legal, resolved=False)  # reopened on the draft: it is open there again
    reply = services.reply_while_revising(
        thread=other, by=author.user, membership=author.membership, body="Changed it."
    )
    assert reply.review_id is None and reply.version_number == 2
    assert reply.parent_id == other.pk


def test_resolving_never_touches_a_frozen_version(review, legal, author):
    thread = comment(review, legal)
    before = Version.objects.values_list("pk", "content_hash", "status").get()
    revise(send_back(review, legal), author)
    resolve(thread, legal)
    resolve(thread, legal, resolved=False)
    after = Version.objects.values_list("pk", "content_hash", "status").get()
    assert before[:2] == after[:2] and Version.objects.get().verify()


def test_resolve_and_reopen_are_audited_with_the_version(review, legal, author):
    thread = comment(review, legal)
    revise(send_back(review, legal), author)
    resolve(thread, legal)
    resolve(thread, legal, resolved=False)
    events = list(
        AuditEvent.objects.filter(action__startswith="approvals.comment.r").order_by("pk")
    )
    assert [e.action for e in events] == [
        "approvals.comment.resolved",
        "approvals.comment.reopened",
    ]
    assert events[0].details["version"] == 2 and events[0].details["opened_on_version"] == 1
    thread.refresh_from_db()
    assert thread.resolved_in_version is None and thread.resolved_by is None


def test_a_second_click_changes_nothing_and_records_nothing(review, legal):
    thread = comment(review, legal)
    resolve(thread, legal)
    resolve(thread, legal)
    assert AuditEvent.objects.filter(action="approvals.comment.resolved").count() == 1


def _review_page_queries(client, review):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("approvals:review", args=[review.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_version_2s_review_lists_carried_threads_in_bounded_queries(review, legal, author, submit):
    for n in range(2):
        comment(review, legal, "scope", f"Early thread {n}")
    v2 = submit(revise(send_back(review, legal), author), summary="Scope rewritten")
    client = legal.client()
    _review_page_queries(client, v2)  # warm the session
    few, html = _review_page_queries(client, v2)
    assert "Early thread 1" in html and "From version 1" in html
    assert "2 comments, 2 open threads" in html
    for n in range(2, 25):
        Comment.objects.create(
            guideline_id=review.guideline_id,
            review=review,
            version_number=1,
            section_key="privacy",
            author=legal.user,
            by_reviewer=True,
            body=f"Early thread {n}",
        )
    many, html = _review_page_queries(client, v2)
    assert "Early thread 24" in html and "25 comments, 25 open threads" in html
    assert many == few
