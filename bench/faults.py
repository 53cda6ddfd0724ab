"""``make bench-faults``: PostgreSQL restarted under acknowledgement load; a reminder run killed.

1. Outage: threads acknowledge as different employees against gunicorn (2 workers) while
   PostgreSQL is stopped and started again. Passes when requests during the outage got the
   plain 503 page (no traceback, a Retry-After), the app served acknowledgements again by
   itself, and every person attempted is either fully recorded (acknowledgement, request
   marked, audit event) or fully absent and still pending; the audit chain stays intact.
2. Killed reminders: ``manage.py send_reminders`` and ``--senders`` outbox workers (each
   running the outbox's ``deliver`` in a loop, as a Celery worker or the five-minute
   ``send_outbox`` would) send the overdue reminders together; all of them are killed
   (SIGKILL) half-way. Once the killed senders' leases have run out (``--lease`` seconds, five
   minutes in production) ``send_reminders`` runs again. Each sender has its own local SMTP
   sink on loopback, so every e-mail is counted per sender. Passes when every overdue person
   got the reminder (0 unsent) and each killed sender caused at most one duplicate (the
   message accepted in the instant before the kill).

The restart hits a PostgreSQL cluster of its own (created here with pg_createcluster on first
use), so other work on the machine keeps its database; ``--cluster 15/main --port 5432`` uses
the main one instead.

    python bench/faults.py [--only reminders]

``--only reminders`` leaves PostgreSQL alone (no restart), so it may use the main cluster.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import signal
import socketserver
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on the path, where bench/markdown.py would hide
# the markdown package: the project root replaces it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402 (the path is set just above)

RESULTS = harness.REPO / "bench" / "results"
TRUST = ("--auth-host=trust", "--auth-local=trust")  # a throwaway cluster on loopback only
TRACEBACK_MARKERS = ("Traceback", 'File "/', "OperationalError", "psycopg")


# --- PostgreSQL cluster ----------------------------------------------------------------------


def ensure_cluster(version: str, name: str, port: int) -> None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True)
    rows = [line.split() for line in listed.stdout.splitlines()]
    mine = [r for r in rows if r[0] == version and r[1] == name]
    if not mine:
        subprocess.run(
            ["pg_createcluster", version, name, "-p", str(port), "--", *TRUST],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        mine = [[version, name, str(port), "down"]]
    if mine[0][3] != "online":
        pg_ctl(version, name, "start")


def pg_ctl(version: str, name: str, action: str, *extra: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action, *extra],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_postgres(url: str, timeout: float = 60) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.Error:
            time.sleep(0.2)
    raise RuntimeError("PostgreSQL did not come back")


# --- a local SMTP sink -------------------------------------------------------------------


class Sink(socketserver.ThreadingTCPServer):
    """Accepts every e-mail on loopback and remembers (recipient, subject)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        delay: float,
        *,
        name: str = "sink",
        received: list[tuple[str, str, str]] | None = None,
        lock: threading.Lock | None = None,
    ) -> None:
        self.delay = delay
        self.name = name  # which sender this sink listens for
        # (sender, recipient, subject) in arrival order; sinks of one run may share the list.
        self.received: list[tuple[str, str, str]] = received if received is not None else []
        self.lock = lock or threading.Lock()
        super().__init__(("127.0.0.1", 0), _SmtpHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the killed reminder run drops its connection: expected, not worth a trace


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: Sink

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 charter-bench sink")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.strip().split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                self.reply("250-charter-bench\r\n250 8BITMIME")
            elif verb == b"MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == b"RCPT":
                recipients.append(line.split(b":", 1)[1].strip().strip(b"<>").decode())
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 go on")
                subject = ""
                while True:
                    body = self.rfile.readline()
                    if not body or body in (b".\r\n", b".\n"):
                        break
                    if not subject and body.lower().startswith(b"subject:"):
                        subject = body.split(b":", 1)[1].strip().decode(errors="replace")
                time.sleep(self.server.delay)  # a real relay is not instant
                with self.server.lock:
                    self.server.received.extend((self.server.name, r, subject) for r in recipients)
                self.reply("250 queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


# --- 1. outage under load ------------------------------------------------------------------


def outage(args: argparse.Namespace, env: dict[str, str], seeded: Any) -> dict[str, Any]:
    import httpx
    from django.urls import reverse

    from audit.models import AuditEvent
    from audit.verify import verify_chain
    from publishing.models import Acknowledgement, AckRequest

    pool = list(
        AckRequest.objects.filter(
            campaign_id=seeded.campaign_id,
            acknowledged_at__isnull=True,
            user__email__startswith="staff",
        )
        .order_by("?")
        .values_list("user_id", flat=True)[: args.pool]
    )
    keys = harness.mint_sessions(pool, seeded.organization_id)
    url = reverse("publishing:acknowledge", args=[seeded.published_version_id])
    people = iter(pool)
    lock = threading.Lock()
    log: list[dict[str, Any]] = []
    stop = threading.Event()
    t0 = time.monotonic()

    def worker(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as client:
            while not stop.is_set():
                with lock:
                    uid = next(people, None)
                if uid is None:
                    return
                start = time.monotonic() - t0
                try:
                    r = client.post(
                        url, data={"confirm": "on"}, headers=harness.cookie_header(keys[uid])
                    )
                    entry = {
                        "user": uid,
                        "status": r.status_code,
                        "location": r.headers.get("location", ""),
                        "retry_after": r.headers.get("retry-after", ""),
                        "traceback": any(m in r.text for m in TRACEBACK_MARKERS),
                        "plain_page": "briefly unavailable" in r.text,
                    }
                except httpx.HTTPError as exc:
                    entry = {"user": uid, "status": f"connection error: {exc.__class__.__name__}"}
                client.cookies.clear()
                entry["t"] = round(start, 3)
                entry["end"] = round(time.monotonic() - t0, 3)
                with lock:
                    log.append(entry)

    version, name = args.cluster.split("/")
    with harness.Server(env) as server:
        threads = [threading.Thread(target=worker, args=(server.url,)) for _ in range(args.threads)]
        for t in threads:
            t.start()
        time.sleep(args.stop_after)
        down_at = time.monotonic() - t0
        print(f"  stopping PostgreSQL ({args.mode}) at {down_at:.1f} s", flush=True)
        if args.down > 0:
            pg_ctl(version, name, "stop", "-m", args.mode)
            time.sleep(args.down)
            pg_ctl(version, name, "start")
        else:
            pg_ctl(version, name, "restart", "-m", args.mode)
        wait_for_postgres(env["DATABASE_URL"])
        up_at = time.monotonic() - t0
        print(f"  PostgreSQL accepting connections again at {up_at:.1f} s", flush=True)
        time.sleep(args.after)
        stop.set()
        for t in threads:
            t.join()
        health = httpx.get(server.url + "/healthz", timeout=10).status_code

    from django.db import connection

    connection.close()  # ours died with the restart
    statuses = Counter(str(e["status"]) for e in log)
    ok = [e for e in log if e["status"] == 302 and "my-guidelines" in e.get("location", "")]
    refused = [e for e in log if e["status"] == 503]
    after_up = [e["end"] - up_at for e in ok if e["t"] >= up_at]
    attempted = [e["user"] for e in log]
    acks = set(
        Acknowledgement.objects.filter(
            version_id=seeded.published_version_id, user_id__in=attempted
        ).values_list("user_id", flat=True)
    )
    marked = set(
        AckRequest.objects.filter(
            campaign_id=seeded.campaign_id, user_id__in=attempted, acknowledged_at__isnull=False
        ).values_list("user_id", flat=True)
    )
    audited = set(
        AuditEvent.objects.filter(
            action="publishing.version.acknowledged",
            actor_id__in=attempted,
            object_id=str(seeded.published_version_id),
        ).values_list("actor_id", flat=True)
    )
    complete = acks & marked & audited
    absent = set(attempted) - acks - marked - audited
    half = set(attempted) - complete - absent
    problem = verify_chain(seeded.organization_id)
    result = {
        "threads": args.threads,
        "stop_mode": args.mode,
        "stop_after_s": args.stop_after,
        "down_seconds": round(up_at - down_at, 1),
        "requests": len(log),
        "statuses": dict(statuses),
        "ok": len(ok),
        "status_503": len(refused),
        "status_500": statuses.get("500", 0),
        "status_other": len(log) - len(ok) - len(refused),
        "clean_503": bool(refused)
        and all(e["plain_page"] and not e["traceback"] and e["retry_after"] for e in refused),
        "recovered": bool(after_up) and health == 200,
        "recovered_after_s": round(min(after_up), 2) if after_up else None,
        "healthz_after": health,
        "people": len(attempted),
        "complete": len(complete),
        "complete_but_not_answered_302": len(complete - {e["user"] for e in ok}),
        "absent_pending": len(absent),
        "half": len(half),
        "half_examples": sorted(half)[:10],
        "acked_responses_recorded": {e["user"] for e in ok} <= complete,
        "chain_intact": problem is None,
        "chain_problem": str(problem) if problem else "",
    }
    print(f"  outage: {json.dumps(result)}", flush=True)
    return result


# --- 2. a reminder run killed half-way ----------------------------------------------------


# An outbox worker: the outbox's deliver in a loop, as a Celery worker or cron would run it.
OUTBOX_WORKER = (
    "import time, django\n"
    "django.setup()\n"
    "from accounts import outbox\n"
    "while True:\n"
    "    outbox.deliver()\n"
    "    time.sleep(0.2)\n"
)


def killed_reminders(args: argparse.Namespace, env: dict[str, str], seeded: Any) -> dict[str, Any]:
    from django.utils import timezone

    from accounts.models import OutboundEmail
    from publishing.models import AckRequest, ReminderLog

    today = timezone.localdate()
    pending = AckRequest.objects.filter(
        campaign_id=seeded.campaign_id, acknowledged_at__isnull=True
    )
    # Everyone still pending was asked weeks ago and is overdue: the schedule's due-date step
    # (three days ago) has not been sent to anyone, so the run reminds them all.
    pending.update(
        due_date=today - dt.timedelta(days=3), created_at=timezone.now() - dt.timedelta(days=30)
    )
    overdue = pending.count()
    overdue_emails = set(pending.filter(user__is_active=True).values_list("user__email", flat=True))
    subject = "Reminder: please acknowledge"
    received: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def start_sink(name: str) -> Sink:
        sink = Sink(delay=args.smtp_delay, name=name, received=received, lock=lock)
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        return sink

    def sender_env(sink: Sink) -> dict[str, str]:
        return dict(
            env,
            EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
            CHARTER_OUTBOX_LEASE_SECONDS=str(args.lease),
            DJANGO_SETTINGS_MODULE="config.settings",
        )

    reminders_cmd = [sys.executable, str(harness.REPO / "manage.py"), "send_reminders"]
    sinks = [start_sink("send_reminders")] + [
        start_sink(f"outbox worker {n + 1}") for n in range(args.senders)
    ]
    commands = [reminders_cmd] + [[sys.executable, "-c", OUTBOX_WORKER]] * args.senders

    def sent() -> int:
        with lock:
            return sum(1 for _w, _r, s in received if s.startswith(subject))

    procs = [
        subprocess.Popen(command, env=sender_env(sink), cwd=harness.REPO, stdout=subprocess.DEVNULL)
        for command, sink in zip(commands, sinks, strict=True)
    ]
    target = max(1, overdue // 2)
    deadline = time.monotonic() + 600
    while sent() < target and procs[0].poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    killed = procs[0].poll() is None
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = sent()
    with lock:
        before_by_sender = Counter(w for w, _r, s in received if s.startswith(subject))
    print(f"  reminders: killed={killed} after {before} of {overdue} e-mails", flush=True)
    # Messages a killed sender had taken stay its own until its lease runs out; a run straight
    # away would leave them (a slow sender may still send them). The next run comes after.
    killed_at = time.monotonic()
    held = OutboundEmail.objects.filter(
        ref=f"ack:{seeded.campaign_id}", next_attempt_at__gt=timezone.now()
    ).exclude(status=OutboundEmail.Status.SENT)
    held_at_kill = held.count()
    time.sleep(args.lease + 1)
    rerun = start_sink("re-run")
    subprocess.run(
        reminders_cmd,
        env=sender_env(rerun),
        cwd=harness.REPO,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    rerun_after = time.monotonic() - killed_at
    time.sleep(0.5)
    for sink in [*sinks, rerun]:
        sink.shutdown()
    with lock:
        mails = [(w, r) for w, r, s in received if s.startswith(subject)]
    per_person = Counter(r for _w, r in mails)
    # A duplicate belongs to the killed sender that handed the message over first.
    first: dict[str, str] = {}
    for sender, recipient in mails:
        first.setdefault(recipient, sender)
    duplicates_by_sender = Counter(first[r] for r, n in per_person.items() for _ in range(n - 1))
    logged = ReminderLog.objects.filter(subject=f"ack:{seeded.campaign_id}", day=today).count()
    waiting = OutboundEmail.objects.filter(ref=f"ack:{seeded.campaign_id}").exclude(
        status=OutboundEmail.Status.SENT
    )
    senders = [sink.name for sink in sinks]
    result = {
        "overdue": overdue,
        "killed_mid_run": killed,
        "sending_workers": len(senders),
        "lease_seconds": args.lease,
        "sent_before_kill": before,
        "held_under_lease_at_kill": held_at_kill,
        "rerun_after_s": round(rerun_after, 1),
        "sent_total": len(mails),
        "reminded_people": len(per_person),
        "unsent": len(overdue_emails - set(per_person)),
        "duplicates": sum(n - 1 for n in per_person.values() if n > 1),
        "per_sender": {
            name: {
                "sent_before_kill": before_by_sender.get(name, 0),
                "duplicates": duplicates_by_sender.get(name, 0),
            }
            for name in senders
        },
        "log_rows": logged,
        "logged_not_sent": logged - len(per_person),
        "outbox_not_sent": waiting.count(),
    }
    print(f"  reminders: {json.dumps(result)}", flush=True)
    return result


def outage_failures(out: dict[str, Any]) -> list[str]:
    failures = []
    if out["status_other"]:
        failures.append(f"{out['status_other']} requests got neither success nor a 503")
    if not out["clean_503"]:
        failures.append("outage responses were not all the plain 503 page")
    if not out["recovered"]:
        failures.append("the app did not recover by itself")
    if out["half"]:
        failures.append(f"{out['half']} half-recorded acknowledgements")
    if not out["acked_responses_recorded"]:
        failures.append("a successful acknowledge response has no acknowledgement")
    if not out["chain_intact"]:
        failures.append(f"audit chain broken: {out['chain_problem']}")
    return failures


def reminder_failures(rem: dict[str, Any]) -> list[str]:
    failures = []
    if rem["unsent"] or rem["outbox_not_sent"]:
        failures.append(f"{rem['unsent']} overdue people left without their reminder")
    for sender, figures in rem["per_sender"].items():
        if figures["duplicates"] > 1:
            failures.append(f"{figures['duplicates']} duplicate reminder e-mails from {sender}")
    if not rem["killed_mid_run"]:
        failures.append("the reminder run finished before it could be killed (raise --smtp-delay)")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cluster", default="15/charterfaults", help="version/name")
    parser.add_argument("--port", type=int, default=5499)
    parser.add_argument("--database", default="charter_faults")
    parser.add_argument("--employees", type=int, default=12_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pool", type=int, default=5_000)
    parser.add_argument("--stop-after", type=float, default=4.0, help="seconds of load first")
    parser.add_argument("--down", type=float, default=4.0, help="seconds stopped (0: restart)")
    parser.add_argument("--after", type=float, default=8.0, help="seconds of load after")
    parser.add_argument("--mode", default="fast", choices=["smart", "fast", "immediate"])
    parser.add_argument("--smtp-delay", type=float, default=0.002)
    parser.add_argument("--senders", type=int, default=2, help="outbox workers beside the run")
    parser.add_argument("--lease", type=int, default=20, help="outbox lease, seconds")
    parser.add_argument("--audit-events", type=int, default=50_000)
    parser.add_argument("--only", choices=["outage", "reminders"], help="one of the two tests")
    args = parser.parse_args(argv)

    version, name = args.cluster.split("/")
    ensure_cluster(version, name, args.port)
    admin = f"postgres://postgres@127.0.0.1:{args.port}/postgres"
    wait_for_postgres(admin)
    harness.recreate_database(args.database, admin)
    env = harness.server_env(harness.db_url(args.database, admin))
    harness.prepare_schema(env)
    harness.use_in_process(env)
    from bench.seed import SeedConfig, seed

    print("Seeding…", flush=True)
    seeded = seed(
        SeedConfig(employees=args.employees, audit_events=args.audit_events, versions=5),
        log=print,
    )
    started = dt.datetime.now(dt.UTC)
    failures: list[str] = []
    # A part not run this time keeps its figures from the last run that did.
    previous = json.loads((RESULTS / "faults.json").read_text()) if args.only else {}
    out, rem = previous.get("outage"), previous.get("reminders")
    if args.only != "reminders":
        print("1. PostgreSQL restart under acknowledgement load", flush=True)
        out = outage(args, env, seeded)
        failures += outage_failures(out)
    if args.only != "outage":
        print("2. A reminder run killed half-way, then run again", flush=True)
        rem = killed_reminders(args, env, seeded)
        failures += reminder_failures(rem)
    result = {
        "kind": "faults",
        "started": started.isoformat(timespec="seconds"),
        "commit": harness.git_commit(),
        "machine": harness.machine(),
        "cluster": args.cluster,
        "employees": args.employees,
        "only": args.only or "",
        "outage": out,
        "reminders": rem,
        "failures": failures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "faults.json").write_text(json.dumps(result, indent=1))
    from bench import report

    report.write("faults")
    for failure in failures:
        print("FAILED:", failure)
    print("Faults: " + ("all checks passed" if not failures else f"{len(failures)} failed"))
    return 1 if failures else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
