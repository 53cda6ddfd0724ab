"""Webhook signatures: HMAC-SHA256 over "timestamp.body", sent as ``t=…,v1=…`` (as Stripe does).

The timestamp inside the signed text lets a receiver refuse an old delivery replayed by
someone who captured it; several ``v1`` values may appear while a secret is being rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "Charter-Signature"
SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    stamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={mac}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    now: int | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: the right key signed this body, recently."""
    stamp = ""
    candidates = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            stamp = value
        elif name == "v1":
            candidates.append(value)
    if not stamp.isdigit() or not candidates:
        return False
    if abs((int(time.time()) if now is None else now) - int(stamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, c) for c in candidates)
