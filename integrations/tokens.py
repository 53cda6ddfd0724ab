"""API tokens: made and revoked by admins, looked up by their hash, rate limited per token."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .models import ApiToken

log = logging.getLogger(__name__)

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


def rate_limited(token: ApiToken) -> bool:
    """A fixed window per token, counted in the shared cache (Redis in production).

    Keyed by the token's hash, never its row id: ids can be reused, a token never is. While
    the cache cannot be reached the call is counted by this process alone (``_count_here``):
    the limit then holds per server process instead of across them, and the API keeps
    answering instead of failing every call because a counter is out of reach."""
    limit = settings.CHARTER_API_RATE_PER_MINUTE
    window = int(timezone.now().timestamp() // 60)
    key = f"api-rate:{token.token_hash}:{window}"
    try:
        if cache.add(key, 1, timeout=90):
            return limit < 1
        return cache.incr(key) > limit
    except ValueError:  # the window expired between the two calls
        return False
    except Exception:  # the cache is down or unreachable (redis.ConnectionError, a timeout)
        return _count_here(key, window) > limit


_here: dict[str, int] = {}
_here_window = -1
_here_warned = -1
_here_lock = threading.Lock()


def _count_here(key: str, window: int) -> int:
    """This process's own count for the window, used only while the shared cache is down."""
    global _here_window, _here_warned
    with _here_lock:
        if window != _here_window:
            _here.clear()  # earlier windows are over: nothing grows without bound
            _here_window = window
        _here[key] = _here.get(key, 0) + 1
        if _here_warned != window:
            _here_warned = window  # once a minute per process, not once a call
            log.warning("Cache unreachable: API rate limits are counted per process this minute")
        return _here[key]
