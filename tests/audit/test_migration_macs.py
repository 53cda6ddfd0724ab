"""The migration that introduced MACs signs the events that were already there, but only as far
as each chain still verified the old way: it never vouches for an earlier alteration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import AuditEvent
from audit.verify import verify_chain
from tests.factories import OrganizationFactory

BEFORE = [("audit", "0001_initial")]


def _write_unsigned_chain(Event, organization_id: int, count: int) -> list[int]:
    """Events as the code before MACs recorded them; returns their ids."""
    prev, ids = "0" * 64, []
    for n in range(1, count + 1):
        fields = dict(
            organization_id=organization_id,
            action="test.old",
            details={"n": n},
            created_at=timezone.now(),
            sequence=n,
            prev_hash=prev,
        )
        digest = AuditEvent(**fields).compute_hash()
        ids.append(Event.objects.create(hash=digest, **fields).pk)
        prev = digest
    Head = Event._meta.apps.get_model("audit", "ChainHead")
    Head.objects.create(key=f"org:{organization_id}", sequence=count, hash=prev)
    return ids


@pytest.mark.django_db(transaction=True)
def test_existing_events_are_signed_so_that_they_verify():
    intact, altered = OrganizationFactory(), OrganizationFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    Event = executor.loader.project_state(BEFORE).apps.get_model("audit", "AuditEvent")
    _write_unsigned_chain(Event, intact.pk, 5)
    ids = _write_unsigned_chain(Event, altered.pk, 4)
    Event.objects.filter(pk=ids[1]).update(action="test.altered-before-macs")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert verify_chain(intact.pk) is None
    problem = verify_chain(altered.pk)
    assert problem is not None and problem.event_id == ids[1]
    assert "content was altered" in problem.reason
    macs = dict(AuditEvent.objects.filter(organization=altered).values_list("pk", "mac"))
    assert macs[ids[0]] and not macs[ids[1]] and not macs[ids[3]]
