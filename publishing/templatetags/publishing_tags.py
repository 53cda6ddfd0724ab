"""Template helpers other apps may use to show publishing facts (e.g. "review due")."""

from __future__ import annotations

from django import template

from guidelines.models import Guideline

from ..selectors import review_due as _review_due

register = template.Library()


@register.filter
def review_due(guideline: Guideline) -> str:
    """ "Review overdue", "Review due" (within 30 days) or "" for a guideline list row."""
    state = _review_due(guideline)
    return {"overdue": "Review overdue", "soon": "Review due"}.get(state, "")
