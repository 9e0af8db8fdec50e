"""Meal orders (助餐订餐): the one module that makes and moves a `MealOrder`.

    place → ordered ─serve→   served      (staff at the point)
            ordered ─deliver→ served      (the deliverer of the order's route)
            ordered ─cancel→  cancelled   (the person or family before the day's cut-off;
                                           staff until it is served; the system)

`TRANSITIONS` says who may take each action:

- "resident": the person or their family, holding the person's keyed order link
  (`access.person_key`); no account;
- "staff": staff who serve the point's place or the person's place (the grid worker who orders
  on someone's behalf), and the point's own staff (a cook);
- "deliverer": whoever brings the meal home. Only the deliveries module acts as one
  (`order_deliver`), after it has checked that the order is on the deliverer's route: this
  module trusts that caller;
- "system": the machine (a person leaving the register, a point closing).

Placing an order checks, in one transaction holding the point's row lock: the person is on the
register and lives in the point's area, the day's cut-off has not passed, their age band on
that day (bands.py: who may order, the special dish, free meals and delivery), the point's
capacity for the day and one live order per person and day (held by the database as well, for
two points at once). The order keeps what applied (band, age, price, dish, delivery), so a
change of rule never rewrites it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.care import access, access_orders, bands, events
from civicgrid.care.models import CaredPerson, MealOrder, MealPoint, OrderState, PlacedBy
from civicgrid.core.errors import Conflict, DomainError, Invalid, NotAllowed
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Person

# How far ahead an order may be placed.
ORDER_AHEAD_DAYS = 14
# The name the database gives the one-live-order-a-day rule (models/meals.py).
ONE_A_DAY = "mealorder_one_a_day"


class Action(enum.StrEnum):
    PLACE = "place"
    SERVE = "serve"
    DELIVER = "deliver"
    CANCEL = "cancel"


class Actor(enum.StrEnum):
    RESIDENT = "resident"  # the person or family, holding the keyed link
    STAFF = "staff"
    DELIVERER = "deliverer"  # only through the deliveries module
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]


def _rule(sources: Iterable[str], target: str, actors: Iterable[Actor]) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors))


S = OrderState
R, St, D, Sy = Actor.RESIDENT, Actor.STAFF, Actor.DELIVERER, Actor.SYSTEM

TRANSITIONS: dict[Action, Rule] = {
    # Placing makes the order: it has no source state.
    Action.PLACE: _rule([], S.ORDERED, [R, St]),
    Action.SERVE: _rule([S.ORDERED], S.SERVED, [St]),
    Action.DELIVER: _rule([S.ORDERED], S.SERVED, [D]),
    Action.CANCEL: _rule([S.ORDERED], S.CANCELLED, [R, St, Sy]),
}

ACTION_LABELS: dict[Action, Any] = {
    Action.PLACE: gettext_lazy("Ordered"),
    Action.SERVE: gettext_lazy("Mark as served"),
    Action.DELIVER: gettext_lazy("Mark as delivered"),
    Action.CANCEL: gettext_lazy("Cancel the meal"),
}


# --- Events -----------------------------------------------------------------------------------


@events.kind("order.place")
@dataclass(frozen=True, kw_only=True)
class Placed(events.EventData):
    """What applied when the order was placed (the order keeps the same)."""

    day: str
    point_id: int
    band_id: int
    band_name: str
    age: int
    price: str
    special_dish: bool
    free: bool
    home_delivery: bool
    placed_by: str


@events.kind("order.serve")
@events.kind("order.deliver")
@events.kind("order.cancel")
@dataclass(frozen=True, kw_only=True)
class Moved(events.EventData):
    from_state: str
    to_state: str


# --- Who acts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class By:
    """Who acts: a person (staff, or a deliverer with `deliverer`), the holder of the person's
    keyed link (`resident`), or the system."""

    person: Person | None = None
    resident: bool = False
    deliverer: bool = False
    system: bool = False


RESIDENT = By(resident=True)
SYSTEM = By(system=True)


def as_by(by: By | Person | None) -> By:
    """A `By`; a person alone is read as a person acting for themselves (staff)."""
    if isinstance(by, By):
        return by
    return By(person=access.person_of(by))


def actor_kinds(order: MealOrder, by: By | Person | None) -> set[Actor]:
    who = as_by(by)
    if who.system:
        return {Actor.SYSTEM}
    if who.resident:
        return {Actor.RESIDENT}
    if who.deliverer:
        return {Actor.DELIVERER}
    if who.person is not None and access_orders.may_act_on(who.person, order):
        return {Actor.STAFF}
    return set()


def cutoff_at(point: MealPoint, day: dt.date) -> dt.datetime:
    """When orders for `day` close: the point's cut-off time on that day, local time."""
    return timezone.make_aware(dt.datetime.combine(day, point.order_cutoff))


