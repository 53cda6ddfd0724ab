from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts import outbox
from accounts.jobs import resume_stalled_jobs
from approvals.reminders import overdue_reviews
from publishing import cycles, reminders
from publishing.services import apply_effective_publications


class Command(BaseCommand):
    help = (
        "Run the scheduled jobs: reviewer reminders, versions taking effect, stalled staff "
        "imports, acknowledgement reminders, review-cycle notices and the weekly digest; "
        "then every e-mail still waiting in the outbox. Idempotent: run it hourly (and "
        "send_outbox every few minutes)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        # Every job, in the order it runs. Versions take effect before anyone is reminded,
        # so a reminder never points at a version that was superseded this morning.
        jobs = (
            # What a run that died left unsent goes first, before anything new is decided.
            ("outbox_leftovers", lambda: outbox.deliver()["sent"]),
            ("overdue_reviews", lambda: overdue_reviews(now=now, today=today)),
            ("scheduled_versions_take_effect", lambda: apply_effective_publications(today=today)),
            # A yearly cycle opens for the version in force, so it runs after them.
            ("attestation_cycles_opened", lambda: cycles.open_due_cycles(today=today)),
            # A staff import whose worker died finishes (and asks its people) before reminders.
            ("stalled_imports_resumed", resume_stalled_jobs),
            (
                "acknowledgement_reminders",
                lambda: reminders.remind_acknowledgements(today=today),
            ),
            ("review_cycle_due", lambda: reminders.remind_review_cycle(today=today)),
            ("overdue_digest", lambda: reminders.send_overdue_digests(today=today)),
            ("manager_escalations", lambda: reminders.escalate_to_managers(today=today)),
            # Each job sends its own e-mails as its batches commit; this catches retries.
            ("outbox_sent", lambda: outbox.deliver()["sent"]),
        )
        for name, job in jobs:
            self.stdout.write(f"{name}: {job()} reminded")
