"""Template filters for published versions."""

from __future__ import annotations

from django import template

register = template.Library()

NBSP = "\u00a0"


@register.filter
def file_size(size: int | None) -> str:
    """A file's size as people read it: "182 KB", "1.4 MB" (binary units, as file managers
    show them, with a non-breaking space so that the number never wraps away from its unit)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size}{NBSP}bytes"
    if size < 1000 * 1024:
        return f"{max(1, round(size / 1024))}{NBSP}KB"
    return f"{size / (1024 * 1024):.1f}{NBSP}MB"


@register.filter
def pdf_label(publication: object) -> str:
    """ "PDF, 182 KB" once the PDF is stored (its real size), plain "PDF" before."""
    size = getattr(publication, "pdf_size", None)
    if getattr(publication, "pdf_state", "") == "ready" and size:
        return f"PDF, {file_size(size)}"
    return "PDF"
