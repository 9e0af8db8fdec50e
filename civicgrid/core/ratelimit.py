"""Fixed-window rate limits that every app process and machine counts together.

    wait = hit("open311-post", client_ip(request), limit=30, per=60)
    if wait: answer 429 with Retry-After: wait

`hit()` counts requests in the database's `RateCounter` table with one statement (the
database cache took six per request). Failed logins (`blocked`, `count`, `forget`) use the shared
cache: the database table by default, Redis when CACHE_URL says so.
"""

from __future__ import annotations

import functools
import math
import time

from django.core.cache import caches
from django.db import connections, router
from django.http import HttpRequest

from civicgrid.core.models import RateCounter


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
    window_end = (int(time.time()) // per + 1) * per
    if _increment(f"{scope}:{who}"[:255], window_end) <= limit:
        return 0
    return _wait(per)


def _increment(key: str, window_end: int) -> int:
    """The key's count in the window ending at `window_end`, this request included: one
    INSERT … ON CONFLICT DO UPDATE … RETURNING (PostgreSQL, SQLite 3.35+), atomic however many
    processes count at once. A counter left from an earlier window starts again at 1."""
    alias = router.db_for_write(RateCounter) or "default"
    with connections[alias].cursor() as cursor:
        cursor.execute(_increment_sql(alias), [key, window_end])
        return int(cursor.fetchone()[0])


@functools.cache
def _increment_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    table = quote(RateCounter._meta.db_table)
    key_, end, count = quote("key"), quote("window_end"), quote("count")
    # Names come from the model; the key and the window are parameters.
    return (
        f"INSERT INTO {table} ({key_}, {end}, {count}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({key_}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{end} = EXCLUDED.{end} THEN {table}.{count} + 1 ELSE 1 END, "
        f"{end} = EXCLUDED.{end} RETURNING {count}"
    )


def prune(now: float | None = None) -> int:
    """Delete counters whose window ended over an hour ago; returns how many."""
    now = time.time() if now is None else now
    deleted, _by_model = RateCounter.objects.filter(window_end__lt=int(now) - 3600).delete()
    return deleted


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
