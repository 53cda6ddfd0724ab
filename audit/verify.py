"""Check every audit chain against its head, its MACs, its signed checkpoints and any outside
checkpoints; the first event (or position) where a chain stops being what Charter wrote is named.

Verification starts from the chain heads, not from the events that happen to remain, so a chain
whose events were all deleted is still visited. Each chain is read in sequence order in batches
(keyset on the position), so memory stays flat however long the history.

Two modes. A *full* verification walks every event from the first and holds every stored
checkpoint to the event it names. A *routine* one starts at the chain's latest signed checkpoint
(``VerifiedCheckpoint``): it proves the checkpoint genuine, proves the event it names still has
its hash, id and MAC, walks only the events added since, and counts the positions, so its time
follows the new events rather than the history. What only the full mode sees is an older event
rewritten in place by someone holding the audit key, or re-hashed without it before the
checkpoint; so the full mode stays for the nightly or weekly run, and the routine one for
the day (see docs/security.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, cast

from django.db import models
from django.utils import timezone

from .checkpoints import Checkpoint
from .models import AuditEvent, ChainHead, VerifiedCheckpoint
from .signing import Keyring, event_message, head_message, verified_message

FULL = VerifiedCheckpoint.Mode.FULL.value
ROUTINE = VerifiedCheckpoint.Mode.ROUTINE.value

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
    """How far one chain verified: ``sequence``/``hash`` are its verified end when intact.

    ``mode`` is how it was checked: "full" from the first event, or "routine" from the stored
    checkpoint ``start`` (``checkpoint``); ``walked`` is how many events were read one by one."""

    chain: str
    organization_id: int | None
    sequence: int
    hash: str
    problem: ChainProblem | None
    lane: int = 0
    mode: str = FULL
    start: int = 0
    walked: int = 0
    last_event_id: int | None = None
    checkpoint: VerifiedCheckpoint | None = None


@dataclass
class Verification:
    mode: str = FULL
    chains: list[ChainReport] = field(default_factory=list)
    other_problems: list[ChainProblem] = field(default_factory=list)
    checkpoints_checked: int = 0
    checkpoints_written: int = 0

    @property
    def problems(self) -> list[ChainProblem]:
        found = [c.problem for c in self.chains if c.problem is not None]
        return self.other_problems + found

    @property
    def events(self) -> int:
        return sum(c.sequence for c in self.chains)

    @property
    def walked(self) -> int:
        return sum(c.walked for c in self.chains)

    def describe(self) -> str:
        """Which mode ran, in words, for the command's and the page's report."""
        routine = [c for c in self.chains if c.mode == ROUTINE]
        if self.mode == FULL:
            return "full verification: every event read from the first"
        if not routine:
            return "routine verification, but no chain had a checkpoint yet: every event read"
        return (
            f"routine verification: {len(routine)} of {len(self.chains)} chains checked from "
            f"their last signed checkpoint, {self.walked} events read one by one"
        )


class _Walk:
    """One chain read forward from the start, event by event, remembering where it got to."""

    def __init__(
        self,
        chain: str,
        organization_id: int | None,
        lane: int,
        keys: Keyring,
        anchors: dict[int, list[Checkpoint]],
        batch: int,
        *,
        start: int = 0,
        start_hash: str = GENESIS,
        start_id: int | None = None,
    ) -> None:
        self.chain = chain
        self.organization_id = organization_id
        self.keys = keys
        self.anchors = anchors
        self.batch = batch
        self.sequence = start
        self.prev = start_hash
        self.last_id = start_id
        self.walked = 0
        self.problem: ChainProblem | None = None
        # Filtering on None selects the institution-less chain (IS NULL).
        self.events = AuditEvent.objects.filter(organization_id=organization_id, lane=lane)  # type: ignore[misc]

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
        self.walked += passed
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
            self.last_id = event.pk
            return True
        return False


def _at(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def checkpoint_is_authentic(cp: VerifiedCheckpoint, keys: Keyring) -> bool:
    message = verified_message(
        cp.chain, cp.count, cp.event_id, cp.hash, cp.mode, _at(cp.created_at)
    )
    return keys.verifies(cp.key_id, message, cp.mac)


def _forged(chain: str, cp: VerifiedCheckpoint) -> ChainProblem:
    return ChainProblem(
        chain,
        cp.count,
        None,
        f"stored checkpoint #{cp.pk} (taken {_at(cp.created_at)}) is not signed by a configured "
        "audit key: it was forged or altered",
    )


def _anchor(cp: VerifiedCheckpoint) -> Checkpoint:
    """A stored checkpoint as an anchor the walk holds the chain to (like an outside one)."""
    return Checkpoint(
        cp.chain,
        cp.count,
        cp.hash,
        _at(cp.created_at),
        cp.key_id,
        cp.mac,
        source=f"stored checkpoint #{cp.pk}",
    )


def _start_at(walk: _Walk, cp: VerifiedCheckpoint) -> None:
    """Prove the event a checkpoint names is still the one it saw, then stand on it."""
    event = walk.events.filter(sequence=cp.count).first()
    where = f"stored checkpoint #{cp.pk} taken {_at(cp.created_at)}"
    if event is None:
        walk.fail(cp.count, None, f"removed ({where} saw the chain reach {cp.count})")
    elif event.pk != cp.event_id or event.hash != cp.hash:
        walk.fail(
            cp.count,
            event.pk,
            f"it differs from {where}: the event it vouched for was replaced or rewritten",
        )
    elif event.compute_hash() != event.hash or not walk.keys.verifies(
        event.key_id, event_message(event.hash), event.mac
    ):
        walk.fail(cp.count, event.pk, "its content or MAC no longer matches (altered)")
    else:
        walk.sequence, walk.prev, walk.last_id = cp.count, cp.hash, event.pk


def _check_earlier_anchors(walk: _Walk, anchors: dict[int, list[Checkpoint]]) -> None:
    """Outside checkpoints behind a routine start: each named event must keep its hash (one
    query for them all)."""
    behind = sorted(seq for seq in anchors if seq <= walk.sequence)
    if not behind:
        return
    hashes = dict(walk.events.filter(sequence__in=behind).values_list("sequence", "hash"))
    for seq in behind:
        for anchor in anchors[seq]:
            if hashes.get(seq) != anchor.hash:
                walk.fail(
                    seq,
                    None,
                    f"it differs from checkpoint {anchor.source} taken {anchor.at}: "
                    "history was rewritten or removed",
                )
                return


def check_chain(
    organization_id: int | None,
    lane: int = 0,
    *,
    keys: Keyring,
    anchors: dict[int, list[Checkpoint]] | None = None,
    batch: int = 5000,
    mode: str = FULL,
) -> ChainReport:
    """Walk one chain and hold it against its head: count, last hash and MAC must all agree.

    ``mode`` "routine" starts at the chain's latest stored checkpoint when there is one (the
    report says whether it did); "full" starts at the first event and holds every stored
    checkpoint to the event it names."""
    chain = ChainHead.key_for(organization_id, lane)
    anchors = dict(anchors or {})
    walk = _Walk(chain, organization_id, lane, keys, anchors, batch)
    stored = VerifiedCheckpoint.objects.filter(chain=chain).order_by("-count", "-pk")
    latest: VerifiedCheckpoint | None = None
    used = FULL
    if mode == ROUTINE:
        latest = stored.first()
        if latest is not None:
            if not checkpoint_is_authentic(latest, keys):
                walk.problem = _forged(chain, latest)
            else:
                used = ROUTINE
                _start_at(walk, latest)
                if walk.problem is None:
                    _check_earlier_anchors(walk, anchors)
    else:
        anchors = {seq: list(found) for seq, found in anchors.items()}
        for cp in stored.iterator(chunk_size=500):
            if latest is None:
                latest = cp
            if not checkpoint_is_authentic(cp, keys):
                walk.problem = _forged(chain, cp)
                break
            anchors.setdefault(cp.count, []).append(_anchor(cp))
        walk.anchors = anchors
    start = walk.sequence
    if walk.problem is None:
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
    return ChainReport(
        chain,
        organization_id,
        walk.sequence,
        walk.prev,
        walk.problem,
        lane=lane,
        mode=used,
        start=start,
        walked=walk.walked,
        last_event_id=walk.last_id,
        checkpoint=latest,
    )


def store_checkpoint(report: ChainReport, *, keys: Keyring, mode: str) -> VerifiedCheckpoint | None:
    """Sign and keep where an intact chain stood, unless a checkpoint already says as much."""
    if report.problem is not None or report.sequence == 0 or report.last_event_id is None:
        return None
    if report.checkpoint is not None and report.checkpoint.count >= report.sequence:
        return None
    at = timezone.now().replace(microsecond=0)
    message = verified_message(
        report.chain, report.sequence, report.last_event_id, report.hash, mode, _at(at)
    )
    return VerifiedCheckpoint.objects.create(
        chain=report.chain,
        count=report.sequence,
        event_id=report.last_event_id,
        hash=report.hash,
        mode=mode,
        created_at=at,
        key_id=keys.current_id,
        mac=keys.sign(message),
    )


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
        # A routine check, which starts at a checkpoint, learns here of a position emptied
        # behind it.
        count = walk.events.filter(sequence__lte=head.sequence).count()
        if count > head.sequence:
            walk.fail(
                head.sequence,
                None,
                f"{count} events hold positions 1 to {head.sequence} (an event was inserted)",
            )
        elif count < head.sequence:
            walk.fail(
                head.sequence,
                None,
                f"removed ({count} events hold positions 1 to {head.sequence}: "
                f"{head.sequence - count} are missing)",
            )


def verify(
    *,
    checkpoints: Iterable[Checkpoint] = (),
    batch: int = 5000,
    mode: str = FULL,
    write_checkpoints: bool = False,
) -> Verification:
    """Every chain that has a head, has events, or appears in a checkpoint, checked in turn.

    With ``write_checkpoints``, each chain found intact gets a new signed checkpoint where it
    ends (only when the whole trail is intact: a checkpoint never vouches beside a problem)."""
    keys = Keyring.from_settings()
    result = Verification(mode=mode)
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
    chains: set[Chain] = {ChainHead.chain_of(k) for k in anchors}
    chains.update(_named_chains(ChainHead.objects.all(), "key", result, "a chain head"))
    chains.update(_chains_with_events())
    # A chain deleted with its head is still named by the checkpoints it left.
    stored = VerifiedCheckpoint.objects.all()
    chains.update(_named_chains(stored, "chain", result, "a stored checkpoint"))
    names = _institution_names({org for org, _lane in chains if org is not None})
    for org_id, lane in sorted(chains, key=_chain_order):
        report = check_chain(
            org_id,
            lane,
            keys=keys,
            anchors=anchors.get(ChainHead.key_for(org_id, lane)),
            batch=batch,
            mode=mode,
        )
        if report.problem is not None:
            problem = ChainProblem(
                report.problem.chain,
                report.problem.sequence,
                report.problem.event_id,
                report.problem.reason,
                institution=names.get(org_id, "no institution" if org_id is None else "deleted"),
            )
            report = replace(report, problem=problem)
        result.chains.append(report)
    if write_checkpoints and not result.problems:
        for report in result.chains:
            if store_checkpoint(report, keys=keys, mode=mode) is not None:
                result.checkpoints_written += 1
    return result


Chain = tuple[int | None, int]  # (institution or None, lane)


def _chain_order(chain: Chain) -> tuple[bool, int, int]:
    org, lane = chain
    return (org is None, org or 0, lane)


def _named_chains(
    rows: models.QuerySet[Any], field: str, result: Verification, what: str
) -> set[Chain]:
    """The chains named in ``field`` of ``rows`` (the chain heads' keys, the stored
    checkpoints' chains); a name that is no chain's is a problem of its own."""
    found: set[Chain] = set()
    for key in rows.order_by().values_list(field, flat=True).distinct():
        try:
            found.add(ChainHead.chain_of(key))
        except ValueError:
            result.other_problems.append(
                ChainProblem(key, 0, None, f"{what} that names no chain (inserted)")
            )
    return found


def _chains_with_events() -> set[Chain]:
    """Every (institution, lane) with at least one event (None for the institution-less
    events), found by stepping through the index on (institution, lane), one probe per
    institution and per chain, instead of reading every event: a routine check's time must
    follow the new events, not the length of the history (a DISTINCT over two million events
    took about a second)."""
    events = AuditEvent.objects.order_by()
    institutions: list[int | None] = []
    current = events.aggregate(first=models.Min("organization_id"))["first"]
    while current is not None:
        institutions.append(current)
        later = events.filter(organization_id__gt=current)
        current = later.aggregate(next=models.Min("organization_id"))["next"]
    institutions.append(None)
    return {chain for org in institutions for chain in _lanes_with_events(org)}


def _lanes_with_events(organization_id: int | None) -> set[Chain]:
    """The institution's chains that hold at least one event, one index probe each."""
    # Filtering on None selects the institution-less events (IS NULL).
    events = AuditEvent.objects.order_by().filter(organization_id=organization_id)  # type: ignore[misc]
    found: set[Chain] = set()
    lane = events.aggregate(first=models.Min("lane"))["first"]
    while lane is not None:
        found.add((organization_id, lane))
        lane = events.filter(lane__gt=lane).aggregate(next=models.Min("lane"))["next"]
    return found


def chains_of(organization_id: int | None) -> list[Chain]:
    """The institution's chains, its main chain first: those with a head, with events or
    with a stored checkpoint (a chain emptied with its head is still named by its
    checkpoints). A malformed name is reported by ``verify``, not here."""
    found: set[Chain] = {(organization_id, 0)}
    found.update(_lanes_with_events(organization_id))
    heads = ChainHead.objects.filter(ChainHead.keys_of("key", organization_id))
    stored = VerifiedCheckpoint.objects.filter(ChainHead.keys_of("chain", organization_id))
    found.update(_named_chains(heads, "key", Verification(), "a chain head"))
    found.update(_named_chains(stored, "chain", Verification(), "a stored checkpoint"))
    return sorted(found, key=_chain_order)


def check_institution(
    organization_id: int | None, *, keys: Keyring, mode: str = FULL, batch: int = 5000
) -> list[ChainReport]:
    """Each of the institution's chains checked in turn (``check_chain``)."""
    return [
        check_chain(org, lane, keys=keys, mode=mode, batch=batch)
        for org, lane in chains_of(organization_id)
    ]


def _institution_names(ids: set[int]) -> dict[int | None, str]:
    # Reached through the event's foreign key: the audit trail sits below the accounts app.
    organization = cast(
        type[models.Model], AuditEvent._meta.get_field("organization").related_model
    )
    rows: Any = organization._default_manager.filter(pk__in=ids).values_list("pk", "name")
    return dict(rows)


def verify_chain(organization_id: int | None, batch: int = 5000) -> ChainProblem | None:
    """One institution's chains, every lane, from their first events (no checkpoints); the
    first problem, or None when all are intact."""
    reports = check_institution(organization_id, keys=Keyring.from_settings(), batch=batch)
    return next((r.problem for r in reports if r.problem is not None), None)
