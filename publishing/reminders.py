"""Reminders and notices that run on a schedule: overdue acknowledgers, review cycles and the
admins' weekly digest (and the work behind the admin's "remind now").

Each job takes ``today`` and returns how many people it told; each is idempotent (a unique
reminder log row is claimed before anything is sent), so ``manage.py send_reminders`` may
run every hour. The e-mails go through the outbox: written in the transaction that claims the
log rows, sent once it commits, and sent by the next run if this one dies first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Aggregate, Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from accounts.access import admins_of, draft_editors_of
from accounts.dates import fmt
from accounts.models import Organization, User
from accounts.notify import About, Work, guideline_subject, tell, version_subject
from audit.services import record
from guidelines.models import Guideline, ReviewState

from .models import AckRequest, AckRequestQuerySet, Campaign, ReminderLog
from .selectors import campaign_figures
from .targeting import ack_url, chunks


def _claim(user_ids: Sequence[int], subject: str, day: dt.date) -> list[int]:
    """Insert the reminder log rows that do not exist yet; return whom to remind."""
    already = set(
        ReminderLog.objects.filter(subject=subject, day=day, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    fresh = [u for u in user_ids if u not in already]
    ReminderLog.objects.bulk_create(
        [ReminderLog(user_id=u, subject=subject, day=day) for u in fresh],
        ignore_conflicts=True,
    )
    return fresh


def _claim_people(people: Sequence[User], subject: str, day: dt.date) -> list[User]:
    """The people among ``people`` not yet sent ``subject`` for ``day``, now logged as sent."""
    fresh = set(_claim([u.pk for u in people], subject, day))
    return [u for u in people if u.pk in fresh]


def start_of(day: dt.date) -> dt.datetime:
    """The first instant of ``day`` in the institution's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def to_remind(
    campaign: Campaign, *, everyone_pending: bool = False, today: dt.date | None = None
) -> AckRequestQuerySet:
    """The one rule for who a reminder reaches: overdue (or all pending) people of the campaign."""
    day = today or timezone.localdate()
    qs = AckRequest.objects.filter(campaign=campaign)
    return qs.pending() if everyone_pending else qs.overdue(on=day)


def outlook_aggregates(*, today: dt.date) -> dict[str, Aggregate]:
    """The figures of ``reminder_outlook`` beyond the campaign's own (overdue, pending), as
    aggregates (``campaign_figures(fresh_since=start_of(today))`` counts the same people)."""
    fresh = Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=start_of(today))
    return {
        "overdue_fresh": Count("pk", filter=AckRequestQuerySet.overdue_q(on=today) & fresh),
        "pending_fresh": Count("pk", filter=AckRequestQuerySet.pending_q() & fresh),
        "last_reminded": Max("last_reminded_at"),
    }


