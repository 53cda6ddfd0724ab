"""Writes about publishing: publish, supersede, acknowledge and ask for reminders.

Every public function follows the house order: check state → atomic + lock → save → audit →
notify on commit. Work that touches every employee (targeting, reminders) runs batched in a
task (inline without a broker), never one INSERT per person inside a request.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts import audience as audience_rules
from accounts.dates import fmt
from accounts.models import Membership, Organization, StaffGroup, User
from accounts.notify import (
    About,
    Work,
    guideline_subject,
    resolve,
    version_subject,
)
from audit.models import ChainHead, personal_lane
from audit.services import PendingEvent, client_ip, opened_head, prepare, record
from audit.signals import acted_on
from guidelines.models import Guideline, Version
from guidelines.quiz import answered, record_fingerprint, wrong_answers
from guidelines.status import VersionStatusError, move, move_many

from . import notify, tasks
from . import pdf as pdf_state
from .ack_statements import (
    Claimed,
    InForce,
    Notices,
    ReadAlong,
    acknowledge_at_once,
    can_send_together,
    claim_and_lock_head,
    claim_sql,
    claimed_from,
    sent_together,
    write,
)
from .models import Acknowledgement, AckRequest, Campaign, Publication, QuizAttempt
from .quiz import quiz_for
from .reminders import reminder_outlook
from .selectors import in_force, is_superseded


class PublishingError(Exception):
    """A refused publishing or acknowledgement action, with a message for the person;
    ``field`` names the form field the message belongs beside, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day when it has fewer days."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


# --- publishing ----------------------------------------------------------------------------


def check_publish(
    *,
    version: Version,
    effective_date: dt.date,
    requires_acknowledgement: bool,
    skip_reason: str = "",
    target_groups: Sequence[StaffGroup] = (),
    due_date: dt.date | None = None,
    next_review_date: dt.date | None = None,
    audience_rule: dict[str, Any] | None = None,
) -> dt.date:
    """Refuse choices that cannot be published (before the preview and again on confirm);
    return the next review date."""
    today = timezone.localdate()
    org = version.guideline.organization
    skip_reason = skip_reason.strip()
    if version.status != Version.Status.APPROVED:
        raise PublishingError(
            f"Only an approved version can be published; version {version.number} is "
            f"{version.get_status_display().lower()}."
        )
    if effective_date < today:
        raise PublishingError(
            "The effective date cannot be in the past: choose today or later.",
            field="effective_date",
        )
    if requires_acknowledgement:
        if due_date is None:
            raise PublishingError(
                "Choose the date by which staff must acknowledge.", field="due_date"
            )
        if due_date < effective_date:
            raise PublishingError(
                "The acknowledgement due date cannot be before the effective date.",
                field="due_date",
            )
    elif not skip_reason:
        raise PublishingError(
            "Say why staff need not acknowledge this version (for example, a cosmetic change).",
            field="skip_reason",
        )
    if any(group.organization_id != org.pk for group in target_groups):
        raise PublishingError("A chosen staff group belongs to another institution.")
    next_review = next_review_date or add_months(effective_date, 12)
    if next_review <= effective_date:
        raise PublishingError(
            "The next review date must be after the effective date.", field="next_review_date"
        )
    return next_review


