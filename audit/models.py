"""The append-only audit trail: who did what, when and from where."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be removed.")


class AuditEvent(models.Model):
    """One action; hash-chained per institution so that a later edit or removal shows."""

    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)  # e-mail as typed, kept verbatim
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    guideline_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(db_index=True)
    sequence = models.PositiveBigIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # HMAC of ``hash`` under the audit key named by ``key_id``; the database never holds the key.
    mac = models.CharField(max_length=64, blank=True, default="")
    key_id = models.CharField(max_length=16, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two writers can never both extend the chain from the same event.
            models.UniqueConstraint("organization", "sequence", name="audit_unique_sequence"),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be removed.")

    def payload(self) -> dict[str, Any]:
        """The fields the hash covers, in a stable form."""
        return {
            "organization": self.organization_id,
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "guideline_id": self.guideline_id,
            "details": self.details,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "created_at": self.created_at.isoformat(),
            "sequence": self.sequence,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        data = json.dumps(self.payload(), sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


class ChainHead(models.Model):
    """The last link of one chain (one per institution, plus one for institution-less events);
    locking this row serialises writers so the chain never forks."""

    key = models.CharField(max_length=40, unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC of (key, sequence, hash): moving the head back needs the audit key, or an old copy.
    mac = models.CharField(max_length=64, blank=True, default="")
    key_id = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.key} #{self.sequence}"

    @staticmethod
    def key_for(organization_id: int | None) -> str:
        return f"org:{organization_id}" if organization_id is not None else "global"

    @staticmethod
    def organization_for(key: str) -> int | None:
        """The institution a chain key names (None for the institution-less chain); ValueError
        for a key that names no chain."""
        if key == "global":
            return None
        prefix, _, number = key.partition(":")
        if prefix != "org" or not number.isdigit():
            raise ValueError(f"not a chain key: {key!r}")
        return int(number)


class VerifiedCheckpointQuerySet(models.QuerySet["VerifiedCheckpoint"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Checkpoints cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Checkpoints cannot be removed.")


class VerifiedCheckpoint(models.Model):
    """Where one chain stood when a verification last passed, signed with the audit key, so
    that routine verification starts here instead of at the chain's first event.

    The MAC covers the chain, how many events it held (the last one's position), that event's
    row id and hash, the kind of verification that vouched, and when: someone who can write to
    the database but lacks the key can neither forge one nor move one forward."""

    class Mode(models.TextChoices):
        FULL = "full", "Full"
        ROUTINE = "routine", "Routine"

    chain = models.CharField(max_length=40)
    count = models.PositiveBigIntegerField()
    event_id = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    mode = models.CharField(max_length=10, choices=Mode.choices)
    created_at = models.DateTimeField(default=timezone.now)
    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64)

    objects = VerifiedCheckpointQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["chain", "-count"], name="audit_checkpoint_latest")]

    def __str__(self) -> str:
        return f"{self.chain} #{self.count} ({self.mode}, {self.created_at:%Y-%m-%d %H:%M})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Checkpoints cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Checkpoints cannot be removed.")
