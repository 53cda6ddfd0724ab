"""Search and "Check my post" at scale, measured on PostgreSQL.

    .venv/bin/python -m bench.search [--staff 100000] [--versions 1000]
                                     [--database charter_search_bench]

1. An institution with ``--staff`` people and ``--versions`` guideline versions (100 guidelines,
   each with its versions; the newest of each in force, one in review), indexed for search.
2. The search query's plan (EXPLAIN, after ANALYZE) for a word, a prefix and a phrase: each
   must read the GIN index ``search_sectiontext_vector_gin``; the bench fails otherwise.
3. The search page's p95 (and queries per request) for an employee and for an author.
4. The post check's p95 for a 2,000-character post: the rules alone, and the whole page.

Writes bench/results/search.json and prints it. The database is dropped and created again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path
from typing import Any

from bench.directory import p95, seed_institution
from bench.harness import db_url, prepare_schema, recreate_database, server_env, use_in_process

RESULTS = Path(__file__).resolve().parent / "results" / "search.json"
GUIDELINES = 100
RUNS = 40
GIN = "search_sectiontext_vector_gin"
# Words of one topic (a tenth of the guidelines): the plan must read the GIN index.
QUERIES = {"word": "oncology", "prefix": "radiol*", "phrase": '"maternity staff"'}
# Words in a section of every version (a quarter of all rows for "phot*"): measured, and
# their plans recorded, but not judged: past a few percent of the rows PostgreSQL rightly
# prefers reading the table to the index.
BROAD = {"broad word": "consent", "broad prefix": "phot*", "broad phrase": '"patient information"'}
TOPICS = (
    "oncology",
    "radiology",
    "maternity",
    "pharmacy",
    "cardiology",
    "volunteers",
    "students",
    "research",
    "fundraising",
    "paediatrics",
)
POST_2000 = (
    "Huge thanks to the night team on the ward! Mrs Okafor in room 412 was discharged on "
    "March 3 and she turned 94 last week. Selfie in the ICU before handover. Use my code "
    "NURSE20 for scrubs. You should stop taking your statins if your legs ache. "
    "#Riverside_Health #BenchHealthProud. "
)


def seed_versions(org: Any, admin: Any, versions: int) -> None:
    """``versions`` versions over GUIDELINES guidelines, written in bulk, then indexed."""
    from guidelines.models import Guideline, Version
    from guidelines.schema import content_hash
    from guidelines.sections import starter_content
    from publishing.models import Publication
    from search.indexing import rebuild

    base = starter_content(org.placeholder_context())
    guidelines = Guideline.objects.bulk_create(
        Guideline(organization=org, title=f"Guideline {g:03d}", slug=f"g{g:03d}", created_by=admin)
        for g in range(GUIDELINES)
    )
    per = max(1, versions // GUIDELINES)
    rows = []
    for g, guideline in enumerate(guidelines):
        for n in range(1, per + 1):
            content = json.loads(json.dumps(base))
            body = content["privacy"]["body"]
            topic = TOPICS[g % len(TOPICS)]
            content["privacy"]["body"] = (
                f"{body}\n\nThis guideline covers {topic} staff; wording g{g}v{n}."
            )
            status = (
                Version.Status.IN_REVIEW
                if n == per
                else Version.Status.PUBLISHED
                if n == per - 1
                else Version.Status.SUPERSEDED
            )
            rows.append(
                Version(
                    guideline=guideline,
                    number=n,
                    content=content,
                    content_hash=content_hash(content),
                    change_summary="Bench",
                    status=status,
                    created_by=admin,
                )
            )
    created = Version.objects.bulk_create(rows, batch_size=500)
    today = dt.date.today()
    Publication.objects.bulk_create(
        Publication(
            organization=org,
            guideline_id=v.guideline_id,
            version=v,
            effective_date=today - dt.timedelta(days=30 * (per - v.number)),
            published_by=admin,
            requires_acknowledgement=False,
            next_review_date=today + dt.timedelta(days=365),
        )
        for v in created
        if v.status != Version.Status.IN_REVIEW
    )
    rebuild()


def plans(membership: Any) -> dict[str, Any]:
    from django.db import connection

    from search.finder import postgres_matches, visible
    from search.query import parse

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    found: dict[str, Any] = {}
    for name, text in {**QUERIES, **BROAD}.items():
        matches = postgres_matches(visible(membership), parse(text))[:21]
        plan = matches.explain()
        analysed = matches.explain(analyze=True).splitlines()
        execution = next((line for line in analysed if line.startswith("Execution Time")), "")
        found[name] = {
            "query": text,
            "uses_gin_index": GIN in plan,
            "sql_execution_ms": float(execution.split(":")[1].split()[0]) if execution else None,
            "plan": plan.splitlines(),
        }
    return found


def page_figures(client: Any, label: str) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures: dict[str, Any] = {}
    for name, text in {**QUERIES, **BROAD}.items():
        times = []
        queries = 0
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get("/search/", {"q": text})
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries = len(ctx.captured_queries)
        figures[name] = {"p95_ms": p95(times), "queries": queries}
    return {label: figures}


def postcheck_figures(org: Any, client: Any) -> dict[str, Any]:
    from postcheck.context import context_for, in_force_for
    from postcheck.detect import check

    post = (POST_2000 * 20)[:2000]
    rules = context_for(
        org, in_force_for(org), platform="Instagram", sponsorship="none", posting_as=""
    )
    times = []
    for _ in range(200):
        started = time.perf_counter()
        report = check(post, rules)
        times.append(time.perf_counter() - started)
    page = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.post("/check-my-post/", {"text": post, "sponsorship": "none"})
        page.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return {
        "post_characters": len(post),
        "findings": sorted(report.codes()),
        "rules_p95_ms": p95(times),
        "rules_median_ms": round(statistics.median(times) * 1000, 2),
        "page_p95_ms": p95(page),
    }


def measure(staff: int, versions: int) -> dict[str, Any]:
    from django.test import Client

    from accounts.models import Membership, User

    org, admin = seed_institution("search", staff)
    seed_versions(org, admin, versions)
    from search.models import SectionText

    employee = Membership.objects.filter(organization=org, is_admin=False).first()
    author_user = User.objects.create(email="author@search.example", full_name="Ann Author")
    author = Membership.objects.create(user=author_user, organization=org, is_author=True)
    assert employee is not None
    figures: dict[str, Any] = {
        "staff": staff,
        "versions": versions,
        "index_rows": SectionText.objects.count(),
        "plans": plans(employee),
        "plans_as_author": plans(author),
    }
    pages: dict[str, Any] = {}
    for label, membership in (("employee", employee), ("author", author)):
        client = Client(HTTP_HOST="testserver")
        client.force_login(membership.user)
        pages.update(page_figures(client, label))
    figures["search_pages"] = pages
    client = Client(HTTP_HOST="testserver")
    client.force_login(employee.user)
    figures["postcheck"] = postcheck_figures(org, client)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--versions", type=int, default=1_000)
    parser.add_argument("--database", default="charter_search_bench")
    args = parser.parse_args()
    recreate_database(args.database)
    env = server_env(db_url(args.database))
    prepare_schema(env)
    use_in_process(env)
    figures = measure(args.staff, args.versions)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    summary = {k: v for k, v in figures.items() if not k.startswith("plans")}
    summary["sql_execution_ms"] = {
        k: v["sql_execution_ms"] for k, v in figures["plans"].items()
    } | {f"{k} (author)": v["sql_execution_ms"] for k, v in figures["plans_as_author"].items()}
    summary["uses_gin_index"] = {
        k: v["uses_gin_index"] for k, v in {**figures["plans"]}.items()
    } | {f"{k} (author)": v["uses_gin_index"] for k, v in figures["plans_as_author"].items()}
    print(json.dumps(summary, indent=2))
    judged = [k for k in summary["uses_gin_index"] if not k.startswith("broad")]
    failed = not all(summary["uses_gin_index"][k] for k in judged)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
