"""``make bench``: seed a health-system-sized institution, serve it, measure it, judge it.

Steps: a fresh PostgreSQL database → migrate → bulk seed → gunicorn (production settings,
2 workers, loopback) → latency and throughput of each page → SQL queries of each page
(in-process test client on the same database) → the ratios the budgets speak about →
bench/results/bench.json and bench/RESULTS.md. Exits 1 when a budget in bench/budgets.toml
is exceeded.

    python bench/run.py                      # the full run (100,000 employees)
    python bench/run.py --employees 10000 --audit-events 50000 --requests 60   # a quick look
    python bench/run.py --reuse              # keep the seeded database from the last run
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on the path, where bench/markdown.py would hide
# the markdown package: the project root replaces it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402 (the path is set just above)

RESULTS = harness.REPO / "bench" / "results"


@dataclass
class Req:
    method: str
    url: str
    headers: dict[str, str]
    data: dict[str, Any] | None = None


@dataclass
class Timing:
    name: str
    n: int
    concurrency: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    rps: float
    errors: int
    bytes: int = 0
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def hammer(
    base: str,
    name: str,
    make: Callable[[int], Req] | Callable[[int], float],
    *,
    n: int,
    concurrency: int = 2,
    warmup: int = 5,
    ok: Callable[[Any], bool] = lambda r: r.status_code == 200,
    log: Callable[[str], None] = print,
) -> Timing:
    """Send ``n`` requests from ``concurrency`` threads; latency is time to last byte.

    ``make`` may instead do the work itself (a raw SQL query, a direct render) and return the
    seconds it took: a reference measured in this process.
    """
    import httpx

    lock = threading.Lock()
    counter = iter(range(warmup + n))
    latencies: list[float] = []
    errors: list[str] = []
    size = [0]

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=300, follow_redirects=False) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                req = make(i)
                if isinstance(req, float):  # work done in this process; it timed itself
                    if i >= warmup:
                        with lock:
                            latencies.append(req)
                    continue
                start = time.perf_counter()
                response: httpx.Response | httpx.HTTPError
                try:
                    response = client.request(
                        req.method, req.url, headers=req.headers, data=req.data
                    )
                    elapsed = time.perf_counter() - start
                    good = ok(response)
                except httpx.HTTPError as exc:
                    elapsed, good, response = time.perf_counter() - start, False, exc
                client.cookies.clear()
                if i < warmup:
                    continue
                with lock:
                    latencies.append(elapsed)
                    if not good:
                        errors.append(
                            f"{getattr(response, 'status_code', response)!s} on {req.url}"
                        )
                    elif isinstance(response, httpx.Response):  # always so when good
                        size[0] += len(response.content)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Throughput counts the measured requests over the time after warm-up, approximately:
    # the warm-up share of the wall time is removed in proportion.
    wall = (time.perf_counter() - wall) * n / (n + warmup)
    ms = [x * 1000 for x in latencies]
    timing = Timing(
        name=name,
        n=len(ms),
        concurrency=concurrency,
        p50_ms=round(percentile(ms, 50), 1),
        p95_ms=round(percentile(ms, 95), 1),
        mean_ms=round(statistics.fmean(ms), 1) if ms else 0.0,
        rps=round(len(ms) / wall, 1) if wall else 0.0,
        errors=len(errors),
        bytes=size[0] // max(1, len(ms) - len(errors)),
        extra={"_ms": ms, "_wall": wall},
    )
    log(
        f"  {name:<28} p50 {timing.p50_ms:>8.1f} ms  p95 {timing.p95_ms:>8.1f} ms  "
        f"{timing.rps:>7.1f} req/s  errors {timing.errors}"
    )
    if errors:
        log(f"    first error: {errors[0]}")
    return timing


def merge(parts: list[Timing]) -> Timing:
    """One timing from the rounds of an interleaved run: pooled latencies, summed time."""
    ms = [x for part in parts for x in part.extra.get("_ms", [])]
    wall = sum(part.extra.get("_wall", 0.0) for part in parts)
    first = parts[0]
    return Timing(
        name=first.name,
        n=len(ms),
        concurrency=first.concurrency,
        p50_ms=round(percentile(ms, 50), 1),
        p95_ms=round(percentile(ms, 95), 1),
        mean_ms=round(statistics.fmean(ms), 1) if ms else 0.0,
        rps=round(len(ms) / wall, 1) if wall else 0.0,
        errors=sum(part.errors for part in parts),
        bytes=first.bytes,
        extra={"rounds": len(parts)},
    )


def spread(values: list[float]) -> dict[str, float]:
    """How a ratio moved from round to round: lowest, median, highest."""
    return {
        "min": round(min(values), 2),
        "median": round(statistics.median(values), 2),
        "max": round(max(values), 2),
    }


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.db_name = args.database
        # Persistent database connections, as docs/deployment.md tells production to run:
        # measured with a new connection per request, every page paid PostgreSQL's connection
        # start-up, which no deployment pays (``--conn-max-age 0`` measures that way again).
        self.env = harness.server_env(
            harness.db_url(self.db_name), DB_CONN_MAX_AGE=str(args.conn_max_age)
        )
        self.results: dict[str, Any] = {
            "kind": "bench",
            "conn_max_age": args.conn_max_age,
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "commit": harness.git_commit(),
            "machine": harness.machine(),
            "parameters": {
                "employees": args.employees,
                "groups": args.groups,
                "versions": args.versions,
                "audit_events": args.audit_events,
                "ack_ratio": args.ack_ratio,
                "requests_per_page": args.requests,
                "concurrency": args.concurrency,
                "gunicorn_workers": 2,
                "rounds": args.rounds,
            },
            "timings": {},
            "queries": {},
            "ratios": {},
            "export_memory": {},
            "paired": {},
        }

    def log(self, message: str) -> None:
        print(message, flush=True)

    # --- database -----------------------------------------------------------------------

    def prepare(self) -> None:
        reuse = self.args.reuse and harness.database_exists(self.db_name)
        if not reuse:
            self.log(f"Creating database {self.db_name} and migrating…")
            harness.recreate_database(self.db_name)
        start = time.perf_counter()
        harness.prepare_schema(self.env)
        self.results["schema_seconds"] = round(time.perf_counter() - start, 1)
        harness.use_in_process(self.env)
        from bench.seed import ORG_SLUG, SeedConfig, seed
        from publishing.models import Campaign

        if reuse and Campaign.objects.filter(organization__slug=ORG_SLUG).exists():
            self.log("Reusing the seeded database.")
            self.seeded = _describe_existing()
            self.results["seed"] = self.seeded | {"reused": True}
            return
        self.log("Seeding (bulk: COPY)…")
        cfg = SeedConfig(
            employees=self.args.employees,
            groups=self.args.groups,
            versions=self.args.versions,
            audit_events=self.args.audit_events,
            ack_ratio=self.args.ack_ratio,
        )
        result = seed(cfg, log=self.log)
        self.seeded = asdict(result)
        self.seeded["total_seconds"] = result.total_seconds
        self.results["seed"] = self.seeded
        self.log(f"Seeded in {result.total_seconds:.1f} s: {result.counts}")
        if self.args.verify_chain:
            from audit.verify import verify_chain

            start = time.perf_counter()
            problem = verify_chain(result.organization_id)
            self.results["chain"] = {
                "intact": problem is None,
                "problem": str(problem) if problem else "",
                "verify_seconds": round(time.perf_counter() - start, 1),
            }
            self.log(f"Audit chain verified: {self.results['chain']}")

    # --- sessions and requests ---------------------------------------------------------------

    def sessions(self) -> None:
        from accounts.models import User
        from publishing.models import AckRequest

        s = self.seeded
        people = dict(
            User.objects.filter(email__in=s["personas"].values()).values_list("email", "pk")
        )
        self.persona_ids = {role: people[email] for role, email in s["personas"].items()}
        persona_keys = harness.mint_sessions(self.persona_ids.values(), s["organization_id"])
        self.persona = {role: persona_keys[pk] for role, pk in self.persona_ids.items()}
        # Pending staff, one per acknowledge request; other staff for the trivial insert.
        need = self.args.requests + 40
        pending = list(
            AckRequest.objects.filter(campaign_id=s["campaign_id"], acknowledged_at__isnull=True)
            .exclude(user_id__in=self.persona_ids.values())
            .order_by("?")
            .values_list("user_id", flat=True)[: need + 3]
        )
        self.query_ack_user = pending.pop()
        self.query_ack_user_2 = pending.pop()
        self.query_ack_warm = pending.pop()
        self.ack_keys = list(harness.mint_sessions(pending, s["organization_id"]).values())
        # The one-INSERT view's people are drawn as acknowledge's are: each request by a
        # different person chosen at random, so that both pay the same sign-in (a handful of
        # people signing in again and again would find their rows in every cache).
        staff = list(
            AckRequest.objects.filter(campaign_id=s["campaign_id"])
            .exclude(user_id__in=[*pending, *self.persona_ids.values()])
            .order_by("?")
            .values_list("user_id", flat=True)[:need]
        )
        self.staff_keys = list(harness.mint_sessions(staff, s["organization_id"]).values())

    def urls(self) -> None:
        from django.urls import reverse

        from guidelines.models import DraftSection
        from guidelines.sections import SECTIONS

        s = self.seeded
        g = s["guideline_id"]
        n = s["published_number"]
        self.autosave_key = "contact"
        self.u = {
            "login": reverse("accounts:login"),
            "trivial": reverse("bench:ping"),
            "trivial_insert": reverse("bench:ping_insert"),
            "wizard_step": reverse("guidelines:step", args=[g, SECTIONS[1].key]),
            "autosave": reverse("guidelines:autosave", args=[g, self.autosave_key]),
            "compare": reverse("guidelines:compare", args=[g]) + f"?old=1&new={n + 1}",
            "review": reverse("approvals:review", args=[s["review_id"]]),
            "guideline": reverse("publishing:guideline", args=[s["org_slug"], s["guideline_slug"]]),
            "acknowledge": reverse("publishing:acknowledge", args=[s["published_version_id"]]),
            "dashboard": reverse("publishing:tracking", args=[s["campaign_id"]]),
            "export": reverse("publishing:tracking_export", args=[s["campaign_id"]]),
            "pdf": reverse("publishing:pdf", args=[s["org_slug"], s["guideline_slug"], n]),
        }
        self.u["export_10k"] = self.u["export"] + f"?group={s['big_group_id']}"
        row = DraftSection.objects.get(draft__guideline_id=g, draft__is_open=True, key="contact")
        self.autosave_base = {k: v for k, v in row.data.items() if isinstance(v, str)}
        self.autosave_revision = row.revision

    def autosave_data(self, i: int) -> dict[str, Any]:
        data = dict(self.autosave_base)
        text = next(k for k in ("name", "role", "email", "phone") if k in data) if data else "name"
        if text == "email":
            data[text] = f"social{i}@northfield.example"
        else:
            data[text] = f"{self.autosave_base.get(text, '')} {i}".strip()
        data["revision"] = self.autosave_revision
        self.autosave_revision += 1
        return data

    # --- measuring ----------------------------------------------------------------------

    def measure(self, server: harness.Server) -> None:
        """Each page interleaved with its reference (A, B, A, B… in ``--rounds`` rounds), so
        that other work on the machine weighs on both alike; the spread of the per-round
        ratio says how much it moved."""
        a, u, n, c = self.args, self.u, self.args.requests, self.args.concurrency
        base = server.url
        hdr = harness.cookie_header
        p = self.persona
        t = self.results["timings"]
        paired = self.results["paired"]
        rounds = max(1, a.rounds)

        def quiet(_message: str) -> None:
            pass

        def get(url: str, key: str | None) -> Callable[[int], Req]:
            return lambda _i: Req("GET", url, hdr(key))

        def run(name: str, make: Callable[[int], Req], **kw: Any) -> Timing:
            timing = hammer(base, name, make, log=self.log, **kw)
            timing.extra = {}
            t[name] = asdict(timing)
            return timing

        def alternate(
            name: str,
            make: Callable[[int], Req] | Callable[[int], float],
            ref: str,
            ref_make: Callable[[int], Req] | Callable[[int], float],
            *,
            total: int,
            throughput: bool = False,
            warmup: tuple[int, int] = (5, 1),
            kw: dict[str, Any] | None = None,
            ref_kw: dict[str, Any] | None = None,
        ) -> tuple[Timing, Timing]:
            rounds = max(1, self.args.rounds)
            chunk = max(2, total // rounds)
            mine: list[Timing] = []
            theirs: list[Timing] = []
            for k in range(rounds):
                warm = warmup[0] if k == 0 else warmup[1]
                for parts, label, fn, extra in (
                    (mine, name, make, kw),
                    (theirs, ref, ref_make, ref_kw),
                ):
                    opts = {"n": chunk, "warmup": warm, "concurrency": c, **(extra or {})}
                    parts.append(hammer(base, label, fn, log=quiet, **opts))
            page, reference = merge(mine), merge(theirs)
            if throughput:
                per_round = [x.rps / y.rps for x, y in zip(mine, theirs, strict=True) if y.rps]
                ratio = page.rps / reference.rps if reference.rps else 0.0
            else:
                per_round = [
                    x.p50_ms / y.p50_ms for x, y in zip(mine, theirs, strict=True) if y.p50_ms
                ]
                ratio = page.p50_ms / reference.p50_ms if reference.p50_ms else 0.0
            paired[name] = {
                "reference": ref,
                "reference_p50_ms": reference.p50_ms,
                "reference_rps": reference.rps,
                "ratio": round(ratio, 2),
                "spread": spread(per_round or [ratio]),
                "rounds": rounds,
                "per_round": [round(x, 2) for x in per_round],
            }
            t[name] = asdict(page)
            self.log(
                f"  {name:<28} p50 {page.p50_ms:>8.1f} ms  p95 {page.p95_ms:>8.1f} ms  "
                f"{page.rps:>7.1f} req/s  errors {page.errors}  vs {ref} "
                f"{ratio:.2f}× (rounds {paired[name]['spread']})"
            )
            return page, reference

        self.log(f"Measuring pages, each interleaved with its reference in {rounds} rounds…")
        trivial = get(u["trivial"], p["employee"])
        run("trivial", trivial, n=n, concurrency=c)
        if a.only == "pdf":
            self.measure_pdf(base, run, get, alternate, trivial)
            return
        if a.only == "dashboard":
            self.measure_dashboard(base, get, alternate)
            return
        if a.only == "compare":
            self.measure_compare(get, alternate, trivial)
            return
        if a.only == "acknowledge":
            self.measure_acknowledge(alternate)
            return
        if a.only == "review":
            alternate("review", get(u["review"], p["legal"]), "trivial", trivial, total=n)
            return
        alternate("login", get(u["login"], None), "trivial", trivial, total=n)
        alternate("wizard_step", get(u["wizard_step"], p["author"]), "trivial", trivial, total=n)
        # Autosave writes a new revision each time, so it runs one at a time (as one author).
        alternate(
            "autosave",
            lambda i: Req("POST", u["autosave"], hdr(p["author"]), self.autosave_data(i)),
            "trivial",
            trivial,
            total=n,
            kw={
                "concurrency": 1,
                "ok": lambda r: r.status_code == 200 and "Saved" in r.text,
            },
            ref_kw={"concurrency": 1},
        )
        self.measure_compare(get, alternate, trivial)
        alternate("review", get(u["review"], p["legal"]), "trivial", trivial, total=n)
        alternate("guideline", get(u["guideline"], p["employee"]), "trivial", trivial, total=n)
        self.measure_acknowledge(alternate)
        self.measure_dashboard(base, get, alternate)
        self.measure_pdf(base, run, get, alternate, trivial)
        run(
            "export_100k",
            get(u["export"], p["admin"]),
            n=a.export_runs,
            concurrency=1,
            warmup=0,
            ok=lambda r: r.status_code == 200 and r.content.count(b"\n") >= 2,
        )
        t["export_100k"]["extra"]["rows"] = self.seeded["counts"]["ack_requests"]
        run(
            "export_10k",
            get(u["export_10k"], p["admin"]),
            n=a.export_runs,
            concurrency=1,
            warmup=0,
        )
        t["export_10k"]["extra"]["rows"] = self.seeded["big_group_size"]

    def measure_acknowledge(self, alternate: Any) -> None:
        """Acknowledge (each POST by a different pending employee) against the one-INSERT
        view, by throughput."""
        u, hdr = self.u, harness.cookie_header
        acks = iter(self.ack_keys)
        ack_lock = threading.Lock()

        def ack(_i: int) -> Req:
            with ack_lock:
                key = next(acks)
            return Req("POST", u["acknowledge"], hdr(key), {"confirm": "on"})

        others = iter(self.staff_keys)

        def insert_by_someone(_i: int) -> Req:
            with ack_lock:
                key = next(others)
            return Req("POST", u["trivial_insert"], hdr(key))

        _ack, insert = alternate(
            "acknowledge",
            ack,
            "trivial_insert",
            insert_by_someone,
            total=self.args.requests,
            throughput=True,
            kw={
                "ok": lambda r: (
                    r.status_code == 302 and "my-guidelines" in r.headers.get("location", "")
                )
            },
            ref_kw={"ok": lambda r: r.status_code == 204},
        )
        self.results["timings"]["trivial_insert"] = asdict(insert)

    def measure_compare(self, get: Callable[..., Any], alternate: Any, trivial: Any) -> None:
        """Compare v1 ↔ the version under review, in rounds with the trivial view."""
        alternate(
            "compare",
            get(self.u["compare"], self.persona["author"]),
            "trivial",
            trivial,
            total=max(20, self.args.requests // 2),
        )

    def measure_dashboard(self, base: str, get: Callable[..., Any], alternate: Any) -> None:
        """The dashboard in rounds with the raw SQL aggregate it needs, A, B, A, B…

        The aggregate runs at the page's own concurrency, each client thread on its own open
        psycopg connection in autocommit (as Django runs): measured one at a time while the
        page is measured two at a time, the reference would have the machine to itself and
        the ratio would weigh the concurrency, not the page's work."""
        import psycopg

        today = dt.date.today()
        campaign = self.seeded["campaign_id"]
        overall = (
            "SELECT count(*), count(*) FILTER (WHERE acknowledged_at IS NOT NULL), "
            "count(*) FILTER (WHERE acknowledged_at IS NULL AND due_date < %s) "
            "FROM publishing_ackrequest WHERE campaign_id = %s"
        )
        by_group = (
            "SELECT a.staff_group_id, g.name, count(*), "
            "count(*) FILTER (WHERE a.acknowledged_at IS NOT NULL), "
            "count(*) FILTER (WHERE a.acknowledged_at IS NULL AND a.due_date < %s) "
            "FROM publishing_ackrequest a LEFT JOIN accounts_staffgroup g "
            "ON g.id = a.staff_group_id WHERE a.campaign_id = %s GROUP BY 1, 2 ORDER BY 2"
        )
        local = threading.local()
        opened: list[psycopg.Connection[Any]] = []
        lock = threading.Lock()

        def raw(_i: int) -> float:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = psycopg.connect(self.env["DATABASE_URL"], autocommit=True)
                with lock:
                    opened.append(conn)
            start = time.perf_counter()
            conn.execute(overall, [today, campaign]).fetchall()
            conn.execute(by_group, [today, campaign]).fetchall()
            return time.perf_counter() - start

        try:
            _page, sql = alternate(
                "dashboard",
                get(self.u["dashboard"], self.persona["admin"]),
                "raw_sql",
                raw,
                total=self.args.requests,
            )
        finally:
            for conn in opened:
                conn.close()
        self.results["raw_sql"] = {
            "dashboard_aggregate_p50_ms": sql.p50_ms,
            "dashboard_aggregate_p95_ms": sql.p95_ms,
            "runs": sql.n,
        }

    def measure_pdf(
        self,
        base: str,
        run: Callable[..., Timing],
        get: Callable[..., Any],
        alternate: Any,
        trivial: Callable[[int], Req],
    ) -> None:
        """The cached download against the trivial view, and the first render against
        WeasyPrint laying out the same HTML directly (in this process), each interleaved."""
        import psycopg
        from django.conf import settings
        from weasyprint import CSS, HTML

        from publishing.models import Publication
        from publishing.pdf import PDF_VARIANT, PRINT_CSS, paper_size, pdf_html

        pub = Publication.objects.select_related("organization").get(
            version_id=self.seeded["published_version_id"]
        )
        url, key = self.u["pdf"], self.persona["employee"]
        html = pdf_html(pub)
        sheets = [
            CSS(filename=str(PRINT_CSS)),
            CSS(string=f"@page {{ size: {paper_size(pub.organization)}; }}"),
        ]

        def forget() -> None:
            with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
                conn.execute(
                    "DELETE FROM publishing_publishedpdf WHERE publication_id = %s", [pub.pk]
                )
                conn.execute(
                    "UPDATE publishing_publication SET pdf_state = '', pdf_size = NULL"
                    " WHERE id = %s",
                    [pub.pk],
                )

        def first(_i: int) -> Req:
            forget()
            return Req("GET", url, harness.cookie_header(key))

        def direct(_i: int) -> float:
            start = time.perf_counter()
            HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
                stylesheets=sheets, pdf_variant=PDF_VARIANT
            )
            return time.perf_counter() - start

        pdf_ok = lambda r: r.status_code == 200 and r.content[:5] == b"%PDF-"  # noqa: E731
        rounds = self.args.rounds
        self.args.rounds = max(1, min(rounds, self.args.pdf_renders))
        try:
            alternate(
                "pdf_first",
                first,
                "weasyprint_direct",
                direct,
                total=self.args.pdf_renders,
                warmup=(1, 0),
                kw={"concurrency": 1, "ok": pdf_ok},
                ref_kw={"concurrency": 1},
            )
        finally:
            self.args.rounds = rounds
        alternate("pdf_cached", get(url, key), "trivial", trivial, total=self.args.requests)

    def export_memory(self) -> None:
        """Peak RSS growth of the worker that streams the export, on a fresh server each time."""
        import httpx
        import psutil

        self.log("Export memory (fresh workers each time)…")
        for name, url, rows in (
            ("10k", self.u["export_10k"], self.seeded["big_group_size"]),
            ("100k", self.u["export"], self.seeded["counts"]["ack_requests"]),
        ):
            with harness.Server(self.env) as server:
                procs = [psutil.Process(pid) for pid in server.worker_pids()]
                for _ in range(10):  # load each worker's code paths, not the export
                    httpx.get(
                        server.url + self.u["dashboard"],
                        headers=harness.cookie_header(self.persona["admin"]),
                        timeout=60,
                    )
                time.sleep(0.5)
                baseline = {pr.pid: pr.memory_info().rss for pr in procs}
                peak = dict(baseline)
                done = threading.Event()
                sampler = threading.Thread(target=_sample_peak, args=(procs, peak, done))
                sampler.start()
                start = time.perf_counter()
                size = 0
                first_byte = None
                with httpx.stream(
                    "GET",
                    server.url + url,
                    headers=harness.cookie_header(self.persona["admin"]),
                    timeout=300,
                ) as response:
                    for chunk in response.iter_bytes():
                        if first_byte is None:
                            first_byte = time.perf_counter() - start
                        size += len(chunk)
                elapsed = time.perf_counter() - start
                done.set()
                sampler.join()
                growth = max(peak[pid] - baseline[pid] for pid in baseline) / 2**20
                self.results["export_memory"][name] = {
                    "rows": rows,
                    "bytes": size,
                    "peak_rss_growth_mb": round(growth, 1),
                    "baseline_rss_mb": round(max(baseline.values()) / 2**20, 1),
                    "first_byte_ms": round((first_byte or 0) * 1000, 1),
                    "last_byte_ms": round(elapsed * 1000, 1),
                }
                self.log(f"  export {name}: {self.results['export_memory'][name]}")

    def query_counts(self) -> None:
        """SQL queries per page, counted in-process with the test client on the same data."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        self.log("Counting SQL queries per page…")
        q = self.results["queries"]
        u = self.u

        def client(key: str | None) -> Client:
            c = Client()
            if key:
                c.cookies["sessionid"] = key
            c.cookies["csrftoken"] = harness.CSRF_TOKEN
            return c

        def count(name: str, method: str, url: str, key: str | None, data: Any = None) -> None:
            c = client(key)
            kwargs = {"HTTP_X_CSRFTOKEN": harness.CSRF_TOKEN}
            with CaptureQueriesContext(connection) as ctx:
                response = getattr(c, method)(url, data or {}, **kwargs)
                if getattr(response, "streaming", False):
                    for _chunk in response.streaming_content:
                        pass
            q[name] = {"queries": len(ctx.captured_queries), "status": response.status_code}
            if self.args.show_sql:
                for query in ctx.captured_queries:
                    self.log(f"    {name}: {query['sql'][:300]}")

        p = self.persona
        extra = harness.mint_sessions(
            [self.query_ack_user, self.query_ack_user_2, self.query_ack_warm],
            self.seeded["organization_id"],
        )

        def warm_acknowledge() -> None:
            # A server acknowledging all day has kept the published version (publishing.frozen)
            # after its first acknowledgement: count a later one, as the load sees it.
            count("warm", "post", u["acknowledge"], extra[self.query_ack_warm], {"confirm": "on"})
            q.pop("warm")

        count("trivial", "get", u["trivial"], p["employee"])
        if self.args.only:
            only = {
                "pdf": ("pdf_cached", u["pdf"], p["employee"]),
                "dashboard": ("dashboard", u["dashboard"], p["admin"]),
                "compare": ("compare", u["compare"], p["author"]),
                "acknowledge": ("acknowledge", u["acknowledge"], extra[self.query_ack_user]),
                "review": ("review", u["review"], p["legal"]),
            }[self.args.only]
            if self.args.only == "acknowledge":
                warm_acknowledge()
                count(only[0], "post", only[1], only[2], {"confirm": "on"})
                count("trivial_insert", "post", u["trivial_insert"], extra[self.query_ack_user_2])
            else:
                count(only[0], "get", only[1], only[2])
            for name, row in q.items():
                self.log(f"  {name:<28} {row['queries']:>4} queries (HTTP {row['status']})")
            return
        count("login", "get", u["login"], None)
        count("wizard_step", "get", u["wizard_step"], p["author"])
        count("autosave", "post", u["autosave"], p["author"], self.autosave_data(10**6))
        count("compare", "get", u["compare"], p["author"])
        count("review", "get", u["review"], p["legal"])
        count("guideline", "get", u["guideline"], p["employee"])
        warm_acknowledge()
        count(
            "acknowledge", "post", u["acknowledge"], extra[self.query_ack_user], {"confirm": "on"}
        )
        count("trivial_insert", "post", u["trivial_insert"], extra[self.query_ack_user_2])
        count("dashboard", "get", u["dashboard"], p["admin"])
        count("pdf_cached", "get", u["pdf"], p["employee"])
        count("export_100k", "get", u["export"], p["admin"])
        count("export_10k", "get", u["export_10k"], p["admin"])
        for name, row in q.items():
            self.log(f"  {name:<28} {row['queries']:>4} queries (HTTP {row['status']})")

    def markdown(self) -> None:
        """Rendering hostile Markdown at the section limit, against ordinary text (in-process)."""
        from bench import markdown

        self.results["markdown"] = markdown.measure()
        self.log(f"  markdown: {self.results['markdown']}")

    def ratios(self) -> None:
        """Every ratio from its interleaved pair (the same rounds, the same machine load)."""
        r, pr = self.results["ratios"], self.results["paired"]
        r["page_vs_trivial_p50"] = {
            name: pr[name]["ratio"]
            for name in (
                "login",
                "wizard_step",
                "autosave",
                "compare",
                "review",
                "guideline",
                "pdf_cached",
            )
        }
        r["dashboard_vs_raw_sql_p50"] = pr["dashboard"]["ratio"]
        r["acknowledge_vs_trivial_insert_throughput"] = pr["acknowledge"]["ratio"]
        r["pdf_cached_vs_trivial_p50"] = pr["pdf_cached"]["ratio"]
        r["pdf_first_vs_weasyprint_p50"] = pr["pdf_first"]["ratio"]
        r["compare_vs_trivial_p50"] = pr["compare"]["ratio"]
        r["spread"] = {name: row["spread"] for name, row in pr.items()}
        r["markdown_pathological_vs_normal"] = self.results["markdown"]["worst_vs_normal"]
        m = self.results["export_memory"]
        r["export_memory_growth_100k_minus_10k_mb"] = round(
            m["100k"]["peak_rss_growth_mb"] - m["10k"]["peak_rss_growth_mb"], 1
        )
        self.log(f"Ratios: {json.dumps(r, indent=1)}")

    # ``--only``: the ratios each group of pages is judged by, from its interleaved pairs.
    ONLY_RATIOS = {
        "pdf": {
            "pdf_cached_vs_trivial_p50": "pdf_cached",
            "pdf_first_vs_weasyprint_p50": "pdf_first",
        },
        "dashboard": {"dashboard_vs_raw_sql_p50": "dashboard"},
        "compare": {"compare_vs_trivial_p50": "compare"},
        "acknowledge": {"acknowledge_vs_trivial_insert_throughput": "acknowledge"},
        "review": {"review_vs_trivial_p50": "review"},
    }
    # A ratio judged by a budget of another name: the review page is one of every page's.
    ONLY_BUDGET = {"review_vs_trivial_p50": "page_vs_trivial_p50"}

    def only_run(self, started: float) -> int:
        """``--only pdf|dashboard|compare|acknowledge|review``: those pairs and their query counts,
        written to bench/results/bench-<name>.json; RESULTS.md and bench.json keep what the
        last full run wrote."""
        from bench import report

        self.query_counts()
        pr, limits = self.results["paired"], report.budgets()["ratios"]
        r = self.results["ratios"]
        wanted = self.ONLY_RATIOS[self.args.only]
        for ratio, page in wanted.items():
            r[ratio] = pr[page]["ratio"]
        r["spread"] = {name: row["spread"] for name, row in pr.items()}
        self.results["total_seconds"] = round(time.perf_counter() - started, 1)
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"bench-{self.args.only}.json"
        out.write_text(json.dumps(self.results, indent=1, default=str))
        self.log(f"Ratios: {json.dumps(r, indent=1)}")
        # Most budgets are a ceiling; acknowledge's throughput has a floor.
        budget = {name: self.ONLY_BUDGET.get(name, name) + "_max" for name in wanted}
        failures = [
            f"{name} {r[name]}× over {limits[budget[name]]}×"
            for name in wanted
            if budget[name] in limits and r[name] > limits[budget[name]]
        ]
        floor = limits["acknowledge_vs_trivial_insert_min"]
        if "acknowledge" in pr and r.get("acknowledge_vs_trivial_insert_throughput", 0) < floor:
            failures.append(
                f"acknowledge throughput {r['acknowledge_vs_trivial_insert_throughput']}× "
                f"the trivial insert, under {floor}×"
            )
        for failure in failures:
            self.log(f"OVER BUDGET: {failure}")
        return 1 if failures else 0

    def execute(self) -> int:
        total = time.perf_counter()
        self.prepare()
        self.sessions()
        self.urls()
        if self.args.queries_only:
            self.query_counts()
            return 0
        with harness.Server(self.env) as server:
            self.measure(server)
        if self.args.only:
            return self.only_run(total)
        self.export_memory()
        self.query_counts()
        self.markdown()
        self.ratios()
        self.results["total_seconds"] = round(time.perf_counter() - total, 1)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "bench.json").write_text(json.dumps(self.results, indent=1, default=str))
        from bench import report

        failures = report.write()
        for failure in failures:
            self.log(f"OVER BUDGET: {failure}")
        self.log(f"Done in {self.results['total_seconds']:.0f} s; see bench/RESULTS.md")
        return 1 if failures else 0


def _sample_peak(procs: list[Any], peak: dict[int, int], done: threading.Event) -> None:
    """Keep the highest resident memory seen for each process until ``done``."""
    import psutil

    while not done.is_set():
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                peak[proc.pid] = max(peak[proc.pid], proc.memory_info().rss)
        time.sleep(0.005)


def _describe_existing() -> dict[str, Any]:
    """The ids a previous seed produced, looked up again (for --reuse)."""
    from accounts.models import Organization, StaffGroup
    from approvals.models import ReviewRequest
    from bench.seed import ORG_SLUG
    from publishing.models import AckRequest, Campaign

    org = Organization.objects.get(slug=ORG_SLUG)
    campaign = (
        Campaign.objects.filter(organization=org)
        .select_related("publication__guideline", "version")
        .get()
    )
    guideline = campaign.publication.guideline
    big = StaffGroup.objects.filter(organization=org).order_by("pk").first()
    assert big is not None
    return {
        "organization_id": org.pk,
        "org_slug": org.slug,
        "guideline_id": guideline.pk,
        "guideline_slug": guideline.slug,
        "published_version_id": campaign.version_id,
        "published_number": campaign.version.number,
        "review_id": ReviewRequest.objects.get(guideline=guideline, status="open").pk,
        "campaign_id": campaign.pk,
        "big_group_id": big.pk,
        "big_group_size": AckRequest.objects.filter(campaign=campaign, staff_group=big).count(),
        "personas": {
            r: f"{r}@{ORG_SLUG}.example"
            for r in ("admin", "author", "legal", "compliance", "auditor", "employee")
        },
        "counts": {"ack_requests": AckRequest.objects.filter(campaign=campaign).count()},
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="charter_bench")
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--versions", type=int, default=30)
    parser.add_argument("--audit-events", type=int, default=500_000)
    parser.add_argument("--ack-ratio", type=float, default=0.6)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per page")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--pdf-renders", type=int, default=4)
    parser.add_argument(
        "--rounds", type=int, default=5, help="each page alternates with its reference this often"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="the server's DB_CONN_MAX_AGE (docs/deployment.md recommends 60 in production)",
    )
    parser.add_argument("--no-verify-chain", dest="verify_chain", action="store_false")
    parser.add_argument(
        "--queries-only", action="store_true", help="count SQL queries per page, nothing else"
    )
    parser.add_argument("--show-sql", action="store_true", help="print each counted query")
    parser.add_argument(
        "--only",
        choices=["pdf", "dashboard", "compare", "acknowledge", "review"],
        help="measure one group of pages (their figures go to bench/results/bench-<name>.json)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(Bench(parse()).execute())
