"""``check --deploy`` refuses an audit key that would let database access alone rewrite history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

MIN_KEY_LENGTH = 32


@register(Tags.security, deploy=True)
def audit_key_is_secret(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key = settings.AUDIT_HMAC_KEY
    hint = (
        "Set AUDIT_HMAC_KEY to a random value of at least 32 characters, e.g. "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`, kept outside the "
        "database and its backups (docs/security.md)."
    )
    if key == settings.AUDIT_HMAC_DEV_KEY:
        return [Error("AUDIT_HMAC_KEY is the development key.", hint=hint, id="audit.E001")]
    if len(key) < MIN_KEY_LENGTH:
        return [
            Error("AUDIT_HMAC_KEY is too short to resist guessing.", hint=hint, id="audit.E002")
        ]
    if settings.AUDIT_HMAC_DEV_KEY in settings.AUDIT_HMAC_PREVIOUS_KEYS:
        return [
            Error(
                "AUDIT_HMAC_PREVIOUS_KEYS lists the development key.",
                hint="Anyone can sign with a public key: events signed with it would verify "
                "whatever they say. Remove it.",
                id="audit.E004",
            )
        ]
    if key == settings.SECRET_KEY:
        return [
            Error(
                "AUDIT_HMAC_KEY must differ from SECRET_KEY.",
                hint="The two are rotated for different reasons; " + hint,
                id="audit.E003",
            )
        ]
    return []
