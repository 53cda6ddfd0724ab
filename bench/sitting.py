"""``make bench-sitting``: the four benchmark commands in one sitting, with `make test` beside.

    .venv/bin/python -m bench.sitting [--prefix charter_sitting] [--skip STEP] [--only STEP]
                                      [--args STEP="--option value"] [--parallel STEP,STEP]
                                      [--test-command "CMD ARGS"] [--no-test] [--test-once]
                                      [--step-timeout MINUTES]

Budgets that hold only on a quiet machine are not budgets: this runs what ``make bench``,
``make bench-load``, ``make bench-faults`` and ``make bench-cluster`` run, one after another,
while the project's own ``make test`` runs beside them from a clone of the same commit (so that
its files never mix with this checkout's), started again whenever it ends until the last bench
is done. The load average is sampled every few seconds throughout.

Steps, in order (each a process of its own; the names are what ``--skip``, ``--only`` and
``--args`` take):

========== =====================================================================
run        ``bench/run.py``: every page against its reference, 100,000 employees
load       ``bench/load.py``: locust, 200 employees + 5 admins (reuses run's database)
export     ``bench.export_copy``: the whole roster against PostgreSQL's COPY
faults     ``bench/faults.py``: PostgreSQL restarted, a reminder run killed
cluster    ``bench/cluster.py``: two app servers behind HAProxy, one killed
search     ``bench.search``: the GIN plans, search and post-check p95
directory  ``bench.directory``: SCIM, the full roster sync, the audience preview
reminders  ``bench.reminders``: the scheduled reminder run
audit      ``bench.audit_chain``: full and routine verification, 500,000 and 2,000,000
========== =====================================================================

Every database is named from ``--prefix`` (``<prefix>_bench``, ``<prefix>_export``…), the
fault test restarts a PostgreSQL cluster of its own (``--faults-cluster``) and the cluster
test uses Redis databases ``--redis-db`` and the next, so a sitting disturbs no one else's
data. ``run`` leaves the seeded chain's end-to-end check to ``audit``, which verifies 500,000
and 2,000,000 events in full in the same sitting (``--verify-seeded-chain`` keeps both).

The sitting migrates one database first, ``<prefix>_template``, and every step's database is
created as a copy of it (``harness.TEMPLATE_ENV``): the same schema, without a migration per
step (minutes each on a busy machine). The fault test's own PostgreSQL cluster still migrates.

Each step's figures land in bench/results/ as when run alone; this adds
bench/results/sitting.json (commit, start and end, load average, each step's time and exit
status, each `make test` run, and every budget with its measured value and verdict) and the
"One sitting" section at the top of bench/RESULTS.md, rewritten after every step so that a
sitting stopped half-way still shows what it measured. Exits 1 when a budget is missed or a
step fails.

The work beside is counted from the moment each run starts (a whole `make test` can outlast
the sitting on a busy machine), with its exit code and time once it ends; ``--test-command``
replaces it with any command and its arguments, run in the clone (``--test-command
.ci/run``). A step still running after ``--step-timeout`` minutes is ended and recorded as
failed, so one that hangs does not keep the later steps from running; SIGTERM or Ctrl-C ends
the running steps and the work beside, and still writes the figures.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on the path, where bench/markdown.py would hide
# the markdown package: the project root replaces it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness, report  # noqa: E402 (the path is set just above)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SITTING = RESULTS / "sitting.json"
LOGS = RESULTS / "sitting"
TESTS_HEAD_START = 20  # seconds the work beside runs alone before the first step
STEPS = ("run", "load", "export", "faults", "cluster", "search", "directory", "reminders", "audit")
# The command each of the four make targets stands for.
TARGETS = {
    "run": "make bench",
    "export": "make bench",
    "search": "make bench",
    "directory": "make bench",
    "reminders": "make bench",
    "audit": "make bench",
    "load": "make bench-load",
    "faults": "make bench-faults",
    "cluster": "make bench-cluster",
}


def commands(args: argparse.Namespace) -> dict[str, list[str]]:
    """Each step's command line, with this sitting's own database names."""
    py = sys.executable
    p = args.prefix
    bench = f"{p}_bench"
    cluster_name = args.faults_cluster.split("/")
    return {
        "run": [
            py,
            "bench/run.py",
            "--database",
            bench,
            *([] if args.verify_seeded_chain else ["--no-verify-chain"]),
        ],
        "load": [py, "bench/load.py", "--database", bench],
        "export": [py, "-m", "bench.export_copy", "--database", f"{p}_export"],
        "faults": [
            py,
            "bench/faults.py",
            "--database",
            f"{p}_faults",
            "--cluster",
            "/".join(cluster_name),
            "--port",
            str(args.faults_port),
        ],
        "cluster": [
            py,
            "bench/cluster.py",
            "--database",
            f"{p}_cluster",
            "--redis-db",
            str(args.redis_db),
        ],
        "search": [py, "-m", "bench.search", "--database", f"{p}_search"],
        "directory": [py, "-m", "bench.directory", "--database", f"{p}_directory"],
        "reminders": [py, "-m", "bench.reminders", "--database", f"{p}_reminders"],
        "audit": [py, "-m", "bench.audit_chain", "--database", f"{p}_audit"],
    }


class LoadSampler(threading.Thread):
    """The 1-, 5- and 15-minute load averages every ``every`` seconds, with the time."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[tuple[float, float, float, float]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append((time.time(), *os.getloadavg()))
            if self.done.wait(self.every):
                return

    def between(self, start: float, end: float) -> dict[str, Any]:
        ones = [s[1] for s in self.samples if start <= s[0] <= end]
        if not ones:
            ones = [os.getloadavg()[0]]
        return {
            "samples": len(ones),
            "min": round(min(ones), 2),
            "mean": round(statistics.fmean(ones), 2),
            "max": round(max(ones), 2),
        }


