"""PostgreSQL only: an acknowledgement's BEGIN and COMMIT travel with its two statements.

Outside any ``atomic`` block (a real request), the claim statement opens the transaction and
the write statement commits it (``publishing.ack_statements.sent_together``). These tests run
in transactional mode so that the path is the one a server takes, and check what must never
happen: a transaction left open on the connection, half an acknowledgement, a listener that
was not told inside the transaction.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from psycopg.pq import TransactionStatus

from audit.models import AuditEvent, ChainHead, personal_lane
from audit.services import PendingEvent, record
from audit.signals import acted_on, recorded
from audit.verify import verify_chain
from integrations import services as integrations
from integrations.models import Endpoint, Event, EventType
from publishing import frozen
from publishing.ack_statements import CLAIM_FUNCTION
from publishing.models import Acknowledgement, AckRequest
from publishing.services import ACKNOWLEDGED
from tests.conftest import make_persona

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    frozen.forget_all()


def url(version):
    return reverse("publishing:acknowledge", args=[version.pk])


def idle() -> bool:
    raw = connection.connection
    return raw is None or raw.info.transaction_status == TransactionStatus.IDLE


def acknowledgement_statements(captured):
    """The statements after signing in: from the one that opens the transaction on."""
    sql = [q["sql"] for q in captured if "integrations_endpoint" not in q["sql"]]
    first = next(i for i, s in enumerate(sql) if CLAIM_FUNCTION in s)
    return sql[first:]


def test_a_request_acknowledges_in_two_round_trips(published, employee):
    # Someone else's acknowledgement opened the person's lane of the trail before.
    record("test.lane_opened", organization=employee.org, lane=personal_lane(employee.user.pk))
    client = employee.client()
    client.get(url(published.version))  # signs in; the POST then reads nothing more for it
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url(published.version), {"confirm": "on"})
    assert response.status_code == 302
    claim, write = acknowledgement_statements(ctx.captured_queries)
    assert claim.startswith(f"BEGIN; SELECT * FROM {CLAIM_FUNCTION}(")
    assert write.startswith("WITH") and write.endswith("; COMMIT")
    assert not any(q["sql"] in ("BEGIN", "COMMIT") for q in ctx.captured_queries)
    assert idle()
    ack = Acknowledgement.objects.get(user=employee.user)
    assert AckRequest.objects.get(user=employee.user).acknowledged_at == ack.acknowledged_at
    assert AuditEvent.objects.filter(action=ACKNOWLEDGED, actor=employee.user).count() == 1
    assert verify_chain(employee.membership.organization_id) is None


def test_the_first_acknowledgement_in_a_lane_opens_it_in_the_same_transaction(published, employee):
    lane = personal_lane(employee.user.pk)
    assert not ChainHead.objects.filter(key=ChainHead.key_for(employee.org.pk, lane)).exists()
    client = employee.client()
    client.get(url(published.version))
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url(published.version), {"confirm": "on"})
    assert response.status_code == 302
    claim, create, lock, write = acknowledgement_statements(ctx.captured_queries)
    assert claim.startswith("BEGIN; ") and write.endswith("; COMMIT")
    assert create.startswith('INSERT INTO "audit_chainhead"') and lock.endswith("FOR UPDATE")
    assert not any("ROLLBACK" in q["sql"] for q in ctx.captured_queries)
    assert idle()
    event = AuditEvent.objects.get(action=ACKNOWLEDGED, actor=employee.user)
    assert (event.lane, event.sequence) == (lane, 1)
    assert verify_chain(employee.membership.organization_id) is None


def test_a_second_post_is_answered_from_the_first_record_and_leaves_nothing_open(
    published, employee
):
    client = employee.client()
    client.post(url(published.version), {"confirm": "on"})
    response = client.post(url(published.version), {"confirm": "on"}, follow=True)
    assert "already acknowledged" in response.content.decode()
    assert idle()
    assert Acknowledgement.objects.count() == 1
    assert AuditEvent.objects.filter(action=ACKNOWLEDGED).count() == 1


def test_a_kept_publication_superseded_since_is_refused_and_rolled_back(
    org, nursing, published, make_version, do_publish, employee
):
    assert employee.client().post(url(published.version), {"confirm": "on"}).status_code == 302
    assert frozen.kept(published.version_id, org.pk) is not None
    do_publish(make_version(2))
    late = make_persona(org, "late@riverside.test", "Lee Late", group=nursing)
    response = late.client().post(url(published.version), {"confirm": "on"})
    assert response.status_code == 200
    assert "no longer be acknowledged" in response.content.decode()
    assert idle()
    assert not Acknowledgement.objects.filter(user=late.user).exists()
    assert AckRequest.objects.filter(user=late.user, acknowledged_at__isnull=False).count() == 0


def test_a_failing_write_leaves_no_transaction_open_and_nothing_half_written(
    monkeypatch, published, employee
):
    """The write statement fails (a fault injected into its SQL): its COMMIT never runs,
    the claim is rolled back with it, and the connection is usable at once."""
    client = employee.client()
    client.raise_request_exception = True
    monkeypatch.setattr(PendingEvent, "select", lambda self: "SELECT no_such_column")
    with pytest.raises(Exception, match="no_such_column"):
        client.post(url(published.version), {"confirm": "on"})
    assert idle()
    assert not Acknowledgement.objects.exists()
    assert AckRequest.objects.get(user=employee.user).acknowledged_at is None
    assert not AuditEvent.objects.filter(action=ACKNOWLEDGED).exists()
    monkeypatch.undo()
    assert client.post(url(published.version), {"confirm": "on"}).status_code == 302
    assert Acknowledgement.objects.filter(user=employee.user).count() == 1
    assert verify_chain(employee.membership.organization_id) is None


def test_with_a_subscriber_the_event_is_announced_inside_the_transaction(
    admin, published, employee
):
    """Someone acts on the event: the COMMIT waits for them, so the webhook's event is
    written in the acknowledgement's own transaction (it commits or rolls back with it)."""
    integrations.create_endpoint(
        organization=admin.org,
        by=admin.user,
        kind=Endpoint.Kind.WEBHOOK,
        name="Learning system",
        url="https://lms.example.org/hook",
        events=[EventType.PERSON_ACKNOWLEDGED],
    )
    assert acted_on(ACKNOWLEDGED, admin.org.pk)
    with CaptureQueriesContext(connection) as ctx:
        response = employee.client().post(url(published.version), {"confirm": "on"})
    assert response.status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries]
    event_insert = next(i for i, s in enumerate(sql) if 'INTO "integrations_event"' in s)
    claim = next(i for i, s in enumerate(sql) if CLAIM_FUNCTION in s)
    # One transaction from the claim to the COMMIT after the webhook's event.
    assert sql[claim - 1] == "BEGIN" and claim < event_insert
    assert "COMMIT" not in sql[claim:event_insert] and "COMMIT" in sql[event_insert:]
    assert idle()
    assert Event.objects.filter(type=EventType.PERSON_ACKNOWLEDGED).count() == 1
    assert Acknowledgement.objects.filter(user=employee.user).count() == 1


