"""Webhooks end to end against a real receiver process on loopback.

What is proved: every event committed while the receiver was up, down, or dying mid-request
reaches the receiver's idempotency log exactly once. Duplicates happen only at the HTTP level
(the receiver handled an event but died before answering; the retry carries the same id).
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import os
import signal
import socket
import time
from collections import Counter

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from integrations import delivery, services
from integrations.addresses import Target
from integrations.models import Attempt, Delivery, Endpoint, Event, EventType
from publishing import services as publishing
from tests.factories import MembershipFactory, UserFactory


def subscribe(admin, url, *events, threshold=10):
    endpoint, secret = services.create_endpoint(
        organization=admin.org,
        by=admin.user,
        kind=Endpoint.Kind.WEBHOOK,
        name="Learning system",
        url=url,
        events=list(events) or [EventType.PERSON_ACKNOWLEDGED],
        overdue_threshold=threshold,
    )
    return endpoint, secret


def sweep(hours: float = 30) -> None:
    """What the retry worker does once the back-off has passed."""
    delivery.deliver(now=timezone.now() + dt.timedelta(hours=hours))


def staff(org, count, start=0):
    return [
        MembershipFactory(
            organization=org, user=UserFactory(email=f"nurse{start + i}@riverside.test")
        )
        for i in range(count)
    ]


def test_each_event_reaches_the_idempotency_log_exactly_once(
    receivers, admin, approved, do_publish, django_capture_on_commit_callbacks
):
    r = receivers()
    _endpoint, secret = subscribe(admin, r.url)
    r.secret = secret
    people = staff(admin.org, 12)
    publication = do_publish(approved)
    version = publication.version

    def acknowledge(members):
        for m in members:
            with django_capture_on_commit_callbacks(execute=True):
                publishing.acknowledge(version=version, user=m.user, confirmed=True)

    # Up, but it dies right after handling its third event, before answering.
    r.start(die_after=3)
    acknowledge(people[:6])
    assert not r.alive()
    # Down: deliveries wait and retry; nothing is lost.
    acknowledge(people[6:9])
    assert Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count() == 2
    # Back up; then killed again halfway through the retries.
    r.start()
    acknowledge(people[9:11])
    r.kill()
    sweep(hours=0.05)
    r.start()
    acknowledge(people[11:])
    for _ in range(3):
        sweep()

    events = set(
        Event.objects.filter(type=EventType.PERSON_ACKNOWLEDGED).values_list("id", flat=True)
    )
    assert len(events) == 12
    logged = [line["id"] for line in r.log]
    assert sorted(logged) == sorted(str(e) for e in events), "each event once, none missing"
    assert len(logged) == len(set(logged))
    assert all(d.status == Delivery.Status.SUCCEEDED for d in Delivery.objects.all())
    # The event handled just before the crash came twice over HTTP, and was logged once.
    received = [line["id"] for line in r.received]
    assert all(line["valid"] for line in r.received)
    assert len(received) > len(set(received)) == 12
    # Every try is on record with its answer and time.
    assert Attempt.objects.filter(status_code=200).count() == len(received) - 1
    assert Attempt.objects.exclude(error="").count() >= 4


def test_a_wrong_signature_is_refused_and_retried(receivers, admin, approved, do_publish):
    r = receivers(secret="whsec_not-the-one")
    subscribe(admin, r.url, EventType.GUIDELINE_PUBLISHED)
    r.start()
    do_publish(approved)
    d = Delivery.objects.get()
    assert (d.status, d.last_status_code) == (Delivery.Status.RETRYING, 400)
    assert r.log == [] and r.received[0]["valid"] is False


def test_published_and_approved_events_carry_their_data(
    receivers, admin, legal, compliance, make_version, do_publish
):
    r = receivers()
    _endpoint, secret = subscribe(
        admin, r.url, EventType.GUIDELINE_PUBLISHED, EventType.VERSION_APPROVED
    )
    r.secret = secret
    r.start()
    from tests.publishing.conftest import sign

    version = make_version(1)
    sign(version, legal, compliance)
    publication = do_publish(version)
    [event] = Event.objects.all()
    assert event.type == EventType.GUIDELINE_PUBLISHED
    assert event.payload["publication_id"] == publication.pk
    assert event.payload["version"]["content_hash"] == version.content_hash
    assert event.payload["url"].endswith("/g/riverside/social-media/")
    assert [line["type"] for line in r.log] == ["guideline.published"]


def test_a_rolled_back_change_announces_nothing(admin, approved, receivers):
    r = receivers()
    subscribe(admin, r.url, EventType.GUIDELINE_PUBLISHED)
    from django.db import transaction

    with transaction.atomic():
        publishing.publish(
            version=approved,
            by=admin.user,
            effective_date=timezone.localdate(),
            requires_acknowledgement=False,
            skip_reason="Wording",
            target_groups=[],
            due_date=None,
            next_review_date=None,
        )
        assert Event.objects.count() == 1  # written with the change...
        transaction.set_rollback(True)
    assert Event.objects.count() == 0  # ...and gone with it
    assert Delivery.objects.count() == 0


def test_the_overdue_threshold_is_announced_once_per_campaign(
    receivers, admin, approved, do_publish, django_capture_on_commit_callbacks
):
    from integrations import notices

    r = receivers()
    _endpoint, secret = subscribe(admin, r.url, EventType.OVERDUE_THRESHOLD, threshold=50)
    r.secret = secret
    r.start()
    staff(admin.org, 4)
    publication = do_publish(approved, due=timezone.localdate() + dt.timedelta(days=1))
    assert notices.send() == 0  # nobody overdue yet
    later = timezone.localdate() + dt.timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.send(today=later) == 1
    assert notices.send(today=later) == 0  # once
    [event] = Event.objects.filter(type=EventType.OVERDUE_THRESHOLD)
    assert event.payload["campaign_id"] == publication.campaign.pk
    assert event.payload["overdue_percent"] == 100
    assert [line["type"] for line in r.log] == ["campaign.overdue_threshold_crossed"]


def test_replay_sends_the_same_event_again(
    receivers, admin, approved, do_publish, django_capture_on_commit_callbacks
):
    r = receivers()
    _endpoint, secret = subscribe(admin, r.url, EventType.GUIDELINE_PUBLISHED)
    r.secret = secret
    r.start()
    do_publish(approved)
    first = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.replay(delivery=first, by=admin.user)
    again.refresh_from_db()
    assert again.status == Delivery.Status.SUCCEEDED
    assert [x["id"] for x in r.received] == [str(first.event_id)] * 2
    assert len(r.log) == 1


def test_a_switched_off_endpoint_gets_nothing(receivers, admin, approved, do_publish):
    r = receivers()
    endpoint, _ = subscribe(admin, r.url, EventType.GUIDELINE_PUBLISHED)
    services.set_active(endpoint=endpoint, active=False, by=admin.user)
    do_publish(approved)
    assert Event.objects.count() == 0


def test_retries_back_off(receivers, admin, approved, do_publish):
    r = receivers()
    subscribe(admin, r.url, EventType.GUIDELINE_PUBLISHED)  # receiver never started
    do_publish(approved)
    d = Delivery.objects.get()
    assert d.status == Delivery.Status.RETRYING and d.attempts == 1
    waits = []
    for _ in range(len(delivery.RETRY_DELAYS)):
        d.refresh_from_db()
        waits.append(d.next_attempt_at)
        delivery.deliver(now=d.next_attempt_at)
    d.refresh_from_db()
    assert d.status == Delivery.Status.FAILED
    gaps = [b - a for a, b in itertools.pairwise(waits)]
    assert gaps == sorted(gaps), "each wait longer than the last"


# --- senders killed half-way (PostgreSQL) -----------------------------------------------------


def _send_in_child() -> None:
    delivery.deliver()
    os._exit(0)


@pytest.mark.django_db(transaction=True)
def test_senders_killed_half_way_leave_no_event_unlogged_or_logged_twice(org, admin, receivers):
    """Two workers are killed mid-run; the next run finishes. A worker killed after the
    receiver answered but before it saved the answer sends that event again: at most one
    HTTP duplicate per killed worker, never a second line in the idempotency log."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks with SKIP LOCKED)")
    r = receivers()
    endpoint, secret = subscribe(admin, r.url, EventType.PERSON_ACKNOWLEDGED)
    r.secret = secret
    r.start()
    events = Event.objects.bulk_create(
        [
            Event(organization=org, type=EventType.PERSON_ACKNOWLEDGED, key=f"k{i}")
            for i in range(300)
        ]
    )
    Delivery.objects.bulk_create([Delivery(event=e, endpoint=endpoint) for e in events])
    connection.close()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_send_in_child) for _ in range(2)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 120
    while len(r.log) < 100 and time.monotonic() < deadline:
        time.sleep(0.005)
    for worker in workers:
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
    for worker in workers:
        worker.join()
    assert 100 <= len(r.log) < len(events), "the senders were not killed half-way"

    delivery.deliver()  # the next run

    logged = [line["id"] for line in r.log]
    assert sorted(logged) == sorted(str(e.id) for e in events)
    assert len(logged) == len(set(logged))
    received = Counter(line["id"] for line in r.received)
    assert sum(n - 1 for n in received.values()) <= len(workers)
    assert not Delivery.objects.exclude(status=Delivery.Status.SUCCEEDED).exists()


