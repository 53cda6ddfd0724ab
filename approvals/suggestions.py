"""Suggested edits: a reviewer proposes new words for quoted ones; the author accepts or declines.

The one door for a suggestion's state (``_move`` and its table). Accepting edits the open draft
through ``guidelines.services.save_section``, the wizard's own save, so the change is in the
section's history as a revision like any typed one and the draft's fingerprint follows. A
suggestion never touches a frozen version: it is proposed on one and applied to the draft that
becomes the next, and whatever is still pending when that draft is frozen is closed as outdated,
so a signature is only ever given to a frozen text with nothing pending inside it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import can_edit_drafts
from accounts.models import Membership, Organization, User
from audit.services import record
from guidelines import wording
from guidelines.models import Draft, DraftSection, Guideline
from guidelines.sections import SECTIONS_BY_KEY
from guidelines.services import GuidelineError, save_section

from . import notify, threads
from .models import ReviewRequest, Suggestion

State = Suggestion.State

MAX_QUOTE = 1000
MAX_REPLACEMENT = 2000
MAX_REASON = 2000

# The only moves a suggestion makes; every other one is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (State.PROPOSED, "accept"): State.ACCEPTED,
    (State.PROPOSED, "decline"): State.DECLINED,
    (State.PROPOSED, "outdate"): State.OUTDATED,
}


class SuggestionError(Exception):
    """A refused suggestion or decision, with a message written for the person."""


class DecisionRefused(SuggestionError):
    """This person may not decide suggestions on this guideline (the view answers 403)."""


class SuggestRefused(SuggestionError):
    """This person may not suggest edits on this review (the view answers 403)."""


# --- who may ---------------------------------------------------------------------------------


def can_suggest(review: ReviewRequest, membership: Membership | None) -> bool:
    """Reviewers of the guideline: a member holding one of the roles of this review's route."""
    if membership is None or not membership.is_active:
        return False
    if membership.organization_id != review.guideline.organization_id:
        return False
    route_roles = {int(stage["role_id"]) for stage in review.route}
    return bool(route_roles & membership.reviewer_role_ids)


def can_decide(guideline: Guideline, membership: Membership | None) -> bool:
    """The guideline's authors and editors: social media managers and admins of its institution."""
    return (
        can_edit_drafts(membership)
        and membership.is_active
        and membership.organization_id == guideline.organization_id
    )


# --- reading ---------------------------------------------------------------------------------


def pending(guideline_id: int) -> QuerySet[Suggestion]:
    """Suggestions still waiting for the author, oldest first."""
    return Suggestion.objects.filter(guideline_id=guideline_id, state=State.PROPOSED)


# --- the one door ----------------------------------------------------------------------------


def _move(
    suggestion: Suggestion,
    action: str,
    *,
    by: User | None,
    reason: str = "",
    draft: Draft | None = None,
    revision: int | None = None,
) -> None:
    """Write the new state of a locked suggestion (the caller audits and notifies)."""
    target = TRANSITIONS.get((suggestion.state, action))
    if target is None:
        raise SuggestionError(_already(suggestion))
    suggestion.state = target
    suggestion.reason = reason
    suggestion.decided_by = by
    suggestion.decided_at = timezone.now()
    suggestion.draft = draft
    suggestion.draft_revision = revision
    suggestion.save(
        update_fields=["state", "reason", "decided_by", "decided_at", "draft", "draft_revision"]
    )


def _decide(
    suggestion: Suggestion,
    action: str,
    *,
    event: str,
    details: dict[str, object],
    by: User,
    organization: Organization,
    request: HttpRequest | None,
    reason: str = "",
    draft: Draft | None = None,
    revision: int | None = None,
) -> None:
    """One decision on a locked suggestion: its new state, its audit event, and the reviewer
    told once the transaction commits."""
    _move(suggestion, action, by=by, reason=reason, draft=draft, revision=revision)
    record(
        event,
        actor=by,
        organization=organization,
        obj=suggestion,
        guideline_id=suggestion.guideline_id,
        details={"section": suggestion.section_key, **details},
        request=request,
    )
    transaction.on_commit(lambda: notify.suggestion_decided(suggestion.pk))


