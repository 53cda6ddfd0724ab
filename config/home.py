"""The home page's panels; each app contributes what its people need to see first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

# Each provider returns a template name and context, or None when it has nothing to show.
Panel = tuple[str, dict[str, Any]]
PROVIDERS: list[Callable[[HttpRequest], Panel | None]] = []


def panel(func: Callable[[HttpRequest], Panel | None]) -> Callable[[HttpRequest], Panel | None]:
    PROVIDERS.append(func)
    return func


def home_panels(request: HttpRequest) -> list[Panel]:
    return [p for p in (provider(request) for provider in PROVIDERS) if p is not None]