def test_a_receiver_that_does_not_say_what_it_acts_on_keeps_the_commit_apart(published, employee):
    def listener(sender, event, **kwargs):
        seen.append(event.action)

    seen: list[str] = []
    assert not acted_on(ACKNOWLEDGED, employee.membership.organization_id)
    recorded.connect(listener, dispatch_uid="tests.listener")
    try:
        assert acted_on(ACKNOWLEDGED, employee.membership.organization_id)
        with CaptureQueriesContext(connection) as ctx:
            employee.client().post(url(published.version), {"confirm": "on"})
    finally:
        recorded.disconnect(dispatch_uid="tests.listener")
    assert seen[-1] == ACKNOWLEDGED
    assert "COMMIT" in [q["sql"] for q in ctx.captured_queries]
    assert idle()


def test_the_claim_function_names_the_models_tables():
    """The claim's statement is kept in the database (migration 0010): the tables it names
    are the models' own, so a renamed table cannot leave it behind unnoticed."""
    import importlib

    from audit.models import ChainHead
    from guidelines.models import Version
    from publishing.models import Campaign, Publication

    migration = importlib.import_module("publishing.migrations.0010_claim_acknowledgement_function")
    for model in (AckRequest, Campaign, Publication, Version, ChainHead):
        assert f'"{model._meta.db_table}"' in migration.CREATE
    assert f"FUNCTION {CLAIM_FUNCTION}(" in migration.CREATE


def _updates_of_requests() -> tuple[int, int]:
    """(updates, HOT updates) of the request table, as this backend's statistics say."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = %s",
            [AckRequest._meta.db_table],
        )
        return cursor.fetchone()


def test_an_acknowledgement_updates_its_request_in_place(published, employee):
    # A HOT update: no index of the request table holds what an acknowledgement changes and
    # the table keeps room on its pages, so the new row version stays on its page and no
    # index gets an entry (docs/performance.md: one page of WAL after a checkpoint, not nine).
    if connection.pg_version < 150000:  # type: ignore[attr-defined]
        pytest.skip("reads its statistics with pg_stat_force_next_flush (PostgreSQL 15)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [AckRequest._meta.db_table]
        )
        assert "fillfactor=85" in cursor.fetchone()[0]
    before = _updates_of_requests()
    client = employee.client()
    assert client.post(url(published.version), {"confirm": "on"}).status_code == 302
    after = _updates_of_requests()
    assert after[0] - before[0] >= 1
    assert after[1] - before[1] == after[0] - before[0]
