"""Suggested edits: proposed by the route's reviewers on the version under review, accepted into
the draft through the wizard's own save, or declined with a reason; closed when a version is
frozen with them still pending."""

from __future__ import annotations

import pytest

from accounts.models import Notification
from approvals import services, suggestions, workflow
from approvals.models import ReviewRequest, Suggestion
from audit.models import AuditEvent
from guidelines.models import Draft, DraftSection
from guidelines.services import save_section

QUOTE = "part of everyone's job"


def propose(review, persona, quote=QUOTE, replacement="a duty of everyone", **kwargs):
    return suggestions.propose(
        review=review,
        by=persona.user,
        membership=persona.membership,
        section_key=kwargs.pop("section_key", "privacy"),
        quote=quote,
        replacement=replacement,
        **kwargs,
    )


def revise(review, legal, author) -> Draft:
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="See suggestions."
    )
    return services.start_revision(review=review, by=author.user, membership=author.membership)


def privacy(draft: Draft) -> DraftSection:
    return DraftSection.objects.get(draft=draft, key="privacy")


def test_a_reviewer_suggests_words_of_the_version_with_their_context(review, legal):
    suggestion = propose(review, legal)
    assert suggestion.state == Suggestion.State.PROPOSED
    assert suggestion.version_number == 1 and suggestion.author_role == "Legal reviewer"
    assert suggestion.prefix.endswith("Protecting patient information is ")
    assert suggestion.suffix.startswith(" at ")
    event = AuditEvent.objects.get(action="approvals.suggestion.proposed")
    assert event.details["quote"] == QUOTE