def test_an_institution_without_endpoints_pays_nothing_per_audited_change(
    admin, approved, do_publish, employee, django_assert_num_queries
):
    from audit.services import record

    publication = do_publish(approved)
    version = publication.version
    # Once the institution's (empty) list of subscriptions is known, an acknowledgement's
    # audit event costs exactly what it cost before integrations existed.
    from integrations.events import wanted

    assert wanted(admin.org.pk) == frozenset()
    with django_assert_num_queries(0):
        wanted(admin.org.pk)
    subscribe(admin, "https://lms.example.org/h", EventType.PERSON_ACKNOWLEDGED)
    assert wanted(admin.org.pk) == {EventType.PERSON_ACKNOWLEDGED}  # forgotten on change
    with django_assert_num_queries(0):
        wanted(admin.org.pk)
    record("publishing.version.acknowledged", actor=employee.user, organization=admin.org,
           obj=version, guideline_id=version.guideline_id, details={"number": 1})  # fmt: skip
    assert Event.objects.filter(type=EventType.PERSON_ACKNOWLEDGED).count() == 1


# --- secrets at rest ------------------------------------------------------------------------


def test_sealed_secrets_survive_a_key_rotation_with_a_fallback(
    receivers, admin, approved, do_publish, settings
):
    r = receivers()
    _endpoint, secret = subscribe(admin, r.url, EventType.GUIDELINE_PUBLISHED)
    r.secret = secret
    r.start()
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = [old]
    do_publish(approved)
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
    assert [line["valid"] for line in r.received] == [True]


