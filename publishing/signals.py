"""Late joiners: people added by invitation or import are asked to acknowledge too."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.models import Organization
from accounts.signals import members_changed, members_joined

from . import targeting, tasks
from .models import Campaign


@receiver(members_joined)
def ask_late_joiners(
    sender: Any,
    organization: Organization,
    membership_ids: list[int],
    background: bool = True,
    **kw: Any,
) -> None:
    """Queue the requests, or (``background=False``, from a job already in the background)
    create them here, inside the sender's transaction, so they commit with its bookmark."""
    if not Campaign.objects.filter(organization=organization, status=Campaign.Status.OPEN).exists():
        return
    if background:
        tasks.add_late_joiners.delay(organization.pk, list(membership_ids))
    else:
        targeting.add_late_joiners(
            organization_id=organization.pk, membership_ids=list(membership_ids)
        )


@receiver(members_changed)
def follow_directory_changes(
    sender: Any,
    organization: Organization,
    membership_ids: list[int],
    background: bool = True,
    **kw: Any,
) -> None:
    """Joiners, movers and leavers: ask who now matches, close what no longer applies."""
    if not Campaign.objects.filter(organization=organization, status=Campaign.Status.OPEN).exists():
        return
    if background:
        tasks.follow_members.delay(organization.pk, list(membership_ids))
    else:
        targeting.follow_members(
            organization_id=organization.pk, membership_ids=list(membership_ids)
        )
