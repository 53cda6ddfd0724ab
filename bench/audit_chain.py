"""The audit chain at six years, measured on PostgreSQL: full and routine verification of one
institution's chain at each of ``--sizes`` events (500,000 and 2,000,000 by default).

    .venv/bin/python -m bench.audit_chain [--sizes 500000,2000000] [--new-events 1000]
                                          [--database charter_audit_bench] [--reuse]

Each size is measured in a database of its own (``<database>_<size>``) by a fresh process, so
that the chain measured is the only one verified and each memory figure starts from the same
baseline. The chain is grown to the size with COPY (every event hashed, linked and MAC'd as
``audit.services.record`` does it; the table is then vacuumed and analysed, as autovacuum
would have done over the years). Then:

* full verification (``verify_audit``): every event from the first, streamed in keyset
  batches; wall time, and the peak resident memory growth of this process (sampled), which
  must not grow with the chain;
* a signed checkpoint is stored where the chain ends, ``--new-events`` more events are
  appended, and routine verification (``verify_audit --routine``) runs: it must take seconds
  whatever the history.

``--reuse`` keeps a size's database when it exists: growing two and a half million events
one hash at a time takes longer than verifying them, and the chain is the same. Each reused
run leaves ``--new-events`` more, so the chain verified in full is a little longer than the
size (the figures say by how much). Without it the databases are dropped and created again.

Writes bench/results/audit_chain.json (after each size, so a long run that is stopped still
leaves what it measured), prints it, and exits 1 when a budget in bench/budgets.toml
([audit_chain]) is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.harness import (
    REPO,
    database_exists,
    db_url,
    git_commit,
    machine,
    manage,
    recreate_database,
    server_env,
    use_in_process,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "audit_chain.json"
ACTIONS = (
    "accounts.user.signed_in",
    "guidelines.section.saved",
    "publishing.version.acknowledged",
    "approvals.review.signed",
)
ROW_MARK = "AUDIT-CHAIN-ROW "


def _setup() -> None:
    """Django, after the environment names the bench database (imports follow this)."""
    import django

    django.setup()


def grow(org_id: int, actor_id: int, to: int, *, log: Any = print) -> float:
    """Append events to the institution's chain until it holds ``to``; seconds taken."""
    from django.db import connection

    from audit.models import AuditEvent, ChainHead
    from audit.signing import head_message
    from bench.seed import AUDIT_FIELDS, BulkWriter, ChainLinker

    start = time.perf_counter()
    key = ChainHead.key_for(org_id)
    head, _ = ChainHead.objects.get_or_create(key=key)
    if head.sequence >= to:
        return 0.0
    link = ChainLinker(head.sequence, head.hash)
    writer = BulkWriter()
    first_id = writer.next_id(AuditEvent)
    base = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

    def rows() -> Iterable[tuple[Any, ...]]:
        for i in range(to - head.sequence):
            n = link.sequence + 1
            yield link.row(
                first_id + i,
                (
                    org_id,
                    actor_id,
                    "bench@audit.example",
                    ACTIONS[n % len(ACTIONS)],
                    "guidelines.guideline",
                    str(n % 97),
                    f"Guideline {n % 97}",
                    n % 97,
                    {"n": n},
                    "10.0.0.1",
                    "bench",
                    base + dt.timedelta(seconds=n * 90),
                ),
            )

    # Growing a chain from nothing (or doubling it) is cheaper with the indexes built once
    # after the load; adding a little to a long chain is not.
    added = writer.insert(
        AuditEvent, AUDIT_FIELDS, rows(), defer_indexes=to - head.sequence >= head.sequence
    )
    sequence, prev, keys = link.sequence, link.prev_hash, link.keys
    ChainHead.objects.filter(key=key).update(
        sequence=sequence,
        hash=prev,
        key_id=keys.current_id,
        mac=keys.sign(head_message(key, sequence, prev)),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('audit_auditevent', 'id'), "
            "(SELECT max(id) FROM audit_auditevent))"
        )
    _vacuum()
    log(f"  grew the chain by {added:,} to {sequence:,} events")
    return time.perf_counter() - start


def _vacuum() -> None:
    import os

    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE audit_auditevent")


def _peak_rss(run: Any) -> tuple[Any, float, float]:
    """Run ``run()``; its result, seconds, and the peak resident memory growth in MB."""
    import psutil

    proc = psutil.Process()
    baseline = proc.memory_info().rss
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    try:
        result = run()
    finally:
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    return result, seconds, (peak[0] - baseline) / 2**20