def _already(suggestion: Suggestion) -> str:
    who = f" by {suggestion.decided_by}" if suggestion.decided_by else ""
    return {
        State.ACCEPTED: f"This suggestion was already accepted{who}.",
        State.DECLINED: f"This suggestion was already declined{who}.",
        State.OUTDATED: "This suggestion is outdated: the text it was about has changed.",
    }.get(State(suggestion.state), "This suggestion was already decided.")


# --- proposing -------------------------------------------------------------------------------


def propose(
    *,
    review: ReviewRequest,
    by: User,
    membership: Membership | None,
    section_key: str,
    quote: str,
    replacement: str,
    prefix: str = "",
    suffix: str = "",
    request: HttpRequest | None = None,
) -> Suggestion:
    """A reviewer proposes ``replacement`` for ``quote``, words of one section of the version
    under review. The words must be found there exactly once (the words around a selection,
    sent by the page, tell apart repeated ones), so the author is never asked to guess."""
    if not can_suggest(review, membership):
        raise SuggestRefused("Only reviewers of this guideline's route can suggest edits.")
    if review.status != ReviewRequest.Status.OPEN:
        raise SuggestionError("This review is finished: suggest edits on the next version.")
    section = SECTIONS_BY_KEY.get(section_key)
    if section is None:
        raise SuggestionError("Choose the section the suggestion is about.")
    quote = wording.plain(quote)
    replacement = wording.plain(replacement)
    if not quote:
        raise SuggestionError("Select or copy the words you want to change.")
    if len(quote) > MAX_QUOTE:
        raise SuggestionError(f"Quote at most {MAX_QUOTE:,} characters: a sentence or two.")
    if len(replacement) > MAX_REPLACEMENT:
        raise SuggestionError(f"Keep the new words under {MAX_REPLACEMENT:,} characters.")
    if replacement == quote:
        raise SuggestionError("The new words are the same as the quoted ones: change them.")
    try:
        place = wording.locate(
            section, review.version.content.get(section_key), quote, prefix=prefix, suffix=suffix
        )
    except wording.NotFound as exc:
        raise SuggestionError(
            f"Those words are not in “{section.title}” as written: copy them exactly, "
            "within one paragraph or list item."
        ) from exc
    except wording.Ambiguous as exc:
        raise SuggestionError(
            f"Those words appear more than once in “{section.title}”: quote a few more words "
            "around them so it is clear which place you mean."
        ) from exc
    role_names = {int(stage["role_id"]): stage["role_name"] for stage in review.route}
    role, _ = threads.capacity(membership, role_names)
    with transaction.atomic():
        locked = ReviewRequest.objects.select_for_update().get(pk=review.pk)
        if locked.status != ReviewRequest.Status.OPEN:
            raise SuggestionError("This review just finished; the suggestion was not saved.")
        suggestion = Suggestion.objects.create(
            guideline_id=review.guideline_id,
            review=locked,
            version_number=review.version.number,
            section_key=section_key,
            quote=quote,
            prefix=place.prefix,
            suffix=place.suffix,
            replacement=replacement,
            author=by,
            author_role=role,
        )
        record(
            "approvals.suggestion.proposed",
            actor=by,
            organization=review.guideline.organization,
            obj=suggestion,
            guideline_id=review.guideline_id,
            details={
                "section": section_key,
                "version": review.version.number,
                "quote": quote,
                "replacement": replacement,
            },
            request=request,
        )
        transaction.on_commit(lambda: notify.suggestion_proposed(suggestion.pk))
    return suggestion


# --- deciding --------------------------------------------------------------------------------


def _check_decider(suggestion: Suggestion, membership: Membership | None) -> None:
    if not can_decide(suggestion.guideline, membership):
        raise DecisionRefused("Only social media managers and admins decide suggested edits.")


def _open_draft(suggestion: Suggestion) -> Draft:
    draft = Draft.objects.filter(guideline_id=suggestion.guideline_id, is_open=True).first()
    if draft is None:
        raise SuggestionError(
            "There is no draft being revised: start a revision of the guideline, then accept "
            "or decline the suggestion beside its section."
        )
    return draft


