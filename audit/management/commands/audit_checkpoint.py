from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from audit.checkpoints import Checkpoint
from audit.signing import Keyring
from audit.verify import FULL, ROUTINE, verify


class Command(BaseCommand):
    help = (
        "Verify every audit chain, store a signed checkpoint per chain in the database (where "
        "routine verification starts), then print one signed line per chain (where it ends "
        "now) to keep outside the database; `verify_audit --checkpoint FILE` later proves no "
        "chain was cut back behind it. Run it from cron or a Celery beat schedule."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--append",
            metavar="FILE",
            help="append the lines to FILE instead of printing them",
        )
        parser.add_argument(
            "--routine",
            action="store_true",
            help="verify each chain from its last signed checkpoint instead of its first event",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify(mode=ROUTINE if options["routine"] else FULL, write_checkpoints=True)
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"TAMPERED {problem}")
            # A checkpoint vouches for what it saw; it must never vouch for a broken chain.
            raise CommandError("No checkpoint written: the audit trail failed verification.")
        keys = Keyring.from_settings()
        at = timezone.now().isoformat(timespec="seconds")
        lines = [
            Checkpoint.sign(keys, chain=c.chain, sequence=c.sequence, hash=c.hash, at=at).line()
            for c in result.chains
        ]
        text = "".join(line + "\n" for line in lines)
        if options["append"]:
            with Path(options["append"]).open("a", encoding="utf-8") as out:
                out.write(text)
            self.stderr.write(
                f"{len(lines)} checkpoint(s) appended to {options['append']} "
                f"({result.describe()}; {result.checkpoints_written} stored)."
            )
        else:
            self.stdout.write(text, ending="")
