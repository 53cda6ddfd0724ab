"""A version's content laid out for reading: the same blocks feed the web page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import SafeString

from guidelines.rendering import render_markdown
from guidelines.schema import FieldKind, Section
from guidelines.sections import SECTIONS


@dataclass
class Block:
    """One filled-in field of a section, ready for a template."""

    label: str
    kind: str  # "markdown", "value", "link", "email", "list" or "table"
    html: SafeString | None = None
    value: str = ""
    items: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[tuple[str, str]]] = field(default_factory=list)  # (column, value)
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


def _blocks(section: Section, data: dict[str, Any]) -> list[Block]:
    blocks = []
    for fld in section.fields:
        value = data.get(fld.name)
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
            blocks=_blocks(s, content.get(s.key) or {}),
        )
        for i, s in enumerate(SECTIONS, start=1)
    ]
