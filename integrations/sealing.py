"""Endpoint secrets at rest: a webhook's signing key, and a chat channel's address (which is
itself the key to post there), sealed with the shared helper (config/sealing.py), so
SECRET_KEY rotation through SECRET_KEY_FALLBACKS works as it does for every sealed secret.
"""

from __future__ import annotations

from config.sealing import Sealer
from config.sealing import Unreadable as _Unreadable

PURPOSE = "charter.integrations.endpoint"
_sealer = Sealer(PURPOSE)


class Unreadable(_Unreadable):
    """Sealed under a key this server no longer has; the endpoint must be connected again."""


def seal(plain: str) -> str:
    return _sealer.seal(plain)


def unseal(sealed: str) -> str:
    try:
        return _sealer.unseal(sealed)
    except _Unreadable as exc:
        raise Unreadable(
            "Its address or signing secret was saved under a server key that has since "
            "changed; connect it again."
        ) from exc
