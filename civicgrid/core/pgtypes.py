"""Reading PostgreSQL's `timestamptz` with psycopg's compiled loader.

Django registers its own loader for `timestamptz` on every PostgreSQL connection: a Python
subclass of psycopg's pure-Python one, which parses each value with a regular expression.
A list of a thousand needs carries several thousand timestamps, and reading them that way
took more than half of the time of fetching the rows (issue 13, docs/performance.md).

The compiled loader (psycopg[binary]) gives the same aware datetimes in the connection's
time zone, which Django sets to UTC. It cannot be subclassed, so `CompiledTimestamptz`
holds one and carries the `timezone` attribute Django compares when it opens a cursor
(equal: Django registers nothing more on the cursor). Only connections in UTC get it, and
only when the compiled implementation is installed; otherwise Django's stays.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.backends.signals import connection_created


def _compiled_loader() -> type | None:
    try:
        import psycopg
        from psycopg.postgres import types
    except ImportError:  # SQLite only, or psycopg 2
        return None
    loader = psycopg.adapters.get_loader(types["timestamptz"].oid, psycopg.pq.Format.TEXT)
    return loader if loader is not None and loader.__module__.startswith("psycopg_binary") else None


COMPILED = _compiled_loader()


def compiled_timestamptz() -> type | None:
    """The loader class to register, or None where there is no compiled one."""
    if COMPILED is None:
        return None
    compiled: type = COMPILED
    from psycopg.adapt import Loader

    class CompiledTimestamptz(Loader):
        timezone = dt.UTC  # what Django's PostgreSQL backend compares

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._compiled = compiled(oid, context)
            # Called for every value: the compiled method itself, with no frame between.
            self.load = self._compiled.load  # type: ignore[method-assign]

        def load(self, data: Any) -> Any:
            return self._compiled.load(data)

    return CompiledTimestamptz


_LOADER = compiled_timestamptz()


def use_compiled_timestamptz(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created`: on PostgreSQL connections in UTC, the compiled loader."""
    if _LOADER is None or connection.vendor != "postgresql":
        return
    if connection.timezone != dt.UTC:
        return
    connection.connection.adapters.register_loader("timestamptz", _LOADER)


def connect() -> None:
    connection_created.connect(use_compiled_timestamptz, dispatch_uid="civicgrid.pgtypes")
