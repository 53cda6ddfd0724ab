"""Send the webhook and chat deliveries that are due (retries); run every minute."""

from typing import Any

from django.core.management.base import BaseCommand

from integrations import delivery


class Command(BaseCommand):
    help = "Send due webhook and chat deliveries (first tries and retries)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = delivery.deliver()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