def outlook_from(figures: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """``reminder_outlook`` from the overall row of ``campaign_figures`` run with
    ``fresh_since=start_of(today)``: pending there is what the campaign counts and has not
    acknowledged, the same people as ``pending_q``."""
    last = figures["last_reminded"]
    return {
        "overdue": figures["overdue"],
        "overdue_fresh": figures["overdue_fresh"],
        "pending": figures["pending"],
        "pending_fresh": figures["pending_fresh"],
        "last": last,
        "reminded_today": last is not None and last >= start_of(today),
    }


def reminder_outlook(campaign: Campaign, *, today: dt.date | None = None) -> dict[str, Any]:
    """What a reminder would do now, in one aggregate query: who is still due one today."""
    day = today or timezone.localdate()
    figures = AckRequest.objects.filter(campaign=campaign).aggregate(
        overdue=Count("pk", filter=AckRequestQuerySet.overdue_q(on=day)),
        pending=Count("pk", filter=AckRequestQuerySet.pending_q()),
        **outlook_aggregates(today=day),
    )
    return outlook_from(figures, today=day)


def remind_campaign(
    *, campaign_id: int, today: dt.date | None = None, everyone_pending: bool = False
) -> int:
    """The admin's "remind now": each overdue (or each pending) person, once a day at most."""
    day = today or timezone.localdate()
    campaign = Campaign.objects.select_related("version__guideline", "organization").get(
        pk=campaign_id
    )
    if not campaign.is_open:
        return 0
    qs = to_remind(campaign, everyone_pending=everyone_pending, today=day)
    sent = 0
    for rows in chunks(qs, ("user_id", "due_date")):
        step = "pending" if everyone_pending else "overdue"
        sent += _remind_batch(campaign, [(r[0], r[1], r[2], step) for r in rows], day)
    return sent


def due_on_schedule(
    campaign: Campaign, rows: Sequence[tuple[Any, ...]], day: dt.date
) -> list[tuple[int, int, dt.date, str]]:
    """Of ``(pk, user_id, due_date, created_at, last_reminded_at)`` rows, those whose latest
    step of the campaign's schedule has come since they were last told (asked or reminded):
    ``(pk, user_id, due_date, step)``. A day the job did not run is caught up the next day."""
    schedule = campaign.schedule()
    due: list[tuple[int, int, dt.date, str]] = []
    for pk, user_id, due_date, created_at, last_reminded_at in rows:
        step = schedule.step_on_or_before(due_date, day)
        if step is None:
            continue
        told = timezone.localdate(last_reminded_at or created_at)
        if step[0] > told:
            due.append((pk, user_id, due_date, step[1]))
    return due


def remind_on_schedule(*, campaign_id: int, today: dt.date | None = None) -> int:
    """Daily: the campaign's schedule, person by person from their own due date (a reminder
    some days before it, one on the day, then every so many days while overdue)."""
    day = today or timezone.localdate()
    campaign = Campaign.objects.select_related("version__guideline", "organization").get(
        pk=campaign_id
    )
    if not campaign.is_open:
        return 0
    schedule = campaign.schedule()
    horizon = day + dt.timedelta(days=schedule.days_before or 0)
    midnight = start_of(day)
    # Only rows that could be due: asked before today, due soon or past, not reminded today.
    qs = (
        AckRequest.objects.filter(campaign=campaign)
        .pending()
        .filter(due_date__lte=horizon, created_at__lt=midnight)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lt=midnight))
    )
    sent = 0
    for rows in chunks(qs, ("user_id", "due_date", "created_at", "last_reminded_at")):
        batch = due_on_schedule(campaign, [r[:5] for r in rows], day)
        if batch:
            sent += _remind_batch(campaign, batch, day)
    return sent


