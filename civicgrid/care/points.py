"""Meal points (老年助餐点): kept by the staff who serve their place, with their own staff (the
cook) and the extra services given there (laundry, bathing, haircut…, booked as the services
module's appointments). `nearby_points` lists them on "what is near me".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from civicgrid.care import access
from civicgrid.care.access_meals import check_changes_point
from civicgrid.care.menus import join_names
from civicgrid.care.models import Dish, MealPoint
from civicgrid.core.errors import Invalid
from civicgrid.core.i18n import localised
from civicgrid.network.models import Node, Person
from civicgrid.services import nearby
from civicgrid.services.models import Service

# The fields staff may set on a point (staff and extra services have their own commands).
FIELDS = (
    "name",
    "name_en",
    "name_mn",
    "node",
    "area",
    "address",
    "address_mn",
    "lat",
    "lon",
    "serves_from",
    "serves_until",
    "order_cutoff",
    "capacity",
    "phone",
    "active",
)
TEXT_FIELDS = ("name", "name_en", "name_mn", "address", "address_mn", "phone")
PHONE = re.compile(r"^\+?[0-9][0-9 -]{4,18}[0-9]$")


@transaction.atomic
def point_save(*, by: Any, point: MealPoint | None = None, **fields: Any) -> MealPoint:
    """Add a point (`point` None) or change one. `by` must serve the point's place (its old
    one and its new one when it moves) and, when the point serves a wider area, that area."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise Invalid(f"unknown fields: {', '.join(unknown)}", code="unknown_field")
    if point is None:
        access.check_serves_anywhere(by)
        record = MealPoint()
    else:
        record = MealPoint.objects.select_for_update().select_related("node").get(pk=point.pk)
        check_changes_point(by, record)
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(record, name, value)
    _check(by, record)
    try:
        record.full_clean(exclude=["staff", "extra_services"])
    except ValidationError as problems:
        raise Invalid(
            " ".join(str(m) for ms in problems.message_dict.values() for m in ms),
            code="invalid",
            fields=problems.message_dict,
        ) from None
    record.save()
    return record


def _check(by: Any, point: MealPoint) -> None:
    if not point.name:
        raise Invalid(
            _("Give the point a name."), code="no_name", fields={"name": [_("Required.")]}
        )
    if point.node_id is None:
        raise Invalid(_("Choose where the point is."), code="no_place")
    node = Node.objects.get(pk=point.node_id)
    access.check_serves(by, node)
    if point.area_id is not None and point.area_id != point.node_id:
        area = Node.objects.get(pk=point.area_id)
        if not node.is_within(area):
            raise Invalid(
                _("The area served must hold the point's place."),
                code="bad_area",
                fields={"area": [_("Choose the point's place or a place above it.")]},
            )
        access.check_serves(by, area)
    if point.serves_until <= point.serves_from:
        raise Invalid(
            _("Lunch must end after it starts."),
            code="bad_hours",
            fields={"serves_until": [_("Must be after the start.")]},
        )
    if point.order_cutoff > point.serves_from:
        raise Invalid(
            _("Orders must close before lunch starts."),
            code="bad_cutoff",
            fields={"order_cutoff": [_("Must be before lunch starts.")]},
        )
    if point.phone and not PHONE.match(point.phone):
        raise Invalid(
            _("The phone number could not be read."),
            code="bad_phone",
            fields={"phone": [_("Digits only, e.g. 0477-8612345.")]},
        )
    if (point.lat is None) != (point.lon is None):
        raise Invalid(
            _("Give both latitude and longitude, or neither."),
            code="bad_point",
            fields={"lon": [_("Give both, or neither.")]},
        )
    if point.lat is not None and point.lon is not None:
        nearby.check_point(point.lat, point.lon)  # Invalid "bad_point" when out of range


def person_by_mobile(mobile: str) -> Person:
    """The active person logging in with this mobile number (to make them a point's staff)."""
    found = Person.objects.filter(mobile=(mobile or "").strip(), is_active=True).first()
    if found is None:
        raise Invalid(
            _("Nobody uses CivicGrid with this mobile number: ask an administrator to add them."),
            code="unknown_person",
            fields={"mobile": [_("Unknown number.")]},
        )
    return found


