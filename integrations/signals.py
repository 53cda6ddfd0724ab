"""The audit trail feeds the event outbox: one receiver, inside the audited transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.signals import acts_on, recorded

from . import events

log = logging.getLogger(__name__)


@acts_on
def subscribed(action: str, organization_id: int | None) -> bool:
    """Whether an active endpoint of the institution subscribes to what this action announces.

    Free when nobody subscribed (the common case): the list is cached (``events.wanted``)."""
    kind = events.FROM_AUDIT.get(action)
    if kind is None or organization_id is None:
        return False
    return kind in events.wanted(organization_id)


@receiver(recorded, dispatch_uid="integrations.announce")
def announce(sender: Any, event: AuditEvent, **kwargs: Any) -> None:
    if not subscribed(event.action, event.organization_id):
        return
    try:
        # A savepoint: a fault here is logged and never undoes the change being audited.
        with transaction.atomic():
            events.announce(event)
    except Exception:
        log.exception("Event for audit record %s not recorded", event.pk)
