from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoints import Checkpoint, CheckpointFileError, read_checkpoints
from audit.verify import verify


class Command(BaseCommand):
    help = (
        "Check every audit chain against its head and the audit key, and optionally against "
        "checkpoints kept outside the database; name the first altered or removed event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="a file written by `audit_checkpoint` (repeatable): every chain must still "
            "reach each checkpoint with the same hash",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoints: list[Checkpoint] = []
        for name in options["checkpoint"]:
            try:
                with Path(name).open(encoding="utf-8") as lines:
                    checkpoints += read_checkpoints(lines, source=name)
            except OSError as exc:
                raise CommandError(f"Cannot read checkpoint file {name}: {exc.strerror}") from exc
            except CheckpointFileError as exc:
                raise CommandError(str(exc)) from exc
        result = verify(checkpoints=checkpoints)
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"TAMPERED {problem}")
            raise CommandError(f"{len(result.problems)} audit chain problem(s) found.")
        summary = (
            f"Audit trail intact: {result.events} events in {len(result.chains)} chains verified"
        )
        if checkpoints:
            summary += f"; {result.checkpoints_checked} checkpoints confirmed"
        self.stdout.write(self.style.SUCCESS(summary + "."))
