"""The scheduled reminder run at scale, measured on PostgreSQL: every person of an institution
of ``--small`` and of ``--large`` staff reaches a step of the campaign's schedule today.

    .venv/bin/python -m bench.reminders [--small 10000] [--large 100000]
                                        [--database charter_reminders_bench]

For each size: wall time of ``publishing.reminders.remind_on_schedule`` (claiming the log rows,
stamping the requests, writing the notices and the outbox, one audit event per batch, then
sending every e-mail through the outbox to a mail backend that accepts and drops them),
queries per batch of 2,000 people (must not grow with the institution), and the peak Python
memory (tracemalloc; must stay flat: the run holds one batch at a time).

Writes bench/results/reminders.json and prints it. The database is dropped and created again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench.directory import seed_institution
from bench.harness import db_url, manage, recreate_database, server_env, use_in_process

RESULTS = Path(__file__).resolve().parent / "results" / "reminders.json"


def seed_campaign(slug: str, people: int) -> int:
    """An institution of ``people`` asked three weeks ago to acknowledge a published version
    due today: the schedule's due-date step reaches everyone."""
    from django.utils import timezone

    from accounts.models import Membership
    from guidelines.facts import confirm_all
    from guidelines.models import Guideline, Version
    from guidelines.schema import content_hash
    from guidelines.sections import starter_content
    from publishing.models import AckRequest, Campaign, Publication

    org, admin = seed_institution(slug, people)
    today = timezone.localdate()
    asked = timezone.now() - dt.timedelta(days=21)
    content = confirm_all(starter_content(org.placeholder_context()))
    guideline = Guideline.objects.create(
        organization=org, title="Social media guidelines", slug="social-media", created_by=admin
    )
    version = Version.objects.create(
        guideline=guideline,
        number=1,
        content=content,
        content_hash=content_hash(content),
        change_summary="First version",
        status=Version.Status.PUBLISHED,
        created_by=admin,
    )
    publication = Publication.objects.create(
        organization=org,
        guideline=guideline,
        version=version,
        effective_date=today - dt.timedelta(days=21),
        published_by=admin,
        next_review_date=today + dt.timedelta(days=300),
    )
    campaign = Campaign.objects.create(
        organization=org,
        publication=publication,
        version=version,
        due_date=today,
        starts_on=today - dt.timedelta(days=21),
        created_by=admin,
        populated_at=asked,
    )
    members = Membership.objects.filter(organization=org, is_admin=False).order_by("pk")
    rows = list(members.values_list("pk", "user_id", "staff_group_id"))
    for start in range(0, len(rows), 5000):
        AckRequest.objects.bulk_create(
            AckRequest(
                campaign=campaign,
                membership_id=pk,
                user_id=user_id,
                staff_group_id=group_id,
                due_date=today,
                created_at=asked,
            )
            for pk, user_id, group_id in rows[start : start + 5000]
        )
    return campaign.pk


def run_figures(slug: str, people: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import OutboundEmail
    from publishing import reminders
    from publishing.targeting import BATCH_SIZE

    campaign_id = seed_campaign(slug, people)
    # Accept and drop every message: the run's own work is measured, not a mail server's.
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    today = timezone.localdate()
    tracemalloc.start()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        reminded = reminders.remind_on_schedule(campaign_id=campaign_id, today=today)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    batches = math.ceil(people / BATCH_SIZE)
    sent = OutboundEmail.objects.filter(
        ref=f"ack:{campaign_id}", status=OutboundEmail.Status.SENT
    ).count()
    return {
        "people": people,
        "reminded": reminded,
        "emails_sent": sent,
        "seconds": round(seconds, 2),
        "people_per_second": round(reminded / seconds) if seconds else None,
        "batches": batches,
        "queries": len(queries),
        "queries_per_batch": round(len(queries) / batches, 1),
        "peak_python_mib": round(peak / 2**20, 1),
    }


def measure(small: int, large: int) -> dict[str, Any]:
    first = run_figures("small", small)
    second = run_figures("large", large)
    return {
        "small": first,
        "large": second,
        "queries_per_batch_ratio": round(
            second["queries_per_batch"] / first["queries_per_batch"], 2
        ),
        "peak_memory_ratio": round(second["peak_python_mib"] / first["peak_python_mib"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--database", default="charter_reminders_bench")
    args = parser.parse_args()
    recreate_database(args.database)
    env = server_env(db_url(args.database))
    manage(env, "migrate", "--noinput")
    use_in_process(env)
    figures = measure(args.small, args.large)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
