"""Template helpers for drawing guideline content, section states and checks."""

from __future__ import annotations

from typing import Any

from django import template

from guidelines import document
from guidelines.document import Block
from guidelines.schema import Section, SectionState

register = template.Library()

# Icons repeat the state in shape, next to its words: colour is never the only cue.
STATE_ICONS = {
    SectionState.NOT_STARTED: "○",
    SectionState.IN_PROGRESS: "◐",
    SectionState.COMPLETE: "✓",
    SectionState.FAILING: "!",
}


@register.filter
def state_icon(state: SectionState | str) -> str:
    return STATE_ICONS.get(SectionState(state), "")


@register.filter
def state_label(state: SectionState | str) -> str:
    return SectionState(state).label


@register.simple_tag
def section_blocks(section: Section, data: Any) -> list[Block]:
    """The section's filled-in fields, drawn as on the published page."""
    return document.section_blocks(section, data)


@register.filter
def check_message(check: Any) -> str:
    """A passed "valid input" check reads as a fact, not as an instruction."""
    if check.passed and check.code.endswith(".valid_input"):
        return "Every entry is valid"
    return check.message
