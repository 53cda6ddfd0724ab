"""Re-entering the password to confirm a weighty act (a signature, turning two-factor off).

A wrong password here counts towards the same lockout as the sign-in page: otherwise a
borrowed, signed-in session on a ward PC could be used to guess the owner's password one
sign-off attempt at a time. Refusals are not written to the audit trail (nothing happened);
the lockout's own record of failed attempts is kept with the sign-in failures.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest

from .models import User


class PasswordRefused(Exception):
    """The password was wrong, or too many wrong passwords have locked further attempts."""


def _minutes() -> int:
    return round(float(settings.AXES_COOLOFF_TIME) * 60)


def locked_message() -> str:
    return (
        "Too many wrong passwords. For your protection, password checks are paused for "
        f"{_minutes()} minutes. Nothing was recorded."
    )


def confirm_password(*, user: User, password: str, request: HttpRequest | None, wrong: str) -> None:
    """Return quietly when ``password`` is the person's own; raise PasswordRefused otherwise.

    ``wrong`` is the message for a wrong password, worded for the act being confirmed. Without
    a request (a script, a test of the service alone) there is no address to lock, so only
    the password itself is checked.
    """
    credentials = {settings.AXES_USERNAME_FORM_FIELD: user.email}
    if request is not None and AxesProxyHandler.is_locked(request, credentials):
        raise PasswordRefused(locked_message())
    if password and user.check_password(password):
        return
    if request is not None:
        AxesProxyHandler.user_login_failed(
            sender=confirm_password, credentials=credentials, request=request
        )
        if AxesProxyHandler.is_locked(request, credentials):
            raise PasswordRefused(locked_message())
    raise PasswordRefused(wrong)
