"""Check every audit chain against its head, its MACs and any outside checkpoints; the first
event (or position) where a chain stops being what Charter wrote is named.

Verification starts from the chain heads, not from the events that happen to remain, so a chain
whose events were all deleted is still visited. Each chain is read in sequence order in batches,
so memory stays flat however long the history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import models

from .checkpoints import Checkpoint
from .models import AuditEvent, ChainHead
from .signing import Keyring, event_message, head_message

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainProblem:
    chain: str
    sequence: int
    event_id: int | None
    reason: str
    institution: str = ""

    def __str__(self) -> str:
        chain = f"{self.chain} ({self.institution})" if self.institution else self.chain
        if self.event_id:
            return f"{chain}: event #{self.event_id} at position {self.sequence}: {self.reason}"
        return f"{chain}: position {self.sequence}: {self.reason}"


@dataclass(frozen=True)
class ChainReport:
    """How far one chain verified: ``sequence``/``hash`` are its verified end when intact."""

    chain: str
    organization_id: int | None
    sequence: int
    hash: str
    problem: ChainProblem | None


@dataclass
class Verification:
    chains: list[ChainReport] = field(default_factory=list)
    other_problems: list[ChainProblem] = field(default_factory=list)
    checkpoints_checked: int = 0

    @property
    def problems(self) -> list[ChainProblem]:
        found = [c.problem for c in self.chains if c.problem is not None]
        return self.other_problems + found

    @property
    def events(self) -> int:
        return sum(c.sequence for c in self.chains)


class _Walk:
    """One chain read forward from the start, event by event, remembering where it got to."""

    def __init__(
        self,
        chain: str,
        organization_id: int | None,
        keys: Keyring,
        anchors: dict[int, list[Checkpoint]],
        batch: int,
    ) -> None:
        self.chain = chain
        self.organization_id = organization_id
        self.keys = keys
        self.anchors = anchors
        self.batch = batch
        self.sequence = 0
        self.prev = GENESIS
        self.problem: ChainProblem | None = None
        # Filtering on None selects the institution-less chain (IS NULL).
        self.events = AuditEvent.objects.filter(organization_id=organization_id)  # type: ignore[misc]

    def fail(self, sequence: int, event_id: int | None, reason: str) -> None:
        self.problem = ChainProblem(self.chain, sequence, event_id, reason)

    def advance(self) -> int:
        """Read every event after the last one checked; return how many passed."""
        qs = self.events.order_by("sequence")
        passed = 0
        while self.problem is None:
            events = list(qs.filter(sequence__gt=self.sequence)[: self.batch])
            if not events:
                break
            for event in events:
                if not self._accept(event):
                    break
                passed += 1
        return passed

    def _accept(self, event: AuditEvent) -> bool:
        expected = self.sequence + 1
        if event.sequence > expected:
            self.fail(
                expected, None, f"removed (the chain jumps from {expected - 1} to {event.sequence})"
            )
        elif event.sequence < expected:
            self.fail(event.sequence, event.pk, "a second event claims this position (inserted)")
        elif event.prev_hash != self.prev:
            self.fail(event.sequence, event.pk, "its link to the previous event was altered")
        elif (digest := event.compute_hash()) != event.hash:
            self.fail(event.sequence, event.pk, "its content was altered")
        elif not event.mac:
            self.fail(event.sequence, event.pk, "it carries no MAC (written around Charter)")
        elif not self.keys.knows(event.key_id):
            self.fail(
                event.sequence,
                event.pk,
                f"it is signed with audit key {event.key_id or '(none)'}, which is not configured "
                "(a retired key missing from AUDIT_HMAC_PREVIOUS_KEYS, or a forgery)",
            )
        elif not self.keys.verifies(event.key_id, event_message(digest), event.mac):
            self.fail(
                event.sequence,
                event.pk,
                "its MAC does not match: it was rewritten and re-hashed without the audit key",
            )
        else:
            for anchor in self.anchors.get(event.sequence, ()):
                if anchor.hash != event.hash:
                    self.fail(
                        event.sequence,
                        event.pk,
                        f"it differs from checkpoint {anchor.source} taken {anchor.at}: "
                        "history was rewritten by someone holding an audit key",
                    )
                    return False
            self.sequence = event.sequence
            self.prev = event.hash
            return True
        return False


def check_chain(
    organization_id: int | None,
    *,
    keys: Keyring,
    anchors: dict[int, list[Checkpoint]] | None = None,
    batch: int = 5000,
) -> ChainReport:
    """Walk one chain and hold it against its head: count, last hash and MAC must all agree."""
    chain = ChainHead.key_for(organization_id)
    anchors = anchors or {}
    walk = _Walk(chain, organization_id, keys, anchors, batch)
    walk.advance()
    head = None
    while walk.problem is None:
        head = ChainHead.objects.filter(key=chain).first()
        if head is None or head.sequence <= walk.sequence:
            break
        # The head is further on: either events were added while we read (read them too), or
        # the end of the chain is gone.
        if walk.advance() == 0 and walk.problem is None:
            walk.fail(
                walk.sequence + 1,
                None,
                f"removed (the chain ends at {walk.sequence}; its head records {head.sequence} "
                f"events, so {head.sequence - walk.sequence} are missing)",
            )
    if walk.problem is None:
        _check_head(walk, head)
    if walk.problem is None:
        beyond = [a for seq, found in anchors.items() if seq > walk.sequence for a in found]
        if beyond:
            anchor = max(beyond, key=lambda a: a.sequence)
            walk.fail(
                walk.sequence + 1,
                None,
                f"removed (checkpoint {anchor.source} taken {anchor.at} saw the chain reach "
                f"{anchor.sequence}; it now ends at {walk.sequence})",
            )
    return ChainReport(chain, organization_id, walk.sequence, walk.prev, walk.problem)


def _check_head(walk: _Walk, head: ChainHead | None) -> None:
    if head is None:
        if walk.sequence:
            walk.fail(
                walk.sequence, None, "the chain head is missing: nothing records where it ends"
            )
        return
    if head.sequence < walk.sequence:
        beyond = walk.events.filter(sequence=head.sequence + 1).first()
        walk.fail(
            head.sequence + 1,
            beyond.pk if beyond else None,
            f"it lies beyond the chain head, which records {head.sequence} events "
            "(the head was moved back)",
        )
    elif head.hash != walk.prev:
        walk.fail(head.sequence, None, "the chain head does not name the last event (altered)")
    elif not walk.keys.verifies(
        head.key_id, head_message(head.key, head.sequence, head.hash), head.mac
    ):
        walk.fail(
            head.sequence,
            None,
            "the chain head's MAC does not match: it was moved back or rewritten without "
            "the audit key",
        )
    else:
        # Positions 1..n each passed once; more rows than that means a repeated position that
        # the batched walk stepped over (only the institution-less chain lacks the constraint).
        count = walk.events.filter(sequence__lte=head.sequence).count()
        if count != head.sequence:
            walk.fail(
                head.sequence,
                None,
                f"{count} events hold positions 1 to {head.sequence} (an event was inserted)",
            )


def verify(*, checkpoints: Iterable[Checkpoint] = (), batch: int = 5000) -> Verification:
    """Every chain that has a head, has events, or appears in a checkpoint, checked in turn."""
    keys = Keyring.from_settings()
    result = Verification()
    anchors: dict[str, dict[int, list[Checkpoint]]] = defaultdict(lambda: defaultdict(list))
    for cp in checkpoints:
        result.checkpoints_checked += 1
        if cp.is_authentic(keys):
            anchors[cp.chain][cp.sequence].append(cp)
        else:
            result.other_problems.append(
                ChainProblem(
                    cp.chain,
                    cp.sequence,
                    None,
                    f"checkpoint {cp.source} is not signed by a configured audit key "
                    "(edited or forged)",
                )
            )
    chains: set[int | None] = {ChainHead.organization_for(k) for k in anchors}
    for key in ChainHead.objects.values_list("key", flat=True):
        try:
            chains.add(ChainHead.organization_for(key))
        except ValueError:
            result.other_problems.append(
                ChainProblem(key, 0, None, "a chain head that names no chain (inserted)")
            )
    chains.update(
        AuditEvent.objects.order_by().values_list("organization_id", flat=True).distinct()
    )
    names = _institution_names({c for c in chains if c is not None})
    for org_id in sorted(chains, key=lambda c: (c is None, c or 0)):
        report = check_chain(
            org_id, keys=keys, anchors=anchors.get(ChainHead.key_for(org_id)), batch=batch
        )
        if report.problem is not None:
            problem = ChainProblem(
                report.problem.chain,
                report.problem.sequence,
                report.problem.event_id,
                report.problem.reason,
                institution=names.get(org_id, "no institution" if org_id is None else "deleted"),
            )
            report = ChainReport(report.chain, org_id, report.sequence, report.hash, problem)
        result.chains.append(report)
    return result


def _institution_names(ids: set[int]) -> dict[int | None, str]:
    # Reached through the event's foreign key: the audit trail sits below the accounts app.
    organization = cast(
        type[models.Model], AuditEvent._meta.get_field("organization").related_model
    )
    rows: Any = organization._default_manager.filter(pk__in=ids).values_list("pk", "name")
    return dict(rows)


def verify_chain(organization_id: int | None, batch: int = 5000) -> ChainProblem | None:
    """One chain on its own (no checkpoints); None when it is intact."""
    return check_chain(organization_id, keys=Keyring.from_settings(), batch=batch).problem
