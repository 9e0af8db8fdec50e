"""Cursor pagination: a page is "the `limit` rows after the last one you saw".

Offsets drift when rows are added while a client walks a list (new needs arrive all the time):
rows are skipped or repeated. A cursor names the last row by its sort key, so the next page
starts right after it whatever was added since. Cursors are opaque to clients (URL-safe
base64 of JSON) so that the key can change without breaking them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.core.errors import Invalid

T = TypeVar("T")


def encode(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != arity:
        raise Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")
    return values


def _newest_first_q(cursor: str) -> Q:
    at, pk = decode(cursor, 2)
    try:
        when = dt.datetime.fromisoformat(at)
        pk = int(pk)
    except (TypeError, ValueError):
        raise Invalid(_("The cursor is not one this API gave out."), code="bad_cursor") from None
    return Q(created_at__lt=when) | Q(created_at=when, id__lt=pk)


def newest_first(
    qs: QuerySet[Any], *, cursor: str | None, limit: int, fields: Sequence[str]
) -> tuple[list[dict[str, Any]], str | None]:
    """Rows as dicts (only `fields`, plus the key), newest first, after `cursor`."""
    if cursor:
        qs = qs.filter(_newest_first_q(cursor))
    rows = list(qs.order_by("-created_at", "-id").values(*fields, "id", "created_at")[: limit + 1])
    return newest_first_page(rows, limit)


def newest_first_page(
    rows: list[dict[str, Any]], limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Up to `limit + 1` rows read newest first (with "id" and "created_at") as a page."""
    return _page(rows, limit, lambda r: [r["created_at"].isoformat(), r["id"]])


def in_path_order(
    qs: QuerySet[Any], *, cursor: str | None, limit: int, fields: Sequence[str]
) -> tuple[list[dict[str, Any]], str | None]:
    """Nodes as dicts in tree order (by materialised path, unique per node), after `cursor`."""
    if cursor:
        (path,) = decode(cursor, 1)
        if not isinstance(path, str):
            raise Invalid(_("The cursor is not one this API gave out."), code="bad_cursor")
        qs = qs.filter(path__gt=path)
    rows = list(qs.order_by("path").values(*fields, "path")[: limit + 1])
    return _page(rows, limit, lambda r: [r["path"]])


def _page(
    rows: list[dict[str, Any]], limit: int, key: Callable[[dict[str, Any]], list[Any]]
) -> tuple[list[dict[str, Any]], str | None]:
    # One row more than asked says whether there is a next page without a COUNT.
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(key(rows[-1])) if more and rows else None
