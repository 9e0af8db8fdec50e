"""Age bands: who may order a meal, who gets the special dish (爱心菜), who eats free and is
delivered to, at what price. The rules are rows (`AgeBand`), not code.

- The bands in force at a point on a day are the point's own that are valid that day; a point
  with none in force follows the region's (rows with no point).
- A person's band is the one with the highest `min_age` they have reached on the day (a band
  "only with limited mobility" counts for people whose mobility is limited or bedridden);
  below the lowest band a person may not order (`band_for` answers None).
- A band in force is never edited: `band_change` ends the band it replaces (its
  `valid_until`, exclusive, is the new band's `valid_from`) and adds a new row. Orders keep a
  copy of what applied (orders.py), so a change of rule never rewrites a past order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.care import access
from civicgrid.care.models import AgeBand, CaredPerson, MealPoint, Mobility
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.network import scope
from civicgrid.network.models import Role

# Mobility that counts for a band "only with limited mobility".
LIMITED_MOBILITY = frozenset({Mobility.LIMITED, Mobility.BEDRIDDEN})
MAX_AGE = 130
MAX_PRICE = Decimal("999.99")


def in_force_q(day: dt.date) -> Q:
    """Bands valid on `day` (from `valid_from`, until the day before `valid_until`)."""
    return Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gt=day))


def bands_in_force(point: MealPoint, day: dt.date) -> list[AgeBand]:
    """The bands that apply at `point` on `day`, youngest first: the point's own, else the
    region's (one query)."""
    rows = list(
        AgeBand.objects.filter(in_force_q(day))
        .filter(Q(point=point) | Q(point__isnull=True))
        .order_by("min_age", "limited_mobility_only", "id")
    )
    own = [band for band in rows if band.point_id == point.pk]
    return own or [band for band in rows if band.point_id is None]


def qualifies(person: CaredPerson, band: AgeBand, day: dt.date) -> bool:
    if person.age_on(day) < band.min_age:
        return False
    return not band.limited_mobility_only or person.mobility in LIMITED_MOBILITY


def pick(person: CaredPerson, bands: list[AgeBand], day: dt.date) -> AgeBand | None:
    """The band of `person` among `bands` on `day`: the highest `min_age` reached; at the same
    age, a band for limited mobility before one for everyone (it is the narrower rule)."""
    met = [band for band in bands if qualifies(person, band, day)]
    if not met:
        return None
    return max(met, key=lambda band: (band.min_age, band.limited_mobility_only, -band.pk))


def band_for(person: CaredPerson, point: MealPoint, day: dt.date) -> AgeBand | None:
    """The person's band at `point` on `day`, or None: they may not order there that day."""
    return pick(person, bands_in_force(point, day), day)


# --- Changing the rules -----------------------------------------------------------------------


def may_change_region(user: Any) -> bool:
    """Region-wide bands (no point): an administrator, or someone whose write scope is
    everywhere (a superuser)."""
    if access.person_of(user) is None:
        return False
    return scope.scope_paths(user, write=True) is None or scope.holds_any_role(user, [Role.ADMIN])


def may_change(user: Any, point: MealPoint | None) -> bool:
    """Who may change the bands of `point` (None: the region's)."""
    if point is None:
        return may_change_region(user)
    return access.serves(user, point.node)


def check_may_change(user: Any, point: MealPoint | None) -> None:
    if not may_change(user, point):
        if point is None:
            raise NotAllowed(
                _("Only an administrator may change the region's age bands."),
                code="region_bands_not_allowed",
            )
        raise NotAllowed(_("That meal point is outside your area."), code="outside_area")


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        price = Decimal(-1)
    if price < 0 or price > MAX_PRICE:
        message = _("Write the price in yuan, e.g. 8 or 6.50.")
        raise Invalid(message, code="price_invalid", fields={"price": [message]})
    return price


