"""Ends sessions left idle and tells the person why they have to sign in again."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

LAST_ACTIVITY_KEY = "charter_last_activity"
_SESSION_ENDED = "_charter_session_ended"


def mark_session_ended(request: HttpRequest) -> None:
    """Note on the request that it ended a session (sign-out, or found idle)."""
    setattr(request, _SESSION_ENDED, True)


def session_ended(request: HttpRequest) -> bool:
    """Whether this request ended a session: its response clears the browser's copies."""
    return getattr(request, _SESSION_ENDED, False)


# A browser-session cookie holding the signed time of the last signed-in request. When a
# request arrives without a session but with this cookie, the session ended on the server
# (it expired, or was flushed) and the person deserves to know which.
MARKER_COOKIE = "charter_active"
MARKER_SALT = "charter.idle"


# How often activity is written down: a signed-in request saves its session only when the
# last recorded activity is at least this old.
ACTIVITY_RESOLUTION_SECONDS = 60


def idle_limit_seconds() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def idle_message() -> str:
    minutes = idle_limit_seconds() // 60
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"Your session ended after {minutes} {unit} without activity. "
        "Please sign in again to continue."
    )


class IdleSessionMiddleware:
    """Signs out a session idle for longer than SESSION_IDLE_MINUTES, with a clear message."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = int(timezone.now().timestamp())
        limit = idle_limit_seconds()
        ended: str | None = None
        if request.user.is_authenticated:
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - int(last) > limit:
                logout(request)
                ended = idle_message()
            elif last is None or now - int(last) >= ACTIVITY_RESOLUTION_SECONDS:
                # Saves the session (and moves its expiry on); between two such saves the
                # request writes nothing, so a session ends at most this much early.
                request.session[LAST_ACTIVITY_KEY] = now
        elif MARKER_COOKIE in request.COOKIES:
            last_seen = self._marker_time(request)
            if last_seen is not None and now - last_seen > limit:
                ended = idle_message()
            elif last_seen is not None:
                ended = "Your session has ended. Please sign in again to continue."

        if ended is not None:
            mark_session_ended(request)
            messages.info(request, ended)
            if getattr(request, "htmx", False):
                # A redirect inside an htmx swap would paste the login page into a fragment.
                response: HttpResponse = HttpResponse(
                    status=204, headers={"HX-Redirect": reverse("accounts:login")}
                )
                response.delete_cookie(MARKER_COOKIE)
                return response
            # Otherwise the page itself decides: pages for members send the person to sign in
            # (and back here afterwards), public pages simply show the message.

        response = self.get_response(request)
        if request.user.is_authenticated:
            response.set_signed_cookie(
                MARKER_COOKIE,
                str(now),
                salt=MARKER_SALT,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        elif MARKER_COOKIE in request.COOKIES:
            response.delete_cookie(MARKER_COOKIE)
        return response

    @staticmethod
    def _marker_time(request: HttpRequest) -> int | None:
        try:
            value = request.get_signed_cookie(MARKER_COOKIE, salt=MARKER_SALT)
        except (KeyError, signing.BadSignature):
            return None
        return int(value) if value and value.isdigit() else None
