"""Extension points other apps fill in, so guideline pages never import their code.

``VERSION_PANELS``: callables ``(request, version) -> (template, context) | None`` whose
templates are drawn on the version page (approvals adds the signatures there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Panel = tuple[str, dict[str, Any]]
VERSION_PANELS: list[Callable[[HttpRequest, Any], Panel | None]] = []


def version_panels(request: HttpRequest, version: Any) -> list[Panel]:
    """The panels every registered app wants shown on this version's page."""
    return [p for p in (hook(request, version) for hook in VERSION_PANELS) if p is not None]
