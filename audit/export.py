"""The audit trail as CSV rows: one shape for the trail export and for evidence packs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC

from django.db.models import QuerySet

from config.csv_export import safe_cell

from .models import AuditEvent

CSV_HEADER = [
    "sequence",
    "time_utc",
    "action",
    "actor_email",
    "object_type",
    "object_id",
    "object",
    "guideline_id",
    "details",
    "ip_address",
    "user_agent",
    "prev_hash",
    "hash",
    # Last, so that readers of the columns before it are not disturbed: the chain (0, the
    # institution's main chain, or a personal lane) in which ``sequence`` is the position.
    "lane",
]

# The trail in the order things happened, across the institution's chains (a position is
# only an order within its own chain).
CHRONOLOGICAL = ("created_at", "id")


def event_rows(qs: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    """One formula-safe row per event, read in chunks so a long trail streams."""
    for e in qs.iterator(chunk_size=2000):
        yield [
            safe_cell(v)
            for v in (
                e.sequence,
                e.created_at.astimezone(UTC).isoformat(),
                e.action,
                e.actor_label,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.guideline_id,
                json.dumps(e.details, sort_keys=True, default=str),
                e.ip_address,
                e.user_agent,
                e.prev_hash,
                e.hash,
                e.lane,
            )
        ]
