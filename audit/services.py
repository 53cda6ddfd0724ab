"""``record()``: the one way anything writes to the audit trail."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from config.sql import insert_returning_id

from .models import AuditEvent, ChainHead
from .signals import recorded
from .signing import Keyring, event_message, head_message


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """Where a request came from, as the audit trail, acknowledgements and lockout record it.

    Each of the ``TRUSTED_PROXY_COUNT`` proxies in front of Charter appends the address it
    was reached from to X-Forwarded-For, so the client is that many entries from the right.
    Anything further left was written by the client and could be forged; without trusted
    proxies the header is ignored. Something that is not an address is never stored.
    """
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [p for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p]
        if len(forwarded) >= hops:
            return _address(forwarded[-hops]) or _address(remote)
    return _address(remote)


def record(
    action: str,
    *,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    organization: models.Model | None = None,
    obj: models.Model | None = None,
    guideline_id: int | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
    lane: int = 0,
) -> AuditEvent:
    """Append an event to one of the institution's chains (``lane``: the main chain unless
    told, ``models.personal_lane`` for a person's own acknowledgements), inside the caller's
    transaction.

    The trail sits below accounts, so ``actor`` and ``organization`` are named by the Django
    base types a person and an institution are.
    """
    org_id = organization.pk if organization is not None else None
    # No savepoint inside the caller's transaction: an event that fails must undo the
    # caller's work too, so there is nothing a savepoint could keep.
    with transaction.atomic(savepoint=False):
        head = _locked_head(org_id, lane)
        pending = prepare(
            action,
            head=head,
            actor=actor,
            obj=obj,
            guideline_id=guideline_id,
            details=details,
            request=request,
            actor_label=actor_label,
        )
        if connection.vendor == "postgresql":
            # The event's INSERT and the head's UPDATE as one statement (PostgreSQL's
            # data-modifying ``WITH``): one round trip fewer on every audited write.
            sql, params = pending.statement()
            with connection.cursor() as cursor:
                cursor.execute(sql + pending.select(), params)
                row = cursor.fetchone()
            pending.stored(row[0] if row is not None else None)
        else:
            event = pending.event
            event.save(force_insert=True)
            ChainHead.objects.filter(pk=head.pk).update(
                sequence=event.sequence, hash=event.hash, key_id=event.key_id, mac=pending.head_mac
            )
            pending.stored(event.pk)
    return pending.event


@dataclass
class PendingEvent:
    """An event hashed and signed onto a locked chain head, not yet written.

    ``record`` writes it at once; a hot path that has locked the head itself (one
    acknowledgement, say) puts ``statement()`` into a statement of its own, as data-modifying
    ``WITH`` parts on PostgreSQL, and then calls ``stored`` with the new row's id.
    """

    event: AuditEvent
    head: ChainHead
    head_mac: str
    inserted: str = "audit_inserted"

    def statement(self, prefix: str = "WITH ") -> tuple[str, list[Any]]:
        """``<inserted> AS (INSERT … RETURNING id), <inserted>_head AS (UPDATE the head)``
        after ``prefix``, for the caller to end with its own SELECT (or more parts)."""
        event = self.event
        insert_sql, insert_params = insert_returning_id(event)
        table = ChainHead._meta.db_table
        sql = (
            f"{prefix}{self.inserted} AS ({insert_sql}), "  # noqa: S608 (names from the models)
            f'{self.inserted}_head AS (UPDATE "{table}" SET "sequence" = %s, "hash" = %s, '
            f'"key_id" = %s, "mac" = %s WHERE "id" = %s RETURNING "id") '
        )
        params = [
            *insert_params,
            event.sequence,
            event.hash,
            event.key_id,
            self.head_mac,
            self.head.pk,
        ]
        return sql, params

    def select(self) -> str:
        """The id of the event written, or NULL unless the head moved with it."""
        return (
            f"SELECT (SELECT id FROM {self.inserted} "  # noqa: S608 (names of our own parts)
            f"WHERE EXISTS (SELECT 1 FROM {self.inserted}_head))"
        )

    def stored(self, pk: int | None, *, tell: bool = True) -> None:
        """The row is written (its id ``pk``): tell the trail's listeners (the event outbox),
        unless the caller asked them beforehand (``signals.acted_on``) and nobody acts."""
        if pk is None:  # the head row was locked by this writer: it cannot vanish
            raise IntegrityError("The audit event was not written.")
        event = self.event
        event.pk = pk
        event._state.adding = False
        event._state.db = connection.alias
        if tell:
            recorded.send(sender=AuditEvent, event=event)


def prepare(
    action: str,
    *,
    head: ChainHead,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    obj: models.Model | None = None,
    guideline_id: int | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_label: str = "",
) -> PendingEvent:
    """The next event on ``head`` (which the caller holds locked), hashed and signed."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:400] if request is not None else ""
    keys = Keyring.from_settings()
    organization_id, lane = ChainHead.chain_of(head.key)
    event = AuditEvent(
        organization_id=organization_id,
        lane=lane,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label or (getattr(actor, "email", "") if actor else ""),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        guideline_id=guideline_id,
        details=details or {},
        ip_address=client_ip(request),
        user_agent=user_agent,
        created_at=timezone.now(),
        sequence=head.sequence + 1,
        prev_hash=head.hash,
    )
    event.hash = event.compute_hash()
    event.key_id = keys.current_id
    event.mac = keys.sign(event_message(event.hash))
    head_mac = keys.sign(head_message(head.key, event.sequence, event.hash))
    return PendingEvent(event, head, head_mac)


