"""``make bench-load``: 200 employees acknowledging and 5 admins on the dashboard, 2 minutes.

Passes when locust saw no error and the acknowledgement rows in the database are exactly the
people whose acknowledgement was answered with success (each with its audit event).

    python bench/load.py                  # reuses the `make bench` database, seeds it if absent
    python bench/load.py --duration 30 --employees 5000   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

# Run as a script, this folder comes first on the path, where bench/markdown.py would hide
# the markdown package: the project root replaces it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402 (the path is set just above)

RESULTS = harness.REPO / "bench" / "results"
LOCUST = harness.REPO / ".locust.venv" / "bin" / "locust"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="charter_bench")
    parser.add_argument("--employees", type=int, default=100_000, help="when seeding")
    parser.add_argument("--audit-events", type=int, default=500_000, help="when seeding")
    parser.add_argument("--users", type=int, default=200, help="concurrent employees")
    parser.add_argument("--admins", type=int, default=5)
    parser.add_argument("--duration", type=int, default=120, help="seconds")
    parser.add_argument("--pool", type=int, default=20_000, help="pending people to draw from")
    parser.add_argument("--reseed", action="store_true")
    args = parser.parse_args(argv)
    if not LOCUST.exists():
        print("locust is not installed: run `make bench-load` (it creates .locust.venv).")
        return 2

    env = harness.server_env(harness.db_url(args.database))
    if args.reseed or not harness.database_exists(args.database):
        harness.recreate_database(args.database)
        fresh = True
    else:
        fresh = False
    harness.prepare_schema(env)
    harness.use_in_process(env)
    from django.urls import reverse

    from accounts.models import User
    from audit.models import AuditEvent
    from bench.seed import ORG_SLUG, SeedConfig, seed
    from publishing.models import Acknowledgement, AckRequest, Campaign

    campaign = Campaign.objects.filter(organization__slug=ORG_SLUG).first()
    if fresh or campaign is None:
        print("Seeding…", flush=True)
        seed(SeedConfig(employees=args.employees, audit_events=args.audit_events), log=print)
        campaign = Campaign.objects.get(organization__slug=ORG_SLUG)
    guideline = campaign.version.guideline
    # Staff only (the personas keep their own sessions), in random order.
    pool = list(
        AckRequest.objects.filter(
            campaign=campaign, acknowledged_at__isnull=True, user__email__startswith="staff"
        )
        .order_by("?")
        .values_list("user_id", flat=True)[: args.pool]
    )
    keys = harness.mint_sessions(pool, campaign.organization_id)
    admin = User.objects.get(email=f"admin@{ORG_SLUG}.example")
    admin_keys = [harness.mint_sessions([admin.pk], campaign.organization_id)[admin.pk]]
    admin_keys += [
        harness.mint_sessions([admin.pk], campaign.organization_id)[admin.pk]
        for _ in range(args.admins - 1)
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    sessions_file = RESULTS / "load-sessions.json"
    out_file = RESULTS / "load-locust.json"
    sessions_file.write_text(
        json.dumps(
            {
                "employees": [[uid, keys[uid]] for uid in pool],
                "admins": admin_keys,
                "csrf": harness.CSRF_TOKEN,
                "urls": {
                    "acknowledge": reverse("publishing:acknowledge", args=[campaign.version_id]),
                    "dashboard": reverse("publishing:tracking", args=[campaign.pk]),
                    "guideline": reverse("publishing:guideline", args=[ORG_SLUG, guideline.slug]),
                },
            }
        )
    )
    started = dt.datetime.now(dt.UTC)
    with harness.Server(env) as server:
        print(
            f"locust: {args.users} employees + {args.admins} admins for {args.duration} s "
            f"against {server.url}",
            flush=True,
        )
        load_env = {
            k: v for k, v in env.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
        }
        load_env.update(BENCH_SESSIONS=str(sessions_file), BENCH_LOAD_OUT=str(out_file))
        subprocess.run(
            [
                str(LOCUST),
                "-f",
                str(harness.REPO / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users + args.admins),
                "--spawn-rate",
                "25",
                "--run-time",
                f"{args.duration}s",
                "--host",
                server.url,
                "--only-summary",
                "--stop-timeout",
                "30",
            ],
            env=load_env,
            cwd=harness.REPO,
            check=False,
        )
    time.sleep(1)
    outcome = json.loads(out_file.read_text())
    acked = set(outcome["acked"])
    rows = set(
        Acknowledgement.objects.filter(
            version_id=campaign.version_id, user_id__in=pool
        ).values_list("user_id", flat=True)
    )
    events = AuditEvent.objects.filter(
        action="publishing.version.acknowledged", actor_id__in=pool, created_at__gte=started
    ).count()
    marked = AckRequest.objects.filter(
        campaign=campaign, user_id__in=pool, acknowledged_at__isnull=False
    ).count()
    checks = {
        "ack_responses_ok": len(outcome["acked"]),
        "ack_rows": len(rows),
        "ack_requests_marked": marked,
        "ack_audit_events": events,
        "rows_match_responses": rows == acked
        and len(outcome["acked"]) == len(acked)
        and events == len(rows) == marked,
        "errors": outcome["failures"],
        "missing_rows": sorted(acked - rows)[:20],
        "unanswered_rows": sorted(rows - acked)[:20],
    }
    version = subprocess.run(
        [str(LOCUST), "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    result = {
        "kind": "load",
        "started": started.isoformat(timespec="seconds"),
        "commit": harness.git_commit(),
        "machine": harness.machine(),
        "locust_version": version[1] if len(version) > 1 else "?",
        "employees_users": args.users,
        "admin_users": args.admins,
        "duration_s": args.duration,
        "campaign_size": AckRequest.objects.filter(campaign=campaign).count(),
        "stats": outcome["stats"],
        "locust_errors": outcome["errors"],
        "checks": checks,
    }
    (RESULTS / "load.json").write_text(json.dumps(result, indent=1))
    from bench import report

    failures = report.write("load")
    print(json.dumps(checks, indent=1))
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
