"""Recompute hash chains: the first event whose content or link no longer matches is named."""

from __future__ import annotations

from dataclasses import dataclass

from .models import AuditEvent, ChainHead


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    sequence: int
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.event_id}" if self.event_id else "a missing event"
        return f"{self.chain}: {where} at position {self.sequence}: {self.reason}"


def verify_chain(organization_id: int | None, batch: int = 5000) -> ChainProblem | None:
    """Walk one chain in order; return the first problem, or None when it is intact."""
    key = ChainHead.key_for(organization_id)
    expected_prev = "0" * 64
    expected_seq = 1
    qs = AuditEvent.objects.filter(organization_id=organization_id).order_by("sequence")  # type: ignore[misc]
    last_seq = 0
    while True:
        events = list(qs.filter(sequence__gt=last_seq)[:batch])
        if not events:
            break
        for event in events:
            if event.sequence != expected_seq:
                return ChainProblem(key, expected_seq, None, "removed (the sequence has a gap)")
            if event.prev_hash != expected_prev:
                return ChainProblem(
                    key, event.sequence, event.pk, "its link to the previous event was altered"
                )
            if event.compute_hash() != event.hash:
                return ChainProblem(key, event.sequence, event.pk, "its content was altered")
            expected_prev = event.hash
            expected_seq += 1
            last_seq = event.sequence
    head = ChainHead.objects.filter(key=key).first()
    if head is not None and head.sequence != expected_seq - 1:
        return ChainProblem(
            key, expected_seq, None, "removed (the chain ends before its recorded head)"
        )
    if head is not None and head.sequence and head.hash != expected_prev:
        return ChainProblem(key, head.sequence, None, "the last event was altered")
    return None


def verify_all() -> list[ChainProblem]:
    org_ids = list(
        AuditEvent.objects.order_by().values_list("organization_id", flat=True).distinct()
    )
    problems = [verify_chain(org_id) for org_id in org_ids]
    return [p for p in problems if p is not None]
