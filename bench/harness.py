"""What the benchmark, load and fault scripts share: a database, a server, signed-in sessions.

Everything runs on this machine: PostgreSQL on loopback, gunicorn on a loopback port.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdef"
AUDIT_HMAC_KEY = "bench-only-audit-key-not-for-production-fedcba9876543210"
CSRF_TOKEN = "benchcsrftokenbenchcsrftoken0123"  # 32 characters: an unmasked CSRF secret
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def db_url(name: str, admin: str = PG_ADMIN) -> str:
    return admin.rsplit("/", 1)[0] + "/" + name


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings on plain http over loopback, plus the bench-only views."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"CHARTER_TESTING", "DEBUG", "CHARTER_FAST_HASHER", "EMAIL_URL"}
    }
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        AUDIT_HMAC_KEY=AUDIT_HMAC_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CHARTER_INSECURE_COOKIES="1",
        SECURE_SSL_REDIRECT="0",
        CHARTER_BENCH="1",
        EMAIL_URL="locmem://",
        LOG_LEVEL="ERROR",
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def use_in_process(env: dict[str, str]) -> None:
    """Point this process's Django at the same database and key as the server."""
    os.environ.update(env)
    # The in-process test client calls itself "testserver".
    os.environ["ALLOWED_HOSTS"] = env["ALLOWED_HOSTS"] + ",testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


# The name of a migrated, otherwise empty database on the PG_ADMIN server (bench/sitting.py
# makes one): new bench databases are copied from it, which PostgreSQL does in seconds, and
# `migrate` then finds nothing to do (on a busy 2-core machine migrating took minutes each).
TEMPLATE_ENV = "BENCH_PG_TEMPLATE"


def recreate_database(name: str, admin: str = PG_ADMIN) -> None:
    import psycopg

    template = os.environ.get(TEMPLATE_ENV) if admin == PG_ADMIN else None
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if template:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(name: str, admin: str = PG_ADMIN) -> bool:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        env=env,
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare_schema(env: dict[str, str]) -> None:
    """Migrate, collect static files (production storage needs the manifest), add the bench
    table the trivial-insert view writes to."""
    manage(env, "migrate", "--noinput")
    # Steps of a sitting in two lanes start together in one checkout: two collectstatic runs
    # writing the same files trip over each other, so they take turns.
    (REPO / "staticfiles").mkdir(exist_ok=True)
    with (REPO / "staticfiles" / ".collect.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manage(env, "collectstatic", "--noinput")
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_ping (id bigserial PRIMARY KEY, "
            "user_id bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with production settings, ``workers`` sync workers, on a loopback port."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        port: int | None = None,
        own_group: bool = False,
    ) -> None:
        self.env = env
        self.workers = workers
        self.port = port or free_port()
        # In a process group of its own, the master and its workers can be killed together,
        # as a lost machine would take them (``kill``).
        self.own_group = own_group
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = REPO / "bench" / "results" / f"gunicorn-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi:application",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--graceful-timeout",
                "5",
            ],
            env=self.env,
            cwd=REPO,
            stdout=out,
            stderr=out,
            start_new_session=self.own_group,
        )
        self.wait_ready()
        return self

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: requests in flight get no answer."""
        if self.proc is None:
            return
        if self.own_group:
            os.killpg(self.proc.pid, signal.SIGKILL)
        else:
            for pid in self.worker_pids():
                os.kill(pid, signal.SIGKILL)
            self.proc.kill()
        self.proc.wait()
        self.proc = None

    def wait_ready(self, timeout: float = 180) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                healthy = httpx.get(self.url + "/healthz", timeout=2).status_code == 200
                if healthy and len(self.worker_pids()) >= self.workers:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become ready; see {self.log}")

    def worker_pids(self) -> list[int]:
        import psutil

        if self.proc is None:
            return []
        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def mint_sessions(user_ids: Iterable[int], organization_id: int) -> dict[int, str]:
    """Signed-in sessions written in bulk, as a sign-in would leave them (no password hashing:
    the sign-in page is measured on its own)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from accounts.middleware import SESSION_KEY
    from accounts.middleware_idle import LAST_ACTIVITY_KEY
    from accounts.models import User
    from accounts.twofactor import services as twofactor

    store = SessionStore()
    now = timezone.now()
    expire = now + dt.timedelta(hours=6)
    ids = list(user_ids)
    hashes = {
        pk: User(pk=pk, password=password).get_session_auth_hash()
        for pk, password in User.objects.filter(pk__in=ids).values_list("pk", "password")
    }
    keys: dict[int, str] = {}
    rows = []
    for pk in ids:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {
            "_auth_user_id": str(pk),
            "_auth_user_backend": "sso.backends.PolicyModelBackend",
            "_auth_user_hash": hashes[pk],
            SESSION_KEY: organization_id,
            twofactor.SESSION_DEVICE_KEY: False,
            LAST_ACTIVITY_KEY: int(now.timestamp()),
        }
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        keys[pk] = key
    Session.objects.bulk_create(rows, batch_size=5000)
    return keys


def cookie_header(session_key: str | None) -> dict[str, str]:
    """Headers that sign a request in and satisfy the CSRF check."""
    cookie = f"csrftoken={CSRF_TOKEN}"
    if session_key:
        cookie += f"; sessionid={session_key}"
    return {"Cookie": cookie, "X-CSRFToken": CSRF_TOKEN}


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, Any]:
    # No psutil here: `make test` checks the sitting without the bench's own packages.
    import platform

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
        # Other work on the machine skews every figure: the load average says how much.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