def head_from_row(row: Sequence[Any]) -> ChainHead:
    pk, key, sequence, hash_ = row
    return ChainHead(pk=pk, key=key, sequence=sequence, hash=hash_)


GENESIS_HASH = "0" * 64  # where every chain starts (``ChainHead.hash``'s default)

RECORD_CHUNK = 250  # events built and inserted at a time by record_many


def record_many(
    entries: Sequence[tuple[str, models.Model, dict[str, Any]]],
    *,
    organization: models.Model,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
) -> int:
    """Append one event per (action, object, details), chained as ``record`` would chain
    them: three queries, and one INSERT more per further RECORD_CHUNK events, however many
    people a sync changes."""
    if not entries:
        return 0
    if actor is not None and not actor.is_authenticated:
        actor = None
    label = actor_label or (getattr(actor, "email", "") if actor else "")
    # No savepoint inside the caller's transaction: an event that fails must undo the
    # caller's work too, so there is nothing a savepoint could keep.
    with transaction.atomic(savepoint=False):
        head = _locked_head(organization.pk)
        keys = Keyring.from_settings()
        now = timezone.now()
        sequence, prev = head.sequence, head.hash
        # Built and written a chunk at a time: an event in hand (its fields, payload and
        # hash) weighs about 2 KB, so a batch of 1,000 joiners would otherwise hold 2 MB of
        # events at once, and a sync's peak memory would follow its largest batch of changes.
        for start in range(0, len(entries), RECORD_CHUNK):
            events = []
            for action, obj, details in entries[start : start + RECORD_CHUNK]:
                sequence += 1
                event = AuditEvent(
                    organization_id=organization.pk,
                    actor_id=actor.pk if actor is not None else None,
                    actor_label=label,
                    action=action,
                    object_type=obj._meta.label_lower,
                    object_id=str(obj.pk),
                    object_repr=str(obj)[:300],
                    details=details,
                    created_at=now,
                    sequence=sequence,
                    prev_hash=prev,
                    key_id=keys.current_id,
                )
                event.hash = event.compute_hash()
                event.mac = keys.sign(event_message(event.hash))
                prev = event.hash
                events.append(event)
            AuditEvent.objects.bulk_create(events)
        ChainHead.objects.filter(pk=head.pk).update(
            sequence=sequence,
            hash=prev,
            key_id=keys.current_id,
            mac=keys.sign(head_message(head.key, sequence, prev)),
        )
    return len(entries)


def opened_head(organization_id: int | None, lane: int) -> ChainHead:
    """Create the chain's head if it has none yet, and lock it, in plain SQL: usable inside
    a transaction a caller opened itself (``publishing.ack_statements``), where a savepoint
    is not to be had. A writer creating the same head at the same moment makes this one wait
    for its commit; then both lock the one row. (Once per chain: later writers find it.)"""
    key = ChainHead.key_for(organization_id, lane)
    table = ChainHead._meta.db_table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("key", "sequence", "hash", "mac", "key_id") '  # noqa: S608
            """VALUES (%s, 0, %s, '', '') ON CONFLICT ("key") DO NOTHING""",
            [key, GENESIS_HASH],
        )
        cursor.execute(
            f'SELECT "id", "key", "sequence", "hash" FROM "{table}" WHERE "key" = %s{lock}',  # noqa: S608
            [key],
        )
        row = cursor.fetchone()
    if row is None:
        raise IntegrityError(f"The chain head {key} could not be created.")
    return head_from_row(row)


def _locked_head(org_id: int | None, lane: int = 0) -> ChainHead:
    key = ChainHead.key_for(org_id, lane)
    head = ChainHead.objects.select_for_update().filter(key=key).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            ChainHead.objects.create(key=key)
    except IntegrityError:
        pass  # another writer created it first; lock theirs
    return ChainHead.objects.select_for_update().get(key=key)
