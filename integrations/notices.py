"""Scheduled announcements: a campaign crossing its overdue threshold, the daily summary.

Run hourly by ``manage.py send_integration_notices``. Each announcement has a key (the
endpoint and campaign, or the endpoint and day), so running it again announces nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from publishing.models import AckRequest, AckRequestQuerySet, Campaign

from .events import emit, site_url
from .models import Endpoint, EventType

SCHEDULED = (EventType.OVERDUE_THRESHOLD, EventType.OVERDUE_SUMMARY)


def open_campaign_figures(organization_id: int, today: dt.date) -> list[dict[str, Any]]:
    """Each open campaign of the institution with its totals, in two queries."""
    campaigns = list(
        Campaign.objects.filter(organization_id=organization_id, status=Campaign.Status.OPEN)
        .select_related("version__guideline")
        .order_by("pk")
    )
    counts = {
        row["campaign_id"]: row
        for row in AckRequest.objects.filter(campaign__in=[c.pk for c in campaigns])
        .values("campaign_id")
        .annotate(
            total=Count("pk", filter=AckRequestQuerySet.open_q()),
            overdue=Count("pk", filter=AckRequestQuerySet.overdue_q(on=today)),
        )
        .order_by()
    }
    rows = []
    for c in campaigns:
        figures = counts.get(c.pk, {"total": 0, "overdue": 0})
        total, overdue = figures["total"], figures["overdue"]
        rows.append(
            {
                "campaign_id": c.pk,
                "guideline": c.version.guideline.title,
                "guideline_id": c.version.guideline_id,
                "version": c.version.number,
                "due_date": c.due_date.isoformat(),
                "total": total,
                "overdue": overdue,
                "overdue_percent": (overdue * 100) // total if total else 0,
                "url": site_url(reverse("publishing:tracking", kwargs={"pk": c.pk})),
            }
        )
    return rows


def send(*, today: dt.date | None = None) -> int:
    """Announce what is due; returns how many events were recorded."""
    day = today or timezone.localdate()
    by_org: dict[int, list[Endpoint]] = defaultdict(list)
    for endpoint in Endpoint.objects.filter(is_active=True).order_by("pk"):
        if any(endpoint.wants(kind) for kind in SCHEDULED):
            by_org[endpoint.organization_id].append(endpoint)
    made = 0
    for org_id, endpoints in by_org.items():
        rows = open_campaign_figures(org_id, day)
        with transaction.atomic():
            for endpoint in endpoints:
                if endpoint.wants(EventType.OVERDUE_THRESHOLD):
                    for row in rows:
                        if row["total"] and row["overdue_percent"] >= endpoint.overdue_threshold:
                            made += _emit(
                                org_id,
                                EventType.OVERDUE_THRESHOLD,
                                f"threshold:{endpoint.pk}:{row['campaign_id']}",
                                {
                                    **_campaign_data(row),
                                    "threshold_percent": endpoint.overdue_threshold,
                                },
                                endpoint,
                            )
                if endpoint.wants(EventType.OVERDUE_SUMMARY):
                    overdue = [r for r in rows if r["overdue"]]
                    made += _emit(
                        org_id,
                        EventType.OVERDUE_SUMMARY,
                        f"summary:{endpoint.pk}:{day.isoformat()}",
                        {
                            "day": day.isoformat(),
                            "campaigns": overdue,
                            "url": site_url(reverse("publishing:campaigns")),
                        },
                        endpoint,
                    )
    return made


def _campaign_data(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "campaign_id": row["campaign_id"],
        "guideline": {"id": row["guideline_id"], "title": row["guideline"]},
        "version": {"number": row["version"]},
        "due_date": row["due_date"],
        "total": row["total"],
        "overdue": row["overdue"],
        "overdue_percent": row["overdue_percent"],
        "url": row["url"],
    }


def _emit(org_id: int, kind: str, key: str, data: dict[str, Any], endpoint: Endpoint) -> int:
    event = emit(organization_id=org_id, type=kind, key=key, data=data, endpoints=[endpoint])
    return 1 if event is not None else 0
