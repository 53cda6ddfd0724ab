"""The audit key: MACs that only a holder of ``AUDIT_HMAC_KEY`` can compute, so that someone
who can write to the database still cannot rewrite the audit trail and make it verify."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Each kind of MAC has its own prefix, so that one can never stand in for another: an event's
# MAC is not a valid chain-head MAC, nor a checkpoint's, even over the same figures.
_EVENT = b"charter-audit-event:v1:"
_HEAD = b"charter-audit-head:v1:"
_CHECKPOINT = b"charter-audit-checkpoint:v1:"
_VERIFIED = b"charter-audit-verified:v1:"


def key_id(secret: str) -> str:
    """A short public name for a key, stored beside each MAC so old events find their key."""
    return hashlib.sha256(b"charter-audit-key-id:" + secret.encode()).hexdigest()[:16]


def event_message(event_hash: str) -> bytes:
    """An event's hash already covers its content, its place and its predecessor's hash."""
    return _EVENT + event_hash.encode()


def verified_message(
    chain: str, count: int, event_id: int, last_hash: str, mode: str, at: str
) -> bytes:
    """A checkpoint stored in the database (``VerifiedCheckpoint``)."""
    return _VERIFIED + f"{chain}|{count}|{event_id}|{last_hash}|{mode}|{at}".encode()


def head_message(chain: str, sequence: int, last_hash: str) -> bytes:
    return _HEAD + f"{chain}|{sequence}|{last_hash}".encode()


def checkpoint_message(chain: str, sequence: int, last_hash: str, at: str) -> bytes:
    return _CHECKPOINT + f"{chain}|{sequence}|{last_hash}|{at}".encode()


@dataclass(frozen=True)
class Keyring:
    """The current key (signs everything new) and the retired ones (still verify old MACs)."""

    current_id: str
    secrets: Mapping[str, bytes]

    @classmethod
    def from_settings(cls) -> Keyring:
        current = settings.AUDIT_HMAC_KEY
        if not current:
            raise ImproperlyConfigured(
                "AUDIT_HMAC_KEY must be set to record or verify audit events"
            )
        # Every audited write asks for the keyring: it is made once for the keys in the
        # settings (naming each key costs a hash), and again only when they change.
        given = (current, tuple(settings.AUDIT_HMAC_PREVIOUS_KEYS))
        made = _made.get(given)
        if made is None:
            secrets = {key_id(s): s.encode() for s in given[1] if s}
            secrets[key_id(current)] = current.encode()
            made = cls(current_id=key_id(current), secrets=MappingProxyType(secrets))
            if len(_made) >= 8:  # settings changed by tests; a server has one set of keys
                _made.clear()
            _made[given] = made
        return made

    def sign(self, message: bytes) -> str:
        """MAC under the current key (its id is ``current_id``)."""
        return hmac.new(self.secrets[self.current_id], message, hashlib.sha256).hexdigest()

    def verifies(self, kid: str, message: bytes, mac: str) -> bool:
        """Whether ``mac`` was made over ``message`` with the key ``kid``; never for an unknown
        key. Constant-time, so a forger learns nothing from how long a refusal takes."""
        secret = self.secrets.get(kid)
        if secret is None:
            return False
        expected = hmac.new(secret, message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, mac)

    def knows(self, kid: str) -> bool:
        return kid in self.secrets


_made: dict[tuple[str, tuple[str, ...]], Keyring] = {}
