"""A reviewer's or author's notice about a piece of work clears when that work is done."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Notification
from approvals import services, workflow
from approvals.models import ReviewRequest
from guidelines.models import Version
from publishing import services as publishing
from tests.conftest import make_persona

from .conftest import Rule, set_rule, sign

Work = Notification.Work


def _notice(persona, work):
    return Notification.objects.get(user=persona.user, work=work)


def _open(persona) -> int:
    """What the navigation counts for this person."""
    return Notification.objects.filter(user=persona.user, read_at=None).count()


def test_review_waiting_clears_for_the_signer_and_the_next_stage_is_asked(
    route, draft, submit, legal, compliance, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = submit(draft)
    assert _notice(legal, Work.REVIEW).done_at is None
    assert _open(legal) == 1
    with django_capture_on_commit_callbacks(execute=True):
        sign(review, legal)
    notice = _notice(legal, Work.REVIEW)
    assert notice.done_at is not None and notice.read_at is not None
    assert _open(legal) == 0
    assert _notice(compliance, Work.REVIEW).done_at is None


def test_one_signer_of_a_stage_that_needs_everyone_clears_only_their_own_notice(
    route, draft, submit, org, legal, legal_role, compliance, django_capture_on_commit_callbacks
):
    set_rule(route, 1, Rule.ALL)
    second = make_persona(org, "lee@riverside.test", "Lee Second", roles=(legal_role,))
    with django_capture_on_commit_callbacks(execute=True):
        review = submit(draft)
    sign(review, legal)
    assert _notice(legal, Work.REVIEW).done_at is not None
    assert _notice(second, Work.REVIEW).done_at is None
    sign(review, second)
    assert _notice(second, Work.REVIEW).done_at is not None


def test_a_review_closed_by_someone_else_clears_every_reviewer_notice(
    route, draft, submit, org, legal, legal_role, compliance, django_capture_on_commit_callbacks
):
    other = make_persona(org, "lee@riverside.test", "Lee Second", roles=(legal_role,))
    with django_capture_on_commit_callbacks(execute=True):
        review = submit(draft)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            review=review,
            by=legal.user,
            membership=legal.membership,
            comment="Add the consent form",
        )
    assert _notice(other, Work.REVIEW).done_at is not None
    assert _open(other) == 0


def test_withdrawing_clears_the_reviewers_notices(
    route, draft, submit, legal, author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review = submit(draft)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(
            review=review, by=author.user, membership=author.membership, reason="Wrong draft"
        )
    assert _notice(legal, Work.REVIEW).done_at is not None
    # The news that it was withdrawn is new; the request to review is not.
    assert Notification.objects.get(user=legal.user, work=Work.NONE).read_at is None


def test_changes_requested_clears_when_the_author_resubmits(
    review, legal, author, submit, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            review=review,
            by=legal.user,
            membership=legal.membership,
            comment="Add the consent form",
        )
    asked = _notice(author, Work.REVISE)
    assert asked.done_at is None
    draft = services.start_revision(review=review, by=author.user, membership=author.membership)
    assert Notification.objects.get(pk=asked.pk).done_at is None  # revising is not resubmitting
    with django_capture_on_commit_callbacks(execute=True):
        submit(draft, summary="Consent form added")
    assert Notification.objects.get(pk=asked.pk).done_at is not None
    assert ReviewRequest.objects.filter(status=ReviewRequest.Status.OPEN).count() == 1


def test_ready_to_publish_clears_for_every_admin_when_one_publishes(
    review, org, legal, compliance, admin, django_capture_on_commit_callbacks
):
    second = make_persona(org, "ada@riverside.test", "Ada Second", is_admin=True)
    with django_capture_on_commit_callbacks(execute=True):
        sign(review, legal)
        sign(review, compliance)
    assert _notice(admin, Work.PUBLISH).done_at is None
    assert _notice(second, Work.PUBLISH).done_at is None
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(
            version=Version.objects.get(pk=review.version_id),
            by=admin.user,
            effective_date=today,
            requires_acknowledgement=True,
            due_date=today + dt.timedelta(days=14),
        )
    assert _notice(admin, Work.PUBLISH).done_at is not None
    assert _notice(second, Work.PUBLISH).done_at is not None
