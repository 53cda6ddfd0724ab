"""Late joiners: people added by invitation or import are asked to acknowledge too."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.signals import members_joined


@receiver(members_joined)
def ask_late_joiners(sender: Any, organization: Any, membership_ids: list[int], **kw: Any) -> None:
    from .models import Campaign
    from .tasks import add_late_joiners

    if Campaign.objects.filter(organization=organization, status=Campaign.Status.OPEN).exists():
        add_late_joiners.delay(organization.pk, list(membership_ids))
