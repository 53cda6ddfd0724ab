"""Template helpers for drawing guideline content, section states and checks."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from guidelines.rendering import render_markdown
from guidelines.schema import FieldKind, Section, SectionState, normalise

register = template.Library()

# Icons repeat the state in shape, next to its words: colour is never the only cue.
STATE_ICONS = {
    SectionState.NOT_STARTED: "○",
    SectionState.IN_PROGRESS: "◐",
    SectionState.COMPLETE: "✓",
    SectionState.FAILING: "!",
}


@register.filter
def markdown(text: str | None) -> SafeString:
    """Author Markdown as sanitised HTML."""
    return render_markdown(text)


@register.filter
def state_icon(state: SectionState | str) -> str:
    return STATE_ICONS.get(SectionState(state), "")


@register.filter
def state_label(state: SectionState | str) -> str:
    return SectionState(state).label


@register.simple_tag
def section_fields(section: Section, data: Any) -> list[dict[str, Any]]:
    """The section's filled fields, ready to draw: each with its kind and display value."""
    clean = normalise(section, data)
    items = []
    for fld in section.fields:
        value = clean[fld.name]
        if not value:
            continue
        item: dict[str, Any] = {"field": fld, "kind": fld.kind.value, "value": value}
        if fld.kind is FieldKind.MARKDOWN:
            item["html"] = render_markdown(value)
        elif fld.kind is FieldKind.CHOICE:
            item["value"] = dict(fld.choices).get(value, value)
        elif fld.kind is FieldKind.TABLE:
            item["columns"] = fld.columns
            item["rows"] = [
                [
                    {
                        "column": col,
                        "value": dict(col.choices).get(row[col.name], row[col.name])
                        if col.kind is FieldKind.CHOICE
                        else row[col.name],
                        "is_url": col.kind is FieldKind.URL,
                    }
                    for col in fld.columns
                ]
                for row in value
            ]
        items.append(item)
    return items


@register.filter
def check_message(check: Any) -> str:
    """A passed "valid input" check reads as a fact, not as an instruction."""
    if check.passed and check.code.endswith(".valid_input"):
        return "Every entry is valid"
    return check.message
