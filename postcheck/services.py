"""Counting checks (the only trace of one) and sending a draft for a second look."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.access import draft_editors_of
from accounts.models import Organization, User
from accounts.notify import tell
from audit.services import record

from .detect import Report
from .models import DailyCount, SecondLook


def count_check(*, organization: Organization) -> None:
    """One more check today at this institution: a number, never the text."""
    day = timezone.localdate()
    if DailyCount.objects.filter(organization=organization, day=day).update(checks=F("checks") + 1):
        return
    try:
        with transaction.atomic():
            DailyCount.objects.create(organization=organization, day=day, checks=1)
    except IntegrityError:  # someone else's first check of the day won the race
        DailyCount.objects.filter(organization=organization, day=day).update(checks=F("checks") + 1)


def send_for_second_look(
    *,
    organization: Organization,
    by: User,
    text: str,
    platform: str,
    sponsorship: str,
    posting_as: str,
    note: str,
    report: Report,
) -> SecondLook:
    """Store the draft the writer chose to send, record it, tell the social media team."""
    with transaction.atomic():
        look = SecondLook.objects.create(
            organization=organization,
            sent_by=by,
            text=text,
            platform=platform,
            sponsorship=sponsorship,
            posting_as=posting_as,
            note=note,
            findings=[
                {"code": f.code, "title": f.title, "section": f.section} for f in report.findings
            ],
        )
        # The trail says a draft was sent, never what it said.
        record(
            "postcheck.second_look.sent",
            actor=by,
            organization=organization,
            obj=look,
            details={"findings": len(report.findings)},
        )
        team = list(draft_editors_of(organization).exclude(pk=by.pk))
        transaction.on_commit(
            lambda: tell(
                team,
                organization=organization,
                message=f"{by.full_name} asks for a second look at a draft post.",
                url=reverse("postcheck:second_look", kwargs={"pk": look.pk}),
                template="second_look",
                subject="A draft post for a second look",
                context={"sender": by, "look": look},
            )
        )
    return look


class SecondLookError(Exception):
    """A refused change to a second look, with a message for the person."""


def mark_done(*, look: SecondLook, by: User) -> SecondLook:
    """The team has looked: the request leaves the open list."""
    if look.done_at is not None:
        raise SecondLookError("Someone on the team already marked this draft as looked at.")
    with transaction.atomic():
        locked = SecondLook.objects.select_for_update().get(pk=look.pk)
        if locked.done_at is not None:
            raise SecondLookError("Someone on the team already marked this draft as looked at.")
        locked.done_at = timezone.now()
        locked.done_by = by
        locked.save(update_fields=["done_at", "done_by"])
        record("postcheck.second_look.done", actor=by, organization=look.organization, obj=locked)
    return locked
