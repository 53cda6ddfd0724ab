"""Form helpers for templates."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def bare_hidden(field: BoundField) -> SafeString:
    """The field as hidden input(s) carrying its value only: ``as_hidden`` would copy
    ``aria-describedby`` and ``aria-invalid`` onto them, which hidden inputs may not have."""
    widget = field.field.hidden_widget()
    attrs = {"id": field.auto_id} if field.auto_id else None
    return widget.render(field.html_name, field.value(), attrs=attrs)