def measure_one(size: int, new_events: int, *, log: Any = print) -> dict[str, Any]:
    """One chain of ``size`` events (or more: a reused database keeps what earlier runs added),
    the only chain in this database: full verification, then routine verification after
    ``new_events`` more."""
    from accounts.models import Organization, User
    from audit.models import ChainHead
    from audit.verify import FULL, ROUTINE, verify

    org, _ = Organization.objects.get_or_create(
        slug="audit-bench", defaults={"name": "Audit bench"}
    )
    actor = User.objects.filter(email="bench@audit.example").first() or (
        User.objects.create_user("bench@audit.example", full_name="Bench Actor")
    )
    row: dict[str, Any] = {"events": size, "load_average_at_start": machine()["load_average"]}
    row["seed_seconds"] = round(grow(org.pk, actor.pk, size, log=log), 1)
    head = ChainHead.objects.get(key=ChainHead.key_for(org.pk))
    row["events_at_full"] = head.sequence
    full, seconds, growth = _peak_rss(lambda: verify(mode=FULL, write_checkpoints=True))
    assert not full.problems, full.problems
    row["full_seconds"] = round(seconds, 2)
    row["full_rss_growth_mb"] = round(growth, 1)
    row["full_events_read"] = full.walked
    row["checkpoints_written"] = full.checkpoints_written
    log(f"  {head.sequence:,} events: full verification {seconds:.1f} s, +{growth:.1f} MB")
    grow(org.pk, actor.pk, head.sequence + new_events, log=log)
    routine, seconds, growth = _peak_rss(lambda: verify(mode=ROUTINE, write_checkpoints=True))
    assert not routine.problems, routine.problems
    chain = next(c for c in routine.chains if c.organization_id == org.pk)
    assert chain.mode == ROUTINE, chain
    row["routine_seconds"] = round(seconds, 2)
    row["routine_rss_growth_mb"] = round(growth, 1)
    row["routine_events_read"] = routine.walked
    row["routine_started_at"] = chain.start
    row["events_after_routine"] = chain.sequence
    log(
        f"  {chain.sequence:,} events: routine verification {seconds:.2f} s "
        f"({routine.walked:,} read from checkpoint {chain.start:,}), +{growth:.1f} MB"
    )
    return row


def size_database(base: str, size: int) -> str:
    return f"{base}_{size}"


def run_one(args: argparse.Namespace) -> int:
    """``--one SIZE``: this process measures one size in its own database and prints its row
    as the last line (a fresh process per size, so each memory figure starts from the same
    baseline)."""
    name = size_database(args.database, args.one)
    env = server_env(db_url(name))
    if args.reuse and database_exists(name):
        print(f"Reusing database {name}…", flush=True)
    else:
        print(f"Creating database {name} and migrating…", flush=True)
        recreate_database(name)
    manage(env, "migrate", "--noinput")
    use_in_process(env)
    _setup()
    row = measure_one(args.one, args.new_events, log=lambda m: print(m, flush=True))
    row["database_reused"] = bool(args.reuse) and row["seed_seconds"] == 0.0
    print(ROW_MARK + json.dumps(row), flush=True)
    return 0


def judge(res: dict[str, Any], budgets: dict[str, Any]) -> list[str]:
    b = budgets.get("audit_chain", {})
    out = []
    rows = list(res["sizes"].values())
    for row in rows:
        if row["routine_seconds"] > b.get("routine_seconds_max", 5.0):
            out.append(
                f"routine verification at {row['events']:,} events took "
                f"{row['routine_seconds']} s (max {b.get('routine_seconds_max')} s)"
            )
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        growth = large["full_rss_growth_mb"] - small["full_rss_growth_mb"]
        res["full_rss_growth_largest_minus_smallest_mb"] = round(growth, 1)
        if growth > b.get("full_memory_growth_mb_max", 16.0):
            out.append(
                f"full verification memory grew {growth:.1f} MB from {small['events']:,} to "
                f"{large['events']:,} events (max {b.get('full_memory_growth_mb_max')} MB)"
            )
        ratio = (
            large["routine_seconds"] / small["routine_seconds"] if small["routine_seconds"] else 0
        )
        res["routine_largest_vs_smallest"] = round(ratio, 2)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database",
        default="charter_audit_bench",
        help="each size gets its own database, named <this>_<size>",
    )
    parser.add_argument(
        "--sizes",
        default="500000,2000000",
        help="comma-separated chain lengths, smallest first (e.g. 50000,200000 for a quick look)",
    )
    parser.add_argument("--new-events", type=int, default=1000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep a size's database when it exists: its chain is not grown again",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        return run_one(args)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    start = time.perf_counter()
    res: dict[str, Any] = {
        "kind": "audit_chain",
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "new_events": args.new_events,
        "reuse": args.reuse,
        "sizes": {},
    }

    def save() -> None:
        res["complete"] = len(res["sizes"]) == len(sizes)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(res, indent=1))

    for size in sizes:
        cmd = [sys.executable, "-m", "bench.audit_chain", "--database", args.database]
        cmd += ["--one", str(size), "--new-events", str(args.new_events)]
        cmd += ["--reuse"] if args.reuse else []
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        row = None
        for line in proc.stdout:
            if line.startswith(ROW_MARK):
                row = json.loads(line[len(ROW_MARK) :])
            else:
                print(line, end="", flush=True)
        if proc.wait() != 0 or row is None:
            print(f"The {size:,}-event run failed.", flush=True)
            res["failures"] = [f"the {size:,}-event run failed"]
            save()
            return 1
        res["sizes"][str(size)] = row
        save()  # a long run that is stopped still leaves what it measured
    failures = judge(res, tomllib.loads((HERE / "budgets.toml").read_text()))
    res["failures"] = failures
    res["total_seconds"] = round(time.perf_counter() - start, 1)
    save()
    print(json.dumps(res, indent=1))
    for failure in failures:
        print(f"OVER BUDGET: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
