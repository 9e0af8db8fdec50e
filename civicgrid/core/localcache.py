"""Per-process caches of rows that rarely change and are read on every intake: a category with
its questions and deadlines, the working-day calendar, the upper levels of the network and
their dispatchers (docs/performance.md).

Several processes serve the site, so nothing here may stay wrong for long: an entry is used
for at most `LOCAL_CACHE_TTL` seconds after it was read from the database, and a save or a
delete of a watched model in this process empties its namespace at once (`watch`). A change
made by another process (or by `QuerySet.update()`, which sends no signal) is therefore seen
within the TTL. Tests start with empty caches (`forget`, called by the root conftest).

Cached values are shared by every request of the process: callers must not change them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

# More entries than this in one namespace (many distinct keys within one TTL) empties it:
# memory stays bounded whatever the keys.
MAX_ENTRIES = 5000

_lock = threading.Lock()
_store: dict[str, dict[Hashable, tuple[float, Any]]] = {}


def cached(namespace: str, key: Hashable, load: Callable[[], T]) -> T:
    """The value for `key` in `namespace`, from memory if read less than the TTL ago, else
    from `load()` (which reads the database)."""
    now = time.monotonic()
    entries = _store.get(namespace)
    if entries is not None:
        hit = entries.get(key)
        if hit is not None and now - hit[0] < settings.LOCAL_CACHE_TTL:
            return hit[1]
    value = load()
    with _lock:
        entries = _store.setdefault(namespace, {})
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        entries[key] = (now, value)
    return value


def forget(namespace: str | None = None) -> None:
    """Empty one namespace, or all of them."""
    with _lock:
        if namespace is None:
            _store.clear()
        else:
            _store.pop(namespace, None)


def watch(namespace: str, *senders: type[models.Model]) -> None:
    """Empty `namespace` whenever a row of one of `senders` is saved or deleted here."""

    def changed(**_kwargs: Any) -> None:
        forget(namespace)
        # Again when the save commits: a read in between (another thread) kept the old row.
        transaction.on_commit(lambda: forget(namespace))

    for sender in senders:
        dispatch_uid = f"localcache:{namespace}:{sender._meta.label}"
        post_save.connect(changed, sender=sender, weak=False, dispatch_uid=dispatch_uid)
        post_delete.connect(changed, sender=sender, weak=False, dispatch_uid=dispatch_uid)
