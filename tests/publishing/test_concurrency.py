"""PostgreSQL only: two requests at the same moment still leave one record."""

import threading

import pytest
from django.db import connection

from publishing import reminders, services
from publishing.models import Acknowledgement, ReminderLog

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
