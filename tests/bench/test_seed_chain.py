"""The benchmark seed writes audit events in bulk, without the ORM: the chain it builds must be
the one ``audit.services.record`` builds, accepted by the app's own verifier, and on PostgreSQL
every table it loads with its indexes set aside must keep every index and key it had."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from accounts.models import Membership, Organization, User
from audit.models import AuditEvent, ChainHead, personal_lane
from audit.services import record
from audit.signing import Keyring, event_message
from audit.verify import verify_chain
from bench.seed import GENESIS, ChainLinker, SeedConfig, seed
from publishing.models import Acknowledgement, AckRequest
from publishing.services import ACKNOWLEDGED

# The tables the seed loads with their indexes and keys set aside.
LOADED = (AuditEvent, User, Membership, AckRequest, Acknowledgement)


def _indexes_and_keys() -> list[tuple[str, str, str]]:
    tables = [model._meta.db_table for model in LOADED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "UNION ALL SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) ORDER BY 1, 2, 3",
            [tables, tables],
        )
        return cursor.fetchall()


def test_a_linked_row_is_the_event_record_would_write(settings):
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    values = (7, 11, "a@b.example", "x.y", "t", "3", "r", 5, {"k": "é"}, "10.0.0.1", "ua", at)
    link = ChainLinker(41, "a" * 64)
    row = link.row(99, values)
    event = AuditEvent(
        organization_id=7,
        actor_id=11,
        actor_label="a@b.example",
        action="x.y",
        object_type="t",
        object_id="3",
        object_repr="r",
        guideline_id=5,
        details={"k": "é"},
        ip_address="10.0.0.1",
        user_agent="ua",
        created_at=at,
        sequence=42,
        prev_hash="a" * 64,
    )
    keys = Keyring.from_settings()
    digest = event.compute_hash()
    assert row == (
        99,
        *values,
        0,
        42,
        "a" * 64,
        digest,
        keys.sign(event_message(digest)),
        keys.current_id,
    )
    assert (link.sequence, link.prev_hash) == (42, digest)
    assert ChainLinker(0, GENESIS).row(1, values)[-3] != digest  # the place is in the hash
    in_lane = ChainLinker(41, "a" * 64, lane=3).row(99, values)
    event.lane = 3
    assert in_lane[-6:-2] == (3, 42, "a" * 64, event.compute_hash()) and in_lane[-3] != digest


def test_a_seeded_chain_verifies_and_record_extends_it(db):
    postgres = connection.vendor == "postgresql"
    before = _indexes_and_keys() if postgres else []
    seeded = seed(
        SeedConfig(
            employees=60,
            groups=3,
            versions=3,
            audit_events=400,
            saves_per_section=1,
            open_draft_saves=1,
            comments=2,
            org_slug="chain-bench",
            org_name="Chain bench",
        )
    )
    org = Organization.objects.get(pk=seeded.organization_id)
    head = ChainHead.objects.get(key=ChainHead.key_for(org.pk))
    events = AuditEvent.objects.filter(organization=org)
    assert head.sequence == events.filter(lane=0).count() >= 400 - events.exclude(lane=0).count()
    # Acknowledgements are chained in their people's lanes, as the app chains them.
    acknowledged = events.filter(action=ACKNOWLEDGED)
    assert acknowledged.exists() and not acknowledged.filter(lane=0).exists()
    assert all(e.actor_id and e.lane == personal_lane(e.actor_id) for e in acknowledged)
    lanes = ChainHead.objects.filter(key__startswith=f"{ChainHead.key_for(org.pk)}/")
    assert sum(lanes.values_list("sequence", flat=True)) == acknowledged.count()
    assert verify_chain(org.pk) is None
    # The app's own writer carries on from the seeded head, and the whole chain still holds.
    record("bench.after_seed", organization=org, details={"n": 1})
    assert verify_chain(org.pk) is None
    if postgres:
        assert _indexes_and_keys() == before
