from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from search.indexing import rebuild


class Command(BaseCommand):
    help = "Index every version not yet indexed and every open draft (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        written = rebuild()
        self.stdout.write(f"Search index: {written} section rows written.")
