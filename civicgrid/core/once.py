"""One-time keys: a form carries a random key drawn when it is rendered, so that sending it
twice (a double click, a resend after a slow answer) does the work once.

    key = once.new_key()                           # into a hidden field
    ...
    try:
        need = need_raise(..., also=lambda need: once.claim(SCOPE, key, need.number))
    except IntegrityError:
        first = once.result_of(SCOPE, key)         # a repeat: show what the first one made

`claim` writes the key in the work's own transaction, and the unique (scope, key) constraint
decides: a repeat, or the loser of two concurrent requests with one key, fails to insert it,
which rolls its work back with it. The REST API's Idempotency-Key does the same for API clients
(api/services.py). Keys are deleted by the worker after `KEEP`.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from django.utils import timezone

from civicgrid.core.inserts import insert
from civicgrid.core.models import OnceKey

# How long a key is remembered: a repeat later than that does the work again.
KEEP = dt.timedelta(days=1)
# Scopes whose keys are kept longer, by prefix: a grid worker's phone may hold actions taken
# without signal for days in a pastoral area before it replays them (needs/views/console.py).
KEEP_LONGER = {"console:": dt.timedelta(days=14)}
# Keys drawn by `new_key` are 32 URL-safe characters. Anything much shorter is refused, so that
# no one can pick a key that someone else might also send (and be shown their receipt).
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_key() -> str:
    return secrets.token_urlsafe(24)


def well_formed(key: str) -> bool:
    return bool(_WELL_FORMED.fullmatch(key or ""))


def claim(scope: str, key: str, result: str) -> None:
    """Record that `key` made `result`, in the caller's transaction. IntegrityError when the
    key was used before (or is being used at this moment by a request that then commits)."""
    insert(OnceKey(scope=scope, key=key, result=result, created_at=timezone.now()))


def set_result(scope: str, key: str, result: str) -> None:
    """Record what the work made once it is known (claimed first, in the same transaction)."""
    OnceKey.objects.filter(scope=scope, key=key).update(result=result)


def result_of(scope: str, key: str) -> str | None:
    """What the first request with this key made, or None if the key is unknown."""
    rows = OnceKey.objects.filter(scope=scope, key=key).values_list("result", flat=True)
    return next(iter(rows[:1]), None)


def prune(now: dt.datetime | None = None) -> int:
    """Delete keys older than KEEP (or their scope's KEEP_LONGER); returns how many."""
    now = now or timezone.now()
    old = OnceKey.objects.filter(created_at__lt=now - KEEP)
    deleted = 0
    for prefix, keep in KEEP_LONGER.items():
        old = old.exclude(scope__startswith=prefix)
        gone, _by_model = OnceKey.objects.filter(
            scope__startswith=prefix, created_at__lt=now - keep
        ).delete()
        deleted += gone
    gone, _by_model = old.delete()
    return deleted + gone
