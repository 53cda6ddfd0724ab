"""The whole-roster CSV export against PostgreSQL's own ``COPY`` of the same rows, measured on
PostgreSQL in one run, interleaved (export, COPY, export, COPY…) so other work on the machine
weighs on both alike.

    .venv/bin/python -m bench.export_copy [--employees 100000] [--rounds 5] [--reuse]
                                          [--database charter_export_bench]

Seeds an institution with ``bench.seed`` (100,000 employees: a campaign asking 100,006
people) plus quiz tries for a fifth of them, serves it with gunicorn (production settings, 2
workers), then:

* **export**: ``GET`` the tracking export (whole roster), time to last byte, streamed by an
  HTTP client that keeps nothing;
* **raw COPY**: in this process, psycopg reads ``COPY (SELECT …) TO STDOUT`` of the same rows
  and columns (the same joins, quiz look-ups and order, but unformatted and without the
  formula-safety pass): the floor any export has;
* **memory**: peak resident growth of the gunicorn worker that streams the export, on fresh
  workers, for one large group (about 10,000 rows) and for the whole roster.

Writes bench/results/export_copy.json, prints it, and exits 1 when a budget of
bench/budgets.toml ([export_copy]) is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import random
import statistics
import sys
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

from bench import harness

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "export_copy.json"

RAW_COPY = (
    "COPY (SELECT u.full_name, u.email, g.name, r.due_date, r.acknowledged_at, r.closed_at, "
    "r.closed_reason, r.replaced_at, r.reminder_count, r.last_reminded_at, "
    "(SELECT count(*) FROM publishing_quizattempt q WHERE q.request_id = r.id), "
    "(SELECT jsonb_agg(q.wrong_questions) FROM publishing_quizattempt q "
    "WHERE q.request_id = r.id), "
    "(SELECT min(q.attempted_at) FROM publishing_quizattempt q "
    "WHERE q.request_id = r.id AND q.passed) "
    "FROM publishing_ackrequest r JOIN accounts_user u ON u.id = r.user_id "
    "LEFT JOIN accounts_staffgroup g ON g.id = r.staff_group_id "
    "WHERE r.campaign_id = {campaign} ORDER BY u.full_name, u.email) TO STDOUT WITH (FORMAT csv)"
)


def _seed(args: argparse.Namespace, log: Any) -> dict[str, Any]:
    from bench.run import _describe_existing
    from bench.seed import ORG_SLUG, BulkWriter, SeedConfig, seed
    from publishing.models import AckRequest, Campaign, QuizAttempt

    if args.reuse and Campaign.objects.filter(organization__slug=ORG_SLUG).exists():
        log("Reusing the seeded database.")
        return _describe_existing()
    start = time.perf_counter()
    result = seed(
        SeedConfig(employees=args.employees, audit_events=0, versions=4, comments=4),
        log=log,
    )
    # Quiz tries for a fifth of the people, so the quiz columns are not all empty.
    rng = random.Random(11)
    requests = list(
        AckRequest.objects.filter(campaign_id=result.campaign_id).values_list(
            "pk", "user_id", "acknowledged_at"
        )
    )
    campaign = Campaign.objects.get(pk=result.campaign_id)
    writer = BulkWriter()
    first = writer.next_id(QuizAttempt)
    now = dt.datetime.now(dt.UTC)

    def rows() -> Any:
        n = first
        for pk, user_id, acked in rng.sample(requests, len(requests) // 5):
            tries = rng.randint(1, 3)
            for t in range(tries):
                passed = acked is not None and t == tries - 1
                wrong = [] if passed else [{"number": rng.randint(1, 5)}]
                at = now - dt.timedelta(days=3, minutes=tries - t, microseconds=rng.randint(0, 9))
                yield (
                    n,
                    campaign.organization_id,
                    user_id,
                    campaign.version_id,
                    pk,
                    at,
                    wrong,
                    passed,
                )
                n += 1

    tries = writer.insert(
        QuizAttempt,
        "id organization_id user_id version_id request_id attempted_at wrong_questions passed",
        rows(),
    )
    log(f"Seeded in {time.perf_counter() - start:.1f} s ({tries:,} quiz tries)")
    return _describe_existing()


def _stream(url: str, headers: dict[str, str]) -> tuple[float, int, float]:
    """GET ``url`` streamed; (seconds to last byte, bytes, seconds to first byte)."""
    import httpx

    start = time.perf_counter()
    size = 0
    first = 0.0
    with httpx.stream("GET", url, headers=headers, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            if not first:
                first = time.perf_counter() - start
            size += len(chunk)
    return time.perf_counter() - start, size, first


def _raw_copy(conn: Any, sql: str) -> tuple[float, int]:
    start = time.perf_counter()
    size = 0
    with conn.cursor() as cursor, cursor.copy(sql) as copy:
        for row in copy:
            size += len(row)
    return time.perf_counter() - start, size


def _memory(env: dict[str, str], url: str, headers: dict[str, str]) -> dict[str, float]:
    """Peak RSS growth of the worker streaming ``url`` (fresh workers)."""
    import httpx
    import psutil

    with harness.Server(env) as server:
        procs = [psutil.Process(pid) for pid in server.worker_pids()]
        for _ in range(6):  # load each worker's code, not the export
            httpx.get(server.url + "/healthz", timeout=60)
        time.sleep(0.5)
        baseline = {p.pid: p.memory_info().rss for p in procs}
        peak = dict(baseline)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        peak[p.pid] = max(peak[p.pid], p.memory_info().rss)
                time.sleep(0.005)

        sampler = threading.Thread(target=sample)
        sampler.start()
        seconds, size, first = _stream(server.url + url, headers)
        done.set()
        sampler.join()
    return {
        "bytes": size,
        "seconds": round(seconds, 2),
        "first_byte_ms": round(first * 1000, 1),
        "peak_rss_growth_mb": round(max(peak[p] - baseline[p] for p in baseline) / 2**20, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="charter_export_bench")
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    args = parser.parse_args(argv)
    log = lambda m: print(m, flush=True)  # noqa: E731
    env = harness.server_env(harness.db_url(args.database))
    if not (args.reuse and harness.database_exists(args.database)):
        log(f"Creating database {args.database} and migrating…")
        harness.recreate_database(args.database)
    harness.prepare_schema(env)
    harness.use_in_process(env)
    import django

    django.setup()
    import psycopg
    from django.urls import reverse

    from publishing.models import AckRequest

    seeded = _seed(args, log)
    admin = next(
        iter(harness.mint_sessions([_admin_id(seeded)], seeded["organization_id"]).values())
    )
    headers = harness.cookie_header(admin)
    url = reverse("publishing:tracking_export", args=[seeded["campaign_id"]])
    rows = AckRequest.objects.filter(campaign_id=seeded["campaign_id"]).count()
    sql = RAW_COPY.format(campaign=int(seeded["campaign_id"]))
    export_s: list[float] = []
    copy_s: list[float] = []
    size = raw_size = 0
    log(f"Export of {rows:,} rows against raw COPY, {args.rounds} rounds, interleaved…")
    with harness.Server(env) as server, psycopg.connect(env["DATABASE_URL"]) as conn:
        _stream(server.url + url, headers)  # warm-up: each worker's first export
        _raw_copy(conn, sql)
        for k in range(args.rounds):
            seconds, size, _first = _stream(server.url + url, headers)
            export_s.append(seconds)
            seconds, raw_size = _raw_copy(conn, sql)
            copy_s.append(seconds)
            log(f"  round {k + 1}: export {export_s[-1]:.2f} s, raw COPY {copy_s[-1]:.2f} s")
    per_round = [e / c for e, c in zip(export_s, copy_s, strict=True)]
    res: dict[str, Any] = {
        "kind": "export_copy",
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": harness.git_commit(),
        "machine": harness.machine(),
        "rows": rows,
        "rounds": args.rounds,
        "export_bytes": size,
        "raw_copy_bytes": raw_size,
        "export_median_s": round(statistics.median(export_s), 2),
        "raw_copy_median_s": round(statistics.median(copy_s), 2),
        "ratio": round(statistics.median(export_s) / statistics.median(copy_s), 2),
        "spread": {
            "min": round(min(per_round), 2),
            "median": round(statistics.median(per_round), 2),
            "max": round(max(per_round), 2),
        },
    }
    log("Export memory (fresh workers each time)…")
    big = url + f"?group={seeded['big_group_id']}"
    res["memory"] = {
        "10k": {"rows": seeded["big_group_size"], **_memory(env, big, headers)},
        "100k": {"rows": rows, **_memory(env, url, headers)},
    }
    res["memory_growth_100k_minus_10k_mb"] = round(
        res["memory"]["100k"]["peak_rss_growth_mb"] - res["memory"]["10k"]["peak_rss_growth_mb"],
        1,
    )
    budgets = tomllib.loads((HERE / "budgets.toml").read_text()).get("export_copy", {})
    failures = []
    if res["ratio"] > budgets.get("export_vs_raw_copy_max", 2.0):
        failures.append(
            f"the export took {res['ratio']}× the raw COPY (max "
            f"{budgets.get('export_vs_raw_copy_max')}×)"
        )
    if res["memory_growth_100k_minus_10k_mb"] > budgets.get("memory_growth_mb_max", 16.0):
        failures.append(
            f"export worker memory grew {res['memory_growth_100k_minus_10k_mb']} MB more for "
            f"100k rows than for 10k (max {budgets.get('memory_growth_mb_max')} MB)"
        )
    res["failures"] = failures
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(res, indent=1))
    print(json.dumps(res, indent=1))
    for failure in failures:
        print(f"OVER BUDGET: {failure}")
    return 1 if failures else 0


def _admin_id(seeded: dict[str, Any]) -> int:
    from accounts.models import User

    return User.objects.get(email=seeded["personas"]["admin"]).pk


if __name__ == "__main__":
    sys.exit(main())
