"""Yearly attestation: each cycle opens a campaign of its own for the guideline in force.

Healthcare compliance programmes ask staff to attest every year even when the text has not
changed, so a cycle asks everyone again (a new request, answered by a new acknowledgement),
with its own due date and figures. ``open_due_cycles`` runs daily from ``send_reminders``;
it is idempotent (the guideline row is locked and a unique constraint allows one cycle per
publication and day), so running it twice opens nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import AttestationCycle, Organization
from audit.services import record
from guidelines.models import Guideline

from . import tasks
from .models import AckRequest, Campaign, Publication
from .selectors import in_force
from .services import add_months

CYCLE_MONTHS = 12


def next_cycle_on(guideline: Guideline, publication: Publication) -> dt.date:
    """The day the next cycle opens: a year after the guideline's latest campaign began (a
    new version's campaign restarts the clock), or after the version took effect."""
    latest = (
        Campaign.objects.filter(publication__guideline=guideline, starts_on__isnull=False)
        .order_by("-starts_on")
        .values_list("starts_on", flat=True)
        .first()
    )
    return add_months(latest or publication.effective_date, CYCLE_MONTHS)


def open_due_cycles(*, today: dt.date | None = None) -> int:
    """Open this year's campaign for every guideline in force whose cycle is due."""
    day = today or timezone.localdate()
    opened = 0
    for organization in Organization.objects.exclude(attestation_cycle=AttestationCycle.OFF):
        for guideline in Guideline.objects.filter(
            organization=organization, status=Guideline.Status.ACTIVE
        ):
            campaign_id = open_cycle(guideline=guideline, today=day)
            if campaign_id is not None:
                opened += 1
    return opened


def open_cycle(*, guideline: Guideline, today: dt.date) -> int | None:
    """Open the cycle if it is due; returns the new campaign's id, or None."""
    with transaction.atomic():
        Guideline.objects.select_for_update().get(pk=guideline.pk)
        publication = in_force(guideline, on=today)
        if publication is None or next_cycle_on(guideline, publication) > today:
            return None
        organization = guideline.organization
        template = (
            Campaign.objects.filter(publication__guideline=guideline)
            .order_by("-starts_on", "-pk")
            .first()
        )
        campaign = Campaign.objects.create(
            organization=organization,
            publication=publication,
            version=publication.version,
            kind=Campaign.Kind.CYCLE,
            starts_on=today,
            due_date=today + dt.timedelta(days=organization.attestation_days),
            all_staff=template.all_staff if template else True,
            # The audience stays as published: the same rule over HR attributes, applied to
            # the staff of this year (joiners in, leavers out).
            audience_rule=dict(template.audience_rule) if template else {},
            created_by=None,
            # The admin's reminder schedule carries over from one cycle to the next.
            **({f: getattr(template, f) for f in Campaign.SCHEDULE_FIELDS} if template else {}),
        )
        if template is not None and not template.all_staff:
            campaign.target_groups.set(template.target_groups.all())
        # The last cycle (or the version's own campaign) stops asking; its unanswered requests
        # are replaced by this cycle's, which the targeting links one by one.
        closed = list(
            Campaign.objects.filter(
                publication__guideline=guideline, status=Campaign.Status.OPEN
            ).exclude(pk=campaign.pk)
        )
        Campaign.objects.filter(pk__in=[c.pk for c in closed]).update(status=Campaign.Status.CLOSED)
        AckRequest.objects.pending().filter(campaign__in=closed).update(
            replaced_at=timezone.now(),
            replaced_reason=f"Replaced by the yearly attestation opened on {today:%d %b %Y}.",
        )
        record(
            "publishing.cycle.opened",
            organization=organization,
            obj=campaign,
            guideline_id=guideline.pk,
            details={
                "version": publication.version.number,
                "starts_on": today.isoformat(),
                "due_date": campaign.due_date.isoformat(),
                "closed_campaigns": [c.pk for c in closed],
                **({"audience_rule": campaign.audience_rule} if campaign.audience_rule else {}),
            },
            actor_label="scheduled",
        )
        campaign_id = campaign.pk
        transaction.on_commit(lambda: tasks.target_campaign.delay(campaign_id))
    return campaign_id