def _remind_batch(
    campaign: Campaign, rows: Sequence[tuple[int, int, dt.date, str]], day: dt.date
) -> int:
    """Remind one batch: log rows claimed, request rows stamped, e-mails queued in the outbox,
    one audit event; all in one transaction, so a run killed half-way loses nothing."""
    subject = f"ack:{campaign.pk}"
    with transaction.atomic():
        # Locking the rows makes a second, concurrent run wait and then find the log rows.
        ids = [r[0] for r in rows]
        list(AckRequest.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
        fresh = set(_claim([r[1] for r in rows], subject, day))
        if not fresh:
            return 0
        now = timezone.now()
        reminded = [r for r in rows if r[1] in fresh]
        AckRequest.objects.filter(pk__in=[r[0] for r in reminded]).update(
            last_reminded_at=now, reminder_count=F("reminder_count") + 1
        )
        users = User.objects.in_bulk([r[1] for r in reminded])
        groups: dict[dt.date, list[User]] = {}
        steps: set[str] = set()
        for _pk, user_id, due_date, step in reminded:
            user = users.get(user_id)
            if user is not None and user.is_active:
                groups.setdefault(due_date, []).append(user)
                steps.add(step)
        told = sum(len(people) for people in groups.values())
        # One event per batch (not per person) keeps the trail readable at 100,000 staff.
        record(
            "publishing.campaign.reminded",
            organization=campaign.organization,
            obj=campaign,
            guideline_id=campaign.version.guideline_id,
            details={"people": told, "day": day.isoformat(), "steps": sorted(steps)},
        )
        for due_date, people in groups.items():
            _send_reminder(campaign, people, due_date=due_date, day=day)
    return told


def _send_reminder(
    campaign: Campaign, users: Sequence[User], *, due_date: dt.date, day: dt.date
) -> None:
    version = campaign.version
    org = campaign.organization
    title = f"{version.guideline.title} (version {version.number})"
    when = fmt(due_date, organization=org)
    # The words follow the person's own due date: before it, on it, or past it.
    step = "before" if due_date > day else "due" if due_date == day else "overdue"
    if step == "before":
        message = f"Reminder: please acknowledge {title} by {when}."
        subject = f"Reminder: please acknowledge {version.guideline.title} by {when}"
    elif step == "due":
        message = f"Reminder: {title} is due to be acknowledged today."
        subject = f"Reminder: please acknowledge {version.guideline.title} today"
    else:
        message = f"Reminder: please acknowledge {title}; it was due {when}."
        subject = (
            f"Reminder: please acknowledge {version.guideline.title}, version {version.number}"
        )
    tell(
        users,
        organization=org,
        message=message,
        url=ack_url(version.pk),
        template="ack_reminder",
        ref=f"ack:{campaign.pk}",
        subject=subject,
        context={
            "version": version,
            "guideline": version.guideline,
            "due_date": due_date,
            "step": step,
        },
        about=About(Work.ACKNOWLEDGE, version_subject(version.pk)),
    )


def remind_acknowledgements(*, today: dt.date | None = None) -> int:
    """Daily: every open campaign's reminder schedule (each person once a day at most)."""
    day = today or timezone.localdate()
    total = 0
    for campaign_id in Campaign.objects.filter(status=Campaign.Status.OPEN).values_list(
        "pk", flat=True
    ):
        total += remind_on_schedule(campaign_id=campaign_id, today=day)
    return total


def remind_review_cycle(*, today: dt.date | None = None) -> int:
    """Daily: tell owners when a guideline's review falls due, then weekly once overdue."""
    day = today or timezone.localdate()
    sent = 0
    guidelines = (
        Guideline.objects.review_due(on=day)
        .filter(publications__isnull=False)
        .select_related("organization")
        .distinct()
    )
    for guideline in guidelines:
        review = guideline.next_review_date
        assert review is not None
        if guideline.review_state(day) == ReviewState.OVERDUE:
            kind, log_day = "overdue", day - dt.timedelta(days=day.weekday())  # once a week
        else:
            kind, log_day = "soon", review  # once per review date
        subject = f"review-{kind}:{guideline.pk}"
        owners = list(draft_editors_of(guideline.organization))  # who answers for a review
        with transaction.atomic():
            users = _claim_people(owners, subject, log_day)
            if not users:
                continue
            sent += len(users)
            record(
                "publishing.review_cycle.reminded",
                organization=guideline.organization,
                obj=guideline,
                guideline_id=guideline.pk,
                details={"kind": kind, "people": len(users)},
            )
            _send_review(guideline, kind, users)
    return sent


def _send_review(guideline: Guideline, kind: str, users: Sequence[User]) -> None:
    assert guideline.next_review_date is not None
    when = fmt(guideline.next_review_date, organization=guideline.organization)
    tell(
        users,
        organization=guideline.organization,
        message=f"{guideline.title} is due for review on {when}."
        if kind == "soon"
        else f"{guideline.title} was due for review on {when} and is overdue.",
        url="",
        template=f"review_cycle_{kind}",
        subject=f"Review {'due' if kind == 'soon' else 'overdue'}: {guideline.title}",
        context={"guideline": guideline, "when": when},
        about=About(Work.REVIEW_CYCLE, guideline_subject(guideline.pk)),
    )


DIGEST_GROUPS = 10  # the groups with most people overdue; the dashboard has the rest


def send_overdue_digests(*, today: dt.date | None = None) -> int:
    """Weekly: each institution admin gets one summary per open campaign with people overdue,
    group by group, so that managers can follow up (the people themselves are reminded
    daily). The first run of a week sends it; the week's other runs find the log rows."""
    day = today or timezone.localdate()
    week = day - dt.timedelta(days=day.weekday())
    sent = 0
    campaigns = Campaign.objects.filter(status=Campaign.Status.OPEN).select_related(
        "version__guideline", "organization"
    )
    for campaign in campaigns:
        figures = campaign_figures(campaign, today=day)
        overall = figures["overall"]
        if not overall["overdue"]:
            continue
        admins = list(admins_of(campaign.organization))
        with transaction.atomic():
            users = _claim_people(admins, f"digest:{campaign.pk}", week)
            if not users:
                continue
            sent += len(users)
            record(
                "publishing.campaign.digest_sent",
                organization=campaign.organization,
                obj=campaign,
                guideline_id=campaign.version.guideline_id,
                details={"people": len(users), "overdue": overall["overdue"], "week": str(week)},
            )
            groups = sorted(
                (g for g in figures["groups"] if g["overdue"]),
                key=lambda g: (-g["overdue"], g["name"]),
            )
            _send_digest(campaign, overall, groups, users)
    return sent


def _send_digest(
    campaign: Campaign,
    overall: dict[str, Any],
    groups: list[dict[str, Any]],
    users: Sequence[User],
) -> None:
    version = campaign.version
    title = f"{version.guideline.title}, version {version.number}"
    path = reverse("publishing:tracking", args=[campaign.pk])
    count = overall["overdue"]
    people = "1 person" if count == 1 else f"{count} people"
    tell(
        users,
        organization=campaign.organization,
        message=f"{people} {'is' if count == 1 else 'are'} overdue acknowledging {title}.",
        url=path,
        template="ack_digest",
        subject=f"Overdue acknowledgements: {people}, {title}",
        context={
            "version": version,
            "guideline": version.guideline,
            "campaign": campaign,
            "overall": overall,
            "groups": groups[:DIGEST_GROUPS],
            "more_groups": max(0, len(groups) - DIGEST_GROUPS),
        },
    )


ESCALATION_LIST = 20  # people named in a manager's e-mail; the rest are counted


def escalate_to_managers(*, today: dt.date | None = None) -> int:
    """Daily: each manager with people overdue by the campaign's escalation delay gets one
    e-mail listing them (one per manager per day, however many people and campaigns)."""
    day = today or timezone.localdate()
    delays: set[int] = {
        d
        for d in Campaign.objects.filter(status=Campaign.Status.OPEN).values_list(
            "escalate_after_days", flat=True
        )
        if d is not None
    }
    if not delays:
        return 0
    late = Q()
    for delay in delays:
        late |= Q(campaign__escalate_after_days=delay, due_date__lte=day - dt.timedelta(days=delay))
    rows = (
        AckRequest.objects.pending()
        .filter(late, campaign__status=Campaign.Status.OPEN, replaced_at__isnull=True)
        .filter(membership__manager__isnull=False, membership__manager__is_active=True)
        .filter(membership__is_active=True)
        .order_by("membership__manager__user_id", "due_date", "user__full_name")
        .values_list(
            "membership__manager__user_id",
            "campaign__organization_id",
            "user__full_name",
            "user__email",
            "campaign__version__guideline__title",
            "campaign__version__number",
            "due_date",
        )
    )
    by_manager: dict[tuple[int, int], dict[str, Any]] = {}
    for manager_id, org_id, name, email, title, number, due in rows.iterator(chunk_size=2000):
        entry = by_manager.setdefault((manager_id, org_id), {"count": 0, "people": []})
        entry["count"] += 1
        if len(entry["people"]) < ESCALATION_LIST:
            entry["people"].append(
                {
                    "name": name or email,
                    "guideline": title,
                    "version": number,
                    "due_date": due,
                    "days": (day - due).days,
                }
            )
    if not by_manager:
        return 0
    sent = 0
    managers = User.objects.in_bulk([m for m, _org in by_manager], field_name="pk")
    organizations = Organization.objects.in_bulk({o for _m, o in by_manager})
    with transaction.atomic():
        fresh = set(_claim(list(managers), "escalation", day))
        told: dict[int, list[int]] = {}
        for (manager_id, org_id), entry in by_manager.items():
            manager = managers.get(manager_id)
            if manager is None or manager_id not in fresh or not manager.is_active:
                continue
            _send_escalation(manager, organizations[org_id], entry)
            told.setdefault(org_id, []).append(entry["count"])
            sent += 1
        for org_id, counts in told.items():
            record(
                "publishing.campaign.escalated",
                organization=organizations[org_id],
                details={"managers": len(counts), "people": sum(counts), "day": day.isoformat()},
                actor_label="scheduled",
            )
    return sent


def _send_escalation(manager: User, organization: Organization, entry: dict[str, Any]) -> None:
    count = entry["count"]
    people = "1 person" if count == 1 else f"{count} people"
    tell(
        [manager],
        organization=organization,
        message=f"{people} who report to you {'is' if count == 1 else 'are'} overdue "
        "acknowledging the social media guidelines.",
        url=reverse("publishing:my_acknowledgements"),
        template="ack_escalation",
        subject=f"Overdue acknowledgements in your team: {people}",
        context={
            "count": count,
            "people": entry["people"],
            "more": max(0, count - len(entry["people"])),
        },
        ref="escalation",
    )
