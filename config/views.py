from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.access import require_role
from accounts.http import MemberRequest

from .home import home_panels


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Anyone (load balancers): 200 when the app and its database answer, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "do not send traffic here"
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


FAVICON = settings.BASE_DIR / "static" / "favicon.ico"


def favicon(request: HttpRequest) -> HttpResponse:
    """Anyone (browsers ask for it unprompted): the site icon at the address browsers expect."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def accessibility(request: HttpRequest) -> HttpResponse:
    """Anyone, signed in or not: the accessibility statement (linked from every footer)."""
    return render(request, "accessibility.html")


def root(request: HttpRequest) -> HttpResponse:
    """Anyone: the front door sends people to sign in or to their home page."""
    if request.user.is_authenticated:
        return redirect("home")
    return redirect("accounts:login")


@require_role()
def home(request: MemberRequest) -> HttpResponse:
    """Any member: what is waiting for me, by role."""
    return render(request, "home.html", {"panels": home_panels(request)})
