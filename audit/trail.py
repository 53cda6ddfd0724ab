"""Reading an institution's trail across its chains (its main chain and personal lanes) in
pages that never miss an event: a reader keeps a position per lane, since a position orders
events only within their own chain."""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping

from .models import AuditEvent, ChainHead


def lanes_of(organization_id: int) -> list[int]:
    """The lanes in which the institution has events: each has a head, written with its
    first event (one read of the heads, not of the events)."""
    keys = ChainHead.objects.filter(ChainHead.keys_of("key", organization_id))
    lanes = []
    for key in keys.values_list("key", flat=True):
        try:
            lanes.append(ChainHead.chain_of(key)[1])
        except ValueError:
            continue  # not a chain's head: verification reports it
    return sorted(lanes)


def page_after(
    organization_id: int,
    positions: Mapping[int, int],
    *,
    limit: int,
    since: dt.datetime | None = None,
) -> tuple[list[AuditEvent], dict[int, int]]:
    """Up to ``limit`` events after ``positions`` (the last position read in each lane; a
    lane not named is read from its start, or from ``since``), in the order they happened,
    each lane's events in chain order; and the positions after this page.

    Two reads however many lanes: the lanes, then at most ``limit`` events of each lane (an
    indexed read per lane, joined by ``UNION ALL``), merged by time. A lane's events always
    come out in its own order, so the next page, which starts after each lane's last
    position, misses none even if clocks step."""
    parts: list[str] = []
    params: list[object] = []
    for lane in lanes_of(organization_id):
        qs = AuditEvent.objects.filter(organization_id=organization_id, lane=lane)
        if lane in positions:
            qs = qs.filter(sequence__gt=positions[lane])
        elif since is not None:
            qs = qs.filter(created_at__gte=since)
        sql, part_params = qs.order_by("sequence")[:limit].query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS lane{lane}")  # noqa: S608 (the ORM's SQL)
        params.extend(part_params)
    if not parts:
        return [], dict(positions)
    events = AuditEvent.objects.raw(" UNION ALL ".join(parts), params)
    per_lane: dict[int, list[AuditEvent]] = {}
    for event in events:
        per_lane.setdefault(event.lane, []).append(event)
    for found in per_lane.values():
        found.sort(key=lambda e: e.sequence)  # UNION ALL keeps no order of its own
    merged = heapq.merge(*per_lane.values(), key=lambda e: (e.created_at, e.lane, e.sequence))
    page = [e for _, e in zip(range(limit), merged, strict=False)]
    after = dict(positions)
    for event in page:
        after[event.lane] = event.sequence
    return page, after