def publish(
    *,
    version: Version,
    by: User,
    effective_date: dt.date,
    requires_acknowledgement: bool,
    skip_reason: str = "",
    target_groups: Sequence[StaffGroup] = (),
    due_date: dt.date | None = None,
    next_review_date: dt.date | None = None,
    audience_rule: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Publication:
    """Publish an approved version; on its effective date it replaces the one in force."""
    try:
        rule = audience_rules.clean_rule(audience_rule)
    except audience_rules.RuleError as exc:
        raise PublishingError(str(exc)) from exc
    today = timezone.localdate()
    guideline = version.guideline
    org = guideline.organization
    skip_reason = skip_reason.strip()
    next_review = check_publish(
        version=version,
        effective_date=effective_date,
        requires_acknowledgement=requires_acknowledgement,
        skip_reason=skip_reason,
        target_groups=target_groups,
        due_date=due_date,
        next_review_date=next_review_date,
        audience_rule=rule,
    )

    with transaction.atomic():
        Guideline.objects.select_for_update().get(pk=guideline.pk)
        locked = Version.objects.select_for_update().get(pk=version.pk)
        if locked.status != Version.Status.APPROVED:
            raise PublishingError("This version was published or changed by someone else.")
        latest = (
            Publication.objects.filter(guideline=guideline)
            .order_by("-effective_date")
            .values_list("effective_date", flat=True)
            .first()
        )
        if latest is not None and effective_date < latest:
            raise PublishingError(
                "A version is already scheduled to take effect on "
                f"{fmt(latest, 'long', organization=org)}; choose that date or later."
            )
        publication = Publication.objects.create(
            organization=org,
            guideline=guideline,
            version=locked,
            effective_date=effective_date,
            published_by=by,
            requires_acknowledgement=requires_acknowledgement,
            skip_reason="" if requires_acknowledgement else skip_reason,
            next_review_date=next_review,
        )
        try:
            move(locked, to=Version.Status.PUBLISHED)
        except VersionStatusError as exc:
            raise PublishingError(str(exc)) from exc
        version.status = locked.status
        Guideline.objects.filter(pk=guideline.pk).update(next_review_date=next_review)
        campaign = None
        if requires_acknowledgement:
            assert due_date is not None
            campaign = Campaign.objects.create(
                organization=org,
                publication=publication,
                version=locked,
                due_date=due_date,
                all_staff=not target_groups and not rule["include"],
                audience_rule=rule if not audience_rules.is_empty(rule) else {},
                created_by=by,
                kind=Campaign.Kind.PUBLICATION,
                starts_on=max(effective_date, today),
            )
            if target_groups:
                campaign.target_groups.set(target_groups)
        superseded = _supersede_older(guideline, today) if effective_date <= today else []
        record(
            "publishing.version.published",
            actor=by,
            organization=org,
            obj=locked,
            guideline_id=guideline.pk,
            details={
                "guideline": guideline.title,
                "number": locked.number,
                "content_hash": locked.content_hash,
                "effective_date": effective_date.isoformat(),
                "requires_acknowledgement": requires_acknowledgement,
                "skip_reason": publication.skip_reason,
                "due_date": due_date.isoformat() if due_date and campaign else None,
                "target_groups": [g.name for g in target_groups] or "all staff",
                "audience_rule": rule if not audience_rules.is_empty(rule) else None,
                "next_review_date": next_review.isoformat(),
                "superseded_versions": superseded,
            },
            request=request,
        )
        resolve(
            About(Work.PUBLISH, version_subject(locked.pk)),
            About(Work.REVIEW_CYCLE, guideline_subject(guideline.pk)),
        )
        publication_id = publication.pk
        # The people who wrote and signed it hear the news, once the publication is real.
        transaction.on_commit(lambda: notify.published(publication_id))
        if campaign is not None:
            campaign_id = campaign.pk
            transaction.on_commit(lambda: _enqueue_target(campaign_id))
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            # With a worker, render the PDF ahead of time; inline, the first download does it.
            request_pdf(publication)
    return publication


def request_pdf(publication: Publication) -> bool:
    """Queue the render of a published version's PDF for the worker, unless it is stored or
    already on its way: True when this call queued it. The task is sent once the state
    "waiting" is committed, so the worker never finds a state older than its own."""
    if not pdf_state.claim_render(publication):
        return False
    publication_id = publication.pk
    transaction.on_commit(lambda: _enqueue_pdf(publication_id))
    return True


def _enqueue_pdf(publication_id: int) -> None:
    tasks.render_pdf.delay(publication_id)


def _enqueue_target(campaign_id: int) -> None:
    tasks.target_campaign.delay(campaign_id)


def _supersede_older(guideline: Guideline, today: dt.date) -> list[int]:
    """Mark every published version older than the one in force as superseded."""
    current = in_force(guideline, on=today)
    if current is None:
        return []
    older = Publication.objects.filter(
        guideline=guideline,
        version__status=Version.Status.PUBLISHED,
        effective_date__lte=today,
    ).exclude(pk=current.pk)
    older = older.filter(
        Q(effective_date__lt=current.effective_date) | Q(version__number__lt=current.version.number)
    )
    rows = list(older.values_list("pk", "version_id", "version__number"))
    if not rows:
        return []
    now = timezone.now()
    Publication.objects.filter(pk__in=[r[0] for r in rows]).update(superseded_at=now)
    move_many([r[1] for r in rows], from_=Version.Status.PUBLISHED, to=Version.Status.SUPERSEDED)
    Campaign.objects.filter(publication_id__in=[r[0] for r in rows]).update(
        status=Campaign.Status.CLOSED
    )
    # The records say which requests the new version replaced and why; the new campaign's
    # targeting links each person's new request (re-asked only for a material change).
    if current.requires_acknowledgement:
        why = (
            f"Version {current.version.number} took effect on {current.effective_date:%d %b %Y} "
            "and asks staff again (a material change)."
        )
    else:
        why = (
            f"Version {current.version.number} took effect on {current.effective_date:%d %b %Y} "
            f"without asking staff again: {current.skip_reason}"
        )[:300]
    AckRequest.objects.pending().filter(
        campaign__publication_id__in=[r[0] for r in rows], replaced_at__isnull=True
    ).update(replaced_at=now, replaced_reason=why)
    # Nobody is asked to acknowledge a version that is no longer in force.
    resolve(*(About(Work.ACKNOWLEDGE, version_subject(r[1])) for r in rows))
    return [r[2] for r in rows]


def apply_effective_publications(*, today: dt.date | None = None) -> int:
    """Daily: a version scheduled for today takes effect and the one before is superseded.

    Which version is in force is always computed from the dates, so this only brings the
    stored statuses (and open campaigns) in line; running it twice changes nothing.
    """
    day = today or timezone.localdate()
    changed = 0
    guideline_ids = (
        Publication.objects.filter(
            version__status=Version.Status.PUBLISHED, effective_date__lte=day
        )
        .values_list("guideline_id", flat=True)
        .distinct()
    )
    for guideline in Guideline.objects.filter(pk__in=list(guideline_ids)).select_related(
        "organization"
    ):
        with transaction.atomic():
            Guideline.objects.select_for_update().get(pk=guideline.pk)
            numbers = _supersede_older(guideline, day)
            if numbers:
                changed += len(numbers)
                record(
                    "publishing.version.superseded",
                    organization=guideline.organization,
                    obj=guideline,
                    guideline_id=guideline.pk,
                    details={"superseded_versions": numbers},
                    actor_label="scheduled",
                )
    return changed


# --- reminding now ------------------------------------------------------------------------


def request_reminders(
    *,
    campaign: Campaign,
    by: User,
    everyone_pending: bool = False,
    request: HttpRequest | None = None,
) -> int:
    """An admin asks for everyone overdue (or pending) to be reminded now; returns how many
    are queued, counting only people not yet reminded today (the task skips the others)."""
    if not campaign.is_open:
        raise PublishingError("This campaign is closed: its version has been superseded.")
    with transaction.atomic():
        Campaign.objects.select_for_update().get(pk=campaign.pk)
        outlook = reminder_outlook(campaign)
        queued = outlook["pending_fresh" if everyone_pending else "overdue_fresh"]
        record(
            "publishing.campaign.reminders_requested",
            actor=by,
            organization=campaign.organization,
            obj=campaign,
            guideline_id=campaign.version.guideline_id,
            details={"who": "pending" if everyone_pending else "overdue", "queued": queued},
            request=request,
        )
        if queued:
            campaign_id = campaign.pk
            transaction.on_commit(lambda: tasks.remind_overdue.delay(campaign_id, everyone_pending))
    return int(queued)


# --- acknowledging -------------------------------------------------------------------------


class WrongAnswers(PublishingError):
    """The quiz was not passed; says which questions, so the try can be kept."""

    def __init__(
        self, message: str, *, wrong: list[int], quiz: list[dict[str, Any]], request_id: int | None
    ) -> None:
        super().__init__(message)
        self.wrong, self.quiz, self.request_id = wrong, quiz, request_id


def acknowledge(
    *,
    version: Version,
    user: User,
    confirmed: bool,
    answers: dict[int, int | None] | None = None,
    request: HttpRequest | None = None,
    publication: Publication | None = None,
    membership: Membership | None = None,
    quiz: list[dict[str, Any]] | None = None,
    read_along: ReadAlong | None = None,
) -> tuple[Acknowledgement, bool]:
    """Record that a person read and understood one exact version (see ``_acknowledge``);
    a failed quiz is kept as a try once the refused acknowledgement has rolled back."""
    try:
        return _acknowledge(
            version=version,
            user=user,
            confirmed=confirmed,
            answers=answers,
            request=request,
            publication=publication,
            membership=membership,
            quiz=quiz,
            read_along=read_along,
        )
    except WrongAnswers as exc:
        QuizAttempt.objects.create(
            organization_id=version.guideline.organization_id,
            user=user,
            version=version,
            request_id=exc.request_id,
            wrong_questions=_wrong_questions(exc.quiz, exc.wrong),
            passed=False,
        )
        raise


def _wrong_questions(quiz: list[dict[str, Any]], wrong: list[int]) -> list[dict[str, Any]]:
    """The number and words of each question answered wrongly (each person's quiz differs
    with their groups' cases, so the words say which question it was)."""
    return [{"number": n, "question": str(quiz[n - 1].get("question", ""))[:300]} for n in wrong]


def _acknowledge(
    *,
    version: Version,
    user: User,
    confirmed: bool,
    answers: dict[int, int | None] | None = None,
    request: HttpRequest | None = None,
    publication: Publication | None = None,
    membership: Membership | None = None,
    quiz: list[dict[str, Any]] | None = None,
    read_along: ReadAlong | None = None,
) -> tuple[Acknowledgement, bool]:
    """Record that a person read and understood one exact version; True when new.

    ``quiz`` is the questions the person was shown (``publishing.quiz.quiz_for``, worked out
    here when not given); ``answers`` are marked against exactly those.

    Acknowledging twice is harmless: the existing record is returned and nothing is written.
    Callers that already hold the publication and the person's membership pass them in, so
    the hot path of a 100,000-person campaign does not look them up twice; with
    ``read_along`` (the request it answers and the head of the person's lane, read with the
    person: ``ack_statements.ReadAlong``) it is written by one statement when they still hold.
    """
    organization = version.guideline.organization
    now = timezone.now()
    # A publication kept from an earlier request (publishing.frozen) is checked by the claim.
    frozen = getattr(publication, "frozen_check", None)
    # Everything that could refuse it known without a query: PostgreSQL writes it in two
    # statements (publishing.ack_statements); anything else takes the ORM path below.
    at_once = (
        connection.vendor == "postgresql"
        and publication is not None
        and publication.version_id == version.pk
        and (getattr(publication, "superseded", None) is False or frozen is not None)
        and membership is not None
        and membership.user_id == user.pk
        and membership.organization_id == organization.pk
        and membership.is_active
        and confirmed
        and quiz is not None
        and not wrong_answers(quiz, answers or {})
    )
    in_force = (
        None
        if frozen is None
        else InForce(publication_id=frozen[0], content_hash=frozen[1], today=timezone.localdate())
    )
    if (
        at_once
        and quiz is not None
        and not acted_on(ACKNOWLEDGED, organization.pk)
        and can_send_together()
    ):
        # Nobody adds to the transaction, and the connection may open its own. The rows are
        # built before any lock is taken (the head of the person's lane, once locked, keeps
        # every other acknowledgement chained in that lane waiting).
        unwritten = _unwritten(version, user, answers, request, quiz, now)
        written = None
        if read_along is not None:
            # What it needs was read with the person: one statement, its own transaction.
            written = _acknowledge_in_one(
                version=version,
                user=user,
                request=request,
                unwritten=unwritten,
                in_force=in_force,
                read_along=read_along,
            )
        if written is None:
            # The claim and the write, with BEGIN and COMMIT sent along.
            written = _acknowledge_together(
                version=version,
                user=user,
                request=request,
                unwritten=unwritten,
                now=now,
                in_force=in_force,
            )
        if written is not None:
            return written, True
    with transaction.atomic():
        # Claim every open request of this person for the version in one statement: its row
        # locks make a simultaneous second click wait here and then find nothing to claim.
        # Anything refused below rolls the claim back with the rest.
        head = None
        if at_once:
            claimed, head = claim_and_lock_head(
                user_id=user.pk,
                version_id=version.pk,
                organization_id=organization.pk,
                at=now,
                in_force=in_force,
            )
        else:
            claimed = _claim_requests(user=user, version=version, at=now)
        asked = _answered_request(claimed)
        if asked is None:
            existing = Acknowledgement.objects.filter(user=user, version=version).first()
            if existing is not None:
                transaction.set_rollback(True)  # requests of closed cycles stay as they were
                return existing, False
        if at_once and asked is not None and head is not None and quiz is not None:
            # The claimed request is ours alone: nothing can clash with the record.
            return _write_at_once(
                version=version,
                user=user,
                request=request,
                asked=asked,
                head=head,
                unwritten=_unwritten(version, user, answers, request, quiz, now),
            ), True
        if publication is None or publication.version_id != version.pk:
            publication = (
                Publication.objects.filter(version=version).select_related("version").first()
            )
        if publication is None:
            raise PublishingError("This version has not been published.")
        if is_superseded(publication):
            raise PublishingError(
                f"Version {version.number} has been replaced by a newer version: please read "
                "and acknowledge the version in force."
            )
        member = (
            membership is not None
            and membership.user_id == user.pk
            and membership.organization_id == organization.pk
            and membership.is_active
        ) or (
            Membership.objects.filter(user=user, organization=organization, is_active=True).exists()
        )
        if not member:
            raise PublishingError("Only staff of the institution can acknowledge its guidelines.")
        if not confirmed:
            raise PublishingError('Tick "I have read and understood" to acknowledge.')
        if quiz is None:
            same = membership is not None and membership.organization_id == organization.pk
            quiz = quiz_for(version, membership if same else None, user_id=user.pk)
        wrong = wrong_answers(quiz, answers or {})
        if wrong:
            numbers = ", ".join(str(n) for n in wrong)
            raise WrongAnswers(
                f"Not quite: check your answer to question{'s' if len(wrong) > 1 else ''} "
                f"{numbers}. The guideline has the answers.",
                wrong=wrong,
                quiz=quiz,
                request_id=asked.pk if asked is not None else None,
            )
        # Each person's quiz differs with their groups' cases: keep exactly what was asked and
        # what they chose, so the record says what this acknowledgement rests on.
        record_of_quiz = answered(quiz, answers or {})
        fields = _record_fields(version, user, request, now, quiz, record_of_quiz, asked)
        if asked is not None:
            # The claimed request is ours alone: nothing can clash, no savepoint is needed.
            ack = Acknowledgement.objects.create(**fields)
        else:
            try:
                with transaction.atomic():
                    ack = Acknowledgement.objects.create(**fields)
            except IntegrityError:
                # A double click raced us to it: the first record stands.
                first = Acknowledgement.objects.filter(user=user, version=version).latest(
                    "acknowledged_at"
                )
                transaction.set_rollback(True)  # and no request of ours is marked
                return first, False
        if quiz:
            # Kept for the tracking CSV and the evidence pack: the try that passed.
            QuizAttempt.objects.create(**_passed_try(version, user, ack.request_id, now))
        resolve(About(Work.ACKNOWLEDGE, version_subject(version.pk)), user_ids=[user.pk])
        record(
            ACKNOWLEDGED,
            actor=user,
            organization=organization,
            obj=version,
            guideline_id=version.guideline_id,
            details=_event_details(version, ack.request_id, record_of_quiz),
            request=request,
            lane=personal_lane(user.pk),
        )
    return ack, True


ACKNOWLEDGED = "publishing.version.acknowledged"


def _record_fields(
    version: Version,
    user: User,
    request: HttpRequest | None,
    now: dt.datetime,
    quiz: list[dict[str, Any]],
    record_of_quiz: list[dict[str, Any]],
    asked: Claimed | None,
) -> dict[str, Any]:
    ua = request.META.get("HTTP_USER_AGENT", "")[:400] if request is not None else ""
    return {
        "organization": version.guideline.organization,
        "user": user,
        "version": version,
        "content_hash": version.content_hash,
        "acknowledged_at": now,
        "ip_address": client_ip(request),
        "user_agent": ua,
        "quiz_answered": bool(quiz),
        "quiz_record": record_of_quiz,
        "request_id": asked.pk if asked is not None else None,
    }


def _passed_try(
    version: Version, user: User, request_id: int | None, now: dt.datetime
) -> dict[str, Any]:
    return {
        "organization": version.guideline.organization,
        "user": user,
        "version": version,
        "request_id": request_id,
        "attempted_at": now,
        "passed": True,
    }


def _event_details(
    version: Version, request_id: int | None, record_of_quiz: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "number": version.number,
        "content_hash": version.content_hash,
        "ack_request": request_id,
        **(
            {
                "quiz_questions": len(record_of_quiz),
                "quiz_fingerprint": record_fingerprint(record_of_quiz),
            }
            if record_of_quiz
            else {}
        ),
    }


def _answered_request(claimed: list[Claimed]) -> Claimed | None:
    """The claimed request the acknowledgement answers: an open request (this year's cycle,
    say) is answered by a record of its own, even when the person acknowledged the same text
    before; without one, once per version is enough (None)."""
    return min(
        (row for row in claimed if row.campaign_open and not row.replaced),
        key=lambda row: (row.due_date, row.pk),
        default=None,
    )


def _acknowledge_in_one(
    *,
    version: Version,
    user: User,
    request: HttpRequest | None,
    unwritten: _Unwritten,
    in_force: InForce | None,
    read_along: ReadAlong,
) -> Acknowledgement | None:
    """``_acknowledge``'s claim and write as one statement on what was read with the person;
    None, with nothing written, when that no longer holds (another acknowledgement moved the
    head of the lane, the request was answered or replaced, the publication was superseded)."""
    unwritten.ack.request_id = read_along.request_id
    event = _event_on(version, user, request, read_along.request_id, read_along.head, unwritten)
    if acknowledge_at_once(
        unwritten.ack,
        with_try=unwritten.with_try,
        notices=unwritten.notices,
        event=event,
        in_force=in_force,
    ):
        return unwritten.ack
    return None


def _event_on(
    version: Version,
    user: User,
    request: HttpRequest | None,
    request_id: int,
    head: ChainHead,
    unwritten: _Unwritten,
) -> PendingEvent:
    """The acknowledgement's audit event, hashed and signed onto ``head``."""
    return prepare(
        ACKNOWLEDGED,
        head=head,
        actor=user,
        obj=version,
        guideline_id=version.guideline_id,
        details=_event_details(version, request_id, unwritten.record_of_quiz),
        request=request,
    )


def _acknowledge_together(
    *,
    version: Version,
    user: User,
    request: HttpRequest | None,
    unwritten: _Unwritten,
    now: dt.datetime,
    in_force: InForce | None,
) -> Acknowledgement | None:
    """``_acknowledge``'s two statements with the transaction's BEGIN and COMMIT sent along
    (``ack_statements.sent_together``; the caller checked the connection allows it); None,
    with nothing written, when the ORM path must decide (no open request claimed)."""
    with sent_together():
        claimed, head = claim_and_lock_head(
            user_id=user.pk,
            version_id=version.pk,
            organization_id=version.guideline.organization_id,
            at=now,
            in_force=in_force,
            begin=True,
        )
        asked = _answered_request(claimed)
        if asked is None:
            return None  # rolled back by sent_together: the claim is made again, and decided
        if head is None:  # the first acknowledgement chained in the person's lane
            head = opened_head(version.guideline.organization_id, personal_lane(user.pk))
        return _write_at_once(
            version=version,
            user=user,
            request=request,
            asked=asked,
            head=head,
            unwritten=unwritten,
            commit=True,
        )


@dataclass
class _Unwritten:
    """What the write needs that the claim does not decide: the record waiting for the
    claimed request's id (with its passed quiz try, when there was a quiz), and the person's
    notices it closes."""

    ack: Acknowledgement
    with_try: bool
    record_of_quiz: list[dict[str, Any]]
    notices: Notices


def _unwritten(
    version: Version,
    user: User,
    answers: dict[int, int | None] | None,
    request: HttpRequest | None,
    quiz: list[dict[str, Any]],
    now: dt.datetime,
) -> _Unwritten:
    record_of_quiz = answered(quiz, answers or {})
    ack = Acknowledgement(**_record_fields(version, user, request, now, quiz, record_of_quiz, None))
    notices = Notices(str(Work.ACKNOWLEDGE), version_subject(version.pk), now)
    return _Unwritten(ack, bool(quiz), record_of_quiz, notices)


def _write_at_once(
    *,
    version: Version,
    user: User,
    request: HttpRequest | None,
    asked: Claimed,
    head: ChainHead,
    unwritten: _Unwritten,
    commit: bool = False,
) -> Acknowledgement:
    """The ORM path's rows (record, passed try, notices resolved, audit event), written by
    one call on the chain head ``claim_and_lock_head`` locked (and committed with it, with
    ``commit``)."""
    unwritten.ack.request_id = asked.pk
    event = _event_on(version, user, request, asked.pk, head, unwritten)
    write(
        unwritten.ack,
        with_try=unwritten.with_try,
        notices=unwritten.notices,
        event=event,
        commit=commit,
    )
    return unwritten.ack


def _claim_requests(*, user: User, version: Version, at: dt.datetime) -> list[Claimed]:
    """Mark this person's pending requests for the version acknowledged ``at``; return them.

    One ``UPDATE … RETURNING`` (PostgreSQL, SQLite ≥ 3.35) instead of a locking read
    and an update: the rows it changes stay locked until the transaction ends.
    """
    sql, params = claim_sql(user_id=user.pk, version_id=version.pk, at=at)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return claimed_from(cursor.fetchall())


# --- the institution's attestation settings ------------------------------------------------

SETTINGS_FIELDS = ("attestation_cycle", "attestation_days")


def update_attestation_settings(
    *,
    organization: Organization,
    by: User,
    values: dict[str, object],
    request: HttpRequest | None = None,
) -> list[str]:
    """Save the institution's attestation rules; returns the names of what changed."""
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        changes = {
            name: {"before": getattr(locked, name), "after": values[name]}
            for name in SETTINGS_FIELDS
            if name in values and getattr(locked, name) != values[name]
        }
        if not changes:
            return []
        for name, change in changes.items():
            setattr(locked, name, change["after"])
        locked.save(update_fields=list(changes))
        record(
            "publishing.settings.changed",
            actor=by,
            organization=locked,
            obj=locked,
            details=changes,
            request=request,
        )
    return list(changes)


# --- a campaign's reminder schedule --------------------------------------------------------


def update_schedule(
    *,
    campaign: Campaign,
    by: User,
    values: dict[str, Any],
    request: HttpRequest | None = None,
) -> list[str]:
    """Save a campaign's reminder schedule; returns the names of what changed. The next
    scheduled run follows it (a step already passed is not sent again)."""
    if not campaign.is_open:
        raise PublishingError(
            "This campaign is closed: a newer version or the next yearly attestation has "
            "taken its place, so its reminders have stopped."
        )
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not locked.is_open:
            raise PublishingError("This campaign closed while you were editing its schedule.")
        changes = {
            name: {"before": getattr(locked, name), "after": values[name]}
            for name in Campaign.SCHEDULE_FIELDS
            if name in values and getattr(locked, name) != values[name]
        }
        if not changes:
            return []
        for name, change in changes.items():
            setattr(locked, name, change["after"])
            setattr(campaign, name, change["after"])
        locked.save(update_fields=list(changes))
        record(
            "publishing.campaign.schedule_changed",
            actor=by,
            organization=locked.organization,
            obj=locked,
            guideline_id=locked.version.guideline_id,
            details=changes,
            request=request,
        )
    return list(changes)
