"""CSV for spreadsheets: cells that cannot run as formulas, written row by row for streaming."""

from __future__ import annotations

from typing import Any

# Spreadsheets run cells that start with these characters as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell's text, with a leading apostrophe where it would otherwise be a formula."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_STARTS:
        return "'" + text
    return text


class Echo:
    """A file-like object for csv.writer that hands each written row back, for streaming."""

    def write(self, value: str) -> str:
        return value
