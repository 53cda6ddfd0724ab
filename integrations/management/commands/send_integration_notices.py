"""Overdue thresholds and the daily overdue summary for webhooks and chat; run hourly."""

from typing import Any

from django.core.management.base import BaseCommand

from integrations import delivery, notices


class Command(BaseCommand):
    help = "Announce campaigns past their overdue threshold and the daily overdue summary."

    def handle(self, *args: Any, **options: Any) -> None:
        made = notices.send()
        counts = delivery.deliver()
        self.stdout.write(f"events: {made}; " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