def test_a_secret_sealed_under_a_lost_key_is_reported_not_guessed(
    receivers, admin, approved, do_publish, settings
):
    r = receivers()
    subscribe(admin, r.url, EventType.GUIDELINE_PUBLISHED)
    r.start()
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []
    do_publish(approved)
    d = Delivery.objects.get()
    assert d.status == Delivery.Status.RETRYING
    assert "connect it again" in d.last_error
    assert r.received == [], "nothing is sent unsigned or to a guessed address"


# --- DNS rebinding --------------------------------------------------------------------------


def test_the_connection_goes_to_the_address_that_was_checked(
    receivers, admin, approved, do_publish, monkeypatch
):
    """The name is resolved once per try and that very address is connected to: a second
    answer (a rebinding name pointing somewhere else) is never asked for, let alone used."""
    r = receivers()
    real = socket.getaddrinfo
    asked: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host == "hooks.rebind.test":
            asked.append(host)
            # First the receiver; afterwards TEST-NET-1, where nothing answers.
            address = "127.0.0.1" if len(asked) == 1 else "192.0.2.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    _endpoint, secret = subscribe(
        admin, f"http://hooks.rebind.test:{r.port}/hooks/charter", EventType.GUIDELINE_PUBLISHED
    )
    r.secret = secret
    r.start()
    do_publish(approved)
    assert Delivery.objects.get().status == Delivery.Status.SUCCEEDED
    assert asked == ["hooks.rebind.test"]
    [line] = r.received
    assert line["valid"] and line["host"] == f"hooks.rebind.test:{r.port}"


def test_https_keeps_the_name_for_tls_while_connecting_to_the_checked_address():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    target = Target(
        url="https://hooks.example.org/charter?x=1",
        scheme="https",
        host="hooks.example.org",
        port=443,
        address="93.184.215.14",
    )
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        assert delivery.post(client, target, b"{}", {}).status_code == 204
    [request] = seen
    assert request.url.host == "93.184.215.14" and request.url.path == "/charter"
    assert request.extensions["sni_hostname"] == "hooks.example.org"  # name checked in TLS
    assert request.headers["Host"] == "hooks.example.org"