class TestsBeside(threading.Thread):
    """`make test` from a clone of this commit, again and again until ``stop()``."""

    def __init__(self, command: list[str], *, once: bool, log: Any) -> None:
        super().__init__(daemon=True)
        self.command = command
        self.once = once
        self.log = log
        self.runs: list[dict[str, Any]] = []
        self.stopping = threading.Event()
        self.starting = threading.Lock()
        self.proc: subprocess.Popen[bytes] | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix="charter-sitting-tests-"))
        self.clone = self.workdir / "charter"

    def prepare(self) -> None:
        subprocess.run(
            ["git", "clone", "--quiet", "--shared", str(harness.REPO), str(self.clone)],
            check=True,
        )
        commit = harness.git_commit()
        subprocess.run(["git", "-C", str(self.clone), "checkout", "--quiet", commit], check=True)
        # The clone shares this checkout's virtualenv (already set up by `make setup`).
        venv = (harness.REPO / ".venv").resolve()
        (self.clone / ".venv").symlink_to(venv, target_is_directory=True)
        # A clone's files are all new, so a plain `make test` in it (as a CI script runs it)
        # would install the requirements again into the shared virtualenv. Each requirements
        # file gets the time of the commit that last changed it: make then installs only when
        # they changed after the virtualenv was set up.
        for path in sorted((self.clone / "requirements").glob("*.txt")):
            changed = subprocess.run(
                ["git", "-C", str(self.clone), "log", "-1", "--format=%ct", "--", str(path)],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            if changed.isdigit():
                os.utime(path, (int(changed), int(changed)))

    def run(self) -> None:
        n = 0
        while not self.stopping.is_set():
            n += 1
            log_path = LOGS / f"make-test-{n}.log"
            started = time.time()
            # Counted from the moment it starts: a run still going when the sitting ends (a
            # whole `make test` can outlast it on a busy machine) is a run beside the benches.
            entry: dict[str, Any] = {
                "run": n,
                "started": _iso(started),
                "seconds": None,
                "exit": None,
                "running": True,
                "stopped_when_benches_ended": False,
                "summary": "",
            }
            self.runs.append(entry)
            with log_path.open("wb") as out:
                env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
                # Started under the lock ``stop`` takes, so a stop never misses a run that is
                # just starting (it would go on alone after the sitting).
                with self.starting:
                    if self.stopping.is_set():
                        self.runs.remove(entry)
                        return
                    proc = self.proc = subprocess.Popen(
                        self.command,
                        cwd=self.clone,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        env=env,
                        start_new_session=True,
                    )
                self.log(f"make test #{n} started beside the benches")
                rc = proc.wait()
            tail = _last_line(log_path, ("passed", "failed", "error"))
            entry.update(
                seconds=round(time.time() - started, 1),
                exit=rc,
                running=False,
                stopped_when_benches_ended=self.stopping.is_set() and rc != 0,
                summary=tail,
            )
            self.log(f"make test #{n} ended ({rc}): {tail}")
            if self.once:
                return

    def snapshot(self) -> list[dict[str, Any]]:
        """The runs so far; the one still going has its time so far."""
        now = time.time()
        out = []
        for entry in list(self.runs):
            row = dict(entry)
            if row["running"]:
                started = dt.datetime.fromisoformat(row["started"]).timestamp()
                row["seconds"] = round(now - started, 1)
            out.append(row)
        return out

    def stop(self) -> None:
        with self.starting:
            self.stopping.set()
            proc = self.proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        if self.ident is not None:  # started
            self.join(timeout=60)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _stopped(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    """End a step and every process it started (it runs in a session of its own)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            continue


def _last_line(path: Path, words: tuple[str, ...]) -> str:
    """pytest's closing summary ("312 passed, 4 skipped in 611.2s"), or the last line."""
    try:
        lines = [ln.strip() for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    for line in reversed(lines):
        if any(w in line for w in words) and " in " in line:
            return line.strip("= ")[:200]
    return lines[-1][:200] if lines else ""


def _iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds")


def _read(name: str, since: float) -> dict[str, Any] | None:
    """``bench/results/<name>.json`` if it was written at or after ``since`` (an older file is
    another run's figures, not this sitting's)."""
    path = RESULTS / f"{name}.json"
    try:
        if path.stat().st_mtime < since:
            return None
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _row(step: str, figure: str, measured: Any, budget: str, ok: bool | None) -> dict[str, Any]:
    return {"step": step, "figure": figure, "measured": measured, "budget": budget, "ok": ok}


def budget_rows(step: str, since: float, b: dict[str, Any]) -> list[dict[str, Any]]:
    """Every budget ``step`` is judged on, from the figures it wrote (only figures written in
    this sitting, started at ``since``, count)."""
    rows: list[dict[str, Any]] = []
    if step == "run":
        res = _read("bench", since)
        if not res:
            return rows
        r, t, q, rb = res["ratios"], res["timings"], res["queries"], b["ratios"]
        pages = r["page_vs_trivial_p50"]
        worst = max(pages, key=lambda k: pages[k])
        limit = rb["page_vs_trivial_p50_max"]
        rows.append(
            _row(
                step,
                f"slowest page vs trivial view ({worst})",
                f"{pages[worst]}×",
                f"≤ {limit}×",
                pages[worst] <= limit,
            )
        )
        for key, figure in (
            ("dashboard_vs_raw_sql_p50", "dashboard vs its raw SQL aggregate"),
            ("compare_vs_trivial_p50", "compare vs trivial view"),
            ("pdf_cached_vs_trivial_p50", "cached PDF vs trivial view"),
            ("pdf_first_vs_weasyprint_p50", "first PDF render vs WeasyPrint alone"),
            ("markdown_pathological_vs_normal", "hostile Markdown vs ordinary text"),
        ):
            if key in r:
                limit = rb[f"{key}_max"]
                rows.append(_row(step, figure, f"{r[key]}×", f"≤ {limit}×", r[key] <= limit))
        ack = r["acknowledge_vs_trivial_insert_throughput"]
        limit = rb["acknowledge_vs_trivial_insert_min"]
        rows.append(
            _row(
                step,
                "acknowledge throughput vs trivial one-INSERT view",
                f"{ack}×",
                f"≥ {limit}×",
                ack >= limit,
            )
        )
        growth = r["export_memory_growth_100k_minus_10k_mb"]
        limit = rb["export_memory_growth_100k_minus_10k_mb_max"]
        rows.append(
            _row(
                step,
                "export worker memory, 100k minus 10k rows",
                f"{growth} MB",
                f"≤ {limit} MB",
                growth <= limit,
            )
        )
        for page, limit in b.get("p95_ms", {}).items():
            if page in t:
                p95 = t[page]["p95_ms"]
                rows.append(_row(step, f"{page} p95", f"{p95} ms", f"≤ {limit} ms", p95 <= limit))
        for page, limit in b.get("queries", {}).items():
            if page in q:
                n = q[page]["queries"]
                rows.append(_row(step, f"{page} SQL queries", n, f"≤ {limit}", n <= limit))
        errors = sum(timing["errors"] for timing in t.values())
        rows.append(_row(step, "failed requests", errors, "0", errors == 0))
        seed = res.get("seed", {})
        limit = b.get("seed", {}).get("total_seconds_max")
        if limit and seed.get("total_seconds") and not seed.get("reused"):
            s = seed["total_seconds"]
            rows.append(_row(step, "seeding", f"{s} s", f"≤ {limit} s", s <= limit))
    elif step == "load":
        res = _read("load", since)
        if not res:
            return rows
        c = res["checks"]
        rows.append(_row(step, "errors under load", c["errors"], "0", c["errors"] == 0))
        rows.append(
            _row(
                step,
                "acknowledgement rows = successful responses",
                f"{c['ack_rows']:,} rows, {c['ack_responses_ok']:,} responses",
                "equal",
                bool(c["rows_match_responses"]),
            )
        )
    elif step == "export":
        res = _read("export_copy", since)
        if not res:
            return rows
        eb = b.get("export_copy", {})
        limit = eb.get("export_vs_raw_copy_max", 2.0)
        rows.append(
            _row(
                step,
                "whole-roster export vs raw COPY",
                f"{res['ratio']}×",
                f"≤ {limit}×",
                res["ratio"] <= limit,
            )
        )
        growth = res["memory_growth_100k_minus_10k_mb"]
        limit = eb.get("memory_growth_mb_max", 16.0)
        rows.append(
            _row(
                step,
                "export worker memory, whole roster minus one group",
                f"{growth} MB",
                f"≤ {limit} MB",
                growth <= limit,
            )
        )
    elif step in ("faults", "cluster"):
        res = _read(step, since)
        if not res:
            return rows
        failures = res.get("failures", [])
        rows.append(
            _row(
                step,
                "every check of the run",
                "; ".join(failures) or "all hold",
                "all hold",
                not failures,
            )
        )
    elif step == "audit":
        res = _read("audit_chain", since)
        if not res:
            return rows
        ab = b.get("audit_chain", {})
        limit = ab.get("routine_seconds_max", 5.0)
        for row in res.get("sizes", {}).values():
            rows.append(
                _row(
                    step,
                    f"routine verification at {row['events']:,} events",
                    f"{row['routine_seconds']} s",
                    f"≤ {limit} s",
                    row["routine_seconds"] <= limit,
                )
            )
        growth = res.get("full_rss_growth_largest_minus_smallest_mb")
        if growth is not None:
            limit = ab.get("full_memory_growth_mb_max", 16.0)
            rows.append(
                _row(
                    step,
                    "full verification memory, largest minus smallest chain",
                    f"{growth} MB",
                    f"≤ {limit} MB",
                    growth <= limit,
                )
            )
    elif step == "directory":
        res = _read("directory", since)
        if not res:
            return rows
        pv = res["preview"]
        rows.append(
            _row(
                step,
                f"audience preview at {pv['staff']:,} staff vs raw SQL count",
                f"{pv['ratio']}×",
                f"≤ {pv['budget_ratio']}×",
                pv["ratio"] is None or pv["ratio"] <= pv["budget_ratio"],
            )
        )
        rows.append(
            _row(
                step,
                "roster peak memory, 10× the rows",
                f"{res['roster_memory_ratio']}×",
                f"≤ {res['roster_memory_ratio_max']}×",
                res["roster_memory_ratio"] <= res["roster_memory_ratio_max"],
            )
        )
        small, large = res["scim"]
        for kind in ("create_queries", "patch_queries"):
            rows.append(
                _row(
                    step,
                    f"SCIM {kind.split('_')[0]} queries, {small['staff']:,} → "
                    f"{large['staff']:,} staff",
                    f"{small[kind]} → {large[kind]}",
                    "not growing",
                    large[kind] <= small[kind],
                )
            )
    elif step == "reminders":
        res = _read("reminders", since)
        if not res or "small" not in res:
            return rows
        small, large = res["small"], res["large"]
        rows.append(
            _row(
                step,
                f"queries per batch, {small['people']:,} → {large['people']:,} people",
                f"deciding {small['queries_per_deciding_batch']['max']} → "
                f"{large['queries_per_deciding_batch']['max']}, sending "
                f"{small['queries_per_sending_batch']['max']} → "
                f"{large['queries_per_sending_batch']['max']}",
                "constant",
                bool(res["queries_per_batch_constant"]),
            )
        )
        sent = large["emails_sent"] == large["people"] and small["emails_sent"] == small["people"]
        rows.append(
            _row(
                step,
                "e-mails sent = people reminded",
                f"{small['emails_sent']:,}/{small['people']:,}, "
                f"{large['emails_sent']:,}/{large['people']:,}",
                "all",
                sent,
            )
        )
        rows.append(
            _row(
                step,
                "peak Python memory, large vs small",
                f"{res['peak_memory_ratio']}×",
                "flat (reported)",
                None,
            )
        )
    elif step == "search":
        res = _read("search", since)
        if not res:
            return rows
        for who, plans in (("employee", res["plans"]), ("author", res["plans_as_author"])):
            judged = {k: v for k, v in plans.items() if not k.startswith("broad")}
            ok = all(v["uses_gin_index"] for v in judged.values())
            rows.append(
                _row(
                    step,
                    f"{who}'s word, prefix and phrase plans read the GIN index",
                    "yes"
                    if ok
                    else "no: "
                    + ", ".join(k for k, v in judged.items() if not v["uses_gin_index"]),
                    "all",
                    ok,
                )
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--prefix", default="charter_sitting", help="of every database name")
    parser.add_argument("--only", action="append", choices=STEPS, help="run these steps")
    parser.add_argument("--skip", action="append", choices=STEPS, default=[])
    parser.add_argument(
        "--args",
        action="append",
        default=[],
        metavar='STEP="OPTIONS"',
        help='more options for one step, e.g. --args directory="--small 2000 --large 20000"',
    )
    parser.add_argument(
        "--verify-seeded-chain",
        action="store_true",
        help="run also verifies its seeded 500,000-event chain in full (audit does it anyway)",
    )
    parser.add_argument("--faults-cluster", default="15/chartersitting")
    parser.add_argument("--faults-port", type=int, default=5497)
    parser.add_argument("--redis-db", type=int, default=12, help="cache; the queue uses the next")
    parser.add_argument(
        "--parallel",
        default="",
        type=lambda v: [s for s in v.split(",") if s],
        metavar="STEP,STEP",
        help="steps run one after another in a second lane, beside the others (e.g. audit)",
    )
    parser.add_argument(
        "--no-template",
        dest="template",
        action="store_false",
        help="migrate each step's database instead of copying one migrated template",
    )
    parser.add_argument("--no-test", dest="test", action="store_false", help="nothing beside")
    parser.add_argument("--test-once", action="store_true", help="one `make test`, not a loop")
    parser.add_argument(
        "--test-command",
        default="make -o .venv/.installed test",
        help="run in the clone; the default skips the install the shared virtualenv has had",
    )
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=45.0,
        metavar="MINUTES",
        help="a step still running after this long is ended and recorded as failed (0: never)",
    )
    parser.add_argument("--sample-every", type=float, default=5.0, help="load average, seconds")
    args = parser.parse_args(argv)
    extra: dict[str, list[str]] = {}
    for item in args.args:
        step, _, options = item.partition("=")
        if step not in STEPS:
            parser.error(f"--args: no step called {step!r}")
        extra.setdefault(step, []).extend(shlex.split(options))
    chosen = [s for s in STEPS if (not args.only or s in args.only) and s not in args.skip]
    for step in args.parallel:
        if step not in STEPS:
            parser.error(f"--parallel: no step called {step!r}")
    cmds = commands(args)
    budgets = tomllib.loads((HERE / "budgets.toml").read_text())

    LOGS.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)

    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=harness.REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    started = time.time()
    since = _iso(started - 1)
    sampler = LoadSampler(args.sample_every)
    sampler.start()
    res: dict[str, Any] = {
        "kind": "sitting",
        "started": since,
        "commit": harness.git_commit(),
        "uncommitted_changes": bool(dirty),
        "machine": harness.machine(),
        "prefix": args.prefix,
        "steps": [],
        "tests_beside": {"command": args.test_command if args.test else None, "runs": []},
    }
    if args.template:
        # One migration for the whole sitting: each step's database is a copy of this one.
        template = f"{args.prefix}_template"
        os.environ.pop(harness.TEMPLATE_ENV, None)
        log(f"Migrating {template}, the template of every step's database…")
        t0 = time.time()
        harness.recreate_database(template)
        harness.manage(harness.server_env(harness.db_url(template)), "migrate", "--noinput")
        os.environ[harness.TEMPLATE_ENV] = template
        res["template"] = {"database": template, "seconds": round(time.time() - t0, 1)}
    beside: TestsBeside | None = None
    if args.test:
        beside = TestsBeside(shlex.split(args.test_command), once=args.test_once, log=log)
        beside.prepare()
        beside.start()
        # Let the tests get going, so that the first bench already shares the machine.
        time.sleep(TESTS_HEAD_START)

    def save(final: bool = False) -> None:
        now = time.time()
        res["ended"] = _iso(now) if final else None
        res["seconds"] = round(now - started, 1)
        res["load_average"] = sampler.between(started, now)
        res["load_average"]["end"] = [round(x, 2) for x in os.getloadavg()]
        if beside is not None:
            res["tests_beside"]["runs"] = beside.snapshot()
        rows = [row for step in res["steps"] for row in step["budgets"]]
        res["budgets_judged"] = sum(1 for r in rows if r["ok"] is not None)
        res["budgets_missed"] = [r for r in rows if r["ok"] is False]
        res["steps_failed"] = [s["step"] for s in res["steps"] if s["exit"] != 0]
        SITTING.write_text(json.dumps(res, indent=1))
        with contextlib.suppress(Exception):
            report.write()

    lock = threading.Lock()
    running: dict[str, subprocess.Popen[bytes]] = {}

    def run_step(step: str, lane: str) -> None:
        cmd = cmds[step] + extra.get(step, [])
        log(f"{step}: {shlex.join(cmd[1:])}")
        step_start = time.time()
        with (LOGS / f"{step}.log").open("wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=harness.REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
            with lock:
                running[step] = proc
            timed_out = False
            try:
                rc = proc.wait(timeout=args.step_timeout * 60 if args.step_timeout else None)
            except subprocess.TimeoutExpired:
                # A step that hangs must not keep the sitting from its later steps.
                timed_out = True
                _end_group(proc)
                rc = proc.wait()
            finally:
                with lock:
                    running.pop(step, None)
        step_end = time.time()
        rows = budget_rows(step, step_start, budgets)
        missed = [r for r in rows if r["ok"] is False]
        with lock:
            res["steps"].append(
                {
                    "step": step,
                    "target": TARGETS[step],
                    "lane": lane,
                    "command": shlex.join(["python", *cmd[1:]]),
                    "started": _iso(step_start),
                    "seconds": round(step_end - step_start, 1),
                    "exit": rc,
                    "timed_out": timed_out,
                    "load_average": sampler.between(step_start, step_end),
                    "tests_beside": beside is not None and beside.is_alive(),
                    "budgets": rows,
                }
            )
            save()
        log(
            f"{step}: exit {rc}{' (stopped: past --step-timeout)' if timed_out else ''} in "
            f"{step_end - step_start:.0f} s; "
            f"{len(rows) - len(missed)}/{len(rows)} budgets held"
            + "".join(
                f"\n    MISSED {r['figure']}: {r['measured']} ({r['budget']})" for r in missed
            )
        )

    def lane(steps: list[str], name: str) -> None:
        for step in steps:
            run_step(step, name)

    second = [s for s in chosen if s in args.parallel]
    first = [s for s in chosen if s not in args.parallel]
    res["lanes"] = {"main": first, "parallel": second}
    other = threading.Thread(target=lane, args=(second, "parallel"), daemon=True)
    # Stopped with SIGTERM (a timeout, `kill`), the sitting still ends its steps and the tests
    # beside, and writes what it measured, as it does on Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _stopped)
    try:
        other.start()
        lane(first, "main")
        other.join()
    finally:
        with lock:
            left = list(running.values())
        for proc in left:
            _end_group(proc)
        if beside is not None:
            beside.stop()
        sampler.done.set()
        sampler.join()
        save(final=True)
        signal.signal(signal.SIGTERM, previous)
    log(
        f"Sitting done in {res['seconds'] / 60:.0f} min; load average (1 min) "
        f"{res['load_average']['min']}–{res['load_average']['max']}, mean "
        f"{res['load_average']['mean']}; {len(res['budgets_missed'])} budget(s) missed, "
        f"failed steps: {', '.join(res['steps_failed']) or 'none'}"
    )
    return 1 if res["budgets_missed"] or res["steps_failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
