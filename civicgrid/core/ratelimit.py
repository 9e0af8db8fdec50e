"""Fixed-window rate limits kept in the shared cache, so every app process counts together.

    wait = hit("open311-post", client_ip(request), limit=30, per=60)
    if wait: answer 429 with Retry-After: wait

The default cache is the database (a table made by a migration), which every process and
machine shares; a Redis cache can replace it by setting CACHE_URL.
"""

from __future__ import annotations

import math
import time

from django.core.cache import caches
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind a proxy, set TRUSTED_PROXY_COUNT so the right hop of
    X-Forwarded-For is used instead of the proxy's own address."""
    from django.conf import settings

    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _key(scope: str, who: str, per: int) -> str:
    window = int(time.time() // per)
    return f"rl:{scope}:{who}:{window}"


def _count_one(key: str, per: int) -> int:
    cache = caches["default"]
    # Most requests find the window's counter already there: incr() first (on the database
    # cache 6 queries, where add() then incr() took 11). add() is atomic: it only sets when
    # absent, so of two first requests of a window one starts at 1 and the other increments.
    try:
        return cache.incr(key)
    except ValueError:  # no counter yet in this window
        pass
    if cache.add(key, 1, timeout=per + 5):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=per + 5)
        return 1


def _wait(per: int) -> int:
    """Seconds until the current window of `per` seconds ends (at least 1)."""
    return max(1, per - int(time.time()) % per)


def hit(scope: str, who: str, *, limit: int, per: int) -> int:
    """Count one request; return 0 if allowed, else the seconds until the window resets."""
    count = _count_one(_key(scope, who, per), per)
    if count <= limit:
        return 0
    return _wait(per)


# Counting only some events (failed logins): check first, count once the outcome is known.
# Reaching the limit blocks for a whole `per` seconds from then, whatever the window.


def blocked(scope: str, who: str) -> int:
    """0 if not blocked, else the seconds until the block ends. Counts nothing."""
    until = caches["default"].get(f"rl-block:{scope}:{who}")
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def count(scope: str, who: str, *, limit: int, per: int) -> None:
    """Count one event in this window; the `limit`-th blocks for `per` seconds."""
    if _count_one(_key(scope, who, per), per) >= limit:
        caches["default"].set(f"rl-block:{scope}:{who}", time.time() + per, timeout=per)


def forget(scope: str, who: str, *, per: int) -> None:
    """Drop this window's count (a success after failures)."""
    caches["default"].delete(_key(scope, who, per))