def band_change(
    *,
    by: Any,
    point: MealPoint | None,
    name: str,
    min_age: int,
    price: Any,
    special_dish: bool,
    free: bool,
    delivery: bool,
    limited_mobility_only: bool,
    valid_from: dt.date,
    replaces: AgeBand | None = None,
    name_mn: str = "",
    today: dt.date | None = None,
) -> AgeBand:
    """Start a band at `point` (None: region-wide) from `valid_from`; with `replaces`, end that
    band the same day (its `valid_until`, exclusive). Rules start today or later: what applied
    on a past day stays as it was. Refuses, with a code, a free band with a price, dates that
    run backwards, a band of another point, and a second band for the same age and mobility in
    force at once."""
    today = today or timezone.localdate()
    check_may_change(by, point)
    name = (name or "").strip()[:40]
    if not name:
        message = _("Give the band a name, e.g. 65岁以上.")
        raise Invalid(message, code="name_required", fields={"name": [message]})
    if not isinstance(min_age, int) or isinstance(min_age, bool) or not 0 <= min_age <= MAX_AGE:
        message = _("Write an age from 0 to 130.")
        raise Invalid(message, code="min_age_invalid", fields={"min_age": [message]})
    amount = _price(price)
    if free and amount != 0:
        message = _("A band that eats free has no price: set the price to 0.")
        raise Invalid(message, code="free_with_price", fields={"price": [message]})
    if valid_from < today:
        message = _("A rule starts today or later: past orders keep the rule they had.")
        raise Invalid(message, code="valid_from_past", fields={"valid_from": [message]})
    point_id = point.pk if point is not None else None
    with transaction.atomic():
        if replaces is not None:
            # The row lock: two staff replacing one band at once end it once.
            old = AgeBand.objects.select_for_update().get(pk=replaces.pk)
            if old.point_id != point_id:
                message = _("Replace a band of the same meal point.")
                raise Invalid(message, code="band_elsewhere", fields={"replaces": [message]})
            if valid_from <= old.valid_from:
                message = _("The new band must start after the band it replaces began.")
                raise Invalid(message, code="dates_backwards", fields={"valid_from": [message]})
            if old.valid_until is not None and old.valid_until <= valid_from:
                message = _("That band has already ended: add a new band instead.")
                raise Invalid(message, code="band_ended", fields={"replaces": [message]})
            AgeBand.objects.filter(pk=old.pk).update(valid_until=valid_from)
            replaces.valid_until = valid_from
        clash = (
            AgeBand.objects.filter(
                point_id=point_id, min_age=min_age, limited_mobility_only=limited_mobility_only
            )
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=valid_from))
            .exists()
        )
        if clash:
            message = _(
                "A band for this age is already in force then: choose it as the band replaced."
            )
            raise Invalid(message, code="band_overlaps", fields={"replaces": [message]})
        return AgeBand.objects.create(
            point=point,
            name=name,
            name_mn=(name_mn or "").strip()[:80],
            min_age=min_age,
            limited_mobility_only=limited_mobility_only,
            price=amount,
            special_dish=special_dish,
            free=free,
            delivery=delivery,
            valid_from=valid_from,
            created_by=access.person_of(by),
        )


def band_end(
    *, by: Any, band: AgeBand, valid_until: dt.date, today: dt.date | None = None
) -> AgeBand:
    """End a band without a successor (from `valid_until` nobody is in it): today or later."""
    today = today or timezone.localdate()
    with transaction.atomic():
        old = (
            AgeBand.objects.select_for_update(of=("self",))
            .select_related("point__node")
            .get(pk=band.pk)
        )
        check_may_change(by, old.point)
        if valid_until < today or valid_until <= old.valid_from:
            message = _("A band ends today or later, after it began.")
            raise Invalid(message, code="dates_backwards", fields={"valid_until": [message]})
        if old.valid_until is not None and old.valid_until <= valid_until:
            message = _("That band has already ended.")
            raise Invalid(message, code="band_ended", fields={"valid_until": [message]})
        AgeBand.objects.filter(pk=old.pk).update(valid_until=valid_until)
        old.valid_until = valid_until
        return old