def test_the_author_is_told_of_a_suggestion(
    review, legal, author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = propose(review, legal)
    notice = Notification.objects.get(user=author.user)
    assert f"#suggestion-{suggestion.pk}" in notice.url


@pytest.mark.parametrize(
    ("quote", "message"),
    [
        ("words nobody wrote", "not in “Confidentiality, compliance and privacy” as written"),
        ("patient", "appear more than once"),
        ("", "Select or copy the words"),
    ],
)
def test_words_that_are_not_there_once_are_refused(review, legal, quote, message):
    with pytest.raises(suggestions.SuggestionError, match=message):
        propose(review, legal, quote=quote)
    assert not Suggestion.objects.exists()


def test_the_same_words_are_no_suggestion(review, legal):
    with pytest.raises(suggestions.SuggestionError, match="same as the quoted"):
        propose(review, legal, replacement=QUOTE)


def test_only_reviewers_of_the_route_suggest(review, author, admin, employee):
    for persona in (author, admin, employee):
        with pytest.raises(suggestions.SuggestRefused):
            propose(review, persona)


def test_no_suggestions_once_the_review_is_finished(review, legal):
    workflow.request_changes(
        review=review, by=legal.user, membership=legal.membership, comment="Not yet."
    )
    with pytest.raises(suggestions.SuggestionError, match="finished"):
        propose(ReviewRequest.objects.get(pk=review.pk), legal)


def test_accepting_saves_the_words_into_the_draft_as_a_revision(review, legal, author):
    suggestion = propose(review, legal)
    draft = revise(review, legal, author)
    before = privacy(draft)
    done = suggestions.accept(suggestion=suggestion, by=author.user, membership=author.membership)
    after = privacy(draft)
    assert done.state == Suggestion.State.ACCEPTED
    assert "a duty of everyone at Riverside" in after.data["body"]
    assert QUOTE not in after.data["body"]
    assert after.revision == before.revision + 1 == done.draft_revision
    assert done.draft == draft and done.decided_by == author.user
    latest = DraftSection.history.filter(id=after.pk).order_by("-history_id").first()
    assert latest.history_change_reason == "suggestion by Lee Legal accepted"
    assert latest.history_user == author.user
    assert AuditEvent.objects.filter(action="guidelines.section.saved").exists()


def test_accepting_after_other_edits_finds_the_words_by_their_context(review, legal, author):
    suggestion = propose(review, legal)
    draft = revise(review, legal, author)
    row = privacy(draft)
    edited = "A new first paragraph.\n\n" + row.data["body"]
    save_section(
        draft=draft, key="privacy", data={"body": edited}, revision=row.revision, by=author.user
    )
    done = suggestions.accept(suggestion=suggestion, by=author.user, membership=author.membership)
    body = privacy(draft).data["body"]
    assert done.state == Suggestion.State.ACCEPTED
    assert body.startswith("A new first paragraph.") and "a duty of everyone" in body


def test_words_changed_since_make_the_suggestion_outdated_not_an_overwrite(review, legal, author):
    suggestion = propose(review, legal)
    draft = revise(review, legal, author)
    row = privacy(draft)
    body = row.data["body"].replace(QUOTE, "the job of everyone")
    save_section(
        draft=draft, key="privacy", data={"body": body}, revision=row.revision, by=author.user
    )
    revision = privacy(draft).revision
    done = suggestions.accept(suggestion=suggestion, by=author.user, membership=author.membership)
    assert done.state == Suggestion.State.OUTDATED
    assert "no longer in the draft" in done.reason
    assert privacy(draft).data["body"] == body and privacy(draft).revision == revision


def test_declining_needs_a_reason_and_leaves_the_draft_alone(review, legal, author):
    suggestion = propose(review, legal)
    draft = revise(review, legal, author)
    before = privacy(draft)
    with pytest.raises(suggestions.SuggestionError, match="Say why"):
        suggestions.decline(
            suggestion=suggestion, by=author.user, membership=author.membership, reason="  "
        )
    done = suggestions.decline(
        suggestion=suggestion,
        by=author.user,
        membership=author.membership,
        reason="Our policy says job.",
    )
    assert done.state == Suggestion.State.DECLINED and done.reason == "Our policy says job."
    assert privacy(draft).revision == before.revision
    with pytest.raises(suggestions.SuggestionError, match="already declined"):
        suggestions.accept(suggestion=done, by=author.user, membership=author.membership)


def test_the_reviewer_hears_the_decision(review, legal, author, django_capture_on_commit_callbacks):
    suggestion = propose(review, legal)
    revise(review, legal, author)
    with django_capture_on_commit_callbacks(execute=True):
        suggestions.decline(
            suggestion=suggestion, by=author.user, membership=author.membership, reason="No."
        )
    notice = Notification.objects.filter(user=legal.user).latest("pk")
    assert "was declined" in notice.message and "No." in notice.message


def test_only_authors_and_admins_decide(review, legal, compliance, author):
    suggestion = propose(review, legal)
    revise(review, legal, author)
    for persona in (legal, compliance):
        with pytest.raises(suggestions.DecisionRefused):
            suggestions.accept(
                suggestion=suggestion, by=persona.user, membership=persona.membership
            )


def test_accepting_needs_a_draft_being_revised(review, legal, author):
    suggestion = propose(review, legal)
    with pytest.raises(suggestions.SuggestionError, match="no draft being revised"):
        suggestions.accept(suggestion=suggestion, by=author.user, membership=author.membership)


def test_freezing_closes_pending_suggestions_so_a_signature_never_meets_one(
    review, legal, author, compliance
):
    taken = propose(review, legal)
    left = propose(review, legal, quote="online as much as on the unit", replacement="online too")
    draft = revise(review, legal, author)
    suggestions.accept(suggestion=taken, by=author.user, membership=author.membership)
    second = workflow.submit(
        draft=draft, by=author.user, membership=author.membership, change_summary="Suggestions"
    )
    left.refresh_from_db()
    assert left.state == Suggestion.State.OUTDATED
    assert left.reason == "Not decided before version 2 was submitted."
    assert not suggestions.pending(review.guideline_id).exists()
    assert "a duty of everyone" in second.version.content["privacy"]["body"]
