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
from audit.services import record
from audit.signals import acted_on, recorded
from audit.verify import verify_chain
from integrations import services as integrations
from integrations.models import Endpoint, Event, EventType
from publishing import ack_statements, frozen
from publishing.ack_statements import CLAIM_FUNCTION, WRITE_FUNCTION
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
    assert write.startswith(f"SELECT * FROM {WRITE_FUNCTION}(") and write.endswith("; COMMIT")
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
    broken = ack_statements._WRITE_SQL.replace("SELECT *", "SELECT no_such_column", 1)
    monkeypatch.setattr(ack_statements, "_WRITE_SQL", broken)
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


def test_the_write_function_writes_every_column_of_its_models():
    """The write is kept in the database (migration 0013) with its columns named: a column
    added to one of its tables must be written there too, or this fails."""
    import importlib
    import re

    from publishing.models import QuizAttempt

    migration = importlib.import_module("publishing.migrations.0013_write_acknowledgement_function")
    assert f"FUNCTION {WRITE_FUNCTION}(" in migration.CREATE
    for model in (Acknowledgement, QuizAttempt, AuditEvent):
        table = model._meta.db_table
        found = re.search(rf'INSERT INTO "{table}" \((.*?)\) VALUES', migration.CREATE, re.S)
        assert found, table
        written = {name.strip().strip('"') for name in found.group(1).split(",")}
        columns = {f.column for f in model._meta.local_concrete_fields if not f.primary_key}
        assert written == columns, table
    from accounts.models import Notification

    for table in (ChainHead._meta.db_table, Notification._meta.db_table):
        assert f'UPDATE "{table}"' in migration.CREATE


def test_the_written_rows_match_what_the_orm_path_writes(published, employee, nursing):
    """The same acknowledgement by the function and by the ORM (SQLite's path, and every
    refusal's): the same values in every column but the ids and times."""
    from django.db import transaction

    other = make_persona(employee.org, "orm@riverside.test", "Olu Orm", group=nursing)
    assert employee.client().post(url(published.version), {"confirm": "on"}).status_code == 302
    with transaction.atomic():  # inside a block: the ORM path (no sent_together)
        frozen.forget_all()
        from publishing import services

        services.acknowledge(version=published.version, user=other.user, confirmed=True, quiz=None)
    fast, orm = (Acknowledgement.objects.get(user=p.user) for p in (employee, other))
    assert fast.ip_address == "127.0.0.1"  # the request's own (the ORM call had none)
    skip = {"id", "user", "acknowledged_at", "request", "ip_address", "user_agent"}
    for field in Acknowledgement._meta.concrete_fields:
        if field.name not in skip:
            assert getattr(fast, field.attname) == getattr(orm, field.attname), field.name
    events = {e.actor_id: e for e in AuditEvent.objects.filter(action=ACKNOWLEDGED)}
    fast_event, orm_event = events[employee.user.pk], events[other.user.pk]
    assert fast_event.details.keys() == orm_event.details.keys()
    for name in ("organization_id", "action", "object_type", "object_id", "guideline_id"):
        assert getattr(fast_event, name) == getattr(orm_event, name), name
    assert verify_chain(employee.membership.organization_id) is None


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


# --- at once, on what was read with the person (accounts.sign_in_reads) ---------------------


@pytest.fixture
def colleague(org, nursing):
    """Asked to acknowledge with everyone (made before the publication)."""
    return make_persona(org, "colleague@riverside.test", "Ola Other", group=nursing)


def _kept_and_lane_open(published, employee, org, colleague):
    """The publication kept by an earlier acknowledgement, and the colleague's lane of the
    trail open: what the acknowledge POST reads along with signing in."""
    assert employee.client().post(url(published.version), {"confirm": "on"}).status_code == 302
    assert frozen.kept(published.version_id, org.pk) is not None
    record("test.lane_opened", organization=org, lane=personal_lane(colleague.user.pk))
    client = colleague.client()
    client.get(reverse("publishing:my_acknowledgements"))  # the session names the institution
    return client