@transaction.atomic
def point_staff_set(*, by: Any, point: MealPoint, people: Iterable[Person]) -> list[Person]:
    """The point's staff become exactly `people` (who then keep its menus)."""
    record = MealPoint.objects.select_for_update().select_related("node").get(pk=point.pk)
    check_changes_point(by, record)
    chosen = list({p.pk: p for p in people}.values())
    if any(not p.is_active for p in chosen):
        raise Invalid(_("Only active people can be a point's staff."), code="inactive_person")
    record.staff.set(chosen)
    return chosen


def services_at(point: MealPoint) -> QuerySet[Service]:
    """The active services given at the point's place or below it: those it may offer."""
    return Service.objects.filter(active=True, node__path__startswith=point.node.path).order_by(
        "name", "id"
    )


@transaction.atomic
def point_services_set(*, by: Any, point: MealPoint, services: Iterable[Service]) -> list[Service]:
    """The extra services given at the point become exactly `services`, each given at the
    point's place (or below it) and still offered."""
    record = MealPoint.objects.select_for_update().select_related("node").get(pk=point.pk)
    check_changes_point(by, record)
    chosen = list({s.pk: s for s in services}.values())
    allowed = set(
        services_at(record).filter(pk__in=[s.pk for s in chosen]).values_list("pk", flat=True)
    )
    if any(s.pk not in allowed for s in chosen):
        raise Invalid(
            _("Only services given at the point's place can be offered there."),
            code="service_elsewhere",
        )
    record.extra_services.set(chosen)
    return chosen


def label(point: MealPoint, language: str | None = None) -> str:
    return localised(point.name, point.name_en, language, name_mn=point.name_mn)


def hours_words(point: MealPoint) -> str:
    return f"{point.serves_from:%H:%M}–{point.serves_until:%H:%M}"


# --- What is near me --------------------------------------------------------------------------

HEADLINE_DISHES = 3


def nearby_points(box: nearby.Box) -> list[nearby.Place]:
    """A source for `services.nearby.EXTRA_SOURCES`: the open meal points inside the box (their
    own point, else their place's), each with its lunch hours and today's published dishes.
    Two queries whatever the number of points; public facts only (the point's own phone)."""
    located = box.q("lat", "lon") | (Q(lat__isnull=True) | Q(lon__isnull=True)) & box.q(
        "node__lat", "node__lon"
    )
    rows = list(
        MealPoint.objects.filter(active=True)
        .filter(located)
        .select_related("node")
        .only(
            "id",
            "name",
            "name_en",
            "name_mn",
            "lat",
            "lon",
            "phone",
            "serves_from",
            "serves_until",
            "node__lat",
            "node__lon",
        )
        .order_by("id")[:200]
    )
    if not rows:
        return []
    language = get_language()
    headlines = _headlines([p.pk for p in rows], timezone.localdate(), language)
    places = []
    for p in rows:
        lat, lon = (
            (p.lat, p.lon) if p.lat is not None and p.lon is not None else (p.node.lat, p.node.lon)
        )
        if lat is None or lon is None:
            continue
        detail = _("Lunch %(hours)s") % {"hours": hours_words(p)}
        if p.pk in headlines:
            detail += " · " + _("Today: %(dishes)s") % {"dishes": headlines[p.pk]}
        places.append(
            nearby.Place(
                kind="meal",
                name=label(p, language),
                lat=lat,
                lon=lon,
                detail=detail,
                url=reverse("care_public:point", args=[p.pk]),
                phone=p.phone,
            )
        )
    return places


def _headlines(point_ids: list[int], day: dt.date, language: str | None) -> dict[int, str]:
    """The first dishes of each point's published menu of the day, as words. One query."""
    dishes = (
        Dish.objects.filter(
            menu__point_id__in=point_ids, menu__day=day, menu__published_at__isnull=False
        )
        .order_by("menu__point_id", "position", "id")
        .values_list("menu__point_id", "name", "name_mn")
    )
    names: dict[int, list[str]] = {}
    for point_id, name, name_mn in dishes:
        names.setdefault(point_id, []).append(localised(name, None, language, name_mn=name_mn))
    words = {}
    for point_id, found in names.items():
        shown = join_names(found[:HEADLINE_DISHES], language)
        words[point_id] = shown + ("…" if len(found) > HEADLINE_DISHES else "")
    return words
