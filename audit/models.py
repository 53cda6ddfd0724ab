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


# Each person's acknowledgements go to one of this many chains of the institution (its
# "personal lanes", 1..PERSONAL_LANES), chosen by the person's id; everything else goes to lane
# 0. Appends to one chain are serialised by its head's lock, so with one chain per institution
# two people acknowledging at once waited for each other; now they rarely share a chain. The
# number can change at any time: every event stores its lane, and verification reads the lanes
# from the data.
PERSONAL_LANES = 16


def personal_lane(person_id: int) -> int:
    """The lane a person's own acknowledgements are chained in (the same one every time, so
    that one chain holds a person's acknowledgements in order)."""
    return 1 + person_id % PERSONAL_LANES


class AuditEvent(models.Model):
    """One action; hash-chained per institution and lane, so that a later edit or removal
    shows."""

    # No index of its own: the chain constraint and the time index lead with it, and every
    # event written updates each index the table has.
    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)  # e-mail as typed, kept verbatim
    # One plain index (see Meta), not Django's pair of a plain and a LIKE index: every
    # event written (one per acknowledgement) updates each index the table has.
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    guideline_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    # No index of its own: every read of the trail is an institution's, by time or by chain.
    created_at = models.DateTimeField()
    # Which of the institution's chains the event is a link of (0: the institution's main
    # chain; see PERSONAL_LANES); ``sequence`` is its position in that chain.
    lane = models.PositiveSmallIntegerField(default=0, db_default=0)
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
            # Two writers can never both extend a chain from the same event.
            models.UniqueConstraint(
                fields=["organization", "lane", "sequence"], name="audit_unique_lane_sequence"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["action"], name="audit_event_action"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events cannot be removed.")

    def payload(self) -> dict[str, Any]:
        """The fields the hash covers, in a stable form. The lane is covered when it is not
        the main chain's (events written before lanes existed keep their hashes); moving an
        event between lanes changes its hash either way."""
        data = {
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
        if self.lane:
            data["lane"] = self.lane
        return data

    @property
    def position(self) -> str:
        """Where the event sits, for people: its sequence, with the lane when not the main
        chain ("3·17": the 17th event of lane 3)."""
        return f"{self.lane}·{self.sequence}" if self.lane else str(self.sequence)

    def compute_hash(self) -> str:
        data = json.dumps(self.payload(), sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


class ChainHead(models.Model):
    """The last link of one chain (one per institution and lane, plus the institution-less
    events'); locking this row serialises the chain's writers so that it never forks."""

    key = models.CharField(max_length=40, unique=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC of (key, sequence, hash): moving the head back needs the audit key, or an old copy.
    mac = models.CharField(max_length=64, blank=True, default="")
    key_id = models.CharField(max_length=16, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.key} #{self.sequence}"

    @staticmethod
    def key_for(organization_id: int | None, lane: int = 0) -> str:
        """The key of institution 5's main chain is "org:5", of its lane 3 "org:5/3"; events
        of no institution are chained under "global" (and "global/3")."""
        base = f"org:{organization_id}" if organization_id is not None else "global"
        return f"{base}/{lane}" if lane else base

    @staticmethod
    def chain_of(key: str) -> tuple[int | None, int]:
        """The institution (None for the institution-less events) and lane a chain key names;
        ValueError for a key that names no chain."""
        base, slash, lane_text = key.partition("/")
        if slash and (not lane_text.isdigit() or lane_text.startswith("0")):
            raise ValueError(f"not a chain key: {key!r}")
        lane = int(lane_text) if slash else 0
        if base == "global":
            return None, lane
        prefix, _, number = base.partition(":")
        if prefix != "org" or not number.isdigit():
            raise ValueError(f"not a chain key: {key!r}")
        return int(number), lane

    @staticmethod
    def keys_of(field: str, organization_id: int | None) -> models.Q:
        """A filter on ``field`` (a chain key) for every chain of the institution: its main
        chain's key and each lane's ("org:5", "org:5/…", but not "org:55")."""
        base = ChainHead.key_for(organization_id)
        return models.Q(**{field: base}) | models.Q(**{f"{field}__startswith": f"{base}/"})

    @staticmethod
    def organization_for(key: str) -> int | None:
        """The institution a chain key names (None for the institution-less chain); ValueError
        for a key that names no chain."""
        return ChainHead.chain_of(key)[0]


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
