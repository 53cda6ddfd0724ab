"""Response headers every Charter response carries, beyond Django's security middleware."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

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


class PageMethodsMiddleware:
    """Pages answer GET, HEAD and POST only; any other method is 405 before the view runs.

    Most page views read ``request.method == "POST"`` to decide whether to act and treat every
    other method as a read, so PUT or DELETE drew the page (browsers' CSRF check stops those
    from a session, but a script without one got a 200). The SCIM and API views answer their
    own methods and are left to do so.
    """

    ALLOWED = ("GET", "HEAD", "POST")
    OWN_METHODS = ("scim", "api_v1")  # URL namespaces whose views decide methods themselves
    # The API's description and its page are read-only documents, not operations.
    DOCUMENTS = ("openapi-json", "openapi-view")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.method in self.ALLOWED:
            return None
        match = request.resolver_match
        if (
            match is not None
            and match.namespaces
            and match.namespaces[0] in self.OWN_METHODS
            and match.url_name not in self.DOCUMENTS
        ):
            return None
        return HttpResponseNotAllowed(self.ALLOWED)
