"""The review page: a reviewer of the route selects (or copies) words of a section and suggests
new ones; a refused suggestion comes back with what was typed."""

from __future__ import annotations

from django.urls import reverse

from approvals import suggestions, workflow
from approvals.models import Suggestion

QUOTE = "part of everyone's job"


def url(review):
    return reverse("approvals:suggest", args=[review.pk])


def data(**extra):
    return {"section": "privacy", "quote": QUOTE, "replacement": "a duty of everyone", **extra}


def test_the_review_page_offers_reviewers_the_form(review, legal):
    html = legal.client().get(reverse("approvals:review", args=[review.pk])).content.decode()
    assert "Suggest a change to “Confidentiality, compliance and privacy”" in html
    assert 'data-quote-target="quote"' in html and url(review) in html


def test_authors_read_suggestions_but_get_no_form(review, legal, author):
    suggestions.propose(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="privacy",
        quote=QUOTE,
        replacement="a duty of everyone",
    )
    html = author.client().get(reverse("approvals:review", args=[review.pk])).content.decode()
    assert "Suggested edits on “Confidentiality, compliance and privacy”" in html
    assert "a duty of everyone" in html and "Waiting for the author" in html
    assert "Suggest a change to" not in html


def test_a_reviewer_suggests_an_edit(review, legal):
    response = legal.client().post(url(review), data())
    suggestion = Suggestion.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#suggestion-{suggestion.pk}")
    assert suggestion.quote == QUOTE and suggestion.replacement == "a duty of everyone"


def test_the_words_around_a_selection_tell_repeated_words_apart(review, legal):
    response = legal.client().post(
        url(review),
        data(quote="patient", replacement="person", before="Protecting ", after=" information"),
    )
    assert response.status_code == 302
    assert Suggestion.objects.get().prefix.endswith("Protecting ")


def test_words_not_in_the_section_come_back_with_the_typing(review, legal):
    response = legal.client().post(url(review), data(quote="words nobody wrote"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Those words are not in" in html
    assert "words nobody wrote</textarea>" in html and "a duty of everyone</textarea>" in html
    assert not Suggestion.objects.exists()


def test_a_finished_review_takes_no_suggestions(review, legal):
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Not yet."
    )
    response = legal.client().post(url(review), data())
    assert response.status_code == 400
    assert "This review is finished" in response.content.decode()


def test_anonymous_non_reviewers_and_outsiders(client, review, author, employee, outsider_all):
    assert client.post(url(review), data()).status_code == 302
    assert author.client().post(url(review), data()).status_code == 403
    assert employee.client().post(url(review), data()).status_code == 403
    assert outsider_all.client().post(url(review), data()).status_code == 404
    assert not Suggestion.objects.exists()
