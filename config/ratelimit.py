"""Fixed-window rate limits counted in the shared cache (Redis in production), one helper for
the API, SCIM and the public "is this account official?" check.

While the cache cannot be reached, a call is counted by this process alone: the limit then
holds per server process instead of across them, and the pages keep answering instead of
failing every call because a counter is out of reach. How long a call may wait for an
unanswering Redis is bounded by the cache's socket timeouts (REDIS_TIMEOUT_SECONDS).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    limited: bool
    retry_after: int  # whole seconds until the window resets (at least 1): for Retry-After


def hit(scope: str, ident: str, *, limit: int, window: int = 60) -> Verdict:
    """Count one call of ``ident`` (a token's hash, a client address) in the current window.

    Key by something that is never reused (a token's hash, not its row id). The window is
    fixed (aligned to multiples of ``window`` seconds), so Retry-After says when it ends."""
    now = time.time()
    number = int(now // window)
    key = f"{scope}:{ident}:{number}"
    retry_after = max(1, math.ceil((number + 1) * window - now))
    try:
        # add() opens the window only if none is open; incr() is atomic on shared caches.
        count = 1 if cache.add(key, 1, timeout=window + 30) else cache.incr(key)
    except ValueError:  # the window expired between the two calls
        count = 1
    except Exception:  # the cache is down or unreachable (redis.ConnectionError, a timeout)
        count = _count_here(scope, key, now + window)
    return Verdict(limited=count > limit, retry_after=retry_after)


_here: dict[str, tuple[float, int]] = {}  # key -> (when it may be forgotten, count)
_here_pruned = 0.0
_here_warned: dict[str, int] = {}  # scope -> the minute its warning was logged
_here_lock = threading.Lock()


def _count_here(scope: str, key: str, forget_at: float) -> int:
    """This process's own count for the window, used only while the shared cache is down."""
    global _here_pruned
    now = time.time()
    with _here_lock:
        if now - _here_pruned >= 10:  # windows that are over are dropped: nothing grows
            for old in [k for k, (until, _) in _here.items() if until <= now]:
                del _here[old]
            _here_pruned = now
        _, count = _here.get(key, (forget_at, 0))
        _here[key] = (forget_at, count + 1)
        minute = int(now // 60)
        if _here_warned.get(scope) != minute:
            _here_warned[scope] = minute  # once a minute per process and limit, not a call
            log.warning(
                "Cache unreachable: %s rate limits are counted per process this minute", scope
            )
        return count + 1
