"""Facts to confirm: parts of the starter text that assert something about the institution.

The starter text cannot know whether a hospital really has a yearly e-learning course, a
password manager or an on-call communications lead, so such claims are written
``[[confirm: …]]``. The wizard shows each one; the author keeps it (the marker goes, the words
stay) or replaces it, and a draft cannot be submitted while any remains. Confirmed text holds
no marker, so it hashes exactly like text that never had one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Bounded and free of nesting, so finding facts stays linear on any input.
FACT = re.compile(r"\[\[confirm:[ \t]*([^\[\]\n]{1,400}?)[ \t]*\]\]")


@dataclass(frozen=True)
class Fact:
    """One marked fact: where it is (field, and row and column for tables) and its words."""

    field: str
    text: str
    index: int  # its place among the facts of the same field
    row: int | None = None
    column: str | None = None


def strip(value: str) -> str:
    """The text with every marker confirmed: the words kept, the marker gone."""
    return FACT.sub(r"\1", value)


def facts_in(data: Mapping[str, Any] | None) -> list[Fact]:
    """Every fact still to confirm in one section's content, in field order."""
    found: list[Fact] = []
    for name, value in (data or {}).items():
        index = 0
        if isinstance(value, str):
            for match in FACT.finditer(value):
                found.append(Fact(name, match.group(1), index))
                index += 1
        elif isinstance(value, list):
            for r, item in enumerate(value):
                cells = item.items() if isinstance(item, Mapping) else [(None, item)]
                for column, cell in cells:
                    if not isinstance(cell, str):
                        continue
                    for match in FACT.finditer(cell):
                        found.append(Fact(name, match.group(1), index, r, column))
                        index += 1
    return found


def confirm_all(value: Any) -> Any:
    """Any content (a guideline, a section, a value) with every fact kept as written."""
    if isinstance(value, str):
        return strip(value)
    if isinstance(value, list | tuple):
        return [confirm_all(v) for v in value]
    if isinstance(value, Mapping):
        return {k: confirm_all(v) for k, v in value.items()}
    return value


def resolve(data: Mapping[str, Any], *, field: str, index: int, replacement: str | None) -> dict:
    """The section with one fact kept (``replacement`` None) or replaced; KeyError if absent."""
    counter = 0
    done = False

    def swap(match: re.Match[str]) -> str:
        nonlocal counter, done
        here = counter
        counter += 1
        if here != index:
            return match.group(0)
        done = True
        return match.group(1) if replacement is None else " ".join(replacement.split())

    result = dict(data)
    value = result.get(field)
    if isinstance(value, str):
        result[field] = FACT.sub(swap, value)
    elif isinstance(value, list):
        rows: list[Any] = []
        for item in value:
            if isinstance(item, Mapping):
                rows.append(
                    {k: FACT.sub(swap, v) if isinstance(v, str) else v for k, v in item.items()}
                )
            else:
                rows.append(FACT.sub(swap, item) if isinstance(item, str) else item)
        result[field] = rows
    if not done:
        raise KeyError(f"{field}:{index}")
    return result


def finder(data: Mapping[str, Any]) -> str:
    """For the catalogue's facts check: names the first fact still to confirm, or ""."""
    facts = facts_in(data)
    if not facts:
        return ""
    first = facts[0]
    more = f" and {len(facts) - 1} more" if len(facts) > 1 else ""
    return (
        f"\u201c{first.text}\u201d{more} still marked to confirm. The starter text cannot know "
        "whether this is true at your institution: keep it if it is, or replace it."
    )
