"""Who is asked to acknowledge: a campaign's requests created in batches, and late joiners.

Runs as a background task (inline without a broker), never one INSERT per person inside a
request; safe to re-run, since a person who already has a request is skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts import audience as audience_rules
from accounts.dates import fmt
from accounts.models import AttestationCycle, Membership, User
from accounts.notify import About, Work, tell, version_subject
from audit.services import record

from .models import Acknowledgement, AckRequest, AckRequestQuerySet, Campaign
from .selectors import is_superseded

BATCH_SIZE = 2000
LATE_JOINER_DAYS = 14  # a person who joins late gets at least this long to acknowledge


def audience(
    organization_id: int,
    group_ids: Iterable[int] | None,
    rule: dict[str, Any] | None = None,
) -> QuerySet[Membership]:
    """The one rule for who a campaign asks: active people of the institution who are in the
    chosen groups or match any include condition of the rule (everyone when there is none),
    and match no exclude condition. The publish preview and the campaign both use it, so the
    preview counts exactly who will be asked."""
    qs = Membership.objects.filter(
        organization_id=organization_id, is_active=True, user__is_active=True
    )
    rule = rule or {}
    include = list(rule.get("include") or [])
    if group_ids is not None:
        include.insert(0, {"field": "staff_group", "values": list(group_ids)})
    query = audience_rules.rule_q({"include": include, "exclude": rule.get("exclude") or []})
    return qs.filter(query) if query else qs


PREVIEW_SAMPLE = 5


def preview_audience(
    organization_id: int,
    group_ids: Iterable[int] | None,
    rule: dict[str, Any] | None = None,
    *,
    sample: int = PREVIEW_SAMPLE,
) -> dict[str, Any]:
    """Who would be asked, in two queries: a count per department and a few names.

    The count groups the people by department id alone (the aggregate the database would run
    anyway, not a sort by name of every person); the few groups are put in order here.
    """
    qs = audience(organization_id, group_ids, rule)
    counted = (
        qs.order_by()
        .values("staff_group_id")
        .annotate(group_name=Min("staff_group__name"), n=Count("pk"))
        .values_list("group_name", "n")
    )
    groups: list[dict[str, Any]] = [
        {"name": group or "No staff group", "count": n}
        for group, n in sorted(counted, key=lambda g: (g[0] is None, g[0] or ""))
    ]
    names = [
        name or email
        for name, email in qs.order_by("user__full_name", "user__email").values_list(
            "user__full_name", "user__email"
        )[:sample]
    ]
    total = sum(g["count"] for g in groups)
    return {"total": total, "groups": groups, "sample": names, "more": max(0, total - len(names))}


def _targets(campaign: Campaign, membership_ids: Iterable[int] | None) -> Any:
    group_ids = (
        None if campaign.all_staff else list(campaign.target_groups.values_list("pk", flat=True))
    )
    if group_ids == [] and campaign.audience_rule.get("include"):
        group_ids = None  # the rule alone says who is included
    qs = audience(campaign.organization_id, group_ids, campaign.audience_rule)
    if membership_ids is not None:
        qs = qs.filter(pk__in=list(membership_ids))
    return qs


def chunks(qs: Any, fields: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
    """Walk a queryset by primary key, BATCH_SIZE rows at a time (keyset, not OFFSET)."""
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:BATCH_SIZE])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def target_campaign(
    *, campaign_id: int, membership_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> int:
    """Create the campaign's acknowledgement requests in batches and tell each person.

    Idempotent: a person who already has a request is skipped. With ``membership_ids`` only
    those people are considered (late joiners), and they get at least LATE_JOINER_DAYS.
    """
    day = today or timezone.localdate()
    campaign = Campaign.objects.select_related("version__guideline", "organization").get(
        pk=campaign_id
    )
    if not campaign.is_open:
        return 0
    due = campaign.due_date
    if membership_ids is not None:
        due = max(due, day + dt.timedelta(days=LATE_JOINER_DAYS))
    created_total = 0
    qs = _targets(campaign, membership_ids)
    for rows in chunks(qs, ("user_id", "staff_group_id")):
        with transaction.atomic():
            # One populating run per campaign at a time, so nobody is told twice.
            Campaign.objects.select_for_update().get(pk=campaign.pk)
            ids = [r[0] for r in rows]
            existing = set(
                AckRequest.objects.filter(campaign=campaign, membership_id__in=ids).values_list(
                    "membership_id", flat=True
                )
            )
            new_rows = [r for r in rows if r[0] not in existing]
            if not new_rows:
                continue
            # Someone who already acknowledged the version counts as done when it is published;
            # a yearly cycle asks everyone again, whatever they signed before.
            done = (
                {}
                if campaign.kind == Campaign.Kind.CYCLE
                else dict(
                    Acknowledgement.objects.filter(
                        version_id=campaign.version_id, user_id__in=[r[1] for r in new_rows]
                    ).values_list("user_id", "acknowledged_at")
                )
            )
            AckRequest.objects.bulk_create(
                [
                    AckRequest(
                        campaign=campaign,
                        membership_id=pk,
                        user_id=user_id,
                        staff_group_id=group_id,
                        due_date=due,
                        acknowledged_at=done.get(user_id),
                    )
                    for pk, user_id, group_id in new_rows
                ],
                batch_size=BATCH_SIZE,
                ignore_conflicts=True,
            )
            _link_replaced(campaign, [r[0] for r in new_rows])
            to_tell = [r[1] for r in new_rows if r[1] not in done]
            created_total += len(new_rows)
            # The in-app notice commits with the request it announces (a run stopped between
            # the two would otherwise leave people asked but never told); e-mail follows commit.
            _tell_requested(campaign, to_tell, due)
    with transaction.atomic():
        if campaign.populated_at is None:
            Campaign.objects.filter(pk=campaign.pk).update(populated_at=timezone.now())
        record(
            "publishing.campaign.targeted",
            organization=campaign.organization,
            obj=campaign,
            guideline_id=campaign.version.guideline_id,
            details={
                "version": campaign.version.number,
                "requests_created": created_total,
                "late_joiners": membership_ids is not None,
            },
            actor_label="background task",
        )
    return created_total


def _link_replaced(campaign: Campaign, membership_ids: Sequence[int]) -> None:
    """Point each person's unanswered request of an earlier campaign of the guideline (the last
    cycle, or a version that was replaced) at the request that takes its place."""
    old = list(
        AckRequest.objects.filter(AckRequestQuerySet.unanswered_q())
        .filter(
            membership_id__in=membership_ids,
            campaign__publication__guideline_id=campaign.version.guideline_id,
            replaced_by__isnull=True,
        )
        .exclude(campaign=campaign)
        .only("pk", "membership_id", "replaced_at", "replaced_reason")
    )
    if not old:
        return
    new = dict(
        AckRequest.objects.filter(
            campaign=campaign, membership_id__in=[r.membership_id for r in old]
        ).values_list("membership_id", "pk")
    )
    now = timezone.now()
    for row in old:
        row.replaced_by_id = new.get(row.membership_id)
        row.replaced_at = row.replaced_at or now
        row.replaced_reason = (
            row.replaced_reason
            or (f"Replaced by the {campaign.label.lower()} of version {campaign.version.number}.")[
                :300
            ]
        )
    AckRequest.objects.bulk_update(
        old, ["replaced_by", "replaced_at", "replaced_reason"], batch_size=BATCH_SIZE
    )


def ack_url(version_id: int) -> str:
    return reverse("publishing:acknowledge", args=[version_id])


def _tell_requested(campaign: Campaign, user_ids: Sequence[int], due: dt.date) -> None:
    if not user_ids:
        return
    version = campaign.version
    title = version.guideline.title
    tell(
        User.objects.filter(pk__in=user_ids, is_active=True).only(
            "email", "full_name", "email_comments"
        ),
        organization=campaign.organization,
        message=f"Please read and acknowledge {title} (version {version.number}) "
        f"by {fmt(due, organization=campaign.organization)}.",
        url=ack_url(version.pk),
        template="ack_request",
        ref=f"ack:{campaign.pk}",
        subject=f"Please acknowledge: {title}, version {version.number}",
        context={"version": version, "guideline": version.guideline, "due_date": due},
        about=About(Work.ACKNOWLEDGE, version_subject(version.pk)),
    )


def follow_members(
    *, organization_id: int, membership_ids: Sequence[int], today: dt.date | None = None
) -> dict[str, int]:
    """Joiners, movers and leavers: every open campaign asks those of these people who now
    match its audience (due counted from today) and closes the pending requests of those who
    no longer do, with the reason. Closed requests are kept, never overdue, never deleted."""
    day = today or timezone.localdate()
    now = timezone.now()
    totals = {"asked": 0, "closed": 0, "reopened": 0}
    campaigns = Campaign.objects.filter(
        organization_id=organization_id, status=Campaign.Status.OPEN
    ).select_related("publication", "version")
    for campaign in campaigns:
        if is_superseded(campaign.publication, on=day):
            continue
        due = max(campaign.due_date, day + dt.timedelta(days=LATE_JOINER_DAYS))
        closed = reopened = 0
        matching: list[int] = []
        for start in range(0, len(membership_ids), BATCH_SIZE):
            ids = list(membership_ids[start : start + BATCH_SIZE])
            with transaction.atomic():
                Campaign.objects.select_for_update().get(pk=campaign.pk)
                now_matching = set(_targets(campaign, ids).values_list("pk", flat=True))
                gone = set(
                    Membership.objects.filter(pk__in=ids)
                    .filter(Q(is_active=False) | Q(user__is_active=False))
                    .values_list("pk", flat=True)
                )
                stale = AckRequest.objects.pending().filter(
                    campaign=campaign, membership_id__in=[i for i in ids if i not in now_matching]
                )
                closed += stale.filter(membership_id__in=gone).update(
                    closed_at=now, closed_reason=AckRequest.ClosedReason.LEFT
                )
                closed += stale.update(
                    closed_at=now, closed_reason=AckRequest.ClosedReason.NOT_IN_AUDIENCE
                )
                reopened += AckRequest.objects.filter(
                    campaign=campaign,
                    membership_id__in=now_matching,
                    closed_at__isnull=False,
                    acknowledged_at__isnull=True,
                ).update(closed_at=None, closed_reason="", due_date=due)
                matching.extend(now_matching)
        if closed or reopened:
            with transaction.atomic():
                record(
                    "publishing.campaign.requests_closed",
                    organization=campaign.organization,
                    obj=campaign,
                    guideline_id=campaign.version.guideline_id,
                    details={"closed": closed, "reopened": reopened},
                    actor_label="directory change",
                )
        if matching:
            totals["asked"] += target_campaign(
                campaign_id=campaign.pk, membership_ids=matching, today=day
            )
        totals["closed"] += closed
        totals["reopened"] += reopened
    return totals


def add_late_joiners(*, organization_id: int, membership_ids: Sequence[int]) -> int:
    """People who joined after publishing are asked to acknowledge the guideline in force."""
    today = timezone.localdate()
    created = 0
    for campaign in Campaign.objects.filter(
        organization_id=organization_id, status=Campaign.Status.OPEN
    ).select_related("publication", "organization"):
        if is_superseded(campaign.publication, on=today):
            continue
        if (
            campaign.organization.attestation_cycle == AttestationCycle.YEARLY
            and campaign.due_date < today
        ):
            continue  # yearly only: a newcomer attests with everyone at the next cycle
        created += target_campaign(
            campaign_id=campaign.pk, membership_ids=membership_ids, today=today
        )
    return created
