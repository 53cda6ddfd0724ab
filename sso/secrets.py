"""Client secrets at rest, sealed with the shared helper (config/sealing.py): never shown
again, and still readable after SECRET_KEY is rotated through SECRET_KEY_FALLBACKS."""

from __future__ import annotations

from config.sealing import Sealer, Unreadable

PURPOSE = "charter.sso.client-secret"
_sealer = Sealer(PURPOSE)


def seal(plain: str) -> str:
    return _sealer.seal(plain)


def unseal(sealed: str) -> str:
    """The secret, or "" when none is stored or no key this server has can open it (the
    admin then types it again)."""
    try:
        return _sealer.unseal(sealed)
    except Unreadable:
        return ""
