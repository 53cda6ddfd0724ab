"""The one rule for e-mail addresses: trimmed and lower-case before anything counts or
looks them up.

Sign-in, the lockout, re-entered passwords, password reset, invitations and the staff import
all pass an address through ``normalize_email`` first, so ``Staff@Riverside.example`` and
``staff@riverside.example`` are the same person and share the same five wrong guesses.
Addresses are stored in this form too (the database refuses any other).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def normalize_email(address: object) -> str:
    """The address as Charter stores and compares it: surrounding spaces gone, lower-case."""
    if address is None:
        return ""
    return str(address).strip().lower()


def lockout_username(request: Any, credentials: dict[str, Any] | None = None) -> str | None:
    """The name the sign-in lockout counts failures against (django-axes calls this)."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        typed = credentials.get(field) or credentials.get("email")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        typed = data.get(field)
    return normalize_email(typed) if typed else None
