"""Judge the latest results against bench/budgets.toml and write bench/RESULTS.md.

Each script (run, load, faults) leaves its figures in bench/results/<kind>.json; this module
turns whichever exist into one Markdown report, so every figure has the machine, date and
commit it was measured on.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BUDGETS = HERE / "budgets.toml"
REPORT = HERE / "RESULTS.md"
BEFORE_AFTER = HERE / "before_after.md"

LABELS = {
    "trivial": "Trivial view (reference)",
    "login": "Sign-in page",
    "wizard_step": "Wizard step",
    "autosave": "Autosave (POST)",
    "compare": "Compare v1 ↔ latest",
    "review": "Review page",
    "guideline": "Published guideline page",
    "acknowledge": "Acknowledge (POST)",
    "trivial_insert": "Trivial one-INSERT view (reference)",
    "dashboard": "Tracking dashboard",
    "pdf_first": "PDF, first render",
    "pdf_cached": "PDF, cached download",
    "export_100k": "CSV export, whole roster",
    "export_10k": "CSV export, one large group",
    "raw_sql": "Raw SQL aggregate (psycopg)",
    "weasyprint_direct": "WeasyPrint alone, same HTML",
}


def budgets() -> dict[str, Any]:
    return tomllib.loads(BUDGETS.read_text())


def load(kind: str) -> dict[str, Any] | None:
    path = RESULTS / f"{kind}.json"
    return json.loads(path.read_text()) if path.exists() else None


def judge_bench(res: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Every budget the bench figures exceed, in words."""
    out = []
    r, t, q = res["ratios"], res["timings"], res["queries"]
    rb = b["ratios"]
    for page, ratio in r["page_vs_trivial_p50"].items():
        if ratio > rb["page_vs_trivial_p50_max"]:
            out.append(
                f"{page} is {ratio}× the trivial view (max {rb['page_vs_trivial_p50_max']}×)"
            )
    if r["dashboard_vs_raw_sql_p50"] > rb["dashboard_vs_raw_sql_p50_max"]:
        out.append(
            f"dashboard is {r['dashboard_vs_raw_sql_p50']}× its raw SQL aggregate "
            f"(max {rb['dashboard_vs_raw_sql_p50_max']}×)"
        )
    if r["acknowledge_vs_trivial_insert_throughput"] < rb["acknowledge_vs_trivial_insert_min"]:
        out.append(
            f"acknowledge throughput is {r['acknowledge_vs_trivial_insert_throughput']}× the "
            f"trivial insert (min {rb['acknowledge_vs_trivial_insert_min']}×)"
        )
    for key, what in (
        ("compare_vs_trivial_p50", "compare vs the trivial view"),
        ("pdf_cached_vs_trivial_p50", "cached PDF vs the trivial view"),
        ("pdf_first_vs_weasyprint_p50", "first PDF render vs WeasyPrint alone"),
    ):
        if key in r and r[key] > rb[f"{key}_max"]:
            out.append(f"{what} is {r[key]}× (max {rb[f'{key}_max']}×)")
    growth = r["export_memory_growth_100k_minus_10k_mb"]
    if growth > rb["export_memory_growth_100k_minus_10k_mb_max"]:
        out.append(
            f"export memory grows {growth} MB from 10k to 100k rows "
            f"(max {rb['export_memory_growth_100k_minus_10k_mb_max']} MB)"
        )
    markdown = r.get("markdown_pathological_vs_normal")
    if markdown is not None and markdown > rb["markdown_pathological_vs_normal_max"]:
        out.append(
            f"hostile Markdown renders {markdown}× slower than ordinary text "
            f"(max {rb['markdown_pathological_vs_normal_max']}×)"
        )
    for page, limit in b.get("p95_ms", {}).items():
        if page in t and t[page]["p95_ms"] > limit:
            out.append(f"{page} p95 {t[page]['p95_ms']} ms (max {limit} ms)")
    for page, limit in b.get("queries", {}).items():
        if page in q and q[page]["queries"] > limit:
            out.append(f"{page} runs {q[page]['queries']} SQL queries (max {limit})")
    for page, timing in t.items():
        if timing["errors"]:
            out.append(f"{page} had {timing['errors']} failed requests")
    seed_limit = b.get("seed", {}).get("total_seconds_max")
    seed_s = res.get("seed", {}).get("total_seconds")
    if seed_limit and seed_s and not res["seed"].get("reused") and seed_s > seed_limit:
        out.append(f"seeding took {seed_s} s (max {seed_limit} s)")
    if res.get("chain") and not res["chain"]["intact"]:
        out.append(f"seeded audit chain is broken: {res['chain']['problem']}")
    return out


