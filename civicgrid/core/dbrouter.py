"""Reads from a PostgreSQL replica, only where a view asks for it, only while the replica is
healthy, and never for a client that has just written.

    @replica_reads()
    def dashboard(request): ...

    with replica_reads():
        figures = selectors.public_figures(...)

A replica lags the primary by a moment, so only pages that many read and that tolerate that
moment read from it: dashboards, reports, ledgers, the public page, Open311's lists and the
resident's tracking page. Inside the scope reads still go to "default" (the primary) when:

- the read is made inside a transaction on the primary, which must see its own writes;
- the model is the shared cache's table (rate limits, cached figures), which counts and sets,
  or the sessions;
- the request is pinned to the primary (`primary_reads`): the client wrote a moment ago and
  must read what it wrote (ReadYourWrites, below);
- the replica is down, or lags more than REPLICA_MAX_LAG_SECONDS (`replica_health`).
Writes always go to "default".

Without DATABASE_REPLICA_URL there is no "replica" alias and everything uses "default".
The scopes are context variables: each thread (and each asyncio task) has its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("civicgrid.replica")

REPLICA = "replica"
# Read on the primary even inside the scope (ReplicaRouter.db_for_read says why).
PRIMARY_APPS = frozenset({"django_cache", "sessions"})

_reading_replica: ContextVar[bool] = ContextVar("civicgrid_replica_reads", default=False)
_pinned_to_primary: ContextVar[bool] = ContextVar("civicgrid_primary_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block (or the decorated view), model reads go to the replica if any."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Within this block every read goes to the primary, replica_reads or not."""
    token = _pinned_to_primary.set(True)
    try:
        yield
    finally:
        _pinned_to_primary.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


# --- Health ----------------------------------------------------------------------------------

# Seconds the standby is behind: 0 when it has replayed all it received (an idle primary sends
# nothing, and the last replayed commit may be hours old without any lag); else the age of the
# last commit it replayed. Not a standby (a pooler in front of the primary): 0.
LAG_SQL = """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
    END
"""


@dataclass(frozen=True)
class ReplicaHealth:
    state: Literal["ok", "lagging", "down"]
    lag: float | None = None  # seconds behind the primary; None when down

    @property
    def usable(self) -> bool:
        return self.state == "ok"


# (when measured, on the monotonic clock; what was measured), per process. A race between two
# threads measures twice, harmlessly.
_health: tuple[float, ReplicaHealth] | None = None
clock: Callable[[], float] = time.monotonic


def forget_replica_health() -> None:
    global _health
    _health = None


def replica_health() -> ReplicaHealth:
    """The replica's health, measured at most every REPLICA_CHECK_SECONDS in this process."""
    global _health
    now = clock()
    if _health is None or now - _health[0] >= settings.REPLICA_CHECK_SECONDS:
        _health = (now, measure_replica())
    return _health[1]


def measure_replica() -> ReplicaHealth:
    """Connect to the replica and ask how far behind it is. A connection of its own, closed
    at once (with the connect_timeout of settings.py): a failed check leaves no broken
    connection for the request to stumble on, and the check sees whether the replica takes
    connections now, not whether one opened earlier is still up."""
    wrapper = connections[REPLICA]
    try:
        with wrapper.wrap_database_errors:
            raw = wrapper.get_new_connection(wrapper.get_connection_params())
            try:
                cursor = raw.cursor()
                cursor.execute(LAG_SQL if wrapper.vendor == "postgresql" else "SELECT 0")
                lag = float(cursor.fetchone()[0])
            finally:
                raw.close()
    except DatabaseError as exc:
        logger.warning("replica down, reads go to the primary: %s", exc)
        return ReplicaHealth("down")
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        logger.warning("replica %.1f s behind, reads go to the primary", lag)
        return ReplicaHealth("lagging", lag)
    return ReplicaHealth("ok", lag)


# --- Read your writes --------------------------------------------------------------------------

# A signed cookie carrying when the client last wrote: its reads go to the primary for
# REPLICA_PIN_SECONDS after. In the client, not in a process's memory, because the next
# request may reach another process or another server; residents have no account, so it
# cannot hang on a session either. Signed with a timestamp, so that the server, not the
# browser, decides when it has run out.
PIN_COOKIE = "civicgrid_primary"
PIN_SALT = "civicgrid.core.dbrouter.pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ReadYourWrites:
    """Pin a request to the primary when it writes (any unsafe method), or when its client
    wrote less than REPLICA_PIN_SECONDS ago; after a write, tell the client so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_configured():
            return self.get_response(request)
        writes = request.method not in SAFE_METHODS
        wrote = request.get_signed_cookie(
            PIN_COOKIE, default="", salt=PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS
        )
        if writes or wrote:
            with primary_reads():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if writes:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


# --- The router --------------------------------------------------------------------------------


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        if not _reading_replica.get() or not replica_configured():
            return "default"
        # The database cache's model (the cache counts and sets) and the sessions (a login or
        # a logout a moment ago is already true) stay on the primary.
        if model._meta.app_label in PRIMARY_APPS:
            return "default"
        if connections["default"].in_atomic_block or _pinned_to_primary.get():
            return "default"
        if not replica_health().usable:
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
