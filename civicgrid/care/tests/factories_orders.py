"""Builders for the meal-order tests, on the care world of `factories.py`: times on the
tests' day (local), and an order placed as staff or as the person's family."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from civicgrid.care import orders
from civicgrid.care.models import CaredPerson, MealOrder, PlacedBy
from civicgrid.care.tests import factories as cf


def at(day: dt.date = cf.DAY, hour: int = 8, minute: int = 0) -> dt.datetime:
    """A local time on `day` (the point's cut-off is 9:30)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# Early on the tests' day: orders for it are still open.
MORNING = at(cf.DAY, 8)


def place(
    c: cf.Care,
    person: CaredPerson,
    *,
    day: dt.date = cf.DAY,
    by: Any = None,
    now: dt.datetime | None = None,
    **fields: Any,
) -> MealOrder:
    """An order placed by 一社区's staff (or `by`) for `person` at the world's point."""
    fields.setdefault("placed_by", PlacedBy.STAFF)
    return orders.order_place(
        by=by or c.w.dispatcher,
        person=person,
        point=c.point,
        day=day,
        now=now or MORNING,
        **fields,
    )


def by_family(c: cf.Care, person: CaredPerson, **fields: Any) -> MealOrder:
    """An order placed by the person's daughter through the keyed link."""
    fields.setdefault("placer_name", "王秀英")
    fields.setdefault("placer_phone", "13900000086")
    return place(c, person, by=orders.RESIDENT, placed_by=PlacedBy.FAMILY, **fields)