def open_for(point: MealPoint, day: dt.date, now: dt.datetime | None = None) -> bool:
    """Whether orders for `day` are still taken (not a past day, before its cut-off)."""
    now = now or timezone.now()
    return timezone.localdate(now) <= day and now < cutoff_at(point, day)


def _when_refusal(
    order: MealOrder, action: Action, kinds: set[Actor], now: dt.datetime
) -> tuple[str, str] | None:
    """What the clock forbids, as (code, message): the person or family cancelling after the
    day's cut-off (the kitchen has bought for the meal: they call the point), a meal served
    before its day."""
    if (
        action == Action.CANCEL
        and kinds == {Actor.RESIDENT}
        and now >= cutoff_at(order.point, order.day)
    ):
        return "after_cutoff", _(
            "Orders for that day are closed: call the meal point to change it."
        )
    if action in (Action.SERVE, Action.DELIVER) and timezone.localdate(now) < order.day:
        return "not_yet", _("This meal is for a later day.")
    return None


def allowed_actions(
    user_or_kind: By | Person | Actor | str | None,
    order: MealOrder,
    *,
    now: dt.datetime | None = None,
) -> list[Action]:
    """The moves `user_or_kind` may make on `order` now: a person, a `By`, or an actor kind
    ("resident", "staff", "deliverer", "system")."""
    if isinstance(user_or_kind, str):
        kinds = {Actor(user_or_kind)}
    else:
        kinds = actor_kinds(order, user_or_kind)
    now = now or timezone.now()
    return [
        action
        for action, rule in TRANSITIONS.items()
        if order.state in rule.sources
        and kinds & rule.actors
        and _when_refusal(order, action, kinds, now) is None
    ]


def may(by: By | Person | Actor | str | None, order: MealOrder, action: Action) -> bool:
    return action in allowed_actions(by, order)


# --- The shared core --------------------------------------------------------------------------


def _lock(order: MealOrder | int) -> MealOrder:
    pk = order if isinstance(order, int) else order.pk
    return (
        MealOrder.objects.select_for_update(of=("self",))
        .select_related("point", "point__node", "person", "person__node")
        .get(pk=pk)
    )


