"""Response headers every Charter response carries, beyond Django's security middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accounts.middleware_idle import session_ended


class ResponseHeadersMiddleware:
    """Nothing a signed-in person sees is stored by the browser; sign-out clears what was.

    On a shared ward PC, pages (people, audit, tracking, a PDF) kept in the browser's cache
    stay readable after sign-out. Every response to a signed-in person is ``no-store``;
    the response that ends a session also asks the browser to clear its cache and storage.
    Every response says which browser features the site never uses.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_out = session_ended(request)
        if signed_out or (user is not None and user.is_authenticated):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        if signed_out:
            # Not "cookies": that would clear every cookie of the registrable domain, signing
            # people out of the hospital's other sites; the session cookie is already gone.
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        # Django never sets one; remove any a view or library added (gunicorn's own header is
        # dropped by gunicorn.conf.py, since it is written after the application answers).
        response.headers.pop("Server", None)
        return response
