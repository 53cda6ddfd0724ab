"""Sends people who still owe a two-factor code, or must set two-factor up, to do so first."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.factors import idp_mfa

from . import services as twofactor


@cache
def _always_open() -> tuple[str, ...]:
    return (
        reverse("accounts:login"),
        reverse("accounts:logout"),
        reverse("accounts:two_factor_verify"),
        reverse("healthz"),
        settings.STATIC_URL,
    )


@cache
def _enrolment_page() -> str:
    return reverse("accounts:two_factor")


def _send_to(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        # A redirect inside an htmx swap would paste a whole page into a fragment.
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


class TwoFactorMiddleware:
    """A password alone is not a full sign-in for people with an authenticator; and where
    the institution requires it, admins and reviewers must enrol before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.check(request) or self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        path = request.path_info
        if path.startswith(_always_open()):
            return None
        if idp_mfa(request) is not None:
            # The identity provider did multi-factor at this sign-in: it stands for our code.
            return None
        owes_code = request.session.get(twofactor.SESSION_DEVICE_KEY)
        if owes_code is None:
            owes_code = twofactor.has_device(user)
            request.session[twofactor.SESSION_DEVICE_KEY] = owes_code
        if owes_code:
            if user.is_verified():  # type: ignore[attr-defined]
                return None
            if twofactor.has_device(user):
                wanted = request.get_full_path() if request.method == "GET" else reverse("home")
                query = urlencode({"next": wanted})
                return _send_to(request, f"{reverse('accounts:two_factor_verify')}?{query}")
            # The authenticator was reset by an admin since this session began.
            request.session[twofactor.SESSION_DEVICE_KEY] = False
        membership = getattr(request, "membership", None)
        if twofactor.role_requires_two_factor(membership) and path != _enrolment_page():
            if twofactor.has_device(user):
                # Set up in another browser since this session signed in: ask for a code.
                request.session[twofactor.SESSION_DEVICE_KEY] = True
                return _send_to(request, reverse("accounts:two_factor_verify"))
            messages.warning(
                request,
                f"{membership.organization.name} requires two-factor sign-in for admins and "
                "reviewers. Set it up to continue.",
            )
            return _send_to(request, _enrolment_page())
        return None
