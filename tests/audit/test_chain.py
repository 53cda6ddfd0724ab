"""The audit trail is append-only and hash-chained; tampering is caught."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from audit.models import AppendOnlyError, AuditEvent
from audit.services import record
from audit.verify import verify_chain


def test_events_chain_to_the_previous_one(org, admin):
    first = record("test.one", actor=admin.user, organization=org)
    second = record("test.two", actor=admin.user, organization=org, details={"x": 1})
    assert first.sequence == 1 and second.sequence == 2
    assert second.prev_hash == first.hash
    assert second.hash == second.compute_hash()
    assert verify_chain(org.pk) is None


def test_each_institution_has_its_own_chain(org, other_org):
    a = record("test.a", organization=org)
    b = record("test.b", organization=other_org)
    assert a.sequence == b.sequence == 1


def test_model_refuses_update_and_delete(org):
    event = record("test.one", organization=org)
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def _sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_verify_names_the_event_altered_through_sql(org, capsys):
    record("test.one", organization=org)
    victim = record("test.two", organization=org, details={"amount": 1})
    record("test.three", organization=org)
    call_command("verify_audit")
    _sql(
        "UPDATE audit_auditevent SET details = %s WHERE id = %s",
        ['{"amount": 2}', victim.pk],
    )
    problem = verify_chain(org.pk)
    assert problem is not None and problem.event_id == victim.pk
    assert "content was altered" in problem.reason
    with pytest.raises(CommandError):
        call_command("verify_audit")
    assert f"event #{victim.pk}" in capsys.readouterr().err


def test_verify_notices_a_removed_event(org):
    record("test.one", organization=org)
    victim = record("test.two", organization=org)
    record("test.three", organization=org)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    problem = verify_chain(org.pk)
    assert problem is not None and problem.sequence == 2 and "removed" in problem.reason


def test_verify_notices_the_last_event_removed(org):
    record("test.one", organization=org)
    last = record("test.two", organization=org)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    problem = verify_chain(org.pk)
    assert problem is not None and "removed" in problem.reason


def test_verify_notices_a_rehashed_forgery(org):
    """Recomputing the altered row's own hash does not recompute its MAC, which needs the key."""
    record("test.one", organization=org)
    victim = record("test.two", organization=org)
    record("test.three", organization=org)
    forged = AuditEvent.objects.get(pk=victim.pk)
    forged.action = "test.forged"
    _sql(
        "UPDATE audit_auditevent SET action = %s, hash = %s WHERE id = %s",
        ["test.forged", forged.compute_hash(), victim.pk],
    )
    problem = verify_chain(org.pk)
    assert problem is not None and problem.sequence == 2 and problem.event_id == victim.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only real on PostgreSQL")
    from tests.factories import OrganizationFactory

    org = OrganizationFactory()
    record("test.seed", organization=org)
    errors: list[Exception] = []
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                record("test.concurrent", organization=org, details={"writer": n, "i": i})
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEvent.objects.filter(organization=org).count() == 81
    assert verify_chain(org.pk) is None
