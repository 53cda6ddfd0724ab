"""PostgreSQL only: two requests at the same moment still leave one record."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from audit.models import AuditEvent
from audit.verify import verify_chain
from publishing import reminders, services
from publishing.models import Acknowledgement, AckRequest, Publication, ReminderLog
from publishing.selectors import superseded_today

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
