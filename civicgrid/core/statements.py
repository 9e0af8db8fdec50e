"""Statements built once: a hot read compiled to SQL by the ORM on first use, then sent again
with new values.

Django builds and compiles a queryset's SQL every time one is evaluated: ~0.8 ms for the
31-column read behind an Open311 request, three times what sending the SQL and reading the
row takes (docs/performance.md, issue 13). A `Statement` is written as an ordinary queryset
over named arguments; the first call on each database compiles it and notes which of the
SQL's parameters stand for which argument; later calls send the same SQL with the new values
and convert the rows as Django would (SQLite returns dates as text, JSON as a string).

    by_number = Statement(
        lambda number: Need.objects.filter(number=number).values_list("id", "state"),
        number=str,
    )
    rows = by_number(number="AB12CD34")  # a list of tuples

`ModelStatement` does the same for a queryset of model instances, `select_related` included:
the rows become instances as Django's own iterator makes them (`Model.from_db` and the related
populators, built once with the SQL).

Arguments (an int, a str, a datetime) are compared with exact values or ranges only
(`field=argument`, `field__gte=argument`), or declared `Prefix` and compared with
`__startswith` (the scope rule's paths): any other lookup that changes the value
on its way to SQL (`__contains`, `__in`, a date truncated…) would not find it, and the
statement says so when it is first compiled. Every call is routed like the queryset would be
(`router.db_for_read`, so a replica scope applies), and nothing about a connection is kept:
each call takes the current thread's.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_serial = itertools.count(1)


class Prefix(str):
    """The type of an argument compared with `__startswith`. Django sends such a value with
    LIKE's characters escaped and "%" added; a call's value is sent the same way."""


def _stand_in(kind: type) -> Any:
    """A value no real argument takes, of the argument's type (the field prepares it)."""
    n = next(_serial)
    if kind is int:
        return -(2**62) - n
    if kind is str or kind is Prefix:
        return f"\ue000stand-in-{n}\ue000"
    if kind is dt.datetime:
        return dt.datetime(1, 1, 2, tzinfo=dt.UTC) + dt.timedelta(microseconds=n)
    raise ImproperlyConfigured(
        f"A statement's argument is an int, a str, a Prefix or a datetime, not {kind!r}."
    )


def _sent(kind: type, value: Any, connection: Any) -> Any:
    """An argument's value as the ORM sends it to `connection`."""
    if kind is Prefix:
        return f"{connection.ops.prep_for_like_query(value)}%"
    if kind is dt.datetime:
        return connection.ops.adapt_datetimefield_value(value)  # text on SQLite
    return value


def _cursor(connection: Any, prepare: bool) -> Any:
    """A cursor for a statement: on PostgreSQL, with `prepare`, one that binds on the server
    and prepares what it runs, so the statement is planned once per connection (the
    connection's prepare_threshold, settings.POSTGRES_PREPARED, can turn that off); else the
    usual one. Wrapped as Django wraps its own cursors, so its errors are Django's. Where
    queries are logged (DEBUG, a test counting them) the usual cursor runs it: Django's log
    reads the SQL back from a client-side cursor only."""
    if not prepare or connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    return connection.make_cursor(_PreparingCursor(connection.connection))


class _PreparingCursor(psycopg.Cursor):
    # A statement's plan does not depend on its values (lookups by key): the generic plan
    # PostgreSQL keeps for a prepared statement is the one it would choose each time.
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True)


@dataclass(frozen=True)
class _Argument:
    name: str
    kind: type  # how it is sent (`_sent`)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # constants, and _Argument where a call's value goes
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]  # (column, functions, expression)
    compiler: Any  # what compiled it: a ModelStatement builds instances from its select


class Statement:
    """A values_list() queryset over named arguments, compiled once per database.

    `prepare=False` for a statement whose best plan depends on its values (a range of
    times, a subtree by its path): PostgreSQL then plans it each time, as it plans the ORM's
    queries. A prepared statement may be given one generic plan after five runs, chosen
    without the values: for the last 90 days' requests it sorted every request of the window
    (the no-parameter list went from 50 to 160 ms)."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, prepare: bool = True, **arguments: type
    ) -> None:
        self.build = build
        self.prepare = prepare
        self.arguments = arguments
        self.model: Any = None
        self._compiled: dict[str, _Compiled] = {}

    def __call__(self, **values: Any) -> list[tuple[Any, ...]]:
        return self._rows(values)[0]

    def _rows(self, values: dict[str, Any]) -> tuple[list[tuple[Any, ...]], str, _Compiled]:
        if values.keys() != self.arguments.keys():
            raise TypeError(f"expected the arguments {sorted(self.arguments)}")
        if self.model is None:
            self.model = self._queryset()[0].model
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get(alias) or self._compile(alias)
        connection = connections[alias]
        params = [
            _sent(p.kind, values[p.name], connection) if isinstance(p, _Argument) else p
            for p in compiled.params
        ]
        with _cursor(connection, self.prepare) as cursor:
            cursor.execute(compiled.sql, params)
            rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
        if not compiled.converters:
            return list(rows), alias, compiled
        return [self._convert(row, compiled, connection) for row in rows], alias, compiled

    def _queryset(self) -> tuple[QuerySet[Any], dict[str, Any]]:
        stand_ins = {name: _stand_in(kind) for name, kind in self.arguments.items()}
        return self.build(**stand_ins), stand_ins

    def _compile(self, alias: str) -> _Compiled:
        queryset, stand_ins = self._queryset()
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        connection = connections[alias]
        names = {
            _sent(self.arguments[name], value, connection): name
            for name, value in stand_ins.items()
        }
        placed = tuple(
            _Argument(names[p], self.arguments[names[p]])
            if isinstance(p, Hashable) and p in names
            else p
            for p in params
        )
        missing = set(stand_ins) - {p.name for p in placed if isinstance(p, _Argument)}
        if missing:
            raise ImproperlyConfigured(
                f"The statement's arguments {sorted(missing)} do not reach its SQL as they "
                "are: compare them with exact values only."
            )
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        compiled = _Compiled(sql, placed, converters, compiler)
        self._compiled[alias] = compiled
        return compiled

    @staticmethod
    def _convert(row: tuple[Any, ...], compiled: _Compiled, connection: Any) -> tuple[Any, ...]:
        values = list(row)
        for position, functions, expression in compiled.converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        return tuple(values)


class ModelStatement(Statement):
    """A queryset of model instances (with its `select_related`) over named arguments,
    compiled once per database. Calling it returns the instances; no annotations, no
    `prefetch_related` (a second statement reads those)."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], *, prepare: bool = True, **arguments: type
    ) -> None:
        super().__init__(build, prepare=prepare, **arguments)
        self._makers: dict[str, tuple[Any, list[str], int, int, list[Any]]] = {}

    def __call__(self, **values: Any) -> list[Any]:
        rows, alias, compiled = self._rows(values)
        maker = self._makers.get(alias) or self._maker(alias, compiled)
        model, init_list, start, end, populators = maker
        instances = []
        for row in rows:
            obj = model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            instances.append(obj)
        return instances

    def _maker(self, alias: str, compiled: _Compiled) -> tuple[Any, list[str], int, int, list[Any]]:
        compiler = compiled.compiler
        prefetches = getattr(self._queryset()[0], "_prefetch_related_lookups", ())
        if compiler.annotation_col_map or prefetches:
            raise ImproperlyConfigured("A model statement reads columns of models only.")
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        maker = (
            klass_info["model"],
            init_list,
            start,
            end,
            get_related_populators(klass_info, select, alias),  # type: ignore[call-arg]
        )
        self._makers[alias] = maker
        return maker
