"""Django's ``{% url %}`` tag, with the addresses it reverses kept per process.

Built in to every template (settings.TEMPLATES), in place of Django's own tag: the page chrome
alone reverses a dozen addresses on every page, and reversing one costs more than rendering
the rest of its line. An address depends only on the URL configuration, the script prefix,
the language, the namespace the page is in and the tag's own arguments, so each is reversed
once and looked up afterwards. Arguments other than strings and integers (a model instance,
say) are reversed every time, as is a name that does not reverse, so ``{% url … as var %}``
and its errors behave exactly as Django's tag does.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

from .kept_urls import _PLAIN, KEPT_LIMIT, _kept

register = template.Library()


def _current_app(context: Context) -> str | None:
    try:
        return context.request.current_app  # type: ignore[attr-defined]
    except AttributeError:
        try:
            return context.request.resolver_match.namespace  # type: ignore[attr-defined]
        except AttributeError:
            return None


class KeptURLNode(URLNode):
    """``URLNode`` whose successful reversals of plain arguments are kept."""

    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        current_app = _current_app(context)
        key: tuple[Any, ...] | None = None
        if (
            type(view_name) in _PLAIN
            and all(type(a) in _PLAIN for a in args)
            and all(type(v) in _PLAIN for v in kwargs.values())
        ):
            key = (
                view_name,
                tuple(args),
                tuple(kwargs.items()),
                current_app,
                get_urlconf() or settings.ROOT_URLCONF,
                get_script_prefix(),
                get_language(),
            )
        url = _kept.get(key) if key is not None else None
        if url is None:
            url = ""
            try:
                url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
            else:
                if key is not None:
                    if len(_kept) >= KEPT_LIMIT:
                        _kept.clear()
                    _kept[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> KeptURLNode:
    """``{% url %}``, parsed by Django's own tag."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)
