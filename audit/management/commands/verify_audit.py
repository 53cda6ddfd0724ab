from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from audit.verify import verify_all


class Command(BaseCommand):
    help = "Recompute every audit hash chain and name the first altered or removed event."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = verify_all()
        if problems:
            for problem in problems:
                self.stderr.write(f"TAMPERED {problem}")
            raise CommandError(f"{len(problems)} audit chain(s) failed verification.")
        total = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {total} events verified."))
