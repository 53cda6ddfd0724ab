"""Addresses reversed once per process: the ``{% url %}`` tag's store (config.template_urls),
and ``kept_reverse`` for a view's own redirects. Imports nothing of the project, so every
floor may use it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

# Enough for every fixed address and the links of a few busy pages; when full it starts again.
KEPT_LIMIT = 4096
_kept: dict[tuple[Any, ...], str] = {}
# Text (a name in quotes is a SafeString) and whole numbers, not their other subclasses: a
# bool or an enum could reverse differently from the equal value it would be kept under.
_PLAIN = frozenset({str, SafeString, int})


def kept_reverse(view_name: str, *args: str | int) -> str:
    """``reverse(view_name, args=args)`` for a view's own redirect, kept as the tag keeps
    its addresses (plain arguments only, so the same key always means the same address)."""
    if not all(type(a) in _PLAIN for a in args):
        return reverse(view_name, args=args)
    key = (
        view_name,
        args,
        (),
        None,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
        get_language(),
    )
    url = _kept.get(key)
    if url is None:
        url = reverse(view_name, args=args)
        if len(_kept) >= KEPT_LIMIT:
            _kept.clear()
        _kept[key] = url
    return url
