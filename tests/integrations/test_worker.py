"""Deliveries sent by a real Celery worker process through Redis, on PostgreSQL.

The test process commits changes as the app servers do; its on-commit hook hands the delivery
ids to the broker, and a separate worker process (with the same settings as production: the
Redis broker, acks late) sends them to a real receiver. The receiver and the worker are both
killed and started again on the way; every event still reaches the receiver's idempotency log
exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu import Connection

from config.celery import app
from integrations import delivery, services, tasks
from integrations.models import Delivery, Endpoint, Event, EventType
from publishing import services as publishing
from tests.factories import MembershipFactory, UserFactory

# A Redis database of its own by default (the last of the 16 a server has), so the test's
# queues never land in database 0, where a running app keeps its broker and cache.
TEST_REDIS = "redis://127.0.0.1:6379/15"


def broker_url(environ: Mapping[str, str]) -> str:
    return environ.get("CHARTER_TEST_REDIS") or TEST_REDIS


BROKER = broker_url(os.environ)
ROOT = Path(__file__).resolve().parents[2]


def broker_up() -> bool:
    try:
        return bool(redis.Redis.from_url(BROKER, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    """``celery worker`` in its own process group, on a queue of its own."""

    def __init__(self, folder: Path, queue: str) -> None:
        self.folder, self.queue = folder, queue
        self.log = folder / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        self.folder.mkdir(parents=True, exist_ok=True)
        mark = self.log.stat().st_size if self.log.exists() else 0
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER,
            "CHARTER_TESTING": "1",
            "CHARTER_WEBHOOKS_ALLOW_PRIVATE": "1",
            "SECRET_KEY": settings.SECRET_KEY,  # the worker opens the sealed signing secret
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                    "-Q", self.queue, "--hostname", f"{self.queue}@%h", "--loglevel", "INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                ],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        until(lambda: b" ready." in self.log.read_bytes()[mark:], "the worker to start")
        return self

    def kill(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def until(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.05)


def test_the_broker_is_not_the_apps_database_unless_asked():
    assert broker_url({}).endswith("/15")
    assert broker_url({"CHARTER_TEST_REDIS": "redis://127.0.0.1:6379/3"}).endswith("/3")


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_every_event_once_through_receiver_and_worker_restarts(
    admin, approved, do_publish, receivers, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (a worker process shares the database)")
    if not broker_up():
        pytest.skip("needs Redis as the broker")
    queue = f"charter-test-{uuid.uuid4().hex[:12]}"

    def to_broker(name: str, args: list[Any]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the test settings run other tasks inline
            with Connection(BROKER) as broker:
                app.send_task(name, args=args, queue=queue, connection=broker)

    # The on-commit hook hands the ids to the broker; this process never sends a delivery.
    def delay(ids: list[int]) -> None:
        to_broker("integrations.tasks.deliver_now", [ids])

    monkeypatch.setattr(tasks, "deliver_now", SimpleNamespace(delay=delay))

    def not_here(**kwargs: Any) -> None:
        raise AssertionError("deliveries are sent by the worker")

    monkeypatch.setattr(delivery, "deliver", not_here)

    r = receivers()
    _endpoint, secret = services.create_endpoint(
        organization=admin.org,
        by=admin.user,
        kind=Endpoint.Kind.WEBHOOK,
        name="Learning system",
        url=r.url,
        events=[EventType.PERSON_ACKNOWLEDGED],
    )
    r.secret = secret
    r.start()
    worker = Worker(tmp_path / "worker", queue).start()
    try:
        people = [
            MembershipFactory(organization=admin.org, user=UserFactory(email=f"w{i}@x.test"))
            for i in range(12)
        ]
        version = do_publish(approved).version

        def acknowledge(members: list[Any]) -> None:
            for m in members:
                publishing.acknowledge(version=version, user=m.user, confirmed=True)

        acknowledge(people[:5])
        until(lambda: len(r.log) == 5, "five events in the receiver's log")
        # The receiver goes down: the worker's tries fail and wait for their back-off.
        r.kill()
        acknowledge(people[5:8])
        until(
            lambda: Delivery.objects.filter(status=Delivery.Status.RETRYING).count() == 3,
            "three deliveries waiting to be retried",
        )
        # The worker goes down too: what is committed meanwhile waits in the broker.
        worker.kill()
        acknowledge(people[8:])
        assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 4
        r.start()
        worker = Worker(tmp_path / "worker", queue).start()
        until(lambda: len(r.log) == 9, "the four queued events after the restarts")
        # The back-off has passed; the scheduled sweep runs on the worker.
        Delivery.objects.filter(status=Delivery.Status.RETRYING).update(
            next_attempt_at=timezone.now()
        )
        to_broker("integrations.tasks.deliver_due", [])
        until(lambda: len(r.log) == 12, "the three retried events")
        until(
            lambda: not Delivery.objects.exclude(status=Delivery.Status.SUCCEEDED).exists(),
            "every delivery marked delivered",
        )
    finally:
        worker.kill()

    events = Event.objects.filter(type=EventType.PERSON_ACKNOWLEDGED).values_list("id", flat=True)
    logged = [line["id"] for line in r.log]
    assert sorted(logged) == sorted(str(e) for e in events) and len(set(logged)) == 12
    assert all(line["valid"] for line in r.received)
    retried = Delivery.objects.filter(attempts=2)
    assert retried.count() == 3
    assert all(d.last_status_code == 200 and d.last_response_ms is not None for d in retried)
