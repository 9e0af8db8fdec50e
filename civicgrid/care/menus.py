"""A meal point's daily menus: written by the point's staff (or staff who serve its place),
published for residents, still correctable once published (a dish ran out): the correction
records who and when (`Menu.corrected_by`, `corrected_at`).

A menu has two states, draft and published (`published_at` set). The one move between them is
`menu_publish`, a conditional UPDATE on `published_at IS NULL`: two staff publishing at once
publish it once, and the second is told it already was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicgrid.care.access_meals import check_keeps_menus
from civicgrid.care.models import Dish, MealPoint, Menu
from civicgrid.core.errors import Conflict, Invalid
from civicgrid.core.i18n import mongolian

MAX_DISHES = 20
NAME_MAX = Dish._meta.get_field("name").max_length or 60
NAME_MN_MAX = Dish._meta.get_field("name_mn").max_length or 120
# How far ahead a menu may be written.
AHEAD_DAYS = 366


@dataclass(frozen=True)
class DishRow:
    name: str
    name_mn: str = ""
    special: bool = False


def _rows(dishes: list[dict[str, Any]]) -> list[DishRow]:
    """The dishes as given, blank rows left out, checked."""
    rows: list[DishRow] = []
    for given in dishes:
        name = str(given.get("name") or "").strip()
        name_mn = str(given.get("name_mn") or "").strip()
        if not name and not name_mn:
            continue
        if not name:
            raise Invalid(
                _("Every dish needs its Chinese name."), code="dish_no_name", row=len(rows) + 1
            )
        if len(name) > NAME_MAX or len(name_mn) > NAME_MN_MAX:
            raise Invalid(
                _("A dish's name is too long: %(name)s") % {"name": name[:20]},
                code="dish_name_long",
                row=len(rows) + 1,
            )
        rows.append(DishRow(name=name, name_mn=name_mn, special=bool(given.get("special"))))
    if not rows:
        raise Invalid(_("Write at least one dish."), code="no_dishes")
    if len(rows) > MAX_DISHES:
        raise Invalid(
            _("A menu has at most %(n)s dishes.") % {"n": MAX_DISHES}, code="too_many_dishes"
        )
    return rows


@transaction.atomic
def menu_save(
    *,
    by: Any,
    point: MealPoint,
    day: dt.date,
    dishes: list[dict[str, Any]],
    note: str = "",
    note_mn: str = "",
) -> Menu:
    """Write the day's menu: its dishes become exactly `dishes` (dicts of name, name_mn,
    special; blank rows ignored), in the order given. A published menu stays published and
    records the correction. A new menu may not be written for a day gone by."""
    check_keeps_menus(by, point)
    rows = _rows(dishes)
    note, note_mn = note.strip(), note_mn.strip()
    if len(note) > 200 or len(note_mn) > 300:
        raise Invalid(_("The note is too long."), code="note_long")
    today = timezone.localdate()
    if day > today + dt.timedelta(days=AHEAD_DAYS):
        raise Invalid(_("That day is too far ahead."), code="day_far")
    menu = Menu.objects.select_for_update().filter(point=point, day=day).first()
    if menu is None:
        if day < today:
            raise Invalid(_("A menu cannot be written for a day gone by."), code="day_past")
        try:
            # Two first saves of the same day at once: one creates, the other waits for it.
            with transaction.atomic():
                menu = Menu.objects.create(point=point, day=day, note=note, note_mn=note_mn)
        except IntegrityError:
            menu = Menu.objects.select_for_update().get(point=point, day=day)
    menu.note, menu.note_mn = note, note_mn
    changed = ["note", "note_mn"]
    if menu.published_at is not None:
        menu.corrected_at = timezone.now()
        menu.corrected_by = by
        changed += ["corrected_at", "corrected_by"]
    menu.save(update_fields=changed)
    Dish.objects.filter(menu=menu).delete()
    Dish.objects.bulk_create(
        Dish(menu=menu, name=r.name, name_mn=r.name_mn, special=r.special, position=n)
        for n, r in enumerate(rows, start=1)
    )
    return menu


@transaction.atomic
def menu_publish(*, by: Any, menu: Menu) -> Menu:
    """Publish a written menu: residents see it from now on."""
    point = MealPoint.objects.select_related("node").get(pk=menu.point_id)
    check_keeps_menus(by, point)
    if not Dish.objects.filter(menu_id=menu.pk).exists():
        raise Conflict(_("Write at least one dish before publishing."), code="menu_empty")
    now = timezone.now()
    moved = Menu.objects.filter(pk=menu.pk, published_at__isnull=True).update(
        published_at=now, published_by=by
    )
    if not moved:
        raise Conflict(_("This menu is already published."), code="already_published")
    menu.refresh_from_db()
    return menu


# --- Reads ------------------------------------------------------------------------------------


def _with_dishes(menus: QuerySet[Menu]) -> QuerySet[Menu]:
    return menus.prefetch_related(
        Prefetch("dishes", queryset=Dish.objects.order_by("position", "id"))
    )


def menu_of(point: MealPoint, day: dt.date) -> Menu | None:
    """The day's menu, published or not, with its dishes (for the point's staff)."""
    return _with_dishes(Menu.objects.filter(point=point, day=day)).first()


def published_menu(point: MealPoint, day: dt.date) -> Menu | None:
    """The day's menu as the public reads it: only once published."""
    return _with_dishes(
        Menu.objects.filter(point=point, day=day, published_at__isnull=False)
    ).first()


def week(point: MealPoint, monday: dt.date) -> list[tuple[dt.date, Menu | None]]:
    """The seven days from `monday` with their menus (None where none is written). Two queries."""
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    found = {
        m.day: m
        for m in _with_dishes(Menu.objects.filter(point=point, day__gte=days[0], day__lte=days[-1]))
    }
    return [(d, found.get(d)) for d in days]


def dish_label(dish: Dish, language: str | None = None) -> str:
    if dish.name_mn and mongolian(language):
        return dish.name_mn
    return dish.name


def join_names(names: list[str], language: str | None = None) -> str:
    """Dish names in a row, with the language's list mark."""
    language = language or get_language() or ""
    if language.startswith("zh"):
        return "、".join(names)
    if mongolian(language):
        return "᠂ ".join(names)
    return ", ".join(names)
