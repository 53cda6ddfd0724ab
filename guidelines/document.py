"""A guideline's content laid out for reading, the one way every page and the PDF draw it.

The wizard's preview, a reviewer's review page, the published page and the PDF all draw a
section from these blocks, so what a reviewer signs reads exactly as what employees see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from .rendering import render_markdown
from .schema import FieldKind, Section, normalise
from .sections import SECTIONS


@dataclass
class Block:
    """One filled-in field of a section, ready for a template."""

    label: str
    kind: str  # "markdown", "value", "link", "email", "list" or "table"
    html: SafeString | None = None
    value: str = ""
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[tuple[str, str, bool]]] = field(
        default_factory=list
    )  # (column, value, is link)
    show_label: bool = True


@dataclass
class DocSection:
    key: str
    number: int
    title: str
    blocks: list[Block]

    @property
    def anchor(self) -> str:
        return f"section-{self.key}"


def _choice(fld: Any, value: str) -> str:
    return dict(fld.choices).get(value, value)


def section_blocks(section: Section, data: Any) -> list[Block]:
    """The filled-in fields of one section, in catalogue order; Markdown rendered and sanitised."""
    clean = normalise(section, data)
    blocks = []
    for fld in section.fields:
        value = clean[fld.name]
        if not value:
            continue
        if fld.kind is FieldKind.MARKDOWN:
            # Prose needs no label: it is the section's guidance itself.
            blocks.append(
                Block(fld.label, "markdown", html=render_markdown(value), show_label=False)
            )
        elif fld.kind is FieldKind.LIST:
            blocks.append(Block(fld.label, "list", items=list(value)))
        elif fld.kind is FieldKind.TABLE:
            blocks.append(
                Block(
                    fld.label,
                    "table",
                    columns=[c.label for c in fld.columns],
                    rows=[
                        [
                            (
                                c.label,
                                _choice(c, row.get(c.name, ""))
                                if c.kind is FieldKind.CHOICE
                                else row.get(c.name, ""),
                                c.kind is FieldKind.URL and bool(row.get(c.name)),
                            )
                            for c in fld.columns
                        ]
                        for row in value
                    ],
                )
            )
        elif fld.kind is FieldKind.URL:
            blocks.append(Block(fld.label, "link", value=value))
        elif fld.kind is FieldKind.EMAIL:
            blocks.append(Block(fld.label, "email", value=value))
        elif fld.kind is FieldKind.CHOICE:
            blocks.append(Block(fld.label, "value", value=_choice(fld, value)))
        else:
            blocks.append(Block(fld.label, "value", value=str(value)))
    return blocks


def document(content: dict[str, Any], *, layout: str = "plain") -> list[DocSection]:
    """Every catalogue section in order; "qa" layout titles each section with its question."""
    return [
        DocSection(
            key=s.key,
            number=i,
            title=s.question if layout == "qa" else s.title,
            blocks=section_blocks(s, content.get(s.key)),
        )
        for i, s in enumerate(SECTIONS, start=1)
    ]
