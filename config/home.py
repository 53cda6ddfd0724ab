"""The home page's panels: every app's panel, in the order the page shows them.

Each panel is a function ``(request) -> (template, context) | None`` that returns None when
it has nothing to show this person. Adding a panel means adding it to ``HOME_PANELS``.
"""

from __future__ import annotations

from typing import Any

from accounts.http import MemberRequest
from approvals.panels import waiting_for_sign_off
from guidelines.panels import author_panel
from publishing.panels import author_queue, campaigns, elsewhere, ready_to_publish, to_acknowledge

HOME_PANELS = (
    elsewhere,
    ready_to_publish,
    author_panel,
    author_queue,
    waiting_for_sign_off,
    to_acknowledge,
    campaigns,
)


def home_panels(request: MemberRequest) -> list[tuple[str, dict[str, Any]]]:
    """The panels this person's home page draws, each as (template, context)."""
    return [p for p in (panel(request) for panel in HOME_PANELS) if p is not None]
