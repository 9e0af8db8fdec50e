"""Reads from a PostgreSQL replica, only where a view asks for it.

    @replica_reads()
    def dashboard(request): ...

    with replica_reads():
        figures = selectors.public_figures(...)

A replica lags the primary by a moment, so only pages that show figures (dashboards, reports,
ledgers, the public page) read from it; whatever a user has just changed is read from the
primary everywhere else. Inside the scope:

- writes always go to "default" (the primary), and so do reads made inside a transaction
  on it, which must see that transaction's own writes;
- the shared cache table (rate limits, cached figures) is always read on "default".

Without DATABASE_REPLICA_URL there is no "replica" alias and everything uses "default".
The scope is a context variable: each thread (and each asyncio task) has its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections

REPLICA = "replica"

_reading_replica: ContextVar[bool] = ContextVar("civicgrid_replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block (or the decorated view), model reads go to the replica if any."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        if not _reading_replica.get() or not replica_configured():
            return "default"
        # The database cache's model; the cache counts and sets, so it stays on the primary.
        if model._meta.app_label == "django_cache":
            return "default"
        if connections["default"].in_atomic_block:
            return "default"
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Both aliases hold the same data.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # The replica copies the primary's schema through replication.
        return db != REPLICA
