"""A frozen version's sections, shaped for templates: each filled field with its kind."""

from __future__ import annotations

from typing import Any

from guidelines.rendering import render_markdown
from guidelines.schema import FieldKind, Section, normalise


def section_fields(section: Section, data: Any) -> list[dict[str, Any]]:
    """The filled fields of one section; Markdown is rendered and sanitised here."""
    clean = normalise(section, data)
    items = []
    for fld in section.fields:
        value = clean[fld.name]
        if not value:
            continue
        item: dict[str, Any] = {"label": fld.label, "kind": fld.kind.value, "value": value}
        if fld.kind is FieldKind.MARKDOWN:
            item["html"] = render_markdown(value)
        elif fld.kind is FieldKind.CHOICE:
            item["value"] = dict(fld.choices).get(value, value)
        elif fld.kind is FieldKind.TABLE:
            item["columns"] = [c.label for c in fld.columns]
            item["rows"] = [[(c.label, row.get(c.name, "")) for c in fld.columns] for row in value]
        items.append(item)
    return items
