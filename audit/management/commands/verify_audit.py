from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoints import Checkpoint, CheckpointFileError, read_checkpoints
from audit.verify import FULL, ROUTINE, verify


class Command(BaseCommand):
    help = (
        "Check every audit chain against its head, the audit key and its signed checkpoints, "
        "and optionally against checkpoints kept outside the database; name the first altered "
        "or removed event. Full by default (every event from the first); --routine starts "
        "each chain at its last signed checkpoint. A passing run stores a new checkpoint."
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
        parser.add_argument(
            "--routine",
            action="store_true",
            help="check each chain from its last signed checkpoint (seconds, whatever the "
            "history) instead of from its first event",
        )
        parser.add_argument(
            "--no-store",
            dest="store",
            action="store_false",
            help="do not store a signed checkpoint after a passing run",
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
        start = time.perf_counter()
        result = verify(
            checkpoints=checkpoints,
            mode=ROUTINE if options["routine"] else FULL,
            write_checkpoints=options["store"],
        )
        seconds = time.perf_counter() - start
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"TAMPERED {problem}")
            raise CommandError(
                f"{len(result.problems)} audit chain problem(s) found ({result.describe()})."
            )
        summary = (
            f"Audit trail intact: {result.events} events in {len(result.chains)} chains verified"
        )
        if checkpoints:
            summary += f"; {result.checkpoints_checked} checkpoints confirmed"
        summary += f" — {result.describe()}, {seconds:.1f} s"
        if result.checkpoints_written:
            summary += f"; {result.checkpoints_written} signed checkpoint(s) stored"
        self.stdout.write(self.style.SUCCESS(summary + "."))
