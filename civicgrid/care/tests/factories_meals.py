"""Builders for the meal point and menu tests, on `factories.care()`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from civicgrid.care.models import Dish, MealPoint, Menu

DISHES: list[dict[str, Any]] = [
    {"name": "红烧豆腐", "name_mn": "ᠳᠣᠣᠹᠦ", "special": True},
    {"name": "土豆炖牛肉", "name_mn": "ᠦᠬᠡᠷ ᠦᠨ ᠮᠢᠬᠠ", "special": False},
    {"name": "小米粥", "name_mn": "", "special": False},
]


def menu(
    point: MealPoint,
    day: dt.date,
    *,
    dishes: list[dict[str, Any]] | None = None,
    published: bool = True,
    note: str = "",
) -> Menu:
    """A menu written straight into the tables (no access check): set-up only."""
    made = Menu.objects.create(
        point=point, day=day, note=note, published_at=timezone.now() if published else None
    )
    for n, d in enumerate(dishes if dishes is not None else DISHES, start=1):
        Dish.objects.create(menu=made, position=n, **d)
    return made


def locate(point: MealPoint, lat: float, lon: float, *, phone: str = "0477-8612345") -> MealPoint:
    MealPoint.objects.filter(pk=point.pk).update(lat=lat, lon=lon, phone=phone)
    point.refresh_from_db()
    return point
