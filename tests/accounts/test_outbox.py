"""The outbox: an e-mail is recorded with the decision that sends it, sent once, retried when
the mail server fails, and shown as failed when it gives up or the address is refused."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import time
from collections import Counter

import pytest
import time_machine
from asgiref.local import Local
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboundEmail, User
from accounts.notify import tell
from tests.accounts.outbox_support import ACCEPTED_FILE

SUPPORT = "tests.accounts.outbox_support"


def _tell(org, users, ref="test:1"):
    return tell(
        users,
        organization=org,
        message="Social media guidelines is due for review on 1 Apr 2026.",
        url="/guidelines/1/",
        template="review_cycle_soon",
        subject="Review due: Social media guidelines",
        context={"guideline": {"title": "Social media guidelines"}, "when": "1 Apr 2026"},
        ref=ref,
    )


def test_an_email_is_recorded_with_the_decision_and_sent_after_commit(
    org, admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _tell(org, [admin.user])
        message = OutboundEmail.objects.get()
        assert message.status == OutboundEmail.Status.QUEUED and mailoutbox == []
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == OutboundEmail.Status.SENT and message.sent_at is not None
    assert [m.to for m in mailoutbox] == [[admin.email]]
    assert "Riverside" in mailoutbox[0].body
    # Nothing is sent twice: the next run finds nothing due.
    assert outbox.deliver()["sent"] == 0 and len(mailoutbox) == 1


def test_a_decision_rolled_back_sends_nothing(org, admin, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        _tell(org, [admin.user])
        raise RuntimeError("the change was refused")
    assert not OutboundEmail.objects.exists()
    assert outbox.deliver()["sent"] == 0 and mailoutbox == []


def test_a_failed_send_is_retried_minutes_later_then_given_up(org, admin, settings, mailoutbox):
    _tell(org, [admin.user])  # recorded; the test's transaction never commits, so not sent yet
    settings.EMAIL_BACKEND = f"{SUPPORT}.DownServer"
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert outbox.deliver() == {"sent": 0, "retrying": 1, "failed": 0, "bounced": 0}
        message = OutboundEmail.objects.get()
        assert message.status == OutboundEmail.Status.RETRYING
        assert message.next_attempt_at == start + outbox.RETRY_DELAYS[0]
        assert "Connection unexpectedly closed" in message.last_error
        assert outbox.deliver()["retrying"] == 0  # not due yet
        for delay in outbox.RETRY_DELAYS:
            clock.move_to(timezone.now() + delay)
            outbox.deliver()
        message.refresh_from_db()
        assert message.status == OutboundEmail.Status.FAILED
        assert message.attempts == len(outbox.RETRY_DELAYS) + 1
    assert mailoutbox == []


def test_a_retry_after_the_server_is_back_sends_the_message(
    org, admin, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{SUPPORT}.DownServer"
    with django_capture_on_commit_callbacks(execute=True):
        _tell(org, [admin.user])
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.RETRYING
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3), tick=False):
        assert outbox.deliver()["sent"] == 1
    assert [m.to for m in mailoutbox] == [[admin.email]]


def test_a_refused_address_is_recorded_as_bounced_and_not_retried(
    org, admin, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{SUPPORT}.RefusingServer"
    with django_capture_on_commit_callbacks(execute=True):
        _tell(org, [admin.user], ref="ack:7")
    message = OutboundEmail.objects.get()
    assert message.status == OutboundEmail.Status.BOUNCED
    assert "550" in message.last_error and "No such mailbox" in message.last_error
    assert outbox.problems_for("ack:7", [admin.user.pk]) == {admin.user.pk: message}
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert outbox.deliver()["bounced"] == 0


# --- a sending process killed half-way (PostgreSQL) -----------------------------------------


_INHERITED: list[object] = []


def _forget_inherited_connections() -> None:
    """A forked child must never speak on a socket it shares with its parent or a sibling: give
    it a fresh connection handler. The inherited wrappers are kept referenced, not closed, so that
    no goodbye is sent on a socket that is not the child's own."""
    handler = vars(connections)  # Django keeps the per-thread wrappers in a private attribute
    _INHERITED.append(handler["_connections"])
    handler["_connections"] = Local(connections.thread_critical)


def _send_in_child(accepted_file: str) -> None:
    _forget_inherited_connections()
    os.environ[ACCEPTED_FILE] = accepted_file
    outbox.deliver()
    os._exit(0)


def _accepted(path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split(" ", 1)) for line in lines if line.strip()]


def _wait_for_dead_senders_sessions() -> None:
    """PostgreSQL ends a killed client's session, and frees its row locks, only once it notices
    the socket closed. The next run comes minutes later in production; here, wait for that (and
    end what is left after 30 s, as idle_in_transaction_session_timeout would)."""
    others = (
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(others)
            if not cursor.fetchall():
                return
            time.sleep(0.05)
        cursor.execute(f"SELECT pg_terminate_backend(pid) FROM ({others}) AS dead")


@pytest.mark.django_db(transaction=True)
def test_senders_killed_half_way_leave_nobody_unsent_and_one_duplicate_each_at_most(
    org, settings, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks with SKIP LOCKED)")
    people = User.objects.bulk_create(
        [User(email=f"p{i}@riverside.test", full_name=f"Person {i}") for i in range(400)]
    )
    with transaction.atomic():
        outbox.enqueue(
            people,
            template="review_cycle_soon",
            subject="Review due",
            context={"guideline": {"title": "G"}, "when": "1 Apr 2026", "organization": org},
            organization=org,
            send_on_commit=False,
        )
    settings.EMAIL_BACKEND = f"{SUPPORT}.FileServer"
    accepted_file = tmp_path / "accepted.txt"
    monkeypatch.setenv(ACCEPTED_FILE, str(accepted_file))
    connection.close()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_send_in_child, args=(str(accepted_file),)) for _ in range(2)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 120
    while len(_accepted(accepted_file)) < 150 and time.monotonic() < deadline:
        time.sleep(0.005)
    for worker in workers:
        assert worker.pid is not None
        os.kill(worker.pid, signal.SIGKILL)
    for worker in workers:
        worker.join()
    before = len(_accepted(accepted_file))
    assert 150 <= before < len(people), "the senders were not killed half-way"
    killed_pids = {str(w.pid) for w in workers}
    # On a busy machine one sender may not have been scheduled before the kill; at least one was.
    assert {pid for pid, _to in _accepted(accepted_file)} <= killed_pids

    _wait_for_dead_senders_sessions()
    outbox.deliver()  # the next run

    received = Counter(to for _pid, to in _accepted(accepted_file))
    assert set(received) == {p.email for p in people}  # nobody left unsent
    duplicates = sum(n - 1 for n in received.values())
    assert duplicates <= len(workers)
    assert not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()
