"""A new row written with an INSERT statement built once per model and database.

`Model.save()` compiles its INSERT on every call, field by field. For the rows every intake
writes (the need, its first event, the API's idempotency key) that compiling was a fifth of
the request's CPU (docs/performance.md, fifth pass). `insert(obj)` does what `save()` does
for a new row — each field's `pre_save` (auto_now_add and the like), each value prepared by
its field for the database, the id read back — but keeps the SQL text after the first call.

It sends no `pre_save`/`post_save` signals and skips a model's own `save()`: use it only for
models that need neither (core/tests/test_inserts.py checks that nothing listens to them).
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.expressions import DatabaseDefault

_statements: dict[tuple[type[Model], str], tuple[str, list[Field[Any, Any]]]] = {}


def _statement(model: type[Model], alias: str) -> tuple[str, list[Field[Any, Any]]]:
    """The INSERT … RETURNING id for one row of `model`, and the fields in its column order."""
    key = (model, alias)
    if key not in _statements:
        meta = model._meta
        connection = connections[alias]
        ops = connection.ops
        fields = [
            f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field
        ]
        if meta.auto_field is None or any(hasattr(f, "get_placeholder") for f in fields):
            raise TypeError(f"{model.__name__}: insert() handles plain fields and an auto id")
        if not connection.features.can_return_columns_from_insert:
            raise TypeError(f"{connection.vendor} cannot return the new id from an INSERT")
        # The backends' own API for INSERT … RETURNING (not in django-stubs).
        returning, _params = ops.return_insert_columns([meta.auto_field])  # type: ignore[attr-defined]
        sql = "{} {} ({}) VALUES ({}) {}".format(
            ops.insert_statement(),
            ops.quote_name(meta.db_table),
            ", ".join(ops.quote_name(str(f.column)) for f in fields),
            ", ".join(["%s"] * len(fields)),
            returning,
        )
        _statements[key] = (sql, fields)
    return _statements[key]


def insert(obj: Model, *, using: str | None = None) -> Model:
    """Write `obj` as a new row and give it its id; return it."""
    model = type(obj)
    if not obj._state.adding or obj.pk is not None:
        raise TypeError(f"{model.__name__} {obj.pk}: insert() writes new rows only")
    alias = using or router.db_for_write(model, instance=obj)
    sql, fields = _statement(model, alias)
    # What save() checks first: a related object assigned before it was saved is refused.
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    connection = connections[alias]
    params = []
    for field in fields:
        value = field.pre_save(obj, add=True)
        if isinstance(value, DatabaseDefault):
            raise TypeError(f"{field}: insert() needs a value, not the database's default")
        params.append(field.get_db_prep_save(value, connection=connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (pk,) = connection.ops.fetch_returned_insert_columns(cursor, ())  # type: ignore[attr-defined]
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = alias
    return obj
