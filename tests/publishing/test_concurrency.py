"""PostgreSQL only: two requests at the same moment still leave one record."""

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from audit.models import AuditEvent, personal_lane
from audit.services import record
from audit.verify import verify_chain
from publishing import reminders, services
from publishing.models import Acknowledgement, AckRequest, Publication, ReminderLog
from publishing.selectors import superseded_today
from tests.factories import member_in_lane

pytestmark = pytest.mark.django_db(transaction=True)


def _race(target, n=4):
    errors = []

    def run():
        try:
            target()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def test_simultaneous_acknowledgements_leave_one_record(postgres_only, published, employee):
    errors = _race(
        lambda: services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    )
    assert errors == []
    assert Acknowledgement.objects.filter(user=employee.user).count() == 1


def test_simultaneous_reminder_runs_remind_each_person_once(postgres_only, published, mailoutbox):
    import datetime as dt

    from django.utils import timezone

    from publishing.models import AckRequest

    AckRequest.objects.update(due_date=timezone.localdate() - dt.timedelta(days=1))
    mailoutbox.clear()
    errors = _race(lambda: reminders.remind_campaign(campaign_id=published.campaign.pk))
    assert errors == []
    assert ReminderLog.objects.count() == AckRequest.objects.count()
    assert len(mailoutbox) == AckRequest.objects.count()


def _at_once(published, persona):
    """The view's call: the publication read with ``superseded``, the membership, the quiz
    shown, so PostgreSQL takes the two-statement path (publishing.ack_statements)."""
    publication = (
        Publication.objects.select_related("version__guideline__organization")
        .annotate(superseded=superseded_today())
        .get(pk=published.pk)
    )
    return services.acknowledge(
        version=publication.version,
        user=persona.user,
        confirmed=True,
        publication=publication,
        membership=persona.membership,
        quiz=[],
    )


def test_the_two_statement_path_writes_what_the_orm_path_writes(postgres_only, published, employee):
    # Another acknowledgement first opens the lane (its first one creates the head).
    record("test.lane_opened", organization=employee.org, lane=personal_lane(employee.user.pk))
    with CaptureQueriesContext(connection) as ctx:
        ack, created = _at_once(published, employee)
    assert created
    # The publication's read, the claim with the head locked (sent with BEGIN), the writes
    # (sent with COMMIT), and the webhooks' list once a minute.
    statements = [q["sql"] for q in ctx.captured_queries if "integrations_endpoint" not in q["sql"]]
    assert len(statements) == 3
    assert statements[1].startswith("BEGIN; ") and statements[-1].endswith("; COMMIT")
    request = AckRequest.objects.get(pk=ack.request_id)
    assert request.user_id == employee.user.pk and request.acknowledged_at == ack.acknowledged_at
    event = AuditEvent.objects.get(action="publishing.version.acknowledged", actor=employee.user)
    assert event.details["ack_request"] == request.pk
    assert verify_chain(employee.membership.organization_id) is None
    assert not Notification.objects.filter(
        user=employee.user, subject=f"version:{published.version_id}", done_at=None
    ).exists()
    again, created = _at_once(published, employee)
    assert (again.pk, created) == (ack.pk, False)


def test_simultaneous_two_statement_acknowledgements_leave_one_record(
    postgres_only, published, employee
):
    errors = _race(lambda: _at_once(published, employee))
    assert errors == []
    assert Acknowledgement.objects.filter(user=employee.user).count() == 1
    assert (
        AuditEvent.objects.filter(
            action="publishing.version.acknowledged", actor=employee.user
        ).count()
        == 1
    )
    assert verify_chain(employee.membership.organization_id) is None


def test_acknowledgements_in_another_lane_do_not_wait_for_a_held_one(
    postgres_only, published, employee
):
    # While one lane's head is held (an acknowledgement half-way through, say), someone whose
    # acknowledgements are chained in another lane is recorded at once; someone in the held
    # lane waits for it (here: until the lock timeout).
    org = employee.org
    held = personal_lane(employee.user.pk)
    elsewhere = member_in_lane(org, avoid={held})
    same = member_in_lane(org, lane=held)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                record("test.holding", organization=org, lane=held)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        _ack, created = services.acknowledge(
            version=published.version, user=elsewhere, confirmed=True
        )
        assert created
        with pytest.raises(OperationalError):
            services.acknowledge(version=published.version, user=same, confirmed=True)
    finally:
        release.set()
        holder.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    _ack, created = services.acknowledge(version=published.version, user=same, confirmed=True)
    assert created
    assert verify_chain(org.pk) is None
