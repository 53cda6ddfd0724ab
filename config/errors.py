"""Error pages that keep the layout and say what happened, never a traceback."""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import defaults


def _plain(status: int) -> str:
    """The page that needs nothing from the database, with the same help as every other page."""
    return loader.render_to_string(
        "errors/plain.html", {"status": status, "support_email": settings.SUPPORT_EMAIL}
    )


def _render(request: HttpRequest, template: str, status: int, message: str = "") -> HttpResponse:
    try:
        body: str = loader.render_to_string(template, {"message": message}, request)
    except Exception:  # the database may be the thing that is down
        body = _plain(status)
    return HttpResponse(body, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return _render(request, "errors/403.html", 403, message)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "errors/404.html", 404)


def _database_down(exc: BaseException | None) -> bool:
    """True when the database failing is what caused this exception, however wrapped."""
    for _ in range(10):
        if exc is None:
            return False
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _unavailable() -> HttpResponse:
    body = _plain(503)
    return HttpResponse(body, status=503, headers={"Retry-After": "30"})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Saving the session while the database is down surfaces as "session interrupted" (400).
    if _database_down(exception):
        return _unavailable()
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it is still at hand: a database that
    # is down or restarting is a temporary outage (503, retry soon), not a bug (500).
    if _database_down(sys.exc_info()[1]):
        return _unavailable()
    return HttpResponse(_plain(500), status=500)