def test_with_what_was_read_along_a_request_acknowledges_in_one_statement(
    org, colleague, published, employee
):
    other = colleague
    client = _kept_and_lane_open(published, employee, org, colleague)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url(published.version), {"confirm": "on"})
    assert response.status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries if "integrations_endpoint" not in q["sql"]]
    person = next(s for s in sql if 'FROM "accounts_membership"' in s)
    assert '"audit_chainhead"' in person  # read along with the person
    assert sql[-1].startswith(f"SELECT * FROM {ack_statements.AT_ONCE_FUNCTION}(")
    assert not any(CLAIM_FUNCTION in s or "BEGIN" in s or "COMMIT" in s for s in sql)
    assert len(sql) == 3  # the session, the person (with the reads), the acknowledgement
    assert idle()
    ack = Acknowledgement.objects.get(user=other.user)
    request = AckRequest.objects.get(user=other.user)
    assert (ack.request_id, request.acknowledged_at) == (request.pk, ack.acknowledged_at)
    event = AuditEvent.objects.get(action=ACKNOWLEDGED, actor=other.user)
    assert event.details["ack_request"] == request.pk
    assert verify_chain(org.pk) is None


@pytest.mark.parametrize("what", ["head", "request"])
def test_what_no_longer_holds_writes_nothing_and_the_two_statements_follow(
    monkeypatch, org, colleague, published, employee, what
):
    """Between the read and the write another acknowledgement moved the lane's head (or the
    request read is not the one to answer): the statement refuses, nothing of it stays, and
    the acknowledgement is made by the claim and the write."""
    from publishing import views

    other = colleague
    client = _kept_and_lane_open(published, employee, org, colleague)
    real = views.read_along_from

    def stale(value, **kw):
        read = real(value, **kw)
        assert read is not None
        if what == "head":
            read.head.sequence -= 1
            return read
        return ack_statements.ReadAlong(head=read.head, request_id=read.request_id + 10_000)

    monkeypatch.setattr(views, "read_along_from", stale)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url(published.version), {"confirm": "on"})
    assert response.status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries]
    assert any(ack_statements.AT_ONCE_FUNCTION in s for s in sql)
    assert any(CLAIM_FUNCTION in s for s in sql) and sql[-1].endswith("; COMMIT")
    assert idle()
    assert Acknowledgement.objects.filter(user=other.user).count() == 1
    assert AuditEvent.objects.filter(action=ACKNOWLEDGED, actor=other.user).count() == 1
    assert verify_chain(org.pk) is None


def test_a_publication_superseded_since_it_was_kept_is_refused_on_the_one_statement_path(
    org, colleague, published, make_version, do_publish, employee
):
    other = colleague
    client = _kept_and_lane_open(published, employee, org, colleague)
    do_publish(make_version(2))
    response = client.post(url(published.version), {"confirm": "on"})
    assert response.status_code == 200
    assert "no longer be acknowledged" in response.content.decode()
    assert idle()
    assert not Acknowledgement.objects.filter(user=other.user).exists()
    assert not AckRequest.objects.filter(user=other.user, acknowledged_at__isnull=False).exists()


def test_other_views_and_reads_read_the_person_alone(published, employee):
    client = employee.client()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url(published.version))
    person = next(q["sql"] for q in ctx.captured_queries if "accounts_membership" in q["sql"])
    assert "audit_chainhead" not in person


def test_what_was_read_is_used_only_for_the_persons_own_lane_in_the_institution():
    lane = personal_lane(7)
    own = f"{ChainHead.key_for(3, lane)} 12 40 {'a' * 64} 99"
    read = ack_statements.read_along_from(own, organization_id=3, user_id=7)
    assert read is not None and (read.head.pk, read.head.sequence, read.request_id) == (12, 40, 99)
    for other in (
        f"{ChainHead.key_for(4, lane)} 12 40 {'a' * 64} 99",  # another institution's lane
        f"{ChainHead.key_for(3, lane)} 12 40 {'a' * 64}",  # no open request
        None,  # no head yet
        "org:3/8 x 40 hash 99",
    ):
        assert ack_statements.read_along_from(other, organization_id=3, user_id=7) is None
