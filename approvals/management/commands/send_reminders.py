from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from approvals.reminders import run_all


class Command(BaseCommand):
    help = "Send due reminders (overdue reviews, ...). Idempotent: safe to run every hour."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in run_all().items():
            self.stdout.write(f"{name}: {count} reminded")
