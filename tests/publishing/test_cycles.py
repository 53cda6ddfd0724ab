"""Yearly attestation on a clock the test moves: each cycle is a campaign of its own, asks
everyone again even though the text is unchanged, and replaces the request before it."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import AttestationCycle
from audit.models import AuditEvent
from publishing import cycles, services
from publishing.models import Acknowledgement, AckRequest, Campaign
from publishing.targeting import target_campaign
from tests.publishing.conftest import sign


def _year_later(days: int = 0) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=366 + days)


def _cycles(published):
    return Campaign.objects.filter(publication=published, kind=Campaign.Kind.CYCLE)


def test_a_year_after_publishing_a_cycle_asks_everyone_again(
    published, employee, django_capture_on_commit_callbacks
):
    first, _ = services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    asked = published.campaign.requests.count()
    with time_machine.travel(_year_later(), tick=False):
        today = timezone.localdate()
        with django_capture_on_commit_callbacks(execute=True):
            assert cycles.open_due_cycles(today=today) == 1
        assert cycles.open_due_cycles(today=today) == 0  # idempotent
        cycle = _cycles(published).get()
        assert cycle.starts_on == today and cycle.due_date == today + dt.timedelta(days=30)
        assert cycle.requests.count() == asked
        # Everyone is pending again, including the person who acknowledged last year.
        assert cycle.requests.pending().count() == asked
        assert Campaign.objects.get(pk=published.campaign.pk).status == Campaign.Status.CLOSED
        again, created = services.acknowledge(
            version=published.version, user=employee.user, confirmed=True
        )
        assert created and again.pk != first.pk
        assert again.request == cycle.requests.get(user=employee.user)
        # Answering twice in the cycle writes nothing more.
        assert services.acknowledge(
            version=published.version, user=employee.user, confirmed=True
        ) == (again, False)
    # Last year's record is untouched; the history shows both.
    first.refresh_from_db()
    assert first.request is not None and first.request.campaign == published.campaign
    assert Acknowledgement.objects.filter(user=employee.user).count() == 2
    assert AuditEvent.objects.filter(action="publishing.cycle.opened").count() == 1


def test_the_cycle_is_its_own_campaign_with_its_own_figures(published, employee, admin):
    services.acknowledge(version=published.version, user=employee.user, confirmed=True)
    with time_machine.travel(_year_later(), tick=False):
        cycles.open_due_cycles(today=timezone.localdate())
        cycle = _cycles(published).get()
        target_campaign(campaign_id=cycle.pk)
        page = admin.client().get(reverse("publishing:tracking", args=[cycle.pk])).content.decode()
        assert cycle.requests.acknowledged().count() == 0
        assert published.campaign.requests.acknowledged().count() == 1
        history = employee.client().get(reverse("publishing:my_acknowledgements")).content.decode()
    assert "Yearly attestation from" in page
    assert "On publication" in history


def test_no_cycle_when_the_institution_turned_them_off(published, org):
    org.attestation_cycle = AttestationCycle.OFF
    org.save()
    with time_machine.travel(_year_later(), tick=False):
        assert cycles.open_due_cycles(today=timezone.localdate()) == 0
    assert not _cycles(published).exists()


def test_not_due_before_a_year_and_the_next_one_a_year_after_the_last(
    published, django_capture_on_commit_callbacks
):
    with time_machine.travel(timezone.now() + dt.timedelta(days=300), tick=False):
        assert cycles.open_due_cycles(today=timezone.localdate()) == 0
    with (
        time_machine.travel(_year_later(), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert cycles.open_due_cycles(today=timezone.localdate()) == 1
    with time_machine.travel(_year_later(200), tick=False):
        assert cycles.open_due_cycles(today=timezone.localdate()) == 0
    with (
        time_machine.travel(_year_later(370), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert cycles.open_due_cycles(today=timezone.localdate()) == 1
    first, second = _cycles(published).order_by("starts_on")
    assert first.status == Campaign.Status.CLOSED and second.is_open
    # An unanswered request of the first cycle says what replaced it, and why.
    old = first.requests.get(user__email="employee@riverside.test")
    new = second.requests.get(user=old.user)
    assert old.replaced_by == new and old.replaced_at is not None
    assert "yearly attestation" in old.replaced_reason


def test_a_material_new_version_mid_cycle_replaces_the_pending_request(
    published, make_version, do_publish, legal, employee, django_capture_on_commit_callbacks
):
    with time_machine.travel(_year_later(), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            cycles.open_due_cycles(today=timezone.localdate())
        cycle_request = _cycles(published).get().requests.get(user=employee.user)
        v2 = make_version(2)
        sign(v2, legal)
        second = do_publish(v2)
        cycle_request.refresh_from_db()
        assert cycle_request.replaced_by == second.campaign.requests.get(user=employee.user)
        assert "Version 2" in cycle_request.replaced_reason
        assert "material change" in cycle_request.replaced_reason
        # The new version restarts the clock: no cycle until a year after it.
        assert cycles.open_due_cycles(today=timezone.localdate() + dt.timedelta(days=300)) == 0


def test_a_cosmetic_new_version_mid_cycle_closes_the_request_and_says_why(
    published, make_version, do_publish, legal, employee, django_capture_on_commit_callbacks
):
    with time_machine.travel(_year_later(), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            cycles.open_due_cycles(today=timezone.localdate())
        v2 = make_version(2)
        sign(v2, legal)
        do_publish(v2, ack=False, reason="Fixed a typo in the contact section")
        cycle_request = AckRequest.objects.get(
            campaign__kind=Campaign.Kind.CYCLE, user=employee.user
        )
    assert cycle_request.replaced_by is None and cycle_request.replaced_at is not None
    assert "without asking staff again: Fixed a typo" in cycle_request.replaced_reason


def test_admin_sets_the_cycle_and_the_change_is_recorded(org, admin):
    from django.urls import reverse

    url = reverse("publishing:attestation_settings")
    client = admin.client()
    assert "Every year" in client.get(url).content.decode()
    response = client.post(url, {"attestation_cycle": "hire_yearly", "attestation_days": "45"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.attestation_cycle == AttestationCycle.HIRE_AND_YEARLY
    assert org.attestation_days == 45
    event = AuditEvent.objects.get(action="publishing.settings.changed")
    assert event.details["attestation_days"] == {"before": 30, "after": 45}
    bad = client.post(url, {"attestation_cycle": "hourly", "attestation_days": "2"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
