"""Secrets at rest (a webhook's signing key, a chat channel's address, a sign-in provider's
client secret): encrypted with a key derived from SECRET_KEY and a purpose of their own.

A database copy, a backup or a read-only SQL account then shows none of them. Keys listed in
SECRET_KEY_FALLBACKS still open what they sealed, so SECRET_KEY can be rotated as Django
documents it; each seal uses the current key. The stored form is a Fernet token under
sha256("<purpose>:<key>"): changing that derivation would leave every stored secret unreadable.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class Unreadable(Exception):
    """Sealed under a key this server no longer has (nor lists among its fallbacks)."""


class Sealer:
    def __init__(self, purpose: str) -> None:
        self.purpose = purpose

    def _fernet_for(self, secret_key: str) -> Fernet:
        digest = hashlib.sha256(f"{self.purpose}:{secret_key}".encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))

    def _fernet(self) -> MultiFernet:
        keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
        return MultiFernet([self._fernet_for(str(k)) for k in keys])

    def seal(self, plain: str) -> str:
        return self._fernet().encrypt(plain.encode()).decode() if plain else ""

    def unseal(self, sealed: str) -> str:
        """The plain text ("" for nothing stored), or ``Unreadable``."""
        if not sealed:
            return ""
        try:
            return self._fernet().decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise Unreadable(self.purpose) from exc
