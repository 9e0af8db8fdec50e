"""Fixed-window rate limits kept in the shared cache, so every app process counts together.

    wait = hit("open311-post", client_ip(request), limit=30, per=60)
    if wait: answer 429 with Retry-After: wait

The default cache is the database (a table made by a migration), which every process and
machine shares; a Redis cache can replace it by setting CACHE_URL.
"""

from __future__ import annotations

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


def hit(scope: str, who: str, *, limit: int, per: int) -> int:
    """Count one request; return 0 if allowed, else the seconds until the window resets."""
    cache = caches["default"]
    window = int(time.time() // per)
    key = f"rl:{scope}:{who}:{window}"
    # add() is atomic: it only sets when absent, so the first request of a window starts at 1.
    if cache.add(key, 1, timeout=per + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=per + 5)
            count = 1
    if count <= limit:
        return 0
    return max(1, per - int(time.time()) % per)
