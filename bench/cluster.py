"""``make bench-cluster``: two app servers behind HAProxy, one killed under load; a worker killed.

The topology a health system runs, on loopback (docs/deployment.md draws it):

    HAProxy :lb ─┬─ app1: gunicorn, its own process group, port p1 ─┐
                 └─ app2: gunicorn, its own process group, port p2 ─┼─ PostgreSQL (charter_cluster)
    Celery worker (separate process: PDFs, reminders, webhooks) ────┼─ Redis db n: cache, limits
                                                                     └─ Redis db n+1: task queue

HAProxy checks ``GET /healthz`` every second, sends each request to the next healthy server,
and retries a refused connection on the other one. The app servers share nothing but the
database and Redis: sessions and the failed sign-in counts are rows in PostgreSQL, rate-limit
counters are Redis keys.

1. **Shared state**: five wrong passwords, sent through the balancer so that they alternate
   between the two servers, lock the account on both; the "is this account official?" check's
   rate limit counts across both; a session idle too long is ended by either server.
2. **A server lost under load**: 200 employees acknowledge (each opens the page, submits,
   waits 0.5–1.5 s, as ``make bench-load``) while 5 admins refresh the tracking dashboard;
   app2's master and workers are SIGKILLed together mid-run, and started again later. A person
   whose request failed submits again a second later, as anyone would. Passes when every
   failure was a request in flight on app2 when it died (none started after the kill), the
   acknowledgements recorded are exactly the people answered with success, each with its
   request marked and its audit event, and the audit chain verifies.
3. **A worker lost mid-task**: the campaign's overdue reminders and the published version's
   PDF are queued; the worker (master and pool) is SIGKILLed once the PDF is being rendered and
   about half the reminders are out, then started again. The broker hands the unacknowledged
   tasks out again after the visibility timeout; the outbox sweep (``send_outbox``, which the
   scheduler runs every few minutes) sends what the killed run had queued once the killed
   worker's outbox lease has run out (``--lease``, 20 s here). Passes when the PDF
   and its card exist once, every overdue person got the reminder, and at most one e-mail per
   killed sending process went twice (the one accepted in the instant before the kill).

    python bench/cluster.py                  # ~4 min on 2 cores
    python bench/cluster.py --duration 40 --employees 8000
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import signal
import socket
import ssl
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
from bench.faults import Sink  # noqa: E402

RESULTS = harness.REPO / "bench" / "results"
WORK = RESULTS / "cluster"
BACKEND = "charter"
SERVER_HEADER = "X-Charter-Server"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")


# --- HAProxy -----------------------------------------------------------------------------------


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(p).exists()), None
    )


def haproxy_config(
    *, port: int, servers: dict[str, int], stats_socket: Path, maxconn: int, host: str
) -> str:
    """The balancer as it would run in front of two machines, on loopback.

    ``maxconn`` per server equals its gunicorn workers: further requests wait in HAProxy's
    queue, which is handed to the other server when this one is marked down, rather than in
    the kernel's backlog of a process that may be gone. A refused connection is retried on
    the other server (``option redispatch 1``), and marks the refusing server down at once;
    a request already sent is never retried, since a POST must not run twice.
    """
    lines = [
        "global",
        f"    stats socket {stats_socket} mode 600 level admin",
        "    maxconn 4096",
        "",
        "defaults",
        "    mode http",
        "    option forwardfor",
        "    option redispatch 1",
        "    retries 3",
        "    timeout connect 1s",
        # As long as a person would wait: a busy machine queues here, it must not refuse.
        "    timeout queue 120s",
        "    timeout client 180s",
        "    timeout server 180s",
        "    timeout http-keep-alive 10s",
        # A busy server may take a while to answer its health check; a dead one refuses the
        # connection at once, so this does not delay noticing it.
        "    timeout check 3s",
        "",
        "frontend web",
        f"    bind 127.0.0.1:{port}",
        # Which server answered, on every response, HAProxy's own errors included.
        f"    http-after-response set-header {SERVER_HEADER} %s",
        f"    default_backend {BACKEND}",
        "",
        f"backend {BACKEND}",
        "    balance roundrobin",
        "    option httpchk",
        f"    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {host}",
        "    http-check expect status 200",
        # A refused connection marks the server down at once (``observe layer4``), without
        # waiting for two failed checks: in that second, requests queued for it and retried
        # onto it were refused on every retry and answered 503 (seen with the machine busy).
        f"    default-server check inter 1s fastinter 500ms fall 2 rise 2 maxconn {maxconn} "
        "observe layer4 error-limit 1 on-error mark-down",
    ]
    lines += [f"    server {name} 127.0.0.1:{p}" for name, p in servers.items()]
    return "\n".join(lines) + "\n"


def haproxy_stats(stats_socket: Path) -> dict[str, dict[str, str]]:
    """``show stat`` from the admin socket: one CSV row per server of the backend."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(stats_socket))
        s.sendall(b"show stat\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return parse_stats(b"".join(chunks).decode())


def parse_stats(text: str) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
    return {
        row["svname"]: row
        for row in rows
        if row.get("pxname") == BACKEND and row.get("svname") not in {"FRONTEND", "BACKEND"}
    }


class Balancer:
    """HAProxy in the foreground, its configuration, admin socket and log in ``work``."""

    def __init__(self, servers: dict[str, int], *, maxconn: int, work: Path = WORK) -> None:
        work.mkdir(parents=True, exist_ok=True)
        self.port = harness.free_port()
        self.socket = work / "haproxy.sock"
        self.config = work / "haproxy.cfg"
        self.config.write_text(
            haproxy_config(
                port=self.port,
                servers=servers,
                stats_socket=self.socket,
                maxconn=maxconn,
                host="127.0.0.1",
            )
        )
        self.log = work / "haproxy.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Balancer:
        binary = haproxy_binary()
        assert binary is not None
        subprocess.run([binary, "-c", "-q", "-f", str(self.config)], check=True)
        self.socket.unlink(missing_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [binary, "-db", "-f", str(self.config)], stdout=out, stderr=out
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                stats = haproxy_stats(self.socket)
                if stats and all(r["status"] == "UP" for r in stats.values()):
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"HAProxy did not see its servers up; see {self.log}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


class StatusWatch(threading.Thread):
    """Polls HAProxy every 100 ms and notes when each server's state changed."""

    def __init__(self, balancer: Balancer, t0: float) -> None:
        super().__init__(daemon=True)
        self.balancer, self.t0 = balancer, t0
        self.changes: list[tuple[float, str, str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        last: dict[str, str] = {}
        while not self.stop.is_set():
            with contextlib.suppress(OSError):
                for name, row in haproxy_stats(self.balancer.socket).items():
                    state = row["status"].split()[0]
                    if last.get(name) != state:
                        last[name] = state
                        self.changes.append((round(time.monotonic() - self.t0, 2), name, state))
            time.sleep(0.1)

    def first(self, name: str, state: str, after: float) -> float | None:
        return next(
            (t for t, n, s in self.changes if n == name and s == state and t >= after), None
        )


# --- Celery worker -------------------------------------------------------------------------------


class Worker:
    """A Celery worker in its own process group, so that a kill takes its pool with it."""

    def __init__(self, env: dict[str, str], concurrency: int) -> None:
        self.env, self.concurrency = env, concurrency
        self.log = WORK / "celery.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> Worker:
        WORK.mkdir(parents=True, exist_ok=True)
        mark = self.log.stat().st_size if self.log.exists() else 0
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(harness.VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"cluster-{time.time_ns()}@%h",
            ],
            env=self.env,
            cwd=harness.REPO,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Celery worker exited; see {self.log}")
            with self.log.open("rb") as fh:
                fh.seek(mark)
                if b" ready." in fh.read():
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"the Celery worker did not start; see {self.log}")

    def kill(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None


# --- PgBouncer (optional) -----------------------------------------------------------------------


def bouncer_version() -> str:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.split("\n")[0].strip() or "PgBouncer"


class Bouncer:
    """PgBouncer in transaction pooling mode in front of the database, on loopback.

    A server connection belongs to a client for one transaction only, so nothing may outlive
    a transaction on it: Charter runs with DB_DISABLE_SERVER_SIDE_CURSORS=1 (Django's psycopg
    cursors bind parameters client-side and prepare no statements, which PgBouncer 1.18 could
    not share either).
    """

    def __init__(self, database: str, *, pool_size: int) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        self.port = harness.free_port()
        self.database = database
        admin = harness.PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]  # user@host:port
        user, hostport = admin.split("@", 1)
        host, _, pg_port = hostport.partition(":")
        self.user = user
        (WORK / "pgbouncer-users.txt").write_text(f'"{user}" ""\n')
        self.config = WORK / "pgbouncer.ini"
        self.config.write_text(
            "\n".join(
                [
                    "[databases]",
                    f"{database} = host={host} port={pg_port or 5432} dbname={database}",
                    "[pgbouncer]",
                    "listen_addr = 127.0.0.1",
                    f"listen_port = {self.port}",
                    "unix_socket_dir =",
                    "auth_type = trust",
                    f"auth_file = {WORK / 'pgbouncer-users.txt'}",
                    "pool_mode = transaction",
                    f"default_pool_size = {pool_size}",
                    "max_client_conn = 500",
                    "",
                ]
            )
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> Bouncer:
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        # PgBouncer refuses to run as root; it drops to the database's system user instead.
        as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
        out = (WORK / "pgbouncer.log").open("ab")
        self.proc = subprocess.Popen([binary, *as_user, str(self.config)], stdout=out, stderr=out)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
                return self
            time.sleep(0.2)
        raise RuntimeError("PgBouncer did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


# --- 1. state the servers share ------------------------------------------------------------------


def shared_state(
    args: argparse.Namespace, lb: str, seeded: Any, direct: dict[str, str]
) -> dict[str, Any]:
    import httpx
    from django.contrib.sessions.backends.db import SessionStore
    from django.urls import reverse
    from django.utils import timezone

    from accounts.middleware_idle import LAST_ACTIVITY_KEY, idle_limit_seconds
    from bench.seed import PASSWORD

    login = reverse("accounts:login")
    victim = seeded.personas["employee"]
    control = seeded.personas["auditor"]
    attempts: list[dict[str, Any]] = []

    def sign_in(client: httpx.Client, email: str, password: str) -> dict[str, Any]:
        r = client.post(
            login,
            data={"username": email, "password": password},
            headers=harness.cookie_header(None),
        )
        client.cookies.clear()
        return {"status": r.status_code, "server": r.headers.get(SERVER_HEADER, "")}

    with httpx.Client(base_url=lb, timeout=60, follow_redirects=False) as client:
        ok = sign_in(client, control, PASSWORD)
        for _ in range(5):
            attempts.append(sign_in(client, victim, "not-the-password"))
        locked = [sign_in(client, victim, PASSWORD) for _ in range(2)]

    # The official-account check: its limit counts per client address across every server.
    check = reverse("publishing:official_accounts", args=[seeded.org_slug])
    checks: list[dict[str, Any]] = []
    with httpx.Client(base_url=lb, timeout=60) as client:
        for i in range(args.check_limit + 2):
            r = client.get(check, params={"handle": f"@northfield{i}"})
            checks.append({"status": r.status_code, "server": r.headers.get(SERVER_HEADER, "")})

    # Sessions idle past the limit, one sent straight to each server.
    ack_page = reverse("publishing:acknowledge", args=[seeded.published_version_id])
    idle: dict[str, Any] = {}
    # Two pending people from the far end of the list the load draws from.
    keys = harness.mint_sessions(_pending_people(seeded, 2, newest=True), seeded.organization_id)
    for (name, url), key in zip(direct.items(), keys.values(), strict=False):
        store = SessionStore(session_key=key)
        store[LAST_ACTIVITY_KEY] = int(timezone.now().timestamp()) - idle_limit_seconds() - 120
        store.save()
        r = httpx.get(url + ack_page, headers=harness.cookie_header(key), timeout=60)
        idle[name] = {"status": r.status_code, "to_login": login in r.headers.get("location", "")}

    # The whole roster's CSV export through the balancer: it walks the rows in batches, which
    # must work through PgBouncer too.
    admin_id = _user_id(seeded.personas["admin"])
    admin_key = harness.mint_sessions([admin_id], seeded.organization_id)[admin_id]
    export = reverse("publishing:tracking_export", args=[seeded.campaign_id])
    r = httpx.get(lb + export, headers=harness.cookie_header(admin_key), timeout=300)
    export_rows = r.text.count("\n") - 1 if r.status_code == 200 else None

    limit = args.check_limit
    return {
        "export_status": r.status_code,
        "export_rows": export_rows,
        "control_sign_in": ok,
        "wrong_passwords": attempts,
        "wrong_password_servers": dict(Counter(a["server"] for a in attempts)),
        "after_lockout": locked,
        # The fifth failure is refused with the lockout page itself (429), then the right
        # password too, whichever server answers.
        "lockout_shared": ok["status"] == 302
        and len({a["server"] for a in attempts}) == 2
        and [a["status"] for a in attempts] == [200, 200, 200, 200, 429]
        and all(a["status"] == 429 for a in locked)
        and len({a["server"] for a in locked}) == 2,
        "check_limit": limit,
        "checks": [c["status"] for c in checks],
        "check_servers": dict(Counter(c["server"] for c in checks)),
        "rate_limit_shared": all(c["status"] == 200 for c in checks[:limit])
        and all(c["status"] == 429 for c in checks[limit:])
        and len({c["server"] for c in checks}) == 2,
        "idle": idle,
        "idle_timeout_shared": len(idle) == 2
        and all(v["status"] == 302 and v["to_login"] for v in idle.values()),
    }


def _pending_people(seeded: Any, n: int, *, newest: bool = False) -> list[int]:
    from publishing.models import AckRequest

    return list(
        AckRequest.objects.filter(
            campaign_id=seeded.campaign_id,
            acknowledged_at__isnull=True,
            user__email__startswith="staff",
        )
        .order_by("-pk" if newest else "pk")
        .values_list("user_id", flat=True)[:n]
    )


# --- 2. an app server lost under acknowledgement load --------------------------------------------


def server_lost(
    args: argparse.Namespace,
    env: dict[str, str],
    seeded: Any,
    balancer: Balancer,
    app2: harness.Server,
) -> tuple[dict[str, Any], harness.Server]:
    import httpx
    from django.urls import reverse

    from audit.models import AuditEvent
    from audit.verify import verify_chain
    from publishing.models import Acknowledgement, AckRequest

    pool = _pending_people(seeded, args.pool)
    random.Random(7).shuffle(pool)
    keys = harness.mint_sessions(pool, seeded.organization_id)
    admin_id = _user_id(seeded.personas["admin"])
    admin_keys = [
        harness.mint_sessions([admin_id], seeded.organization_id)[admin_id]
        for _ in range(args.admins)
    ]
    ack_url = reverse("publishing:acknowledge", args=[seeded.published_version_id])
    dashboard = reverse("publishing:tracking", args=[seeded.campaign_id])
    people = iter(pool)
    lock = threading.Lock()
    log: list[dict[str, Any]] = []
    stop = threading.Event()

    def call(client: httpx.Client, kind: str, uid: int, method: str, url: str, key: str) -> bool:
        start = time.monotonic() - t0
        entry: dict[str, Any] = {"kind": kind, "user": uid, "t": round(start, 3)}
        try:
            if method == "POST":
                r = client.post(url, data={"confirm": "on"}, headers=harness.cookie_header(key))
                ok = r.status_code == 302 and "my-guidelines" in r.headers.get("location", "")
            else:
                r = client.get(url, headers=harness.cookie_header(key))
                ok = r.status_code == 200
            entry.update(status=r.status_code, server=r.headers.get(SERVER_HEADER, ""))
        except httpx.HTTPError as exc:
            entry.update(status=f"connection error: {exc.__class__.__name__}", server="")
            ok = False
        client.cookies.clear()
        entry.update(ok=ok, end=round(time.monotonic() - t0, 3))
        with lock:
            log.append(entry)
        return ok

    # Clients are made before the clock starts (each would otherwise build its own TLS
    # context, seconds of CPU for 200 of them on a busy machine).
    tls = ssl.create_default_context()
    clients = [
        httpx.Client(base_url=balancer.url, timeout=180, follow_redirects=False, verify=tls)
        for _ in range(args.users + args.admins)
    ]

    def employee(seed: int) -> None:
        rng = random.Random(seed)
        with clients[seed] as client:
            while not stop.is_set():
                with lock:
                    uid = next(people, None)
                if uid is None:
                    return
                call(client, "page", uid, "GET", ack_url, keys[uid])
                if not call(client, "ack", uid, "POST", ack_url, keys[uid]):
                    # The person sees an error and submits again a moment later.
                    time.sleep(1)
                    call(client, "ack_again", uid, "POST", ack_url, keys[uid])
                stop.wait(rng.uniform(0.5, 1.5))

    def admin(seed: int) -> None:
        rng = random.Random(seed)
        with clients[args.users + seed] as client:
            while not stop.is_set():
                call(client, "dashboard", 0, "GET", dashboard, admin_keys[seed % len(admin_keys)])
                stop.wait(rng.uniform(2, 5))

    threads = [threading.Thread(target=employee, args=(i,)) for i in range(args.users)]
    threads += [threading.Thread(target=admin, args=(i,)) for i in range(args.admins)]
    before = haproxy_stats(balancer.socket)
    t0 = time.monotonic()
    watch = StatusWatch(balancer, t0)
    watch.start()
    for i, t in enumerate(threads):
        t.start()
        if i % 25 == 24:
            time.sleep(1)  # ramp up, 25 users a second (as make bench-load)
    time.sleep(max(0.0, args.kill_at - (time.monotonic() - t0)))
    killed_at = time.monotonic() - t0
    print(f"  killing app2 (master and workers, SIGKILL) at {killed_at:.1f} s", flush=True)
    app2.kill()
    time.sleep(max(0.0, args.restart_at - (time.monotonic() - t0)))
    restart_at = time.monotonic() - t0
    print(f"  starting app2 again at {restart_at:.1f} s", flush=True)
    app2 = harness.Server(env, workers=args.workers, port=app2.port, own_group=True).start()
    up_at = time.monotonic() - t0
    time.sleep(max(0.0, args.duration - (time.monotonic() - t0)))
    stop.set()
    for t in threads:
        t.join()
    watch.stop.set()
    watch.join()
    after = haproxy_stats(balancer.socket)

    noticed = watch.first("app2", "DOWN", killed_at)
    back = watch.first("app2", "UP", restart_at)
    first_tries = [e for e in log if e["kind"] != "ack_again"]
    failed = [e for e in first_tries if not e["ok"]]
    in_flight = [
        e for e in failed if e["t"] < killed_at <= e["end"] and e["server"] in {"app2", ""}
    ]
    acks = [e for e in log if e["kind"] in {"ack", "ack_again"}]
    answered = {e["user"] for e in acks if e["ok"]}
    attempted = {e["user"] for e in acks}
    rows = set(
        Acknowledgement.objects.filter(
            version_id=seeded.published_version_id, user_id__in=attempted
        ).values_list("user_id", flat=True)
    )
    marked = set(
        AckRequest.objects.filter(
            campaign_id=seeded.campaign_id, user_id__in=attempted, acknowledged_at__isnull=False
        ).values_list("user_id", flat=True)
    )
    audited = Counter(
        AuditEvent.objects.filter(
            action="publishing.version.acknowledged",
            actor_id__in=attempted,
            object_id=str(seeded.published_version_id),
        ).values_list("actor_id", flat=True)
    )
    chain_started = time.monotonic()
    problem = verify_chain(seeded.organization_id)
    chain_seconds = time.monotonic() - chain_started

    def phase(lo: float, hi: float) -> dict[str, int]:
        """Successful responses by server, by the moment they were answered."""
        return dict(Counter(e["server"] or "none" for e in log if e["ok"] and lo <= e["end"] < hi))

    served = {
        name: {
            "requests": int(after[name]["stot"]) - int(before[name]["stot"]),
            "2xx": int(after[name]["hrsp_2xx"]) - int(before[name]["hrsp_2xx"]),
            "3xx": int(after[name]["hrsp_3xx"]) - int(before[name]["hrsp_3xx"]),
            "5xx": int(after[name]["hrsp_5xx"]) - int(before[name]["hrsp_5xx"]),
            "response_errors": int(after[name]["eresp"]) - int(before[name]["eresp"]),
            "connection_errors": int(after[name]["econ"]) - int(before[name]["econ"]),
            "retries": int(after[name]["wretr"]) - int(before[name]["wretr"]),
            "redispatched": int(after[name]["wredis"]) - int(before[name]["wredis"]),
            "times_down": int(after[name]["chkdown"]) - int(before[name]["chkdown"]),
        }
        for name in after
    }
    pages = [e for e in first_tries if e["kind"] == "page" and e["ok"]]
    ok_acks = [e for e in acks if e["ok"]]
    result = {
        "users": args.users,
        "admins": args.admins,
        "duration_s": args.duration,
        "workers_per_server": args.workers,
        "killed_at_s": round(killed_at, 2),
        "noticed_down_at_s": noticed,
        "noticed_after_s": round(noticed - killed_at, 2) if noticed is not None else None,
        "restarted_at_s": round(restart_at, 2),
        "app2_ready_at_s": round(up_at, 2),
        "back_in_rotation_at_s": back,
        "state_changes": watch.changes,
        "requests": len(log),
        "served_by_haproxy": served,
        "served_by_header": dict(Counter(e["server"] or "none" for e in log)),
        "ok_before_kill": phase(0, killed_at),
        "ok_while_app2_down": phase(killed_at, back if back is not None else 1e9),
        "ok_after_back": phase(back if back is not None else 1e9, 1e9),
        "throughput_ack_per_s": round(len(ok_acks) / max(args.duration, 1), 1),
        "page_p95_ms": _p95([e["end"] - e["t"] for e in pages]),
        "ack_p95_ms": _p95([e["end"] - e["t"] for e in ok_acks]),
        "errors": len(failed),
        "error_statuses": dict(Counter(str(e["status"]) for e in failed)),
        "errors_in_flight_on_app2": len(in_flight),
        "errors_other": len(failed) - len(in_flight),
        "errors_started_after_kill": sum(1 for e in failed if e["t"] >= killed_at),
        "errors_after_noticed": sum(1 for e in failed if noticed is not None and e["t"] >= noticed),
        "error_examples": failed[:10],
        "submitted_again": sum(1 for e in log if e["kind"] == "ack_again"),
        "submitted_again_ok": sum(1 for e in log if e["kind"] == "ack_again" and e["ok"]),
        "people": len(attempted),
        "acknowledged_responses": len(answered),
        "ack_rows": len(rows),
        "ack_requests_marked": len(marked),
        "ack_audit_events": sum(audited.values()),
        "audit_events_twice": sum(1 for n in audited.values() if n > 1),
        "rows_match_responses": rows == answered == marked and set(audited) == rows,
        "missing_rows": sorted(answered - rows)[:10],
        "unanswered_rows": sorted(rows - answered)[:10],
        "chain_intact": problem is None,
        "chain_problem": str(problem) if problem else "",
        "chain_verify_s": round(chain_seconds, 1),
    }
    return result, app2


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1)


def _user_id(email: str) -> int:
    from accounts.models import User

    return int(User.objects.get(email=email).pk)


# --- 3. a worker lost while it renders a PDF and sends reminders ---------------------------------


def worker_lost(
    args: argparse.Namespace, env: dict[str, str], seeded: Any, worker: Worker, sink: Sink
) -> tuple[dict[str, Any], Worker]:
    from django.utils import timezone

    from accounts.models import OutboundEmail
    from accounts.tasks import send_outbox
    from publishing.models import AckRequest, Campaign, Publication, PublishedCard, PublishedPdf
    from publishing.reminders import to_remind
    from publishing.tasks import remind_overdue, render_pdf

    publication = Publication.objects.get(version_id=seeded.published_version_id)
    PublishedPdf.objects.filter(publication=publication).delete()
    PublishedCard.objects.filter(publication=publication).delete()
    today = timezone.localdate()
    campaign_pending = AckRequest.objects.filter(
        campaign_id=seeded.campaign_id, acknowledged_at__isnull=True
    )
    # ``--reminders`` of the people still pending are overdue and not yet reminded today: enough
    # e-mails to be caught half-way, few enough that the run stays shorter than the broker's
    # visibility timeout (a task running longer is handed out a second time while it runs).
    campaign_pending.update(
        due_date=today + dt.timedelta(days=30),
        created_at=timezone.now() - dt.timedelta(days=30),
        last_reminded_at=None,
    )
    overdue_ids = list(
        campaign_pending.order_by("pk").values_list("pk", flat=True)[: args.reminders]
    )
    AckRequest.objects.filter(pk__in=overdue_ids).update(due_date=today - dt.timedelta(days=3))
    due = to_remind(Campaign.objects.get(pk=seeded.campaign_id), today=today)
    expected = set(due.filter(user__is_active=True).values_list("user__email", flat=True))
    subject = "Reminder: please acknowledge"

    def sent() -> int:
        with sink.lock:
            return sum(1 for _w, _r, s in sink.received if s.startswith(subject))

    with sink.lock:
        sink.received.clear()
    remind_overdue.delay(seeded.campaign_id)
    deadline = time.monotonic() + 300
    while sent() < len(expected) * 0.4 and time.monotonic() < deadline:
        time.sleep(0.02)
    render_pdf.delay(publication.pk)
    # The kill comes while the PDF renders (its publication row is locked meanwhile) and some
    # reminders are still to go.
    rendering = False
    while time.monotonic() < deadline and not rendering:
        rendering = _locked(env["DATABASE_URL"], publication.pk)
        time.sleep(0.02)
    before = sent()
    pdf_before = PublishedPdf.objects.filter(publication=publication).exists()
    print(
        f"  killing the worker (SIGKILL) with {before} of {len(expected)} reminders out, "
        f"PDF rendering: {rendering and not pdf_before}",
        flush=True,
    )
    killed = time.monotonic()
    worker.kill()
    worker = Worker(env, args.worker_concurrency).start()
    restarted = time.monotonic()
    # The scheduler's outbox sweep, as it runs every few minutes: the killed worker's batches
    # are sent by the first sweep after their lease (``--lease``) has run out.
    send_outbox.delay()
    next_sweep = time.monotonic() + args.lease + 1
    deadline = time.monotonic() + args.visibility * 3 + 120
    done_at = None
    while time.monotonic() < deadline:
        if time.monotonic() >= next_sweep:
            send_outbox.delay()
            next_sweep += args.lease + 1
        pdf = PublishedPdf.objects.filter(publication=publication).exists()
        card = PublishedCard.objects.filter(publication=publication).exists()
        waiting = (
            OutboundEmail.objects.filter(ref=f"ack:{seeded.campaign_id}")
            .exclude(status=OutboundEmail.Status.SENT)
            .count()
        )
        reminded = len({r for _w, r, s in list(sink.received) if s.startswith(subject)})
        if pdf and card and not waiting and reminded >= len(expected):
            done_at = time.monotonic()
            break
        time.sleep(0.5)
    time.sleep(1)
    with sink.lock:
        mails = [r for _w, r, s in sink.received if s.startswith(subject)]
    per_person = Counter(mails)
    result = {
        "overdue": len(expected),
        "worker_concurrency": args.worker_concurrency,
        "visibility_timeout_s": args.visibility,
        "sent_before_kill": before,
        "pdf_rendering_at_kill": rendering and not pdf_before,
        "pdf_rows": PublishedPdf.objects.filter(publication=publication).count(),
        "card_rows": PublishedCard.objects.filter(publication=publication).count(),
        "restart_s": round(restarted - killed, 1),
        "all_done_after_restart_s": round(done_at - restarted, 1) if done_at else None,
        "sent_total": len(mails),
        "reminded_people": len(per_person),
        "unsent": len(expected - set(per_person)),
        "duplicates": sum(n - 1 for n in per_person.values() if n > 1),
        "outbox_not_sent": OutboundEmail.objects.filter(ref=f"ack:{seeded.campaign_id}")
        .exclude(status=OutboundEmail.Status.SENT)
        .count(),
    }
    return result, worker


def _locked(url: str, publication_id: int) -> bool:
    """Whether a worker holds the publication's row lock (taken while its PDF renders)."""
    import psycopg

    with psycopg.connect(url, application_name="bench-probe") as conn:
        try:
            conn.execute(
                "SELECT 1 FROM publishing_publication WHERE id = %s FOR UPDATE NOWAIT",
                [publication_id],
            )
        except psycopg.errors.LockNotAvailable:
            return True
        finally:
            conn.rollback()
    return False


# --- the run -------------------------------------------------------------------------------------


def judge(res: dict[str, Any]) -> list[str]:
    failures = []
    s, lost, w = res["shared"], res["server_lost"], res["worker_lost"]
    if not s["lockout_shared"]:
        failures.append("5 wrong passwords across both servers did not lock the account on both")
    if not s["rate_limit_shared"]:
        failures.append("the rate limit did not count across both servers")
    if s["export_status"] != 200 or not s["export_rows"]:
        failures.append(f"the roster export answered {s['export_status']}")
    if not s["idle_timeout_shared"]:
        failures.append("an idle session was not ended by both servers")
    if lost["errors_other"]:
        failures.append(f"{lost['errors_other']} errors were not requests in flight on app2")
    if lost["errors_after_noticed"]:
        failures.append(f"{lost['errors_after_noticed']} errors after HAProxy marked app2 down")
    if lost["noticed_down_at_s"] is None or lost["back_in_rotation_at_s"] is None:
        failures.append("HAProxy never marked app2 down, or never took it back")
    if not lost["served_by_haproxy"].get("app2", {}).get("requests"):
        failures.append("app2 served nothing")
    if not lost["rows_match_responses"]:
        failures.append("acknowledgements recorded differ from successful responses")
    if lost["submitted_again"] != lost["submitted_again_ok"]:
        failures.append("a person who submitted again after an error still failed")
    if not lost["chain_intact"]:
        failures.append(f"audit chain broken: {lost['chain_problem']}")
    if w["pdf_rows"] != 1 or w["card_rows"] != 1:
        failures.append(f"PDF rows {w['pdf_rows']}, card rows {w['card_rows']} (want 1 each)")
    if not w["pdf_rendering_at_kill"]:
        failures.append("the PDF was not being rendered when the worker was killed")
    if w["unsent"] or w["outbox_not_sent"]:
        failures.append(f"{w['unsent']} overdue people left without their reminder")
    if w["duplicates"] > w["worker_concurrency"]:
        failures.append(
            f"{w['duplicates']} reminders went twice for {w['worker_concurrency']} killed "
            "sending processes"
        )
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="charter_cluster")
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=200, help="concurrent employees")
    parser.add_argument("--admins", type=int, default=5)
    parser.add_argument("--pool", type=int, default=8_000, help="pending people to draw from")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--duration", type=float, default=90, help="seconds of load")
    parser.add_argument("--kill-at", type=float, default=25, help="seconds into the load")
    parser.add_argument("--restart-at", type=float, default=40, help="seconds into the load")
    parser.add_argument("--redis-db", type=int, default=8, help="cache; the queue uses the next")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument(
        "--visibility",
        type=int,
        default=90,
        help="broker visibility timeout (s); longer than any task, or a running one is redelivered",
    )
    parser.add_argument("--check-limit", type=int, default=6)
    parser.add_argument("--smtp-delay", type=float, default=0.005)
    parser.add_argument("--reminders", type=int, default=2_000, help="overdue people")
    parser.add_argument("--lease", type=int, default=20, help="outbox lease, seconds")
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="app servers and worker reach PostgreSQL through PgBouncer (transaction pooling)",
    )
    parser.add_argument("--pool-size", type=int, default=8, help="PgBouncer server connections")
    args = parser.parse_args(argv)
    if haproxy_binary() is None:
        print("HAProxy is not installed (make system-deps installs it).")
        return 2

    import redis

    cache_url, queue_url = f"{REDIS}/{args.redis_db}", f"{REDIS}/{args.redis_db + 1}"
    for url in (cache_url, queue_url):
        redis.Redis.from_url(url).flushdb()
    sink = Sink(delay=args.smtp_delay)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    harness.recreate_database(args.database)
    env = harness.server_env(
        harness.db_url(args.database),
        REDIS_URL=cache_url,
        CELERY_BROKER_URL=queue_url,
        CELERY_VISIBILITY_SECONDS=str(args.visibility),
        # One proxy (HAProxy) appends the client's address to X-Forwarded-For.
        TRUSTED_PROXY_COUNT="1",
        CHARTER_OFFICIAL_CHECK_LIMIT=str(args.check_limit),
        EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
        CHARTER_OUTBOX_LEASE_SECONDS=str(args.lease),
    )
    harness.prepare_schema(env)
    harness.use_in_process(env)
    from bench.seed import SeedConfig, seed

    print("Seeding…", flush=True)
    seeded = seed(SeedConfig(employees=args.employees, audit_events=50_000, versions=5), log=print)
    bouncer = None
    if args.pgbouncer:
        # The seed and the checks in this process go straight to PostgreSQL; the servers and
        # the worker go through PgBouncer, as they would in production.
        bouncer = Bouncer(args.database, pool_size=args.pool_size).start()
        env = dict(env, DATABASE_URL=bouncer.url, DB_DISABLE_SERVER_SIDE_CURSORS="1")
    started = dt.datetime.now(dt.UTC)
    machine = harness.machine()
    print(f"Load average at the start: {machine['load_average']}", flush=True)
    app1 = harness.Server(env, workers=args.workers, own_group=True).start()
    app2 = harness.Server(env, workers=args.workers, own_group=True).start()
    worker = Worker(env, args.worker_concurrency).start()
    balancer = Balancer({"app1": app1.port, "app2": app2.port}, maxconn=args.workers).start()
    try:
        print("1. Lockout, rate limit and idle timeout across both servers", flush=True)
        shared = shared_state(args, balancer.url, seeded, {"app1": app1.url, "app2": app2.url})
        print(f"  {json.dumps({k: v for k, v in shared.items() if k.endswith('shared')})}")
        print(f"2. {args.users} employees acknowledging; app2 killed and started again", flush=True)
        lost, app2 = server_lost(args, env, seeded, balancer, app2)
        print(f"  {json.dumps({k: v for k, v in lost.items() if k != 'error_examples'})}")
        print("3. The Celery worker killed while it renders a PDF and sends reminders", flush=True)
        wl, worker = worker_lost(args, env, seeded, worker, sink)
        print(f"  {json.dumps(wl)}", flush=True)
    finally:
        balancer.stop()
        worker.stop()
        app2.stop()
        app1.stop()
        sink.shutdown()
        if bouncer is not None:
            bouncer.stop()
    result = {
        "kind": "cluster",
        "started": started.isoformat(timespec="seconds"),
        "commit": harness.git_commit(),
        "machine": machine,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "haproxy": subprocess.run(
            [haproxy_binary() or "haproxy", "-v"], capture_output=True, text=True, check=False
        ).stdout.split("\n")[0],
        "employees": args.employees,
        "database_path": (
            f"{bouncer_version()} in transaction pooling mode, {args.pool_size} server connections"
            if args.pgbouncer
            else "PostgreSQL directly"
        ),
        "shared": shared,
        "server_lost": lost,
        "worker_lost": wl,
    }
    result["failures"] = judge(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "cluster-pgbouncer" if args.pgbouncer else "cluster"
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1))
    from bench import report

    report.write("cluster")
    for failure in result["failures"]:
        print("FAILED:", failure)
    print("Cluster: " + ("all checks passed" if not result["failures"] else "checks failed"))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
