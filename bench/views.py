"""Bench-only reference views: the floor every real page is compared against.

Mounted only when CHARTER_BENCH=1, so they never exist in a real deployment.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from accounts.access import require_role


@require_role()
def ping(request: HttpRequest) -> HttpResponse:
    """Any member (bench only): the same middleware and sign-in checks, no work at all."""
    return HttpResponse("ok", content_type="text/plain")


@require_POST
@require_role()
def ping_insert(request: HttpRequest) -> HttpResponse:
    """Any member (bench only): one INSERT, the least a write request can do."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_ping (user_id) VALUES (%s)", [request.user.pk])
    return HttpResponse(status=204)
