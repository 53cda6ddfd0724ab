"""Profile one page on the seeded benchmark database with pyinstrument (in-process).

    python bench/profile.py dashboard            # prints the call tree
    python bench/profile.py acknowledge --repeat 20
    python bench/profile.py export --html        # also writes bench/results/profile-export.html

Pages: login, wizard_step, autosave, compare, review, guideline, acknowledge, dashboard,
export, pdf. Needs the database left by ``make bench`` (``--database`` to choose another).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on the path, where bench/markdown.py would hide
# the markdown package: the project root replaces it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402 (the path is set just above)

PERSONA = {
    "wizard_step": "author",
    "autosave": "author",
    "compare": "author",
    "trivial": "author",
    "review": "legal",
    "guideline": "employee",
    "dashboard": "admin",
    "export": "admin",
    "pdf": "employee",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("page")
    parser.add_argument("--database", default="charter_bench")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--html", action="store_true")
    parser.add_argument(
        "--cprofile", action="store_true", help="cProfile's table instead of a tree"
    )
    parser.add_argument("--sort", default="tottime", help="cProfile's order (tottime, cumtime)")
    parser.add_argument(
        "--restrict", action="append", default=[], help="only functions matching (repeatable)"
    )
    args = parser.parse_args(argv)

    env = harness.server_env(harness.db_url(args.database))
    harness.use_in_process(env)
    from django.http import StreamingHttpResponse
    from django.test import Client
    from pyinstrument import Profiler

    from accounts.models import User
    from bench.run import _describe_existing
    from guidelines.models import DraftSection
    from publishing.models import AckRequest

    s = _describe_existing()
    from django.urls import reverse

    urls = {
        "login": reverse("accounts:login"),
        "wizard_step": reverse("guidelines:step", args=[s["guideline_id"], "accounts"]),
        "autosave": reverse("guidelines:autosave", args=[s["guideline_id"], "contact"]),
        "compare": reverse("guidelines:compare", args=[s["guideline_id"]])
        + f"?old=1&new={s['published_number'] + 1}",
        "review": reverse("approvals:review", args=[s["review_id"]]),
        "guideline": reverse("publishing:guideline", args=[s["org_slug"], s["guideline_slug"]]),
        "acknowledge": reverse("publishing:acknowledge", args=[s["published_version_id"]]),
        "trivial_insert": reverse("bench:ping_insert"),
        "trivial": reverse("bench:ping"),
        "dashboard": reverse("publishing:tracking", args=[s["campaign_id"]]),
        "export": reverse("publishing:tracking_export", args=[s["campaign_id"]]),
        "pdf": reverse(
            "publishing:pdf", args=[s["org_slug"], s["guideline_slug"], s["published_number"]]
        ),
    }
    page = args.page
    clients = []
    if page in ("acknowledge", "trivial_insert"):
        pending = list(
            AckRequest.objects.filter(
                campaign_id=s["campaign_id"],
                acknowledged_at__isnull=True,
                user__email__startswith="staff",
            ).values_list("user_id", flat=True)[: args.repeat]
        )
        keys = harness.mint_sessions(pending, s["organization_id"])
        clients = [keys[pk] for pk in pending]
    elif page != "login":
        user = User.objects.get(email=s["personas"][PERSONA[page]])
        clients = [harness.mint_sessions([user.pk], s["organization_id"])[user.pk]] * args.repeat

    # One client, so one handler: a client per request would load the middleware each time
    # (WhiteNoise scanning the static files), which a server does once.
    client = Client()

    def request(i: int) -> int:
        client.cookies.clear()
        if clients:
            client.cookies["sessionid"] = clients[i]
        if page == "acknowledge":
            response = client.post(urls[page], {"confirm": "on"})
        elif page == "trivial_insert":
            response = client.post(urls[page])
        elif page == "autosave":
            row = DraftSection.objects.get(
                draft__guideline_id=s["guideline_id"], draft__is_open=True, key="contact"
            )
            data: dict[str, str | int] = {k: v for k, v in row.data.items() if isinstance(v, str)}
            data["name"] = f"Profiled {i}"
            data["revision"] = row.revision
            response = client.post(urls[page], data)
        else:
            response = client.get(urls[page])
        if isinstance(response, StreamingHttpResponse):
            response.getvalue()  # draw the whole stream, as a browser would
        return response.status_code

    request(0)  # warm caches and imports outside the profile
    if args.cprofile:
        import cProfile
        import pstats

        # The first half unprofiled, for the true processor time; the second half profiled.
        half = max(2, args.repeat // 2)
        backend = _backend_ms()
        started, wall = time.process_time(), time.perf_counter()
        statuses = [request(i) for i in range(1, half)]
        cpu = (time.process_time() - started) / max(1, len(statuses)) * 1000
        wall = (time.perf_counter() - wall) / max(1, len(statuses)) * 1000
        db = (_backend_ms() - backend) / max(1, len(statuses))
        print(
            f"{page}: per request {cpu:.2f} ms of this process's processor time, "
            f"{db:.2f} ms of its PostgreSQL backend's, {wall:.2f} ms in all"
        )
        totals: dict[str, list[float]] = {}
        from django.db import connection

        with connection.execute_wrapper(_per_statement(totals)):
            statuses += [request(i) for i in range(half, (half + args.repeat) // 2)]
        for sql, (count, ms) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
            print(f"  {ms / max(1, count):6.3f} ms × {count:>4}  {sql}")
        with cProfile.Profile() as cprofiler:
            statuses += [
                request(i) for i in range(max(half, (half + args.repeat) // 2), args.repeat)
            ]
        print(f"{page}: {len(statuses)} requests, statuses {sorted(set(statuses))}")
        pstats.Stats(cprofiler).sort_stats(args.sort).print_stats(*args.restrict, 40)
        return 0
    profiler = Profiler(interval=0.0005)
    profiler.start()
    statuses = [request(i) for i in range(1, args.repeat)]
    profiler.stop()
    print(f"{page}: {len(statuses)} requests, statuses {sorted(set(statuses))}")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        out = harness.REPO / "bench" / "results" / f"profile-{page}.html"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(profiler.output_html())
        print(f"written {out}")
    return 0


_PID: list[int] = []


def _backend_ms() -> float:
    """Processor time (ms) the database server process serving this connection has used, when
    it runs on this machine (0 otherwise): schedstat's nanoseconds, finer than clock ticks."""
    from django.db import connection

    if not _PID:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _PID.append(cursor.fetchone()[0])
    try:
        return int(Path(f"/proc/{_PID[0]}/schedstat").read_text().split()[0]) / 1e6
    except OSError:
        return 0.0


def _per_statement(totals: dict[str, list[float]]) -> Any:
    """An execute wrapper adding each statement's database processor time to ``totals``."""

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        before = _backend_ms()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = totals.setdefault(" ".join(sql.split())[:70], [0, 0.0])
            entry[0] += 1
            entry[1] += _backend_ms() - before

    return wrapper


if __name__ == "__main__":
    sys.exit(main())
