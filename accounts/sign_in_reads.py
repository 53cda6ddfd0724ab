"""Reads a view asks to travel with the signed-in person's read: one round trip fewer.

Every signed-in request reads the person once (``middleware.signed_in_person``). A view whose
write needs a row or two read first (the acknowledge POST: the head of the person's audit lane
and the request their acknowledgement answers) declares ``travels_with_sign_in(build)``. For a
POST it answers, ``build(request, kwargs)`` returns a function of the person's id giving named
read-only scalar subqueries; they are added to the person's one query and their values are
left on ``request.user.charter_read_along``.

Nothing here decides anything: the view still checks who may use it before it looks at what
was read, and its write checks under lock that what was read still holds.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

from django.http import HttpRequest
from django.urls import Resolver404, resolve

Reads = Callable[[int], dict[str, tuple[str, list[Any]]]]
Build = Callable[[HttpRequest, dict[str, Any]], Reads | None]

_ATTRIBUTE = "charter_reads_with_sign_in"
_wanted: ContextVar[Reads | None] = ContextVar("charter_reads_with_sign_in", default=None)


def travels_with_sign_in(build: Build) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the reads a view's POST wants with the person's read (outermost decorator)."""

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, _ATTRIBUTE, build)
        return view

    return declare


def for_request(request: HttpRequest) -> Reads | None:
    """The reads the view answering this POST wants, or None (any other method, any view
    that declares none, an address that resolves to nothing)."""
    if request.method != "POST":
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    build: Build | None = getattr(match.func, _ATTRIBUTE, None)
    return build(request, match.kwargs) if build is not None else None


def use(reads: Reads | None) -> Token[Reads | None]:
    return _wanted.set(reads)


def reset(token: Token[Reads | None]) -> None:
    _wanted.reset(token)


def wanted() -> Reads | None:
    """What the request being served asks to read with the person, if anything."""
    return _wanted.get()
