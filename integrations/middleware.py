"""Every error under /api/ is problem+json, whoever produced it (the router, CSRF, a crash)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse

from .problems import is_problem, problem

log = logging.getLogger(__name__)


class ProblemDetailsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not is_problem(response)
        ):
            headers = {k: response[k] for k in ("Retry-After", "Allow") if response.has_header(k)}
            return problem(request, response.status_code, headers=headers)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, Http404 | PermissionDenied | BadRequest | SuspiciousOperation):
            return None  # Django answers these (404, 403, 400); __call__ reshapes the answer
        log.exception("API error on %s", request.path)
        return problem(request, 500)
