"""Late joiners: people added by invitation or import are asked to acknowledge too; a renamed
guideline's kept versions are forgotten (``publishing.frozen``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Organization
from accounts.signals import members_changed, members_joined
from guidelines.models import Guideline

from . import frozen, targeting, tasks
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


@receiver(post_save, sender=Guideline)
def forget_renamed(sender: Any, instance: Guideline, update_fields: Any = None, **kw: Any) -> None:
    """A kept version carries its guideline's title into the acknowledge message: a save that
    may change the title forgets the guideline's kept versions once it commits (forgetting
    sooner could let a request keep the old title again before the commit)."""
    if update_fields is not None and "title" not in update_fields:
        return
    guideline_id = instance.pk
    transaction.on_commit(lambda: frozen.forget_guideline(guideline_id))
