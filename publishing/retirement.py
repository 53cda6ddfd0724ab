"""Retiring a guideline that no longer applies, keeping every record it has.

It lives on the publishing floor because retiring must also stop asking staff to acknowledge
the guideline: its open acknowledgement campaigns are closed in the same transaction.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.notify import About, Work, guideline_subject, resolve, version_subject
from audit.services import record
from guidelines.models import Guideline, Version
from guidelines.services import GuidelineError

from .models import AckRequest, Campaign

REASON_MAX = 1000


def open_work(guideline: Guideline) -> list[str]:
    """What would be cut off by retiring: an open draft, or versions in review or approved."""
    problems = []
    if guideline.drafts.filter(is_open=True).exists():
        problems.append("an open draft (discard it first)")
    pending = guideline.versions.filter(
        status__in=[Version.Status.IN_REVIEW, Version.Status.APPROVED]
    ).values_list("number", "status")
    for number, status in pending:
        label = "in review" if status == Version.Status.IN_REVIEW else "approved, not published"
        problems.append(f"version {number} ({label})")
    return problems


def retire_guideline(
    *, guideline: Guideline, by: User, reason: str, request: HttpRequest | None = None
) -> list[int]:
    """Mark the guideline retired and close its open campaigns; returns the closed campaigns.

    Refused while work on it is still open, so no review or publication is left stranded.
    Versions, signatures and acknowledgements are untouched and stay readable for auditors.
    """
    reason = reason.strip()
    if not reason:
        raise GuidelineError("Say why the guideline is retired: auditors read the reason.")
    if len(reason) > REASON_MAX:
        raise GuidelineError(f"Keep the reason under {REASON_MAX} characters.")
    with transaction.atomic():
        locked = Guideline.objects.select_for_update().get(pk=guideline.pk)
        if locked.status == Guideline.Status.RETIRED:
            raise GuidelineError("This guideline is already retired.")
        problems = open_work(locked)
        if problems:
            raise GuidelineError(
                "Not retired: this guideline still has " + "; ".join(problems) + "."
            )
        open_campaigns = list(
            Campaign.objects.filter(version__guideline=locked, status=Campaign.Status.OPEN)
            .select_for_update()
            .values_list("pk", "version_id")
        )
        campaigns = [pk for pk, _ in open_campaigns]
        Campaign.objects.filter(pk__in=campaigns).update(status=Campaign.Status.CLOSED)
        # Nobody owes an acknowledgement of a guideline that no longer applies: the unanswered
        # requests are closed with the reason, kept in the roster, never overdue.
        AckRequest.objects.pending().filter(campaign_id__in=campaigns).update(
            closed_at=timezone.now(), closed_reason=AckRequest.ClosedReason.RETIRED
        )
        resolve(
            About(Work.REVIEW_CYCLE, guideline_subject(locked.pk)),
            *(About(Work.ACKNOWLEDGE, version_subject(v)) for _, v in open_campaigns),
        )
        locked.status = Guideline.Status.RETIRED
        locked.save(update_fields=["status"])
        record(
            "guidelines.guideline.retired",
            actor=by,
            organization=locked.organization,
            obj=locked,
            guideline_id=locked.pk,
            details={"reason": reason, "closed_campaigns": campaigns},
            request=request,
        )
    return campaigns
