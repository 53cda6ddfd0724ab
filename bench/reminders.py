"""The scheduled reminder run at scale, measured on PostgreSQL: every person of an institution
of ``--small`` and of ``--large`` staff reaches a step of the campaign's schedule today.

    .venv/bin/python -m bench.reminders [--small 10000] [--large 100000]
                                        [--database charter_reminders_bench]

For each size, ``publishing.reminders.remind_on_schedule`` runs once, as ``send_reminders``
runs it: each batch of 2,000 people is decided in one transaction (reminder log rows claimed,
requests stamped, notices and outbox rows written with bulk INSERTs, one audit event) and, once
it commits, its e-mails are sent through the outbox (batches of 200 taken under a lease, one
mark per message). Reported:

- wall time, split into deciding and sending, and people per second;
- queries per deciding batch and per sending batch, smallest and largest (both must be the
  same at 10,000 and at 100,000 people: constant per batch, not growing with the institution);
- peak Python memory during the run (tracemalloc; must stay flat: one batch at a time).

The mail backend builds each message's full MIME text, as the SMTP backend does before it
writes to the socket, and drops it: what is measured is Charter's work and its database, not a
mail server or the network. Writes bench/results/reminders.json and prints it. The database is
dropped and created again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


class BuildingSink:
    """A mail backend that builds each message as the SMTP backend would, then drops it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.built = 0

    def open(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        for message in messages:
            message.message().as_bytes()
            self.built += 1
        return len(messages)


class Meter:
    """Counts the run's SQL statements, by phase (deciding, sending) and by batch."""

    def __init__(self) -> None:
        self.phase = "deciding"
        self.queries = {"deciding": 0, "sending": 0, "session": 0}
        self.seconds = {"deciding": 0.0, "sending": 0.0}
        self.per_batch: dict[str, list[int]] = {"deciding": [], "sending": []}
        self._batch_start = {"deciding": 0, "sending": 0}
        self._open = {"deciding": False, "sending": False}

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # The sender's session setting (two statements per run of deliver) is no batch's.
        phase = "session" if sql.startswith(("SET ", "RESET ")) else self.phase
        self.queries[phase] += 1
        return execute(sql, params, many, context)

    def batch(self, phase: str) -> None:
        """A new batch of ``phase`` starts: the previous one's count is kept."""
        if self._open[phase]:
            self.per_batch[phase].append(self.queries[phase] - self._batch_start[phase])
        self._batch_start[phase] = self.queries[phase]
        self._open[phase] = True

    def finish(self) -> None:
        for phase in self.per_batch:
            self.batch(phase)

    def instrument(self, reminders: Any, outbox: Any) -> Any:
        """Patch the batch boundaries in; returns a function that undoes it."""
        decide, deliver, claim = reminders._remind_batch, outbox.deliver, outbox.Sender.claim
        meter = self

        def remind_batch(*args: Any, **kwargs: Any) -> Any:
            meter.batch("deciding")
            started = time.perf_counter()
            result = decide(*args, **kwargs)
            # The batch's e-mails are sent when it commits, inside this call.
            meter.seconds["deciding"] += time.perf_counter() - started
            return result

        def timed_deliver(*args: Any, **kwargs: Any) -> Any:
            previous, meter.phase = meter.phase, "sending"
            started = time.perf_counter()
            try:
                return deliver(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                meter.seconds["sending"] += spent
                meter.seconds["deciding"] -= spent
                meter.phase = previous

        def counted_claim(self: Any, *args: Any, **kwargs: Any) -> Any:
            meter.batch("sending")
            return claim(self, *args, **kwargs)

        reminders._remind_batch = remind_batch
        outbox.deliver = timed_deliver
        outbox.Sender.claim = counted_claim

        def undo() -> None:
            reminders._remind_batch, outbox.deliver, outbox.Sender.claim = decide, deliver, claim

        return undo


def _spread(counts: list[int]) -> dict[str, Any]:
    """Queries per batch: the batches' smallest and largest count (the last, partial batch of
    each phase is left out; it may be smaller)."""
    full = counts[:-1] or counts
    return {"batches": len(counts), "min": min(full, default=0), "max": max(full, default=0)}


def run_figures(slug: str, people: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse
    from django.utils import timezone

    from accounts import outbox
    from accounts.models import OutboundEmail
    from publishing import reminders

    campaign_id = seed_campaign(slug, people)
    settings.EMAIL_BACKEND = "bench.reminders.BuildingSink"
    # Importing the URL configuration (the first link an e-mail builds) is start-up, not run.
    reverse("publishing:my_acknowledgements")
    today = timezone.localdate()
    meter = Meter()
    undo = meter.instrument(reminders, outbox)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(meter):
            reminded = reminders.remind_on_schedule(campaign_id=campaign_id, today=today)
    finally:
        undo()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    meter.finish()
    sent = OutboundEmail.objects.filter(
        ref=f"ack:{campaign_id}", status=OutboundEmail.Status.SENT
    ).count()
    return {
        "people": people,
        "reminded": reminded,
        "emails_sent": sent,
        "seconds": round(seconds, 1),
        "deciding_seconds": round(meter.seconds["deciding"], 1),
        "sending_seconds": round(meter.seconds["sending"], 1),
        "people_per_second": round(reminded / seconds) if seconds else None,
        "queries": sum(meter.queries.values()),
        "deciding_batch_of": 2000,
        "queries_per_deciding_batch": _spread(meter.per_batch["deciding"]),
        "sending_batch_of": outbox.SEND_BATCH,
        "queries_per_sending_batch": _spread(meter.per_batch["sending"]),
        "peak_python_mib": round(peak / 2**20, 1),
    }


def measure(small: int, large: int) -> dict[str, Any]:
    first = run_figures("small", small)
    print(json.dumps({"small": first}), flush=True)  # a long run shows its first half early
    second = run_figures("large", large)
    return {
        "small": first,
        "large": second,
        "seconds_per_person_ratio": round(
            (second["seconds"] / second["people"]) / (first["seconds"] / first["people"]), 2
        ),
        "queries_per_batch_constant": all(
            first[key]["max"] == second[key]["max"]
            for key in ("queries_per_deciding_batch", "queries_per_sending_batch")
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
