"""The one door through which a review's status, and its version's review status, change.

Every action has the same shape: ask the pure permission and state questions first (so a
refusal records nothing), then lock the review row, ask again on the locked row (so two
people acting at the same moment cannot both win), save, write the audit event, and send
e-mails and in-app notifications only once the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import can_edit_drafts
from accounts.factors import idp_mfa, signer_factor
from accounts.models import Membership, Role, User
from accounts.notify import About, Work, guideline_subject, resolve, review_subject
from accounts.reauth import PasswordRefused, confirm_password
from accounts.twofactor.services import has_device, verify_code
from audit.services import record
from guidelines.completeness import failing_checks
from guidelines.models import Draft, Guideline, Version
from guidelines.schema import content_hash
from guidelines.sections import SECTIONS_BY_KEY
from guidelines.services import QUIZ_PART, STARTED_PART, GuidelineError, freeze_draft
from guidelines.status import VersionStatusError, move
from sso import reauth

from . import notify, suggestions
from .models import ApprovalRoute, Decision, ReviewRequest, Rule, Signature
from .selectors import author_ids, stage_holders

Status = ReviewRequest.Status


class WorkflowError(Exception):
    """A refused review action, with a message written for the person who tried it."""


class Action(models.TextChoices):
    SUBMIT = "submit", "Submit for review"
    SIGN = "sign", "Sign off"
    REQUEST_CHANGES = "request_changes", "Request changes"
    WITHDRAW = "withdraw", "Withdraw"


# (status before, action) -> the statuses the action may lead to. ``None`` stands for "this
# guideline has no open review". Anything not listed is refused.
TRANSITIONS: Mapping[tuple[str | None, str], frozenset[str]] = {
    (None, Action.SUBMIT): frozenset({Status.OPEN}),
    (Status.OPEN, Action.SIGN): frozenset({Status.OPEN, Status.APPROVED}),
    (Status.OPEN, Action.REQUEST_CHANGES): frozenset({Status.CHANGES_REQUESTED}),
    (Status.OPEN, Action.WITHDRAW): frozenset({Status.WITHDRAWN}),
}

# What the version under review shows while, and after, it is reviewed.
VERSION_STATUS: Mapping[str, str] = {
    Status.OPEN: Version.Status.IN_REVIEW,
    Status.APPROVED: Version.Status.APPROVED,
    Status.CHANGES_REQUESTED: Version.Status.CHANGES_REQUESTED,
    Status.WITHDRAWN: Version.Status.WITHDRAWN,
}

_REFUSED: Mapping[str | None, str] = {
    None: "There is no review under way for this version.",
    Status.OPEN: "This guideline already has a review under way; finish or withdraw it first.",
    Status.APPROVED: "This review is finished: the version was approved.",
    Status.CHANGES_REQUESTED: "This review is finished: changes were requested.",
    Status.WITHDRAWN: "This review is finished: it was withdrawn.",
}


def allowed(status: str | None, action: str) -> frozenset[str]:
    """The statuses ``action`` may lead to from ``status`` (empty when it is refused)."""
    return TRANSITIONS.get((status, action), frozenset())


def check_transition(status: str | None, action: str, target: str | None = None) -> None:
    targets = allowed(status, action)
    if not targets or (target is not None and target not in targets):
        raise WorkflowError(_REFUSED.get(status, "That is not possible at this point."))


# --- pure permission questions ---------------------------------------------------------------


def _check_member(review: ReviewRequest, membership: Membership | None) -> Membership:
    if (
        membership is None
        or not membership.is_active
        or membership.organization_id != review.guideline.organization_id
    ):
        raise WorkflowError("You are not a member of this institution.")
    return membership


def _part_names(parts: Iterable[str]) -> str:
    """Parts of a draft in words: 'the "Privacy" section', 'the quiz', joined with "and"."""
    names = []
    sections = [SECTIONS_BY_KEY[p].title for p in parts if p in SECTIONS_BY_KEY]
    if sections:
        quoted = [f"“{title}”" for title in sections]
        listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
        names.append(f"the {listed} section{'s' if len(quoted) > 1 else ''}")
    if QUIZ_PART in parts:
        names.append("the quiz")
    return " and ".join(names)


def authorship_refusal(review: ReviewRequest, user_id: int, verb: str) -> str | None:
    """Why this person may not review the version because they wrote part of it, or None.

    Everyone who saved any part of the draft is excluded, not only the submitter: a reviewer
    who co-wrote a section would otherwise approve their own words.
    """
    parts = review.version.contributors.get(str(user_id), [])
    if user_id == review.submitted_by_id or user_id == review.version.created_by_id:
        return (
            f"You submitted this version, so you cannot {verb} it: another person must review it."
        )
    edited = _part_names(parts)
    if edited:
        return (
            f"You edited {edited} of this version's draft, so you cannot {verb} it: "
            "someone else must review it."
        )
    if STARTED_PART in parts:
        return (
            f"You started this version's draft, so you cannot {verb} it: "
            "someone else must review it."
        )
    if user_id in author_ids(review):
        return f"You wrote this version, so you cannot {verb} it: another person must review it."
    return None


def _check_turn(review: ReviewRequest, membership: Membership, verb: str) -> dict[str, Any]:
    """The reviewer must hold the role of the stage the review is at now."""
    stage = review.current_stage
    assert stage is not None  # the caller checked the review is open
    refusal = authorship_refusal(review, membership.user_id, verb)
    if refusal:
        raise WorkflowError(refusal)
    if stage["role_id"] in membership.reviewer_role_ids:
        return stage
    mine = [i for i, s in enumerate(review.route) if s["role_id"] in membership.reviewer_role_ids]
    where = (
        f"the review is at the {stage['role_name']} stage "
        f"(stage {review.stage_index + 1} of {len(review.route)})"
    )
    if any(i > review.stage_index for i in mine):
        raise WorkflowError(f"It is not your turn yet: {where}.")
    if mine:
        raise WorkflowError(f"Your stage is finished: {where}.")
    raise WorkflowError(f"Only {stage['role_name']} reviewers can {verb} at this stage.")


def check_can_sign(
    review: ReviewRequest, membership: Membership | None, signer_ids: Iterable[int]
) -> dict[str, Any]:
    """Refuse unless this member may sign now; returns the stage they sign for."""
    member = _check_member(review, membership)
    check_transition(review.status, Action.SIGN)
    stage = _check_turn(review, member, "sign off")
    if member.user_id in set(signer_ids):
        raise WorkflowError("You have already signed this review; each person signs once.")
    return stage


def check_can_request_changes(
    review: ReviewRequest, membership: Membership | None, signer_ids: Iterable[int]
) -> dict[str, Any]:
    member = _check_member(review, membership)
    check_transition(review.status, Action.REQUEST_CHANGES)
    stage = _check_turn(review, member, "request changes on")
    if member.user_id in set(signer_ids):
        raise WorkflowError("You have already signed this review; your signature stands.")
    return stage


def check_can_withdraw(review: ReviewRequest, membership: Membership | None) -> None:
    member = _check_member(review, membership)
    check_transition(review.status, Action.WITHDRAW)
    if member.user_id not in author_ids(review) and not member.has_role(Role.ADMIN):
        raise WorkflowError("Only the version's author or an institution admin can withdraw it.")


def check_can_submit(guideline: Guideline, membership: Membership | None) -> None:
    if (
        membership is None
        or not membership.is_active
        or membership.organization_id != guideline.organization_id
    ):
        raise WorkflowError("You are not a member of this institution.")
    if not can_edit_drafts(membership):
        raise WorkflowError("Only social media managers and admins can submit for review.")


def can_withdraw(review: ReviewRequest, membership: Membership | None) -> bool:
    try:
        check_can_withdraw(review, membership)
    except WorkflowError:
        return False
    return True


def stage_met(stage: Mapping[str, Any], signer_ids: set[int], holder_ids: set[int]) -> bool:
    """Whether a stage's rule is satisfied by these signers, given who holds the role now.

    "All" means every current eligible holder (the version's author is never eligible);
    nobody can satisfy a stage without at least one signature.
    """
    if not signer_ids:
        return False
    rule = stage["rule"]
    if rule == Rule.ANY:
        return True
    if rule == Rule.QUORUM:
        return len(signer_ids) >= max(1, int(stage["quorum"]))
    if rule == Rule.ALL:
        return holder_ids <= signer_ids
    raise ValueError(f"unknown rule {rule!r}")


# --- the one place statuses change ---------------------------------------------------------


def _set_status(review: ReviewRequest, action: str, status: str, comment: str = "") -> None:
    check_transition(review.status, action, status)
    if status != Status.OPEN:
        review.closed_at = timezone.now()
        review.closing_comment = comment
    review.status = status
    review.save(update_fields=["status", "closed_at", "closing_comment"])
    try:
        move(review.version, to=VERSION_STATUS[status])
    except VersionStatusError as exc:
        raise WorkflowError(str(exc)) from exc


def _start_stage(review: ReviewRequest, index: int) -> None:
    now = timezone.now()
    review.stage_index = index
    review.stage_started_at = now
    review.stage_due_at = now + timedelta(days=int(review.route[index]["due_days"]))


def _lock(review: ReviewRequest) -> ReviewRequest:
    return (
        ReviewRequest.objects.select_for_update()
        .select_related("guideline__organization", "version")
        .get(pk=review.pk)
    )


# --- actions ---------------------------------------------------------------------------------


def submit(
    *,
    draft: Draft,
    by: User,
    membership: Membership | None,
    change_summary: str,
    request: HttpRequest | None = None,
) -> ReviewRequest:
    """Freeze the open draft into the next version and start its review at stage one."""
    guideline = draft.guideline
    check_can_submit(guideline, membership)
    if not draft.is_open:
        raise WorkflowError("This draft was already submitted.")
    if not change_summary.strip():
        raise WorkflowError("Write a change summary: reviewers read it first.")
    failing = failing_checks(draft.content(), guideline.organization.jurisdiction)
    if failing:
        raise WorkflowError(
            f"{len(failing)} required check{'s' if len(failing) != 1 else ''} still "
            f"fail{'s' if len(failing) == 1 else ''}. First: {failing[0]}"
        )
    route = ApprovalRoute.objects.filter(organization_id=guideline.organization_id).first()
    snapshot = route.snapshot() if route is not None else []
    if not snapshot:
        raise WorkflowError(
            "No approval route is set up yet: an institution admin must add at least one stage."
        )
    with transaction.atomic():
        Guideline.objects.select_for_update().get(pk=guideline.pk)
        has_open = ReviewRequest.objects.filter(guideline=guideline, status=Status.OPEN).exists()
        check_transition(Status.OPEN if has_open else None, Action.SUBMIT, Status.OPEN)
        try:
            version = freeze_draft(
                draft=draft, by=by, change_summary=change_summary, request=request
            )
        except GuidelineError as exc:
            raise WorkflowError(str(exc)) from exc
        # Suggested edits nobody took into this version are closed: reviewers sign the frozen
        # text as it stands, never a text with changes still pending inside it.
        suggestions.close_on_freeze(
            guideline=guideline, number=version.number, by=by, request=request
        )
        review = ReviewRequest(
            guideline=guideline, version=version, route=snapshot, submitted_by=by
        )
        _start_stage(review, 0)
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError as exc:  # the database's own guard: one open review
            raise WorkflowError(_REFUSED[Status.OPEN]) from exc
        # The new version answers the changes requested of the last one.
        resolve(About(Work.REVISE, guideline_subject(guideline.pk)))
        record(
            "approvals.review.submitted",
            actor=by,
            organization=guideline.organization,
            obj=review,
            guideline_id=guideline.pk,
            details={
                "guideline": guideline.title,
                "version": version.number,
                "content_hash": version.content_hash,
                "route": [s["role_name"] for s in snapshot],
            },
            request=request,
        )
        transaction.on_commit(lambda: notify.stage_started(review.pk))
    return review


def sign_off(
    *,
    review: ReviewRequest,
    by: User,
    membership: Membership | None,
    password: str,
    otp_token: str = "",
    request: HttpRequest | None = None,
    provider_proof: reauth.Proof | None = None,
) -> Signature:
    """Record the signer's signature over the version's exact text; advance or approve.

    The signer proves who they are with their password, or with ``provider_proof``: a fresh
    sign-in at their institution's identity provider moments ago (taken from the session)."""
    check_can_sign(review, membership, review.signatures.values_list("signer_id", flat=True))
    if provider_proof is None:
        try:
            confirm_password(
                user=by,
                password=password,
                request=request,
                wrong="That password is not correct. Nothing was signed.",
            )
        except PasswordRefused as exc:
            raise WorkflowError(str(exc)) from exc
    elif provider_proof.user_id != by.pk:
        raise WorkflowError("The confirmation belongs to someone else. Nothing was signed.")
    used_second_factor = verify_second_factor(
        user=by, review=review, token=otp_token, request=request, provider_proof=provider_proof
    )
    factor: str
    if provider_proof is not None:
        factor = "idp_mfa" if provider_proof.mfa else "idp"
    else:
        # A code checked just now is the authenticator; otherwise what proved the session.
        factor = signer_factor(request)
        if used_second_factor and factor == "password":
            factor = "totp"
    with transaction.atomic():
        locked = _lock(review)
        signatures = list(locked.signatures.all())
        stage = check_can_sign(locked, membership, [s.signer_id for s in signatures])
        version = locked.version
        digest = content_hash(version.content)
        if digest != version.content_hash:
            raise WorkflowError(
                "This version's text no longer matches its fingerprint; it cannot be signed. "
                "Tell an institution admin."
            )
        signature = Signature.objects.create(
            review=locked,
            version=version,
            stage_index=locked.stage_index,
            signer=by,
            printed_name=by.full_name or by.email,
            role_name=stage["role_name"],
            meaning=f"Approved — {stage['role_name']} review",
            content_hash=digest,
            signed_at=timezone.now(),
            used_second_factor=used_second_factor,
            factor=factor,
        )
        org = locked.guideline.organization
        record(
            "approvals.review.signed_off",
            actor=by,
            organization=org,
            obj=locked,
            guideline_id=locked.guideline_id,
            details={
                "guideline": locked.guideline.title,
                "version": version.number,
                "stage": locked.stage_index + 1,
                "role": stage["role_name"],
                "meaning": signature.meaning,
                "content_hash": digest,
                "second_factor": used_second_factor,
                "factor": factor,
                **(
                    {
                        "provider": provider_proof.provider,
                        "provider_mfa": provider_proof.mfa,
                        "provider_signed_in_at": int(provider_proof.at),
                    }
                    if provider_proof is not None
                    else {}
                ),
            },
            request=request,
        )
        signed_here = {s.signer_id for s in signatures if s.stage_index == locked.stage_index}
        signed_here.add(by.pk)
        holders = {m.user_id for m in stage_holders(locked, stage)}
        awaiting = About(Work.REVIEW, review_subject(locked.pk))
        if stage_met(stage, signed_here, holders):
            # The stage is over: nobody else in it is still waited for.
            resolve(awaiting)
            if locked.stage_index + 1 < len(locked.route):
                _start_stage(locked, locked.stage_index + 1)
                locked.save(update_fields=["stage_index", "stage_started_at", "stage_due_at"])
                nxt = locked.current_stage or {}
                record(
                    "approvals.review.stage_started",
                    actor=by,
                    organization=org,
                    obj=locked,
                    guideline_id=locked.guideline_id,
                    details={"stage": locked.stage_index + 1, "role": nxt.get("role_name")},
                    request=request,
                )
                transaction.on_commit(lambda: notify.stage_started(locked.pk))
            else:
                _set_status(locked, Action.SIGN, Status.APPROVED)
                record(
                    "approvals.review.approved",
                    actor=by,
                    organization=org,
                    obj=locked,
                    guideline_id=locked.guideline_id,
                    details={"version": version.number, "content_hash": digest},
                    request=request,
                )
                transaction.on_commit(lambda: notify.approved(locked.pk))
        else:
            resolve(awaiting, user_ids=[by.pk])
    review.refresh_from_db()
    return signature


def _close(
    locked: ReviewRequest,
    *,
    by: User,
    kind: str,
    action: str,
    status: str,
    text: str,
    event: str,
    details: dict[str, Any],
    request: HttpRequest | None,
) -> Decision:
    """End a locked review with a decision (changes requested, withdrawn): record the
    decision and the new status, audit it, and tell everyone involved once committed."""
    decision = Decision.objects.create(
        review=locked, kind=kind, stage_index=locked.stage_index, actor=by, comment=text
    )
    _set_status(locked, action, status, text)
    resolve(About(Work.REVIEW, review_subject(locked.pk)))
    record(
        event,
        actor=by,
        organization=locked.guideline.organization,
        obj=locked,
        guideline_id=locked.guideline_id,
        details={"version": locked.version.number, **details},
        request=request,
    )
    transaction.on_commit(lambda: notify.closed(locked.pk))
    return decision


def request_changes(
    *,
    review: ReviewRequest,
    by: User,
    membership: Membership | None,
    comment: str,
    request: HttpRequest | None = None,
) -> Decision:
    """End the review as "changes requested"; the author revises and submits a new version."""
    comment = comment.strip()
    check_can_request_changes(
        review, membership, review.signatures.values_list("signer_id", flat=True)
    )
    if not comment:
        raise WorkflowError("Write what needs to change: the author reads your comment first.")
    with transaction.atomic():
        locked = _lock(review)
        check_can_request_changes(
            locked, membership, locked.signatures.values_list("signer_id", flat=True)
        )
        decision = _close(
            locked,
            by=by,
            kind=Decision.Kind.CHANGES_REQUESTED,
            action=Action.REQUEST_CHANGES,
            status=Status.CHANGES_REQUESTED,
            text=comment,
            event="approvals.review.changes_requested",
            details={"stage": locked.stage_index + 1, "comment": comment},
            request=request,
        )
    review.refresh_from_db()
    return decision


def withdraw(
    *,
    review: ReviewRequest,
    by: User,
    membership: Membership | None,
    reason: str,
    request: HttpRequest | None = None,
) -> Decision:
    """The author or an admin takes the version out of review (a reason is required)."""
    reason = reason.strip()
    check_can_withdraw(review, membership)
    if not reason:
        raise WorkflowError("Give a reason: the reviewers are told why they can stop.")
    with transaction.atomic():
        locked = _lock(review)
        check_can_withdraw(locked, membership)
        decision = _close(
            locked,
            by=by,
            kind=Decision.Kind.WITHDRAWN,
            action=Action.WITHDRAW,
            status=Status.WITHDRAWN,
            text=reason,
            event="approvals.review.withdrawn",
            details={"reason": reason},
            request=request,
        )
    review.refresh_from_db()
    return decision


# --- second factor ---------------------------------------------------------------------------


def second_factor_required(
    review: ReviewRequest,
    user: User | None = None,
    request: HttpRequest | None = None,
    provider_proof: reauth.Proof | None = None,
) -> bool:
    """Signing needs a code when the institution requires two-factor for reviewers, or when
    the signer has enrolled an authenticator: two distinct identification components. A
    sign-in whose identity provider did multi-factor authentication already has both."""
    if idp_mfa(request) is not None or (provider_proof is not None and provider_proof.mfa):
        return False
    organization = review.guideline.organization
    if organization.require_reviewer_2fa or organization.require_signer_second_factor:
        return True
    return user is not None and has_device(user)


def verify_second_factor(
    *,
    user: User,
    review: ReviewRequest,
    token: str,
    request: HttpRequest | None = None,
    provider_proof: reauth.Proof | None = None,
) -> bool:
    """Check the signer's authenticator (or recovery) code where one is needed.

    Returns whether a second factor was used, which the signature records.
    """
    if idp_mfa(request) is not None or (provider_proof is not None and provider_proof.mfa):
        return True
    if not second_factor_required(review, user):
        return False
    if not has_device(user):
        if review.guideline.organization.require_signer_second_factor:
            raise WorkflowError(
                "Your institution requires a second factor for every signature: set up an "
                "authenticator app on your two-factor page, or sign in through your identity "
                "provider with multi-factor, then sign. Nothing was signed."
            )
        raise WorkflowError(
            "Your institution requires two-factor authentication to sign: set it up on your "
            "account page first. Nothing was signed."
        )
    if not token.strip() or not verify_code(user, token.strip()):
        raise WorkflowError("That authentication code is not correct. Nothing was signed.")
    return True
