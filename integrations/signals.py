"""The audit trail feeds the event outbox: one receiver, inside the audited transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from audit.models import AuditEvent
from audit.signals import recorded

from . import events

log = logging.getLogger(__name__)


@receiver(recorded, dispatch_uid="integrations.announce")
def announce(sender: Any, event: AuditEvent, **kwargs: Any) -> None:
    kind = events.FROM_AUDIT.get(event.action)
    if kind is None or event.organization_id is None:
        return
    # Free when nobody subscribed (the common case): the hot path of acknowledging stays as is.
    if kind not in events.wanted(event.organization_id):
        return
    try:
        # A savepoint: a fault here is logged and never undoes the change being audited.
        with transaction.atomic():
            events.announce(event)
    except Exception:
        log.exception("Event for audit record %s not recorded", event.pk)
