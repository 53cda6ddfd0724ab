"""Whoever saved any part of a draft never reviews the version it became, and is told why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from approvals import workflow
from approvals.models import ReviewRequest, Signature
from approvals.selectors import stage_holders
from approvals.workflow import WorkflowError, authorship_refusal
from guidelines import services
from guidelines.models import Draft, FrozenVersionError, Version
from guidelines.sections import SECTIONS_BY_KEY
from tests.conftest import make_persona
from tests.factories import PASSWORD, confirm_draft_facts

from .conftest import Rule, set_rule, sign


def _edit(draft, key, persona, text="Edited by a co-author."):
    """``persona`` saves ``key`` through the editor's service, as the wizard does."""
    row = draft.sections.get(key=key)
    data = {**row.data, "body": f"{row.data['body']}\n\n{text}"}
    services.save_section(draft=draft, key=key, data=data, revision=row.revision, by=persona.user)


@pytest.fixture
def co_author(legal):
    """Legal also holds the author role, so can both edit drafts and review them."""
    Membership.objects.filter(pk=legal.membership.pk).update(is_author=True)
    legal.membership.refresh_from_db()
    return legal


def test_reviewer_who_edited_a_section_cannot_sign_and_is_told_which(
    route, draft, submit, co_author, compliance
):
    _edit(draft, "privacy", co_author)
    review = submit(draft)
    with pytest.raises(WorkflowError) as refused:
        sign(review, co_author)
    title = SECTIONS_BY_KEY["privacy"].title
    assert str(refused.value) == (
        f"You edited the “{title}” section of this version's draft, so you cannot sign off "
        "it: someone else must review it."
    )
    assert not Signature.objects.exists()


def test_reviewer_who_edited_cannot_request_changes_either(
    route, draft, submit, co_author, compliance
):
    _edit(draft, "privacy", co_author)
    review = submit(draft)
    with pytest.raises(WorkflowError, match="You edited the “"):
        workflow.request_changes(
            review=review, by=co_author.user, membership=co_author.membership, comment="Fix it."
        )


def test_an_edit_later_overwritten_still_counts(route, draft, submit, co_author, author):
    _edit(draft, "privacy", co_author, "Legal's wording.")
    _edit(draft, "privacy", author, "The author's wording instead.")
    review = submit(draft)
    with pytest.raises(WorkflowError, match="You edited the “"):
        workflow.check_can_sign(
            ReviewRequest.objects.get(pk=review.pk), co_author.membership, signer_ids=[]
        )


def test_whoever_edited_the_quiz_cannot_sign(route, draft, submit, co_author):
    quiz = [{"question": "May you post a patient's photo?", "choices": ["Yes", "No"], "answer": 1}]
    services.save_quiz(draft=draft, quiz=quiz, by=co_author.user)
    review = submit(draft)
    with pytest.raises(WorkflowError, match="You edited the quiz of this version's draft"):
        sign(review, co_author)


def test_the_version_records_every_contributor_and_their_parts(
    route, draft, submit, co_author, author
):
    _edit(draft, "privacy", co_author)
    _edit(draft, "scope", co_author)
    _edit(draft, "scope", author)
    review = submit(draft)
    assert review.version.contributors == {
        str(author.user.pk): ["draft", "scope"],  # the author started the draft
        str(co_author.user.pk): ["privacy", "scope"],
    }
    with pytest.raises(FrozenVersionError):
        Version.objects.filter(pk=review.version.pk).update(contributors={})


def test_the_person_who_started_the_draft_cannot_sign(route, guideline, org, legal_role):
    starter_reviewer = make_persona(
        org, "both@riverside.test", "Bo Both", roles=(legal_role,), is_author=True
    )
    submitter = make_persona(org, "sub@riverside.test", "Sue Submit", is_author=True)
    draft = services.start_draft(
        guideline=guideline, by=starter_reviewer.user, start=Draft.Start.TEMPLATE
    )
    confirm_draft_facts(draft, submitter.user)
    review = workflow.submit(
        draft=draft, by=submitter.user, membership=submitter.membership, change_summary="v1"
    )
    refusal = authorship_refusal(review, starter_reviewer.user.pk, "sign off")
    assert refusal is not None and refusal.startswith("You started this version's draft")


def test_a_reviewer_who_only_read_the_draft_still_signs(route, draft, submit, co_author, org):
    other_legal = make_persona(
        org,
        "legal2@riverside.test",
        "Lou Legal",
        roles=tuple(co_author.membership.reviewer_roles.all()),
    )
    _edit(draft, "privacy", co_author)
    review = submit(draft)
    assert sign(review, other_legal).signer == other_legal.user


def test_contributors_do_not_count_towards_an_all_stage(route, draft, submit, co_author, org):
    set_rule(route, 1, Rule.ALL)
    other_legal = make_persona(
        org,
        "legal2@riverside.test",
        "Lou Legal",
        roles=tuple(co_author.membership.reviewer_roles.all()),
    )
    _edit(draft, "privacy", co_author)
    review = submit(draft)
    holders = {m.user_id for m in stage_holders(review, review.current_stage)}
    assert holders == {other_legal.user.pk}
    sign(review, other_legal)
    assert ReviewRequest.objects.get(pk=review.pk).stage_index == 1  # Legal stage met


def test_review_page_tells_the_co_author_why_and_signing_is_refused(
    route, draft, submit, co_author, compliance
):
    _edit(draft, "privacy", co_author)
    review = submit(draft)
    client = co_author.client()
    html = client.get(reverse("approvals:review", args=[review.pk])).content.decode()
    assert 'data-testid="sign-off-form"' not in html
    assert "You edited the" in html
    response = client.post(reverse("approvals:sign_off", args=[review.pk]), {"password": PASSWORD})
    assert response.status_code in (400, 403)
    assert not Signature.objects.exists()


def test_authorship_refusal_is_a_pure_question():
    version = Version(
        created_by_id=1, contributors={"2": ["privacy"], "3": ["quiz"], "4": ["draft"]}
    )
    review = ReviewRequest(version=version, submitted_by_id=1)

    def refusal(user_id: int) -> str:
        reason = authorship_refusal(review, user_id, "sign off")
        assert reason is not None
        return reason

    assert refusal(1).startswith("You submitted this version")
    assert "the “" in refusal(2)
    assert "the quiz" in refusal(3)
    assert refusal(4).startswith("You started")
    assert authorship_refusal(review, 5, "sign off") is None