def accept(
    *,
    suggestion: Suggestion,
    by: User,
    membership: Membership | None,
    request: HttpRequest | None = None,
) -> Suggestion:
    """Put the suggested words into the open draft, as a save by the author.

    The quoted words are found again in the draft's current text, by their context; if the
    draft has changed so that they cannot be found (or not at one place), nothing in the draft
    changes and the suggestion is closed as outdated, with the reason. The returned suggestion
    says which happened.
    """
    _check_decider(suggestion, membership)
    section = SECTIONS_BY_KEY.get(suggestion.section_key)
    if section is None:
        raise SuggestionError("That section is no longer part of the guideline.")
    draft = _open_draft(suggestion)
    with transaction.atomic():
        locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.state != State.PROPOSED:
            raise SuggestionError(_already(locked))
        row = (
            DraftSection.objects.select_for_update()
            .filter(draft=draft, key=suggestion.section_key)
            .first()
        )
        data = row.data if row is not None else {}
        try:
            place = wording.locate(
                section, data, locked.quote, prefix=locked.prefix, suffix=locked.suffix
            )
        except LookupError as exc:
            why = (
                "the quoted words are no longer in the draft"
                if isinstance(exc, wording.NotFound)
                else "the quoted words now appear in more than one place in the draft"
            )
            _decide(
                locked,
                "outdate",
                event="approvals.suggestion.outdated",
                details={"reason": why},
                by=by,
                organization=suggestion.guideline.organization,
                request=request,
                reason=f"Not applied: {why}. Make the change by hand if it is still wanted.",
                draft=draft,
                revision=row.revision if row is not None else None,
            )
            return locked
        new = wording.replace(section, data, place, locked.replacement)
        try:
            saved = save_section(
                draft=draft,
                key=locked.section_key,
                data=new,
                revision=row.revision if row is not None else 0,
                by=by,
                request=request,
                reason=f"suggestion by {locked.author} accepted",
            )
        except GuidelineError as exc:
            # Too long for the field, or another rule of the section: nothing changes.
            raise SuggestionError(
                f"Not accepted: with the new words the section would break a rule. {exc}"
            ) from exc
        _decide(
            locked,
            "accept",
            event="approvals.suggestion.accepted",
            details={"revision": saved.revision},
            by=by,
            organization=suggestion.guideline.organization,
            request=request,
            draft=draft,
            revision=saved.revision,
        )
    return locked


def decline(
    *,
    suggestion: Suggestion,
    by: User,
    membership: Membership | None,
    reason: str,
    request: HttpRequest | None = None,
) -> Suggestion:
    """Keep the draft's words; the reviewer is told why."""
    _check_decider(suggestion, membership)
    reason = reason.strip()
    if not reason:
        raise SuggestionError("Say why you decline it: the reviewer reads your reason.")
    if len(reason) > MAX_REASON:
        raise SuggestionError(f"Keep the reason under {MAX_REASON:,} characters.")
    draft = Draft.objects.filter(guideline_id=suggestion.guideline_id, is_open=True).first()
    with transaction.atomic():
        locked = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.state != State.PROPOSED:
            raise SuggestionError(_already(locked))
        revision = None
        if draft is not None:
            revision = (
                DraftSection.objects.filter(draft=draft, key=locked.section_key)
                .values_list("revision", flat=True)
                .first()
            )
        _decide(
            locked,
            "decline",
            event="approvals.suggestion.declined",
            details={"reason": reason},
            by=by,
            organization=suggestion.guideline.organization,
            request=request,
            reason=reason,
            draft=draft,
            revision=revision,
        )
    return locked


def close_on_freeze(
    *, guideline: Guideline, number: int, by: User, request: HttpRequest | None = None
) -> int:
    """Version ``number`` was just frozen: suggestions still pending on earlier versions are
    closed as outdated (their words were neither taken into it nor declined). Runs inside the
    freezing transaction, so the new version and its closed suggestions are one change."""
    closing = list(
        Suggestion.objects.select_for_update().filter(
            guideline=guideline, state=State.PROPOSED, version_number__lt=number
        )
    )
    for suggestion in closing:
        _move(
            suggestion,
            "outdate",
            by=by,
            reason=f"Not decided before version {number} was submitted.",
        )
    if closing:
        record(
            "approvals.suggestion.outdated",
            actor=by,
            organization=guideline.organization,
            obj=guideline,
            guideline_id=guideline.pk,
            details={"version": number, "suggestions": [s.pk for s in closing]},
            request=request,
        )
    return len(closing)
