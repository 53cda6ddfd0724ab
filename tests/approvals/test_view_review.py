import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import Comment, ReviewRequest, VersionSeen
from approvals.review_page import resolve_urls
from approvals.services import add_comment

from .conftest import open_draft, sign


def url(review):
    return reverse("approvals:review", args=[review.pk])


def test_reviewer_sees_full_version_change_summary_and_sign_off_form(review, legal):
    response = legal.client().get(url(review))
    html = response.content.decode()
    assert response.status_code == 200
    assert "First version" in html
    assert "Purpose and scope" in html and "Contact information" in html
    assert 'data-testid="sign-off-form"' in html
    assert "Request changes" in html
    assert reverse("approvals:seen", args=[review.pk]) in html  # the page records the reading


def _writes(queries: list[dict]) -> list[str]:
    """Statements that change data, apart from the session's sliding idle timer."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
        and "django_session" not in q["sql"]
    ]


def test_reading_the_review_page_writes_nothing(review, legal, author):
    add_comment(
        review=review, by=author.user, membership=author.membership, section_key="scope", body="?"
    )
    client = legal.client()
    for query in ({}, {"compare": "approved"}, {"compare": "seen"}):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url(review), query)
        assert response.status_code == 200 and "Purpose and scope" in response.content.decode()
        assert _writes(ctx.captured_queries) == []
    assert not VersionSeen.objects.exists()


def test_marking_as_seen_is_an_explicit_post_and_idempotent(review, legal):
    client = legal.client()
    seen = reverse("approvals:seen", args=[review.pk])
    assert client.get(seen).status_code == 405
    assert client.post(seen).status_code == 204
    first = VersionSeen.objects.get(user=legal.user, version=review.version)
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(seen).status_code == 204
    assert _writes(ctx.captured_queries) == []
    assert list(VersionSeen.objects.all()) == [first]
    assert VersionSeen.objects.get().seen_at == first.seen_at


def test_author_sees_the_review_but_cannot_sign_and_is_told_why(review, author):
    html = author.client().get(url(review)).content.decode()
    assert 'data-testid="sign-off-form"' not in html
    assert "you cannot sign off" in html
    assert "Withdraw from review" in html


def test_next_stage_reviewer_sees_it_is_not_their_turn(review, compliance):
    html = compliance.client().get(url(review)).content.decode()
    assert 'data-testid="sign-off-form"' not in html
    assert "not your turn yet" in html


def test_auditor_reads_without_actions(review, auditor):
    html = auditor.client().get(url(review)).content.decode()
    assert "Post comment" not in html and "Withdraw" not in html


def test_anonymous_is_sent_to_login(client, review):
    assert client.get(url(review)).status_code == 302


def test_employee_gets_403(review, employee):
    assert employee.client().get(url(review)).status_code == 403


def test_other_institution_gets_404(review, outsider):
    assert outsider.client().get(url(review)).status_code == 404


def test_redline_against_last_approved_version(review, legal, compliance, author, submit):
    sign(review, legal)
    sign(review, compliance)
    content = review.version.content | {
        "contact": {**review.version.content["contact"], "name": "Pat Newname"}
    }
    second = submit(open_draft(review.guideline, author.user, content=content), summary="New name")
    client = legal.client()
    html = client.get(url(second)).content.decode()
    assert "Changes since version 1 (approved)" in html
    html = client.get(url(second), {"compare": "approved"}).content.decode()
    assert "1 of 12 sections changed" in html
    assert "Pat Newname" in html and "redline-ins" in html


def test_redline_against_the_version_this_reviewer_last_saw(review, legal, author, submit):
    from approvals import workflow

    legal.client().post(reverse("approvals:seen", args=[review.pk]))  # legal reads version 1
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Rename contact."
    )
    content = review.version.content | {
        "contact": {**review.version.content["contact"], "name": "Pat Newname"}
    }
    second = submit(open_draft(review.guideline, author.user, content=content), summary="Fixed")
    html = legal.client().get(url(second)).content.decode()
    assert "Changes since version 1 (you last saw)" in html
    html = legal.client().get(url(second), {"compare": "seen"}).content.decode()
    assert "Pat Newname" in html and "1 of 12 sections changed" in html


def test_comments_are_shown_in_their_section_with_replies(review, legal, author):
    first = add_comment(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="privacy",
        body="Name the privacy law.",
    )
    add_comment(
        review=review,
        by=author.user,
        membership=author.membership,
        section_key="privacy",
        body="Added HIPAA.",
        parent=first,
    )
    html = author.client().get(url(review)).content.decode()
    assert "Name the privacy law." in html and "Added HIPAA." in html
    assert f'id="thread-{first.pk}"' in html
    assert Comment.objects.count() == 2


def test_review_page_query_count_is_bounded(review, legal, author, django_assert_max_num_queries):
    client = legal.client()
    for i in range(3):
        add_comment(
            review=review,
            by=legal.user,
            membership=legal.membership,
            section_key="privacy",
            body=f"c{i}",
        )
    with django_assert_max_num_queries(30):
        response = client.get(url(review))
    assert response.status_code == 200 and "c2" in response.content.decode()
    for i in range(30):
        add_comment(
            review=review,
            by=author.user,
            membership=author.membership,
            section_key="scope",
            body=f"d{i}",
        )
    with django_assert_max_num_queries(30):
        response = client.get(url(review))
    assert response.status_code == 200 and "d29" in response.content.decode()
    with django_assert_max_num_queries(30):
        response = client.get(url(review), {"compare": "approved"})
    assert response.status_code == 200 and "d29" in response.content.decode()


def test_finished_review_shows_status_and_decision(review, legal, author):
    from approvals import workflow

    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Cite the law."
    )
    html = author.client().get(url(review)).content.decode()
    assert "Changes requested" in html and "Cite the law." in html
    assert "Revise: start version 2" in html
    assert ReviewRequest.objects.get().status == "changes_requested"


def _accounts_table(html: str) -> str:
    match = re.search(r"<table[^>]*guideline-table.*?</table>", html, re.S)
    assert match, "no accounts table on the page"
    return match.group(0)


def test_reviewer_reads_the_section_as_the_wizard_preview_draws_it(review, legal, author):
    """What a reviewer signs reads exactly as the author's preview of the same text."""
    guideline = review.version.guideline
    reviewed = legal.client().get(reverse("approvals:review", args=[review.pk]))
    preview = author.client().get(
        reverse("guidelines:document", args=[guideline.pk]) + f"?version={review.version.number}"
    )
    assert reviewed.status_code == preview.status_code == 200
    table = _accounts_table(reviewed.content.decode())
    assert table == _accounts_table(preview.content.decode())
    assert '<a href="https://www.instagram.com/' in table


