from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts import outbox


class Command(BaseCommand):
    help = (
        "Send every e-mail waiting in the outbox (new, or due for another try). Safe to run "
        "often and in parallel: run it every few minutes so a failed send is retried soon."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = outbox.deliver()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
