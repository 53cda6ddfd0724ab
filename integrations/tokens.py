"""API tokens: made and revoked by admins, looked up by their hash, rate limited per token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone

from config import ratelimit
from config.ratelimit import Verdict

from .models import ApiToken

TOKEN_PREFIX = "cht_"
# last_used_at is written at most this often per token: a busy poller is not a write a call.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_for(raw: str) -> ApiToken | None:
    """The live token this bearer value names (revoked and expired ones are not found)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("organization")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.is_live():
        return None
    return token


def touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def rate_limited(token: ApiToken) -> Verdict:
    """A fixed window per token (config/ratelimit.py: shared in Redis, counted per process
    while Redis is out of reach). Keyed by the token's hash, never its row id: ids can be
    reused, a token never is."""
    return ratelimit.hit(
        "api-rate", token.token_hash, limit=settings.CHARTER_API_RATE_PER_MINUTE, window=60
    )