def _begin(order: MealOrder | int, action: Action, by: By, now: dt.datetime) -> MealOrder:
    locked = _lock(order)
    rule = TRANSITIONS[action]
    kinds = actor_kinds(locked, by)
    if not kinds & rule.actors:
        raise NotAllowed(_("You may not do this to the order."), code="not_allowed")
    if locked.state not in rule.sources:
        raise Conflict(
            _("The order is %(state)s: it cannot be changed that way now.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    refusal = _when_refusal(locked, action, kinds, now)
    if refusal:
        code, message = refusal
        raise Conflict(message, code=code)
    return locked


def _kind_of(by: By) -> Actor:
    if by.system:
        return Actor.SYSTEM
    if by.resident:
        return Actor.RESIDENT
    if by.deliverer:
        return Actor.DELIVERER
    return Actor.STAFF


def _move(
    locked: MealOrder,
    action: Action,
    by: By,
    *,
    note: str = "",
    now: dt.datetime,
    **fields: Any,
) -> MealOrder:
    target = TRANSITIONS[action].target
    old = locked.state
    changed = MealOrder.objects.filter(pk=locked.pk, state=old).update(state=target, **fields)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The order changed meanwhile; try again."), code="changed")
    locked.state = target
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action.value,
        actor=by.person,
        actor_kind=_kind_of(by),
        note=note,
        data=Moved(from_state=old, to_state=target),
        now=now,
    )
    return locked


# --- Placing ----------------------------------------------------------------------------------


def points_for(person: CaredPerson) -> list[MealPoint]:
    """The open meal points whose area holds the person's place, the nearest first."""
    above = person.node.ancestor_ids()
    found = list(
        MealPoint.objects.filter(active=True)
        .filter(Q(area_id__in=above) | Q(area__isnull=True, node_id__in=above))
        .select_related("node", "area")
    )
    return sorted(found, key=lambda p: (-len(access_orders.area_of(p).path), p.pk))


def _placer(who: By, placed_by: str, placer_name: str, placer_phone: str) -> tuple[str, str]:
    """Check who placed the order against who acts; the name and phone to keep."""
    allowed = (PlacedBy.SELF, PlacedBy.FAMILY) if who.resident else (PlacedBy.STAFF,)
    if placed_by not in allowed:
        message = _("Say who is ordering.")
        raise Invalid(message, code="placed_by_invalid", fields={"placed_by": [message]})
    name = (placer_name or "").strip()[:60]
    if placed_by == PlacedBy.STAFF:
        return (who.person.name[:60] if who.person is not None else ""), ""
    family = placed_by == PlacedBy.FAMILY
    if family and not name:
        message = _("Write your name, so that the meal point knows who ordered.")
        raise Invalid(message, code="placer_name_required", fields={"placer_name": [message]})
    try:
        phone = clean_phone(placer_phone, required=family)
    except Invalid as failure:
        raise Invalid(
            failure.message, code=failure.code, fields={"placer_phone": [failure.message]}
        ) from failure
    return name, phone


def _place_kind(who: By, cared: CaredPerson, point: MealPoint) -> Actor | None:
    if who.resident:
        return Actor.RESIDENT
    if who.person is not None and (
        access_orders.serves_point(who.person, point) or access.serves(who.person, cared.node)
    ):
        return Actor.STAFF
    return None


def order_place(
    *,
    by: By | Person | None,
    person: CaredPerson,
    point: MealPoint,
    day: dt.date,
    placed_by: str,
    placer_name: str = "",
    placer_phone: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> MealOrder:
    """Order a meal for `person` at `point` on `day`: by the person or their family (`by` is
    `RESIDENT`; `placed_by` "self" or "family", a family order with the orderer's name and
    phone) or by staff on their behalf (`by` is the staff person; `placed_by` "staff").

    Refusals: `not_allowed`, `placed_by_invalid`, `placer_name_required`, `phone_required`,
    `phone_invalid`, `point_closed`, `not_on_register`, `outside_area`, `day_passed`,
    `too_far_ahead`, `after_cutoff`, `no_band` (too young, or no band in force), `full`,
    `already_ordered`."""
    who = as_by(by)
    now = now or timezone.now()
    with transaction.atomic():
        return _place(
            who=who,
            person=person,
            point=point,
            day=day,
            placed_by=placed_by,
            placer_name=placer_name,
            placer_phone=placer_phone,
            note=note,
            now=now,
        )


def _place(
    *,
    who: By,
    person: CaredPerson,
    point: MealPoint,
    day: dt.date,
    placed_by: str,
    placer_name: str,
    placer_phone: str,
    note: str,
    now: dt.datetime,
) -> MealOrder:
    kind = _place_kind(who, person, point)
    if kind is None:
        raise NotAllowed(_("Your role may not order meals for this person."), code="not_allowed")
    cared = CaredPerson.objects.current().select_related("node").filter(pk=person.pk).first()
    if cared is None:
        raise Invalid(_("This person is not on the care register."), code="not_on_register")
    name, phone = _placer(who, placed_by, placer_name, placer_phone)
    # The point's row lock: orders for one point are counted one at a time, so the last meal
    # of the day goes to one person and the next is told the point is full.
    locked = (
        MealPoint.objects.select_for_update(of=("self",))
        .select_related("node", "area")
        .get(pk=point.pk)
    )
    if not locked.active:
        raise Conflict(_("This meal point is closed."), code="point_closed")
    if not access_orders.in_area(locked, cared.node):
        raise Invalid(
            _("%(name)s lives outside the area this meal point serves.") % {"name": cared.name},
            code="outside_area",
        )
    _check_day(locked, day, now)
    band = bands.band_for(cared, locked, day)
    if band is None:
        message = _("Meals here are for older people: nobody of this age may order on that day.")
        raise Invalid(message, code="no_band", fields={"day": [message]})
    if MealOrder.objects.live().filter(person=cared, day=day).exists():
        raise Conflict(_("A meal is already ordered for that day."), code="already_ordered")
    if MealOrder.objects.live().filter(point=locked, day=day).count() >= locked.capacity:
        message = _("The meal point is full that day. Choose another day or call the point.")
        raise Conflict(message, code="full", fields={"day": [message]})
    try:
        # A savepoint: the database's one-a-day rule also holds against an order placed at
        # another point at the same moment (a different row lock).
        with transaction.atomic():
            order = MealOrder.objects.create(
                point=locked,
                day=day,
                person=cared,
                band=band,
                band_name=band.name,
                age=cared.age_on(day),
                price=band.price,
                special_dish=band.special_dish,
                free=band.free,
                home_delivery=band.delivery,
                placed_by=placed_by,
                placed_by_person=who.person,
                placer_name=name,
                placer_phone=phone,
                note=(note or "").strip()[:120],
                created_at=now,
            )
    except IntegrityError as failure:
        if not _one_a_day(failure):
            raise
        raise Conflict(
            _("A meal is already ordered for that day."), code="already_ordered"
        ) from failure
    events.append(
        order,
        Action.PLACE.value,
        actor=who.person,
        actor_kind=kind,
        data=Placed(
            day=day.isoformat(),
            point_id=locked.pk,
            band_id=band.pk,
            band_name=band.name,
            age=order.age,
            price=str(order.price),
            special_dish=order.special_dish,
            free=order.free,
            home_delivery=order.home_delivery,
            placed_by=placed_by,
        ),
        now=now,
    )
    return order


def _one_a_day(failure: IntegrityError) -> bool:
    text = str(failure)
    # PostgreSQL names the index; SQLite names its columns.
    return ONE_A_DAY in text or "care_mealorder.person_id, care_mealorder.day" in text


def _check_day(point: MealPoint, day: dt.date, now: dt.datetime) -> None:
    today = timezone.localdate(now)
    if day < today:
        message = _("That day has passed. Choose today or a later day.")
        raise Invalid(message, code="day_passed", fields={"day": [message]})
    if day > today + dt.timedelta(days=ORDER_AHEAD_DAYS):
        message = _("Meals are ordered at most two weeks ahead.")
        raise Invalid(message, code="too_far_ahead", fields={"day": [message]})
    if now >= cutoff_at(point, day):
        message = _("Orders for that day closed at %(time)s. Choose a later day.") % {
            "time": point.order_cutoff.strftime("%H:%M")
        }
        raise Conflict(message, code="after_cutoff", fields={"day": [message]})


# --- Moves ------------------------------------------------------------------------------------


def order_cancel(
    *,
    by: By | Person | None,
    order: MealOrder | int,
    reason: str = "",
    now: dt.datetime | None = None,
) -> MealOrder:
    """Cancel an order: the person or family (`RESIDENT`) before the day's cut-off, staff until
    it is served, the system. The meal's place is free again."""
    who = as_by(by)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _begin(order, Action.CANCEL, who, now)
        return _move(
            locked, Action.CANCEL, who, note=(reason or "").strip()[:300], now=now, cancelled_at=now
        )


def order_serve(
    *, by: By | Person | None, order: MealOrder | int, now: dt.datetime | None = None
) -> MealOrder:
    """The meal was eaten at the point: staff at the point (the point's staff, staff who serve
    its place), on the order's day or later."""
    who = as_by(by)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _begin(order, Action.SERVE, who, now)
        return _move(locked, Action.SERVE, who, now=now, served_at=now)


def order_deliver(
    *, by: Person | None, order: MealOrder | int, now: dt.datetime | None = None
) -> MealOrder:
    """The meal was brought home (ordered → served, actor kind "deliverer").

    For the deliveries module only: it calls this once it has checked that `by` is the
    deliverer of the route that holds the order. This function does not check that again: it
    trusts its caller, and records `by` as the actor."""
    who = By(person=by, deliverer=True)
    now = now or timezone.now()
    with transaction.atomic():
        locked = _begin(order, Action.DELIVER, who, now)
        return _move(locked, Action.DELIVER, who, now=now, served_at=now)


def order_leave_register(
    *, person: CaredPerson, reason: str = "", now: dt.datetime | None = None
) -> int:
    """The system cancels a person's live orders of today and later (they left the register,
    moved away, died). Returns how many."""
    now = now or timezone.now()
    cancelled = 0
    live = MealOrder.objects.filter(
        person=person, state=OrderState.ORDERED, day__gte=timezone.localdate(now)
    ).values_list("pk", flat=True)
    for pk in list(live):
        try:
            order_cancel(by=SYSTEM, order=pk, reason=reason, now=now)
        except DomainError:  # pragma: no cover - served meanwhile
            continue
        cancelled += 1
    return cancelled


def on_person_left(happened: events.Happened) -> None:
    """A person taken off the register ("person.leave"): their meals from today are cancelled
    in the same transaction (their deliveries leave the routes, as any cancelled order's)."""
    order_leave_register(
        person=happened.record, reason=happened.event.note, now=happened.event.created_at
    )
