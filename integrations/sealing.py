"""Endpoint secrets at rest: a webhook's signing key, and a chat channel's address (which is
itself the key to post there), encrypted with a key derived from SECRET_KEY.

A database copy, a backup or a read-only SQL account then shows neither. Keys listed in
SECRET_KEY_FALLBACKS still open what they sealed, so SECRET_KEY can be rotated as Django
documents it; each seal uses the current key.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PURPOSE = "charter.integrations.endpoint"


class Unreadable(Exception):
    """Sealed under a key this server no longer has; the endpoint must be connected again."""


def _fernet_for(secret_key: str) -> Fernet:
    digest = hashlib.sha256(f"{PURPOSE}:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(str(k)) for k in keys])


def seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise Unreadable(
            "Its address or signing secret was saved under a server key that has since "
            "changed; connect it again."
        ) from exc
