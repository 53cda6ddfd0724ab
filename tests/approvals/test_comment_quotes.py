"""A reviewer comments on exactly some words of a section: the server checks the words are in
the frozen version, the review page marks them in the text, and on a later version a thread
whose words changed says so, with the old and the new wording."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import services, workflow
from approvals.anchors import reader_text, section_html
from approvals.models import Comment, ReviewRequest
from audit.models import AuditEvent
from guidelines.models import DraftSection
from guidelines.sections import SECTIONS_BY_KEY


def comment_url(review):
    return reverse("approvals:comment", args=[review.pk])


def review_url(review):
    return reverse("approvals:review", args=[review.pk])


def privacy_text(review) -> str:
    return reader_text(
        section_html(SECTIONS_BY_KEY["privacy"], review.version.content.get("privacy"))
    )


def some_words(review, first=3, count=4) -> str:
    return " ".join(privacy_text(review).split()[first : first + count])


def test_a_reviewer_comments_on_selected_words_and_the_page_marks_them(review, legal):
    words = some_words(review)
    text = privacy_text(review)
    response = legal.client().post(
        comment_url(review),
        {
            "section": "privacy",
            "body": "Which law is this?",
            "quote": words,
            "quote_prefix": text[: text.index(words)][-32:],
            "quote_suffix": "",
            "quote_start": str(text.index(words)),
        },
    )
    assert response.status_code == 302
    thread = Comment.objects.get()
    assert thread.quote == words
    assert text[thread.quote_start : thread.quote_end] == words
    event = AuditEvent.objects.get(action="approvals.comment.added")
    assert event.details["quote"] == words

    html = legal.client().get(review_url(review)).content.decode()
    assert f'<mark class="approvals-quote" data-threads="{thread.pk}">' in html
    assert f'href="#thread-{thread.pk}">comment 1</a>' in html
    assert "On the words <q" in html and words in html
    assert 'data-quote-section="privacy"' in html
    assert "Comment on these words" in html


def test_without_javascript_typed_words_are_found_whatever_the_spacing(review, legal):
    words = some_words(review)
    response = legal.client().post(
        comment_url(review),
        {"section": "privacy", "body": "Hm.", "quote": "  " + words.replace(" ", "\n  ") + " "},
    )
    assert response.status_code == 302
    assert Comment.objects.get().quote == words


def test_words_not_in_the_section_are_refused_and_the_comment_kept(review, legal):
    response = legal.client().post(
        comment_url(review),
        {"section": "privacy", "body": "My careful remark.", "quote": "words nobody wrote"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "not in this section as written" in html
    assert "My careful remark." in html and "words nobody wrote" in html
    assert not Comment.objects.exists()


def test_words_of_another_section_are_refused(review, legal):
    scope_words = " ".join(
        reader_text(
            section_html(SECTIONS_BY_KEY["scope"], review.version.content.get("scope"))
        ).split()[:6]
    )
    assert scope_words not in privacy_text(review)
    response = legal.client().post(
        comment_url(review), {"section": "privacy", "body": "x", "quote": scope_words}
    )
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_too_many_words_are_refused(review, legal):
    response = legal.client().post(
        comment_url(review),
        {"section": "privacy", "body": "x", "quote": privacy_text(review) + " x" * 600},
    )
    assert response.status_code == 400
    assert "at most 1,000 characters" in response.content.decode()


def test_a_reply_belongs_to_its_threads_words(review, legal, author):
    thread = services.add_comment(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="privacy",
        body="Which law?",
        quote=some_words(review),
    )
    reply = services.add_comment(
        review=review,
        by=author.user,
        membership=author.membership,
        section_key="privacy",
        body="HIPAA.",
        parent=thread,
        quote="ignored words",
    )
    assert reply.quote == "" and reply.quote_start is None


def test_anonymous_employee_and_outsider_cannot_quote(client, review, employee, outsider_all):
    data = {"section": "privacy", "body": "x", "quote": some_words(review)}
    assert client.post(comment_url(review), data).status_code == 302
    assert employee.client().post(comment_url(review), data).status_code == 403
    assert outsider_all.client().post(comment_url(review), data).status_code == 404
    assert not Comment.objects.exists()


def next_version(review, legal, author, submit, body: str) -> ReviewRequest:
    workflow.request_changes(
        review=ReviewRequest.objects.get(pk=review.pk),
        by=legal.user,
        membership=legal.membership,
        comment="See my comments.",
    )
    draft = services.start_revision(
        review=ReviewRequest.objects.get(pk=review.pk), by=author.user, membership=author.membership
    )
    DraftSection.objects.filter(draft=draft, key="privacy").update(data={"body": body})
    return submit(draft, summary="Reworded privacy")


@pytest.fixture
def quoted(review, legal):
    original = review.version.content["privacy"]["body"]
    services.add_comment(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="privacy",
        body="Too vague.",
        quote=some_words(review),
    )
    return original


def test_on_the_next_version_unchanged_words_stay_marked(quoted, review, legal, author, submit):
    v2 = next_version(review, legal, author, submit, "A new first paragraph.\n\n" + quoted)
    thread = Comment.objects.get()
    html = legal.client().get(review_url(v2)).content.decode()
    assert f'data-threads="{thread.pk}"' in html
    assert "since changed" not in html


def test_on_the_next_version_changed_words_show_old_and_new_wording(
    quoted, review, legal, author, submit
):
    words = some_words(review)
    reworded = quoted.replace(words.split()[1], "REWORDED", 1)
    assert reworded != quoted
    v2 = next_version(review, legal, author, submit, reworded)
    thread = Comment.objects.get()
    html = legal.client().get(review_url(v2)).content.decode()
    assert "On text that has since changed." in html
    assert "in version 1:" in html and "The same passage in version 2" in html
    assert "REWORDED" in html
    assert '<del class="redline-del">' in html and '<ins class="redline-ins">' in html
    # The old words are not in the new text; the passage that replaced them is marked, and
    # named as such.
    assert (
        f'<mark class="approvals-quote approvals-quote-changed-text" data-threads="{thread.pk}">'
        in html
    )
    assert "[changed words of comment 1]" in html and "comment 1 (changed)</a>" in html
    # Version 1's own page still shows the words where they were.
    html = legal.client().get(review_url(review)).content.decode()
    assert f'data-threads="{thread.pk}"' in html and "since changed" not in html


def test_the_review_page_reads_earlier_versions_in_one_query(
    quoted, review, legal, author, submit, django_assert_max_num_queries
):
    v2 = next_version(review, legal, author, submit, "New.\n\n" + quoted)
    client = legal.client()
    with django_assert_max_num_queries(30):
        response = client.get(review_url(v2))
    assert response.status_code == 200
    for i in range(20):
        services.add_comment(
            review=ReviewRequest.objects.get(pk=v2.pk),
            by=legal.user,
            membership=legal.membership,
            section_key="privacy",
            body=f"more {i}",
            quote=some_words(review, first=i % 5, count=2),
        )
    with django_assert_max_num_queries(30):
        response = client.get(review_url(v2))
    assert response.status_code == 200 and "more 19" in response.content.decode()


def test_the_author_reads_the_words_beside_the_wizard_step(quoted, review, legal, author):
    words = some_words(review)
    workflow.request_changes(
        review=ReviewRequest.objects.get(pk=review.pk),
        by=legal.user,
        membership=legal.membership,
        comment="See my comments.",
    )
    services.start_revision(
        review=ReviewRequest.objects.get(pk=review.pk), by=author.user, membership=author.membership
    )
    url = reverse("guidelines:step", args=[review.guideline_id, "privacy"])
    html = author.client().get(url).content.decode()
    assert "On the words <q" in html and words in html and "(as in version 1)" in html
