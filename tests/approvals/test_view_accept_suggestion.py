"""Beside the wizard step: the author accepts a suggested edit with one click (a saved revision
of the section) or declines it with a reason; a reason left out keeps the page and the typing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from approvals import services, suggestions, workflow
from approvals.models import Suggestion
from guidelines.models import DraftSection
from guidelines.services import save_section

QUOTE = "part of everyone's job"


@pytest.fixture
def suggested(review, legal, author):
    """Legal suggested two edits on version 1 and sent it back; the author is revising."""
    first = suggestions.propose(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="privacy",
        quote=QUOTE,
        replacement="a duty of everyone",
    )
    second = suggestions.propose(
        review=review,
        by=legal.user,
        membership=legal.membership,
        section_key="privacy",
        quote="online as much as on the unit",
        replacement="online and offline",
    )
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="See my suggestions."
    )
    draft = services.start_revision(review=review, by=author.user, membership=author.membership)
    return first, second, draft


def step(draft, key="privacy"):
    return reverse("guidelines:step", args=[draft.guideline_id, key])


def test_the_wizard_lists_the_suggestions_with_their_buttons(suggested, author):
    first, second, draft = suggested
    html = author.client().get(step(draft)).content.decode()
    assert "Suggested edits on “Confidentiality, compliance and privacy”: 2 waiting" in html
    assert QUOTE.replace("'", "&#x27;") in html and "a duty of everyone" in html
    assert "Lee Legal (Legal reviewer)" in html
    assert reverse("approvals:accept_suggestion", args=[first.pk]) in html
    assert reverse("approvals:decline_suggestion", args=[second.pk]) in html
    other = author.client().get(step(draft, "scope")).content.decode()
    assert "Suggested edits on other sections" in other and "2 waiting" in other


def test_accept_puts_the_words_in_the_draft_and_returns_to_the_step(suggested, author):
    first, _second, draft = suggested
    client = author.client()
    response = client.post(
        reverse("approvals:accept_suggestion", args=[first.pk]), {"next": step(draft)}
    )
    assert response.status_code == 302 and response["Location"] == step(draft) + "#suggestions"
    first.refresh_from_db()
    assert first.state == Suggestion.State.ACCEPTED
    row = DraftSection.objects.get(draft=draft, key="privacy")
    assert "a duty of everyone" in row.data["body"] and row.revision == first.draft_revision
    html = client.get(step(draft)).content.decode()
    assert "1 waiting" in html and "is now “a duty of everyone”" in html


def test_accept_after_the_words_changed_says_outdated(suggested, author):
    first, _second, draft = suggested
    row = DraftSection.objects.get(draft=draft, key="privacy")
    body = row.data["body"].replace(QUOTE, "everyone's work")
    save_section(
        draft=draft, key="privacy", data={"body": body}, revision=row.revision, by=author.user
    )
    response = author.client().post(
        reverse("approvals:accept_suggestion", args=[first.pk]), follow=True
    )
    html = response.content.decode()
    assert "Suggestion outdated. Not applied: the quoted words are no longer in the draft." in html
    assert DraftSection.objects.get(draft=draft, key="privacy").data["body"] == body


def test_decline_with_a_reason(suggested, author):
    _first, second, draft = suggested
    url = reverse("approvals:decline_suggestion", args=[second.pk])
    response = author.client().post(url, {"reason": "Both matter.", "next": step(draft)})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == Suggestion.State.DECLINED and second.reason == "Both matter."


def test_decline_without_a_reason_keeps_the_page(suggested, author):
    _first, second, _draft = suggested
    url = reverse("approvals:decline_suggestion", args=[second.pk])
    response = author.client().post(url, {"reason": "   "})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Say why you decline it" in html and 'aria-invalid="true"' in html
    second.refresh_from_db()
    assert second.state == Suggestion.State.PROPOSED
    assert author.client().get(url).status_code == 200


def test_a_decided_suggestion_is_not_decided_again(suggested, author, admin):
    first, _second, _draft = suggested
    author.client().post(reverse("approvals:accept_suggestion", args=[first.pk]))
    response = admin.client().post(
        reverse("approvals:decline_suggestion", args=[first.pk]), {"reason": "Too late"}
    )
    assert response.status_code == 400
    assert "Accepted by Arthur Author." in response.content.decode()


def test_anonymous_reviewers_and_outsiders(client, suggested, legal, employee, outsider_all):
    first, _second, _draft = suggested
    accept = reverse("approvals:accept_suggestion", args=[first.pk])
    decline = reverse("approvals:decline_suggestion", args=[first.pk])
    assert client.post(accept).status_code == 302
    assert legal.client().post(accept).status_code == 403
    assert employee.client().get(decline).status_code == 403
    assert outsider_all.client().post(accept).status_code == 404
    assert outsider_all.client().get(decline).status_code == 404
    first.refresh_from_db()
    assert first.state == Suggestion.State.PROPOSED


@pytest.mark.parametrize("count", [1, 12])
def test_wizard_step_queries_stay_bounded_with_suggestions(
    review, legal, author, count, django_assert_max_num_queries
):
    words = ["online as much as on the unit", QUOTE, "Protecting patient information"]
    for i in range(count):
        suggestions.propose(
            review=review,
            by=legal.user,
            membership=legal.membership,
            section_key="privacy",
            quote=words[i % len(words)],
            replacement=f"new words {i}",
        )
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="See suggestions."
    )
    draft = services.start_revision(review=review, by=author.user, membership=author.membership)
    client = author.client()
    client.get(step(draft))
    with django_assert_max_num_queries(22):
        response = client.get(step(draft))
    assert response.content.decode().count('data-testid="wizard-suggestion"') == count


def test_the_submit_page_lists_pending_suggestions(suggested, author):
    _first, _second, draft = suggested
    html = author.client().get(reverse("approvals:submit", args=[draft.guideline_id])).content
    text = html.decode()
    assert "2 suggested edits still waiting" in text
    assert "Submitting now closes them as outdated" in text