def _mark(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def _bench_section(res: dict[str, Any], b: dict[str, Any], failures: list[str]) -> list[str]:
    p, m, t, q, r = res["parameters"], res["machine"], res["timings"], res["queries"], res["ratios"]
    rb = b["ratios"]
    seed = res.get("seed", {})
    counts = seed.get("counts", {})
    ack_ratio = r["acknowledge_vs_trivial_insert_throughput"]
    mem_growth = r["export_memory_growth_100k_minus_10k_mb"]
    lines = [
        "## `make bench`",
        "",
        f"- Measured: {res['started']} (UTC), commit `{res['commit']}`",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; "
        f"{m['os']}; Python {m['python']}; load average at start "
        f"{', '.join(str(x) for x in m.get('load_average', []))}",
        f"- Data: {p['employees']:,} employees in {p['groups']} staff groups; a guideline with "
        f"{p['versions']} versions; a campaign asking {counts.get('ack_requests', 0):,} "
        f"people, {counts.get('acknowledged', 0):,} acknowledged before the run; "
        f"{counts.get('audit_events', 0):,} audit events on one hash chain; "
        f"{counts.get('draft_section_history', 0):,} section-history rows",
        f"- Seeding: {seed.get('total_seconds', '?')} s with COPY "
        + ("(reused from an earlier run)" if seed.get("reused") else "")
        + " — "
        + ", ".join(f"{k} {v} s" for k, v in seed.get("seconds", {}).items()),
    ]
    if res.get("chain"):
        c = res["chain"]
        lines.append(
            f"- Seeded audit chain verified end to end: {'intact' if c['intact'] else c['problem']}"
            f" ({c['verify_seconds']} s)"
        )
    lines += [
        f"- Server: gunicorn, {p['gunicorn_workers']} sync workers, production settings "
        f"(DEBUG off), loopback; client: {p['concurrency']} concurrent connections, "
        f"{p['requests_per_page']} measured requests per page after warm-up; latency is time to "
        "last byte",
        "",
        "| Page | p50 ms | p95 ms | req/s | SQL queries | × trivial (p50) | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    ratio = r["page_vs_trivial_p50"]
    for name, label in LABELS.items():
        if name not in t:
            continue
        row = t[name]
        queries = q.get(name, {}).get("queries", "–")
        lines.append(
            f"| {label} | {row['p50_ms']} | {row['p95_ms']} | {row['rps']} | {queries} | "
            f"{ratio.get(name, '–')} | {row['errors']} |"
        )
    mem = res["export_memory"]
    raw = res["raw_sql"]
    lines += [
        "",
        "### Ratios (same run) and budgets",
        "",
        "| Ratio | Measured | Budget | Within |",
        "|---|---:|---:|:---:|",
        f"| Slowest page vs trivial view (p50) | {max(ratio.values())}× "
        f"({max(ratio, key=lambda k: ratio[k])}) | ≤ {rb['page_vs_trivial_p50_max']}× | "
        f"{_mark(max(ratio.values()) <= rb['page_vs_trivial_p50_max'])} |",
        f"| Dashboard vs its raw SQL aggregate (p50 {raw['dashboard_aggregate_p50_ms']} ms via "
        f"psycopg) | {r['dashboard_vs_raw_sql_p50']}× | ≤ {rb['dashboard_vs_raw_sql_p50_max']}× | "
        f"{_mark(r['dashboard_vs_raw_sql_p50'] <= rb['dashboard_vs_raw_sql_p50_max'])} |",
        f"| Acknowledge throughput vs trivial one-INSERT view | "
        f"{r['acknowledge_vs_trivial_insert_throughput']}× | ≥ "
        f"{rb['acknowledge_vs_trivial_insert_min']}× | "
        f"{_mark(ack_ratio >= rb['acknowledge_vs_trivial_insert_min'])} |",
        f"| Compare v1 ↔ latest vs trivial view (p50) | {r.get('compare_vs_trivial_p50')}× | "
        f"≤ {rb['compare_vs_trivial_p50_max']}× | "
        f"{_mark(r.get('compare_vs_trivial_p50', 0) <= rb['compare_vs_trivial_p50_max'])} |",
        f"| PDF cached download vs trivial view (p50) | {r.get('pdf_cached_vs_trivial_p50')}× | "
        f"≤ {rb['pdf_cached_vs_trivial_p50_max']}× | "
        f"{_mark(r.get('pdf_cached_vs_trivial_p50', 0) <= rb['pdf_cached_vs_trivial_p50_max'])} |",
        f"| PDF first render vs WeasyPrint laying out the same HTML directly (p50) | "
        f"{r.get('pdf_first_vs_weasyprint_p50')}× | "
        f"≤ {rb['pdf_first_vs_weasyprint_p50_max']}× | "
        f"{_mark(r.get('pdf_first_vs_weasyprint_p50', 0) <= rb['pdf_first_vs_weasyprint_p50_max'])}"
        " |",
        f"| CSV export peak worker memory growth, 100k minus 10k rows | "
        f"{r['export_memory_growth_100k_minus_10k_mb']} MB | ≤ "
        f"{rb['export_memory_growth_100k_minus_10k_mb_max']} MB | "
        f"{_mark(mem_growth <= rb['export_memory_growth_100k_minus_10k_mb_max'])} |",
    ]
    if "markdown" in res:
        md = res["markdown"]
        lines.append(
            f"| Slowest hostile Markdown vs ordinary text, {md['length']:,} characters "
            f"({md['worst']}: {md['pathological_ms'][md['worst']]} ms vs {md['normal_ms']} ms) | "
            f"{md['worst_vs_normal']}× | ≤ {rb['markdown_pathological_vs_normal_max']}× | "
            f"{_mark(md['worst_vs_normal'] <= rb['markdown_pathological_vs_normal_max'])} |"
        )
    paired = res.get("paired", {})
    if paired:
        lines += [
            "",
            "### Interleaved pairs: each page alternates with its reference",
            "",
            f"Each page and its reference ran in {p.get('rounds', '?')} alternating rounds "
            "(A, B, A, B…); the ratio is over the pooled samples, the spread is the lowest, "
            "median and highest per-round ratio (throughput for acknowledge, p50 latency "
            "elsewhere).",
            "",
            "| Page | Reference | Reference p50 ms | Ratio | Spread (min / median / max) |",
            "|---|---|---:|---:|---|",
        ]
        for name, row in paired.items():
            sp = row["spread"]
            lines.append(
                f"| {LABELS.get(name, name)} | {LABELS.get(row['reference'], row['reference'])} | "
                f"{row['reference_p50_ms']} | {row['ratio']}× | "
                f"{sp['min']} / {sp['median']} / {sp['max']} |"
            )
    lines += [
        "",
        "### CSV export: streaming and memory (fresh gunicorn workers for each size)",
        "",
        "| Rows | Bytes | First byte ms | Last byte ms | Worker peak RSS growth MB | "
        "Worker RSS before MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in mem.values():
        lines.append(
            f"| {row['rows']:,} | {row['bytes']:,} | {row['first_byte_ms']} | "
            f"{row['last_byte_ms']} | {row['peak_rss_growth_mb']} | {row['baseline_rss_mb']} |"
        )
    lines += ["", "### Budget verdict", ""]
    lines += [f"- OVER BUDGET: {f}" for f in failures] or ["- Every budget in budgets.toml holds."]
    lines.append("")
    return lines


def _load_section(res: dict[str, Any]) -> list[str]:
    checks = res["checks"]
    lines = [
        "## `make bench-load` (locust)",
        "",
        f"- Measured: {res['started']} (UTC), commit `{res['commit']}`, "
        f"{res['machine']['cores']} cores; locust {res.get('locust_version', '?')} in its own "
        "virtualenv",
        f"- Scenario: {res['employees_users']} concurrent employees acknowledging and "
        f"{res['admin_users']} admins refreshing the tracking dashboard for "
        f"{res['duration_s']} s on loopback against gunicorn (2 workers); "
        f"{res['campaign_size']:,}-person campaign",
        "",
        "| Request | Count | Failures | Median ms | p95 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in res["stats"]:
        lines.append(
            f"| {row['name']} | {row['count']} | {row['failures']} | {row['median_ms']} | "
            f"{row['p95_ms']} | {row['rps']} |"
        )
    lines += [
        "",
        f"- Successful acknowledge responses: {checks['ack_responses_ok']:,}; acknowledgement "
        f"rows written for those people: {checks['ack_rows']:,}; audit events: "
        f"{checks['ack_audit_events']:,}",
        f"- Throughput {sum(r['rps'] for r in res['stats'])} req/s in all: more than 2 workers "
        "sharing 2 cores with PostgreSQL and locust can serve, so requests queue (the medians "
        "above are mostly waiting), yet none failed and none was lost",
        f"- Errors: {checks['errors']} — rows equal responses: "
        f"{_mark(checks['rows_match_responses'])}; zero errors: {_mark(checks['errors'] == 0)}",
        "",
    ]
    return lines


def _faults_section(res: dict[str, Any]) -> list[str]:
    only = res.get("only")
    lines = [
        "## `make bench-faults`",
        "",
        f"- Measured: {res['started']} (UTC), commit `{res['commit']}`; PostgreSQL cluster "
        f"`{res['cluster']}`"
        + (
            f" (`--only {only}`: the other part's figures are from the last run that had it)"
            if only
            else " (its own cluster, so other work on the machine is not disturbed)"
        ),
        "",
    ]
    if res.get("outage"):
        lines += _outage_lines(res["outage"])
    if res.get("reminders"):
        lines += _killed_reminder_lines(res["reminders"])
    return lines


def _outage_lines(o: dict[str, Any]) -> list[str]:
    return [
        "### PostgreSQL restarted during the acknowledgement load",
        "",
        f"- Load: {o['threads']} threads acknowledging as different employees; PostgreSQL "
        f"stopped ({o['stop_mode']}) {o['stop_after_s']} s in, started again "
        f"{o['down_seconds']} s later",
        f"- Requests: {o['requests']} in all — {o['ok']} acknowledged, {o['status_503']} "
        f"answered 503, {o['status_other']} anything else (500s: {o['status_500']})",
        f"- 503 pages were the plain outage page with Retry-After and no traceback: "
        f"{_mark(o['clean_503'])}",
        f"- First successful acknowledgement after PostgreSQL was back: "
        f"{o['recovered_after_s']} s, without restarting gunicorn: {_mark(o['recovered'])}",
        f"- People attempted: {o['people']}; fully recorded (acknowledgement + request marked + "
        f"audit event): {o['complete']}; absent and still pending: {o['absent_pending']}; "
        f"half-recorded: {o['half']} — {_mark(o['half'] == 0)}",
        f"- Every 302 response has its acknowledgement: {_mark(o['acked_responses_recorded'])}",
        f"- Audit chain intact after the restart: {_mark(o['chain_intact'])}",
        "",
    ]


def _killed_reminder_lines(k: dict[str, Any]) -> list[str]:
    per_sender = k.get("per_sender", {})
    lines = [
        "### A reminder run killed half-way, then run again",
        "",
        f"- Overdue people: {k['overdue']}; e-mails captured by local SMTP sinks (one per "
        f"sender) before the kill: {k['sent_before_kill']}; after the re-run: {k['sent_total']}",
    ]
    if "lease_seconds" in k:
        lines.append(
            f"- Senders killed together: {k['sending_workers']} (`send_reminders` and "
            f"{k['sending_workers'] - 1} outbox workers); messages they held under their "
            f"lease at the kill: {k['held_under_lease_at_kill']}; lease {k['lease_seconds']} s "
            f"(five minutes in production); the re-run started once the lease had run out and "
            f"finished {k['rerun_after_s']} s after the kill"
        )
    lines += [
        f"- Overdue people left without their reminder: {k.get('unsent', '?')} — "
        f"{_mark(k.get('unsent') == 0)}",
        f"- Duplicate e-mails (same person, same day): {k['duplicates']}, for "
        f"{k.get('sending_workers', 1)} sending worker(s) killed — at most one each "
        f"(the message accepted in the instant before the kill): "
        f"{_mark(k['duplicates'] <= k.get('sending_workers', 0))}",
        f"- People reminded at least once: {k['reminded_people']}; reminder log rows: "
        f"{k['log_rows']}; outbox messages still unsent after the re-run: "
        f"{k.get('outbox_not_sent', '?')}",
    ]
    if per_sender:
        lines += [
            "",
            "| Sender | E-mails before the kill | Duplicates it caused |",
            "|---|---:|---:|",
        ]
        lines += [
            f"| {name} | {f['sent_before_kill']} | {f['duplicates']} |"
            for name, f in per_sender.items()
        ]
    return [*lines, ""]


def _reminders_section(r: dict[str, Any]) -> list[str]:
    """``bench.reminders``: the scheduled run at two sizes, side by side."""
    small, large = r["small"], r["large"]

    def spread(figures: dict[str, Any]) -> str:
        low, high = figures["min"], figures["max"]
        return f"{low}" if low == high else f"{low}–{high}"

    rows = [
        ("People reminded / e-mails sent", lambda f: f"{f['reminded']:,} / {f['emails_sent']:,}"),
        ("Wall time", lambda f: f"{f['seconds']} s"),
        ("… deciding (log, stamp, notices, outbox rows)", lambda f: f"{f['deciding_seconds']} s"),
        ("… sending (outbox, one mark per message)", lambda f: f"{f['sending_seconds']} s"),
        ("People per second", lambda f: f"{f['people_per_second']}"),
        (
            "Queries per deciding batch (2,000 people)",
            lambda f: (
                f"{spread(f['queries_per_deciding_batch'])} "
                f"({f['queries_per_deciding_batch']['batches']} batches)"
            ),
        ),
        (
            "Queries per sending batch (200 messages)",
            lambda f: (
                f"{spread(f['queries_per_sending_batch'])} "
                f"({f['queries_per_sending_batch']['batches']} batches)"
            ),
        ),
        ("Peak Python memory (tracemalloc)", lambda f: f"{f['peak_python_mib']} MiB"),
    ]
    lines = [
        "## The scheduled reminder run (`bench.reminders`, part of `make bench`)",
        "",
        f"| measure | {small['people']:,} staff | {large['people']:,} staff |",
        "|---|---|---|",
        *(f"| {label} | {cell(small)} | {cell(large)} |" for label, cell in rows),
        "",
        f"- Queries per batch the same at both sizes: {_mark(r['queries_per_batch_constant'])}; "
        f"peak memory ratio {r['peak_memory_ratio']} for 10× the people; time per person "
        f"ratio {r['seconds_per_person_ratio']}",
        "",
    ]
    return lines


def _per(counts: dict[str, int]) -> str:
    """``{"app1": 3, "app2": 2}`` as "app1 3, app2 2"."""
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"


def _cluster_section(res: dict[str, Any], title: str) -> list[str]:
    s, lost, w = res["shared"], res["server_lost"], res["worker_lost"]
    idle = {name: row["status"] for name, row in s["idle"].items()}
    load_start, load_end = res["machine"]["load_average"], res.get("load_average_end", [])
    lines = [
        f"## {title}",
        "",
        f"- Measured: {res['started']} (UTC), commit `{res['commit']}`; {res['haproxy']}; "
        f"load average {load_start} at the start, {load_end} at the end (other work shares "
        "the 2 cores)",
        f"- Topology on loopback: HAProxy → 2 gunicorn servers ({lost['workers_per_server']} "
        "sync workers each, separate process groups) → one PostgreSQL database; Redis for "
        "the cache and rate limits (one database number) and the task queue (the next); one "
        f"Celery worker ({w['worker_concurrency']} processes); {res['employees']:,} employees; "
        f"the servers and the worker reach the database through "
        f"{res.get('database_path', 'PostgreSQL directly')}",
        "",
        "### State the servers share",
        "",
        f"- Sign-in lockout: 5 wrong passwords answered by "
        f"{_per(s['wrong_password_servers'])}, then "
        f"the right password answered {', '.join(str(a['status']) for a in s['after_lockout'])} "
        f"by {', '.join(a['server'] for a in s['after_lockout'])} — locked on both: "
        f"{_mark(s['lockout_shared'])}",
        f'- "Is this account official?" limit of {s["check_limit"]} checks a minute, checks '
        f"answered by {_per(s['check_servers'])}: {', '.join(map(str, s['checks']))} — "
        "counted across both: "
        f"{_mark(s['rate_limit_shared'])}",
        f"- A session idle past the limit, sent straight to each server: "
        f"{_per(idle)} to the sign-in page — "
        f"{_mark(s['idle_timeout_shared'])}",
        f"- The whole roster's CSV export through the balancer: {s.get('export_status')}, "
        f"{s.get('export_rows')} rows",
        "",
        "### An app server killed under the acknowledgement load",
        "",
        f"- Load: {lost['users']} employees acknowledging and {lost['admins']} admins on the "
        f"dashboard for {lost['duration_s']} s; app2 (master and workers) SIGKILLed at "
        f"{lost['killed_at_s']} s, marked down by HAProxy at {lost['noticed_down_at_s']} s "
        f"({lost['noticed_after_s']} s later); started again at {lost['restarted_at_s']} s, "
        f"back in rotation at {lost['back_in_rotation_at_s']} s",
        "",
        "Per server, from HAProxy's statistics (answered = 2xx + 3xx + 5xx; redispatched = "
        "requests meant for this server that HAProxy gave to the other one: refused "
        "connections after the kill, and those waiting in its queue when it was marked down):",
        "",
        "| Server | Answered | 2xx | 3xx | 5xx | Redispatched | Marked down |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in lost["served_by_haproxy"].items():
        answered = row["2xx"] + row["3xx"] + row["5xx"]
        lines.append(
            f"| {name} | {answered} | {row['2xx']} | {row['3xx']} | {row['5xx']} | "
            f"{row['redispatched']} | {row['times_down']} |"
        )
    lines += [
        "",
        f"- Successful responses by server: before the kill {_per(lost['ok_before_kill'])}; "
        f"while app2 was out {_per(lost['ok_while_app2_down'])}; after it was back "
        f"{_per(lost['ok_after_back'])}",
        f"- Acknowledgements: {lost['throughput_ack_per_s']} a second; p95 page "
        f"{lost['page_p95_ms']} ms, acknowledge {lost['ack_p95_ms']} ms",
        f"- Errors: {lost['errors']} of {lost['requests']} requests "
        f"({_per(lost['error_statuses'])}); "
        f"in flight on app2 when it died: {lost['errors_in_flight_on_app2']}; any other: "
        f"{lost['errors_other']} — {_mark(lost['errors_other'] == 0)}; started after the "
        f"kill: {lost['errors_started_after_kill']}; after HAProxy noticed: "
        f"{lost['errors_after_noticed']} — {_mark(lost['errors_after_noticed'] == 0)}",
        f"- People who submitted again after an error: {lost['submitted_again']}, all "
        f"answered with success: {_mark(lost['submitted_again'] == lost['submitted_again_ok'])}",
        f"- People: {lost['people']}; answered with success {lost['acknowledged_responses']}; "
        f"acknowledgement rows {lost['ack_rows']}; requests marked "
        f"{lost['ack_requests_marked']}; audit events {lost['ack_audit_events']} — recorded "
        f"= successful responses: {_mark(lost['rows_match_responses'])}",
        f"- Audit chain intact: {_mark(lost['chain_intact'])} (verified in "
        f"{lost['chain_verify_s']} s)",
        "",
        "### The Celery worker killed while it renders a PDF and sends reminders",
        "",
        f"- Overdue people: {w['overdue']}; reminders out when the worker was SIGKILLed: "
        f"{w['sent_before_kill']}; PDF being rendered at that moment: "
        f"{_mark(w['pdf_rendering_at_kill'])}; worker back {w['restart_s']} s later, "
        f"everything done {w['all_done_after_restart_s']} s after that (visibility timeout "
        f"{w['visibility_timeout_s']} s)",
        f"- PDF rows {w['pdf_rows']}, card rows {w['card_rows']} — once each: "
        f"{_mark(w['pdf_rows'] == 1 and w['card_rows'] == 1)}",
        f"- Reminders: {w['sent_total']} e-mails to {w['reminded_people']} people; left "
        f"without: {w['unsent']} — {_mark(w['unsent'] == 0)}; twice: {w['duplicates']} "
        f"(at most one per killed sending process, {w['worker_concurrency']}): "
        f"{_mark(w['duplicates'] <= w['worker_concurrency'])}",
        "",
    ]
    return lines


def _kept_sections(generated: list[str]) -> list[str]:
    """Sections of the current report that no script writes (figures recorded by hand, such
    as the directory sync's): kept, after the generated ones, so a run never drops them."""
    if not REPORT.exists():
        return []
    produced = {
        line for chunk in generated for line in chunk.splitlines() if line.startswith("## ")
    }
    kept: list[str] = []
    keep = False
    for line in REPORT.read_text().splitlines():
        if line.startswith("## "):
            keep = line not in produced
        if keep:
            kept.append(line)
    return [*kept, ""] if kept else []


def _export_copy_section(res: dict[str, Any]) -> list[str]:
    mem = res["memory"]
    sp = res["spread"]
    return [
        "## The roster export against PostgreSQL's COPY (`bench.export_copy`, part of "
        "`make bench`)",
        "",
        f"- Measured: {res['started']} (UTC), commit `{res['commit']}`; load average at start "
        f"{', '.join(str(x) for x in res['machine'].get('load_average', []))}",
        f"- {res['rows']:,} rows, {res['rounds']} rounds alternating the export (gunicorn, "
        "HTTP, time to last byte) with psycopg reading `COPY (SELECT …) TO STDOUT` of the same "
        "rows and columns unformatted (same joins, quiz look-ups and order) in the bench process",
        "",
        "| Measure | Export | Raw COPY | Ratio (budget ≤ 2×) | Spread (min / median / max) |",
        "|---|---:|---:|---:|---|",
        f"| Median seconds | {res['export_median_s']} | {res['raw_copy_median_s']} | "
        f"{res['ratio']}× {_mark(res['ratio'] <= 2.0)} | "
        f"{sp['min']} / {sp['median']} / {sp['max']} |",
        f"| Bytes | {res['export_bytes']:,} | {res['raw_copy_bytes']:,} | | |",
        "",
        "| Rows | Bytes | First byte ms | Seconds | Worker peak RSS growth MB |",
        "|---:|---:|---:|---:|---:|",
        *(
            f"| {m['rows']:,} | {m['bytes']:,} | {m['first_byte_ms']} | {m['seconds']} | "
            f"{m['peak_rss_growth_mb']} |"
            for m in mem.values()
        ),
        "",
        f"- Memory growth, whole roster minus one large group: "
        f"{res['memory_growth_100k_minus_10k_mb']} MB",
        *(f"- OVER BUDGET: {f}" for f in res["failures"]),
        "",
    ]


def _audit_chain_section(res: dict[str, Any]) -> list[str]:
    lines = [
        "## The audit chain at six years (`bench.audit_chain`, part of `make bench`)",
        "",
        f"- Measured: {res['started']} (UTC), commit `{res['commit']}`; load average at start "
        f"{', '.join(str(x) for x in res['machine'].get('load_average', []))}",
        "- One institution's chain grown with COPY to each size; full verification reads every "
        "event; routine verification starts at the signed checkpoint the full one stored and "
        f"reads the {res['new_events']:,} events appended since",
        "",
        "| Events | Seeding s | Full s | Full peak RSS growth MB | Routine s | Routine events read "
        "| Routine peak RSS growth MB |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in res["sizes"].values():
        lines.append(
            f"| {row['events']:,} | {row['seed_seconds']} | {row['full_seconds']} | "
            f"{row['full_rss_growth_mb']} | {row['routine_seconds']} | "
            f"{row['routine_events_read']:,} | {row['routine_rss_growth_mb']} |"
        )
    lines += ["", *(f"- OVER BUDGET: {f}" for f in res.get("failures", [])), ""]
    return lines


def _sitting_section(res: dict[str, Any]) -> list[str]:
    """The last ``make bench-sitting``: every bench in one go, with `make test` beside."""
    la = res.get("load_average", {})
    m = res["machine"]
    tests = res.get("tests_beside", {})
    runs = tests.get("runs", [])
    ended = res.get("ended") or "not finished (stopped, or still running)"
    lines = [
        "## One sitting: the four bench commands with `make test` beside (`make bench-sitting`)",
        "",
        f"- Commit `{res['commit']}`"
        + (" (with uncommitted changes)" if res.get("uncommitted_changes") else "")
        + f"; started {res['started']}, ended {ended} (UTC); "
        f"{round(res.get('seconds', 0) / 60)} minutes",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, shared with "
        "other work",
        f"- Load average (1 minute, sampled every few seconds throughout): min {la.get('min')}, "
        f"mean {la.get('mean')}, max {la.get('max')} ({la.get('samples')} samples)",
    ]
    if tests.get("command"):
        going = sum(1 for run in runs if run.get("running"))
        lines.append(
            f"- Beside the benches: `{tests['command']}` from a clone of the same commit, "
            f"started again whenever it ended: {len(runs)} run(s)"
            + (f", {going} still running when this was written" if going else "")
        )
        for run in runs:
            if run.get("running"):
                how = "still running"
            elif run.get("stopped_when_benches_ended"):
                how = "stopped when the last bench ended"
            else:
                how = f"exit {run['exit']}"
            minutes = round((run.get("seconds") or 0) / 60, 1)
            summary = f": {run['summary']}" if run.get("summary") else ""
            lines.append(f"  - #{run['run']}: {run['started']}, {minutes} min, {how}{summary}")
    else:
        lines.append("- Nothing was run beside the benches.")
    lines += [
        "",
        "| Step | Part of | Command | Minutes | Load average mean (max) | Exit | Budgets held |",
        "|---|---|---|---:|---|---:|---:|",
    ]
    for step in res["steps"]:
        judged = [b for b in step["budgets"] if b["ok"] is not None]
        held = sum(1 for b in judged if b["ok"])
        sla = step["load_average"]
        lines.append(
            f"| {step['step']} | `{step['target']}` | `{step['command']}` | "
            f"{round(step['seconds'] / 60, 1)} | {sla['mean']} ({sla['max']}) | "
            f"{step['exit']} | {held} of {len(judged)} |"
        )
    lines += ["", "| Step | Figure | Measured | Budget | Within |", "|---|---|---:|---|:---:|"]
    for step in res["steps"]:
        for b in step["budgets"]:
            within = "–" if b["ok"] is None else _mark(b["ok"])
            lines.append(
                f"| {step['step']} | {b['figure']} | {b['measured']} | {b['budget']} | {within} |"
            )
    missed = res.get("budgets_missed", [])
    failed = res.get("steps_failed", [])
    lines += [""]
    if not missed and not failed:
        lines.append(
            f"- Every budget held ({res.get('budgets_judged', 0)} judged) and every step passed."
        )
    for b in missed:
        lines.append(f"- MISSED ({b['step']}): {b['figure']} {b['measured']} ({b['budget']})")
    for name in failed:
        lines.append(f"- Step `{name}` exited with an error (see its section below).")
    lines.append("")
    return lines


def write(kind: str = "bench") -> list[str]:
    """Render RESULTS.md from every result present; return ``kind``'s budget failures."""
    b = budgets()
    lines = [
        "# Charter benchmark results",
        "",
        "Produced by `make bench`, `make bench-load`, `make bench-faults` and "
        "`make bench-cluster` (see "
        "bench/README.md and docs/performance.md). Budgets live in bench/budgets.toml.",
        "",
    ]
    sitting = load("sitting")
    if sitting:
        lines += _sitting_section(sitting)
    failures: dict[str, list[str]] = {
        "bench": [],
        "load": [],
        "faults": [],
        "cluster": [],
        "reminders": [],
    }
    bench = load("bench")
    if bench:
        failures["bench"] = judge_bench(bench, b)
        lines += _bench_section(bench, b, failures["bench"])
    if BEFORE_AFTER.exists():
        lines += [BEFORE_AFTER.read_text().rstrip(), ""]
    load_res = load("load")
    if load_res:
        c = load_res["checks"]
        if c["errors"]:
            failures["load"].append(f"{c['errors']} errors under load")
        if not c["rows_match_responses"]:
            failures["load"].append("acknowledgement rows differ from successful responses")
        lines += _load_section(load_res)
    faults = load("faults")
    if faults:
        failures["faults"] = faults.get("failures", [])
        lines += _faults_section(faults)
    for name, title in (
        ("cluster", "`make bench-cluster`"),
        ("cluster-pgbouncer", "`make bench-cluster BENCH_ARGS=--pgbouncer`"),
    ):
        cluster = load(name)
        if cluster:
            failures["cluster"] += cluster.get("failures", [])
            lines += _cluster_section(cluster, title)
    reminders = load("reminders")
    if reminders and "queries_per_batch_constant" in reminders:
        if not reminders["queries_per_batch_constant"]:
            failures["reminders"] = ["queries per batch grow with the institution"]
        lines += _reminders_section(reminders)
    export_copy = load("export_copy")
    if export_copy:
        failures["bench"] += export_copy.get("failures", [])
        lines += _export_copy_section(export_copy)
    audit_chain = load("audit_chain")
    if audit_chain:
        failures["bench"] += audit_chain.get("failures", [])
        lines += _audit_chain_section(audit_chain)
    lines += _kept_sections(lines)
    REPORT.write_text("\n".join(lines).rstrip() + "\n")
    return failures[kind]


if __name__ == "__main__":
    for failure in write():
        print("OVER BUDGET:", failure)
