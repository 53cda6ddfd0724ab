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


# --- batches, leases and what a sender gives back --------------------------------------------


def _queue(org, count):
    people = User.objects.bulk_create(
        [User(email=f"q{i}@riverside.test", full_name=f"Queued {i}") for i in range(count)]
    )
    return outbox.enqueue(
        people,
        template="review_cycle_soon",
        subject="Review due",
        context={"guideline": {"title": "G"}, "when": "1 Apr 2026", "organization": org},
        organization=org,
        send_on_commit=False,
    )


def test_a_batch_dropped_by_a_dead_sender_is_sent_once_its_lease_runs_out(org, mailoutbox):
    ids = _queue(org, 3)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        dead = outbox.Sender()
        assert [row["pk"] for row in dead.claim(None)] == ids  # …and the sender dies here
        taken = OutboundEmail.objects.get(pk=ids[0])
        assert taken.claimed_by == dead.name and taken.claimed_at == start
        assert taken.next_attempt_at == start + outbox.lease()
        assert outbox.deliver()["sent"] == 0  # another sender leaves them alone
        clock.move_to(start + outbox.lease() - dt.timedelta(seconds=1))
        assert outbox.deliver()["sent"] == 0
        clock.move_to(start + outbox.lease())
        assert outbox.deliver()["sent"] == 3
    assert sorted(m.to[0] for m in mailoutbox) == [f"q{i}@riverside.test" for i in range(3)]
    rows = OutboundEmail.objects.filter(pk__in=ids)
    assert {(r.status, r.attempts) for r in rows} == {(OutboundEmail.Status.SENT, 1)}
    assert dead.name not in {r.claimed_by for r in rows}


def test_a_sender_past_half_its_lease_gives_the_rest_of_its_batch_back(
    org, mailoutbox, monkeypatch
):
    ids = _queue(org, 5)
    half = outbox.lease().total_seconds() / 2
    # Each look at the clock is 0.7 of half a lease later: the claim, then before each message.
    ticks = (n * 0.7 * half for n in range(100))
    monkeypatch.setattr(outbox, "monotonic", lambda: next(ticks))
    assert outbox.deliver()["sent"] == 1
    rest = OutboundEmail.objects.filter(pk__in=ids[1:])
    assert {(r.status, r.claimed_by, r.attempts) for r in rest} == {
        (OutboundEmail.Status.QUEUED, "", 0)
    }
    assert all(r.next_attempt_at <= timezone.now() for r in rest)  # due again at once
    assert len(mailoutbox) == 1


def test_an_unreachable_server_stops_the_run_and_frees_the_rest(org, settings, mailoutbox):
    ids = _queue(org, 4)
    settings.EMAIL_BACKEND = f"{SUPPORT}.UnreachableServer"
    assert outbox.deliver() == {"sent": 0, "retrying": 1, "failed": 0, "bounced": 0}
    first = OutboundEmail.objects.get(pk=ids[0])
    assert first.status == OutboundEmail.Status.RETRYING and first.attempts == 1
    assert "Connection refused" in first.last_error
    # Not one connection attempt each: the others wait for the next run, untouched.
    rest = OutboundEmail.objects.filter(pk__in=ids[1:])
    assert {(r.status, r.attempts, r.claimed_by) for r in rest} == {
        (OutboundEmail.Status.QUEUED, 0, "")
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.deliver()["sent"] == 3


def test_sending_costs_two_queries_per_batch_and_one_per_message(
    org, mailoutbox, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(outbox, "SEND_BATCH", 4)
    _queue(org, 10)
    # Three batches (4, 4, 2) and the look that finds nothing more. Each claim is a SELECT …
    # FOR UPDATE and one UPDATE (plus a savepoint's two statements here, inside the test's
    # transaction); each message, one UPDATE.
    with django_assert_num_queries(3 * 4 + 1 * 3 + 10):
        assert outbox.deliver()["sent"] == 10
    assert len(mailoutbox) == 10


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
    # The killed senders' batches are theirs until the lease runs out: a run straight away
    # leaves them alone (a sender that is only slow may still send them)…
    unsent = OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT)
    claimed = set(unsent.exclude(claimed_by="").values_list("pk", flat=True))
    assert {name.split(":")[1] for name in unsent.values_list("claimed_by", flat=True) if name} <= (
        killed_pids
    )
    never_taken = unsent.count() - len(claimed)  # a sender killed before it took its batch
    assert outbox.deliver()["sent"] == never_taken
    assert set(unsent.values_list("pk", flat=True)) == claimed
    # …and the next run, once it has (minutes later), sends every one of them.
    with time_machine.travel(timezone.now() + outbox.lease() + dt.timedelta(seconds=1)):
        outbox.deliver()

    accepted = _accepted(accepted_file)
    received = Counter(to for _pid, to in accepted)
    assert set(received) == {p.email for p in people}  # nobody left unsent
    assert not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()
    # A duplicate belongs to the killed sender that first handed the message over: each
    # has at most one (the message accepted in the instant before the kill).
    first_sender: dict[str, str] = {}
    for pid, to in accepted:
        first_sender.setdefault(to, pid)
    duplicates = Counter(first_sender[to] for to, n in received.items() for _ in range(n - 1))
    assert set(duplicates) <= killed_pids
    assert all(n <= 1 for n in duplicates.values()), duplicates