def test_reviewer_sees_sections_unchanged_from_the_template(review, legal):
    html = legal.client().get(url(review)).content.decode()
    assert html.count("Unchanged from the template") == 12
    assert "12 sections unchanged from the template" in html


def test_reviewer_sees_a_section_suggestion_quoted(guideline, author, legal, submit, route):
    from tests.factories import starter

    content = starter(guideline.organization)
    content["security"] = {
        "body": content["security"]["body"] + "\n\nStaff who share passwords will be disciplined."
    }
    review = submit(open_draft(guideline, author.user, content))
    html = legal.client().get(url(review)).content.decode()
    assert html.count("Unchanged from the template") == 11
    assert "Suggestion: Write advice, and leave rules and sanctions to the policy" in html
    assert "\u201cStaff who share passwords will be disciplined.\u201d" in html


def test_reviewer_reads_the_cases_signed_with_the_version(
    guideline, author, legal, submit, route, nursing, django_assert_max_num_queries
):
    from guidelines.cases import catalogue_scenarios

    scenarios = catalogue_scenarios()
    draft = open_draft(guideline, author.user)
    draft.cases = [
        {**scenarios[0], "answer": "Yes, students are covered.", "wrong": ["No"], "groups": []},
        {**scenarios[1], "answer": "Ask the team first.", "wrong": ["Go ahead"],
         "groups": [nursing.pk]},
        {**scenarios[2], "answer": "Only with approval."},
    ]  # fmt: skip
    draft.save()
    review = submit(draft)
    client = legal.client()
    client.get(url(review))
    with django_assert_max_num_queries(30):
        html = client.get(url(review)).content.decode()
    assert html.count('data-testid="review-case"') == 3
    assert "Yes, students are covered." in html and "Only with approval." in html
    assert "In the quiz of everyone" in html and "In the quiz of Nursing" in html
    assert "Not asked in the quiz." in html


def test_each_thread_posts_its_resolve_form_to_its_own_comment(review, legal, author):
    """The page reverses the resolve route once and puts each thread's number in: the
    addresses are the ones reversing per thread would give, and the page draws them."""
    threads = [
        add_comment(
            review=review,
            by=author.user,
            membership=author.membership,
            section_key=key,
            body="Please check",
        )
        for key in ("scope", "scope", "contact")
    ]
    html = legal.client().get(url(review)).content.decode()
    for comment in threads:
        action = reverse("approvals:resolve", args=[comment.pk])
        assert f'<form method="post" action="{action}">' in html
    grouped = {"scope": [{"comment": threads[0]}, {"comment": threads[1]}]}
    grouped["contact"] = [{"comment": threads[2]}]
    resolve_urls(grouped)
    assert [t["resolve_url"] for ts in grouped.values() for t in ts] == [
        reverse("approvals:resolve", args=[c.pk]) for c in threads
    ]
