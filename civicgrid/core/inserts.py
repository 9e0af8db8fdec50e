"""New rows written with INSERT statements built once per model, columns and database.

`Model.save()` and `bulk_create()` compile their INSERT field by field on every call, and
`bulk_create` builds a model instance per row. For the rows every intake writes (the need,
its first event, the API's idempotency key) that compiling was a fifth of the request's CPU,
and for the inbox rows of a worker's batch most of its time (docs/performance.md, fourth and
fifth passes). Two entry points share one statement builder:

- `insert(obj)` does what `save()` does for a new row — each field's `pre_save`
  (auto_now_add and the like), each value prepared by its field, the related-object check,
  the id read back — with the SQL text kept after the first call;
- `insert_rows(model, names, rows)` writes rows of values already prepared for the database,
  for the fields `names`, up to `CHUNK` rows per statement, and returns their ids in order.

Neither sends `pre_save`/`post_save` signals nor calls a model's own `save()`, so both refuse
(TypeError) a model with `pre_save`/`post_save` receivers, and a model that overrides `save()`
unless the class that overrides it declares `insert_safe = True`, with a comment saying why its
`save()` may be skipped for a new row (`core.timelines.AppendOnly`: its `save()` only refuses
updates).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.expressions import DatabaseDefault
from django.db.models.signals import post_save, pre_save

# Rows per statement: an inbox batch's statement text stays under the 4 kB below which
# psycopg keeps its parsing, so every full chunk reuses it.
CHUNK = 50

_statements: dict[tuple[type[Model], str, tuple[str, ...], int], str] = {}


def _statement(model: type[Model], alias: str, names: tuple[str, ...], count: int) -> str:
    """INSERT … VALUES (…) × count … RETURNING id for the fields `names` of `model`."""
    key = (model, alias, names, count)
    if key not in _statements:
        meta = model._meta
        connection = connections[alias]
        ops = connection.ops
        concrete = {f.name: f for f in meta.concrete_fields}
        fields = [concrete[name] for name in names]  # a KeyError names a field that is not a column
        if meta.auto_field is None or any(hasattr(f, "get_placeholder") for f in fields):
            raise TypeError(f"{model.__name__}: inserts handle plain fields and an auto id")
        if not connection.features.can_return_columns_from_insert:
            raise TypeError(f"{connection.vendor} cannot return the new id from an INSERT")
        # The backends' own API for INSERT … RETURNING (not in django-stubs).
        returning, _params = ops.return_insert_columns([meta.auto_field])  # type: ignore[attr-defined]
        row = "({})".format(", ".join(["%s"] * len(fields)))
        # Names come from the model; every value is a parameter.
        _statements[key] = "{} {} ({}) VALUES {} {}".format(
            ops.insert_statement(),
            ops.quote_name(meta.db_table),
            ", ".join(ops.quote_name(str(f.column)) for f in fields),
            ", ".join([row] * count),
            returning,
        )
    return _statements[key]


@functools.cache
def _unsafe_save(model: type[Model]) -> str:
    """The class of `model` whose own save() an insert would skip, or ""."""
    for klass in model.__mro__:
        if klass is Model:
            return ""
        if "save" in vars(klass) and vars(klass).get("insert_safe") is not True:
            return klass.__name__
    return ""


def _check_skippable(model: type[Model]) -> None:
    """Refuse a model whose save() or save signals an insert would silently skip."""
    overrider = _unsafe_save(model)
    if overrider:
        raise TypeError(
            f"{model.__name__}: {overrider}.save() is overridden and insert() would skip it; "
            f"save it with save(), or declare {overrider}.insert_safe = True (with why) "
            "if it does nothing for a new row"
        )
    # Checked on every call, not cached: a receiver may be connected after the first insert.
    for signal in (pre_save, post_save):
        if signal.has_listeners(model):
            name = "pre_save" if signal is pre_save else "post_save"
            raise TypeError(
                f"{model.__name__} has {name} receivers, which insert() would not call: "
                "save it with save()"
            )


def insert_rows(
    model: type[Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    using: str | None = None,
) -> list[int]:
    """Write rows of database-ready values for the fields `names`; return their new ids."""
    _check_skippable(model)
    alias = using or router.db_for_write(model)
    ids: list[int] = []
    with connections[alias].cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            cursor.execute(
                _statement(model, alias, tuple(names), len(chunk)),
                [value for row in chunk for value in row],
            )
            ids += [int(row[0]) for row in cursor.fetchall()]
    return ids


@functools.cache
def _new_row_fields(model: type[Model]) -> tuple[list[Field[Any, Any]], tuple[str, ...]]:
    """The fields save() writes for a new row of `model` (all but the auto id), and their names."""
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    return fields, tuple(f.name for f in fields)


def insert(obj: Model, *, using: str | None = None) -> Model:
    """Write `obj` as a new row and give it its id; return it."""
    model = type(obj)
    if not obj._state.adding or obj.pk is not None:
        raise TypeError(f"{model.__name__} {obj.pk}: insert() writes new rows only")
    alias = using or router.db_for_write(model, instance=obj)
    # What save() checks first: a related object assigned before it was saved is refused.
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    connection = connections[alias]
    fields, names = _new_row_fields(model)
    values = []
    for field in fields:
        value = field.pre_save(obj, add=True)
        if isinstance(value, DatabaseDefault):
            raise TypeError(f"{field}: insert() needs a value, not the database's default")
        values.append(field.get_db_prep_save(value, connection=connection))
    (obj.pk,) = insert_rows(model, names, [values], using=alias)
    obj._state.adding = False
    obj._state.db = alias
    return obj
