"""Password sign-in that honours each institution's "single sign-on only" rule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.middleware import signed_in_person

from . import policy


class PolicyModelBackend(ModelBackend):
    """Django's e-mail and password check, refused for people whose institution allows only
    single sign-on (its break-glass admin excepted). Enforced here, not only on the sign-in
    page, so that no other password path can get round it."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        # Checked at sign-in only: a session already open is not asked on every request.
        if user is not None and policy.password_refusal(user) is not None:
            return None
        return user

    def get_user(self, user_id: Any) -> Any:
        """The signed-in person of a request, with their memberships (one query, not three)."""
        user = signed_in_person(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
