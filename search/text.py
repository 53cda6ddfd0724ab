"""A section's content as the plain words a reader sees, for the search index."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guidelines.checks import plain_text
from guidelines.schema import FieldKind, Section, normalise
from guidelines.sections import SECTIONS

# Longest body kept per section: a section is far shorter; the bound keeps the index bounded.
MAX_BODY = 50_000


def _choice(fld: Any, value: str) -> str:
    return str(dict(fld.choices).get(value, value))


def section_text(section: Section, data: Mapping[str, Any] | None) -> str:
    """Every filled-in field of the section, Markdown stripped, one field per line."""
    clean = normalise(section, data)
    lines: list[str] = []
    for fld in section.fields:
        value = clean[fld.name]
        if not value:
            continue
        if fld.kind is FieldKind.MARKDOWN:
            lines.append(plain_text(value))
        elif fld.kind is FieldKind.LIST:
            lines.extend(str(item) for item in value)
        elif fld.kind is FieldKind.TABLE:
            for row in value:
                cells = [
                    _choice(c, row.get(c.name, ""))
                    if c.kind is FieldKind.CHOICE
                    else row.get(c.name)
                    for c in fld.columns
                ]
                lines.append(" · ".join(str(c) for c in cells if c))
        elif fld.kind is FieldKind.CHOICE:
            lines.append(_choice(fld, value))
        else:
            lines.append(str(value))
    return "\n".join(line.strip() for line in lines if line and line.strip())[:MAX_BODY]


def sections_text(content: Mapping[str, Any] | None) -> list[tuple[Section, str]]:
    """(section, text) for every catalogue section, in order."""
    source: Mapping[str, Any] = content if isinstance(content, Mapping) else {}
    return [(s, section_text(s, source.get(s.key))) for s in SECTIONS]
