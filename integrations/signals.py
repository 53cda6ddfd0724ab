"""The audit trail feeds the event outbox: one receiver, inside the audited transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from audit.models import AuditEvent

from . import events

log = logging.getLogger(__name__)


@receiver(post_save, sender=AuditEvent, dispatch_uid="integrations.announce")
def announce(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.action not in events.FROM_AUDIT:
        return
    try:
        # A savepoint: a fault here is logged and never undoes the change being audited.
        with transaction.atomic():
            events.announce(instance)
    except Exception:
        log.exception("Event for audit record %s not recorded", instance.pk)
