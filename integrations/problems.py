"""RFC 9457 problem details: the one shape of every error under /api/.

``type`` is ``about:blank`` when the HTTP status says it all; Charter's own problems point at
their explanation on the API's documentation page.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse

CONTENT_TYPE = "application/problem+json"
DOCS = "/api/v1/docs/#problem-"

DETAILS = {
    400: "The request could not be read.",
    401: "A valid API token is required (Authorization: Bearer …).",
    403: "The token does not allow this.",
    404: "There is nothing here for this token.",
    405: "This address does not answer that method.",
    429: "Too many requests; try again in a minute.",
    500: "Something went wrong on Charter's side; it has been logged.",
    503: "Charter is briefly unavailable; try again shortly.",
}


def problem(
    request: HttpRequest | None,
    status: int,
    detail: str = "",
    *,
    kind: str = "",
    title: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """A problem+json response; ``kind`` names a Charter problem documented on the docs page."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {
        "type": f"{DOCS}{kind}" if kind else "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail or DETAILS.get(status, phrase),
    }
    if request is not None:
        body["instance"] = request.path
    body.update(extra)
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def is_problem(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith(CONTENT_TYPE)
