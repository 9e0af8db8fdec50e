"""Meal orders: what placing checks (register, area, band on the day, cut-off, capacity, one a
day), what an order keeps of the rule that applied, and every move by every kind of actor,
the expected table written out here by hand apart from orders.TRANSITIONS."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from civicgrid.care import bands, events, orders
from civicgrid.care.models import (
    CareEvent,
    MealOrder,
    MealPoint,
    Mobility,
    OrderState,
    PlacedBy,
)
from civicgrid.care.models.meals import MealOrderQuerySet
from civicgrid.care.orders import Action, By
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_orders as of
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db

DAY = cf.DAY
NEXT = DAY + dt.timedelta(days=1)

# --- The transition table, by hand ------------------------------------------------------------

STATES = ["ordered", "served", "cancelled"]
# action: (states it leaves from, actor kinds: Resident, Staff, Deliverer, sYstem)
EXPECTED = {
    "place": ([], "RS"),
    "serve": (["ordered"], "S"),
    "deliver": (["ordered"], "D"),
    "cancel": (["ordered"], "RSY"),
}
KINDS = {"R": "resident", "S": "staff", "D": "deliverer", "Y": "system"}


def test_the_expected_table_is_the_table_of_the_module():
    assert set(EXPECTED) == {a.value for a in Action}
    for action, (states, actors) in EXPECTED.items():
        rule = orders.TRANSITIONS[Action(action)]
        assert set(rule.sources) == set(states), action
        assert {a.value for a in rule.actors} == {KINDS[k] for k in actors}, action


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", "RSDY")
def test_allowed_actions_by_kind_and_state(state, kind):
    c = cf.care()
    order = of.place(c, c.aged_70)
    order.state = state
    allowed = {a.value for a in orders.allowed_actions(KINDS[kind], order, now=of.MORNING)}
    expected = {
        action
        for action, (states, actors) in EXPECTED.items()
        if state in states and kind in actors
    }
    assert allowed == expected


# persona: the actor kind it is for an order of 张万喜 (grid A) at 一社区's point ("": none)
PERSONAS = {
    "dispatcher": "S",  # 一社区's staff: serves the point's place
    "town_staff": "S",
    "grid_worker": "S",  # grid A's worker: serves the person's place
    "cook": "S",  # the point's staff
    "other_grid_worker": "",
    "leader": "",
    "stranger": "",
    "resident": "R",
    "system": "Y",
    "deliverer": "D",
}


def _by(c: cf.Care, persona: str) -> By:
    if persona == "resident":
        return orders.RESIDENT
    if persona == "system":
        return orders.SYSTEM
    if persona == "cook":
        return By(person=c.cook)
    if persona == "deliverer":
        return By(person=cf.deliverer(c.w.t["gridA"]), deliverer=True)
    return By(person=getattr(c.w, persona))


def _do(action: str, order: MealOrder, by: By) -> MealOrder:
    now = of.at(DAY, 9)  # before the cut-off, on the meal's day
    if action == "serve":
        return orders.order_serve(by=by, order=order, now=now)
    if action == "cancel":
        return orders.order_cancel(by=by, order=order, reason="不来了", now=now)
    assert by.deliverer  # order_deliver makes its caller a deliverer: only they are tried
    return orders.order_deliver(by=by.person, order=order, now=now)


MOVES = [
    (action, state, persona)
    for action in ("serve", "cancel", "deliver")
    for state in STATES
    for persona in PERSONAS
    if action != "deliver" or persona == "deliverer"
]


@pytest.mark.parametrize(("action", "state", "persona"), MOVES)
def test_every_move_from_every_state_by_every_persona(action, state, persona):
    c = cf.care()
    order = of.place(c, c.aged_70)
    MealOrder.objects.filter(pk=order.pk).update(state=state)
    before = CareEvent.objects.count()
    states, actors = EXPECTED[action]
    kind = PERSONAS[persona]
    by = _by(c, persona)
    may_act = bool(kind) and kind in actors
    if may_act and state in states:
        moved = _do(action, order, by)
        assert moved.state == orders.TRANSITIONS[Action(action)].target
        last = events.timeline(order).last()
        assert last is not None and last.action == action and last.actor_kind == KINDS[kind]
        assert events.read(last) == orders.Moved(from_state=state, to_state=moved.state)
        return
    expected = Conflict if may_act else NotAllowed
    with pytest.raises(expected) as refused:
        _do(action, order, by)
    assert refused.value.code == ("not_allowed" if expected is NotAllowed else "wrong_state")
    order.refresh_from_db()
    assert order.state == state and CareEvent.objects.count() == before


# --- Placing ----------------------------------------------------------------------------------


def test_an_order_keeps_the_rule_that_applied():
    c = cf.care()
    order = of.place(c, c.aged_86)
    assert (order.band, order.band_name, order.age) == (c.bands["85"], "85岁以上行动不便", 86)
    assert (order.price, order.free, order.home_delivery, order.special_dish) == (
        Decimal(0),
        True,
        True,
        True,
    )
    assert order.state == OrderState.ORDERED and order.placed_by_person == c.w.dispatcher
    (event,) = events.timeline(order)
    assert (event.action, event.actor_kind, event.actor) == ("place", "staff", c.w.dispatcher)
    data = events.read(event)
    assert isinstance(data, orders.Placed)
    assert (data.band_id, data.price, data.free, data.day) == (
        c.bands["85"].pk,
        "0.00",
        True,
        DAY.isoformat(),
    )


def test_the_day_someone_turns_65_they_are_served_the_special_dish():
    c = cf.care()
    turns = cf.person(c.w.t["gridA"], "刘大娘", 65, days_after=1)  # 64 today, 65 tomorrow
    today = of.place(c, turns, day=DAY)
    tomorrow = of.place(c, turns, day=NEXT, now=of.at(DAY, 15))
    assert (today.age, today.special_dish, today.price) == (64, False, Decimal("8.00"))
    assert (tomorrow.age, tomorrow.special_dish, tomorrow.price) == (65, True, Decimal("6.00"))


def test_the_day_someone_with_limited_mobility_turns_85_they_eat_free_and_are_delivered():
    c = cf.care()
    turns = cf.person(c.w.t["gridB"], "孙奶奶", 85, mobility=Mobility.LIMITED, days_after=1)
    today = of.place(c, turns, day=DAY)
    tomorrow = of.place(c, turns, day=NEXT, now=of.at(DAY, 15))
    assert (today.age, today.free, today.home_delivery, today.price) == (
        84,
        False,
        False,
        Decimal("6.00"),
    )
    assert (tomorrow.age, tomorrow.free, tomorrow.home_delivery, tomorrow.price) == (
        85,
        True,
        True,
        Decimal(0),
    )


def test_a_rule_change_never_rewrites_past_orders():
    c = cf.care()
    placed = of.place(c, c.aged_70)
    admin = nf.person("管理员", is_superuser=True)
    new = bands.band_change(
        by=admin,
        point=None,
        name="65岁以上(新)",
        min_age=65,
        price="4",
        special_dish=True,
        free=False,
        delivery=False,
        limited_mobility_only=False,
        valid_from=NEXT,
        replaces=c.bands["65"],
        today=DAY,
    )
    placed.refresh_from_db()
    assert (placed.band_id, placed.band_name, placed.price) == (
        c.bands["65"].pk,
        "65岁以上",
        Decimal("6.00"),
    )
    later = of.place(c, c.aged_70, day=NEXT, now=of.at(DAY, 15))
    assert (later.band_id, later.band_name, later.price) == (new.pk, "65岁以上(新)", Decimal("4"))


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("dispatcher", True),
        ("town_staff", True),
        ("grid_worker", True),  # 张万喜 lives in grid A
        ("cook", True),
        ("other_grid_worker", False),
        ("leader", False),
        ("stranger", False),
    ],
)
def test_who_may_order_on_someone_s_behalf(persona, allowed):
    c = cf.care()
    who = c.cook if persona == "cook" else getattr(c.w, persona)
    if allowed:
        assert of.place(c, c.aged_70, by=who).placer_name == who.name
        return
    with pytest.raises(NotAllowed) as refused:
        of.place(c, c.aged_70, by=who)
    assert refused.value.code == "not_allowed"
    assert not MealOrder.objects.exists()


def test_a_family_order_needs_the_orderer_s_name_and_phone():
    c = cf.care()
    with pytest.raises(Invalid) as no_name:
        of.by_family(c, c.aged_86, placer_name="")
    with pytest.raises(Invalid) as no_phone:
        of.by_family(c, c.aged_86, placer_phone="")
    with pytest.raises(Invalid) as bad_phone:
        of.by_family(c, c.aged_86, placer_phone="12")
    assert no_name.value.code == "placer_name_required"
    assert no_phone.value.code == "phone_required"
    assert bad_phone.value.code == "phone_invalid"
    assert no_phone.value.details["fields"]["placer_phone"]
    order = of.by_family(c, c.aged_86, placer_phone="139 0000 0086")
    assert (order.placed_by, order.placer_name, order.placer_phone) == (
        PlacedBy.FAMILY,
        "王秀英",
        "13900000086",
    )
    assert order.placed_by_person is None
    assert events.timeline(order).get().actor_kind == "resident"


def test_who_ordered_must_match_who_acts():
    c = cf.care()
    with pytest.raises(Invalid) as resident_as_staff:
        of.place(c, c.aged_70, by=orders.RESIDENT, placed_by=PlacedBy.STAFF)
    with pytest.raises(Invalid) as staff_as_family:
        of.place(
            c, c.aged_70, placed_by=PlacedBy.FAMILY, placer_name="x", placer_phone="13900000001"
        )
    assert resident_as_staff.value.code == staff_as_family.value.code == "placed_by_invalid"
    assert of.place(c, c.aged_70, by=orders.RESIDENT, placed_by=PlacedBy.SELF).placer_phone == ""


def test_refusals_of_who_and_where():
    c = cf.care()
    far = cf.person(c.w.t["gridC"], "远方", 70)
    left = cf.person(c.w.t["gridA"], "搬走", 70, left_at=timezone.now())
    cases = [
        (lambda: of.place(c, c.aged_55), Invalid, "no_band"),
        (lambda: of.place(c, c.orphan), Invalid, "no_band"),
        (lambda: of.place(c, far, by=orders.RESIDENT, placed_by="self"), Invalid, "outside_area"),
        (lambda: of.place(c, left), Invalid, "not_on_register"),
    ]
    for attempt, error, code in cases:
        with pytest.raises(error) as refused:
            attempt()
        assert refused.value.code == code
    MealPoint.objects.filter(pk=c.point.pk).update(active=False)
    with pytest.raises(Conflict) as closed:
        of.place(c, c.aged_70)
    assert closed.value.code == "point_closed"
    assert not MealOrder.objects.exists()


def test_a_point_serving_a_wider_area_takes_orders_from_there():
    c = cf.care()
    far = cf.person(c.w.t["gridC"], "远方", 70)
    MealPoint.objects.filter(pk=c.point.pk).update(area=c.w.t["banner"])
    c.point.refresh_from_db()
    assert of.place(c, far, by=orders.RESIDENT, placed_by="self").point == c.point
    assert orders.points_for(far) == [c.point]


@pytest.mark.parametrize(
    ("day", "now", "error", "code"),
    [
        (DAY, of.at(DAY, 9, 29), None, None),
        (DAY, of.at(DAY, 9, 30), Conflict, "after_cutoff"),
        (DAY - dt.timedelta(days=1), of.at(DAY, 8), Invalid, "day_passed"),
        (NEXT, of.at(DAY, 23, 59), None, None),
        (DAY + dt.timedelta(days=14), of.at(DAY, 8), None, None),
        (DAY + dt.timedelta(days=15), of.at(DAY, 8), Invalid, "too_far_ahead"),
    ],
)
def test_the_day_s_cut_off(day, now, error, code):
    c = cf.care()
    if error is None:
        assert of.place(c, c.aged_70, day=day, now=now).day == day
        return
    with pytest.raises(error) as refused:
        of.place(c, c.aged_70, day=day, now=now)
    assert refused.value.code == code
    assert not MealOrder.objects.exists()


def test_one_live_order_a_person_a_day():
    c = cf.care()
    first = of.place(c, c.aged_70)
    other = MealPoint.objects.create(name="第二助餐点", node=c.w.t["comm1"])
    for point in (c.point, other):
        with pytest.raises(Conflict) as refused:
            orders.order_place(
                by=c.w.dispatcher,
                person=c.aged_70,
                point=point,
                day=DAY,
                placed_by="staff",
                now=of.MORNING,
            )
        assert refused.value.code == "already_ordered"
    orders.order_cancel(by=c.w.dispatcher, order=first, now=of.MORNING)
    again = of.place(c, c.aged_70)
    assert MealOrder.objects.live().get() == again


def test_the_database_holds_one_a_day_when_the_check_is_raced(monkeypatch):
    """The check before the insert misses an order placed at that moment at another point
    (another row lock): the partial unique index refuses it, and the caller reads a Conflict."""
    c = cf.care()
    of.place(c, c.aged_70)
    monkeypatch.setattr(MealOrderQuerySet, "live", lambda self: self.none())
    with pytest.raises(Conflict) as refused:
        of.place(c, c.aged_70)
    assert refused.value.code == "already_ordered"
    assert MealOrder.objects.count() == 1


def test_a_full_point_refuses_the_next_order_and_a_cancellation_frees_a_place():
    c = cf.care()
    MealPoint.objects.filter(pk=c.point.pk).update(capacity=2)
    first = of.place(c, c.aged_70)
    of.place(c, c.aged_62)
    with pytest.raises(Conflict) as refused:
        of.place(c, c.aged_86)
    assert refused.value.code == "full"
    assert of.place(c, c.aged_86, day=NEXT).day == NEXT  # another day has room
    orders.order_cancel(by=orders.RESIDENT, order=first, now=of.MORNING)
    assert of.place(c, c.aged_86).state == OrderState.ORDERED


# --- Moves and the clock ----------------------------------------------------------------------


def test_the_person_cancels_before_the_cut_off_and_staff_until_served():
    c = cf.care()
    order = of.by_family(c, c.aged_86)
    with pytest.raises(Conflict) as late:
        orders.order_cancel(by=orders.RESIDENT, order=order, now=of.at(DAY, 9, 30))
    assert late.value.code == "after_cutoff"
    assert Action.CANCEL not in orders.allowed_actions("resident", order, now=of.at(DAY, 9, 30))
    assert Action.CANCEL in orders.allowed_actions("resident", order, now=of.at(DAY, 9, 29))
    cancelled = orders.order_cancel(
        by=c.w.dispatcher, order=order, reason="住院", now=of.at(DAY, 11)
    )
    assert cancelled.state == OrderState.CANCELLED and cancelled.cancelled_at is not None
    assert events.timeline(order).last().note == "住院"


def test_a_meal_is_not_served_before_its_day():
    c = cf.care()
    order = of.place(c, c.aged_70, day=NEXT)
    with pytest.raises(Conflict) as early:
        orders.order_serve(by=c.cook, order=order, now=of.at(DAY, 12))
    assert early.value.code == "not_yet"
    served = orders.order_serve(by=c.cook, order=order, now=of.at(NEXT, 12))
    assert served.state == OrderState.SERVED and served.served_at == of.at(NEXT, 12)


def test_a_delivery_serves_the_order_and_records_the_deliverer():
    c = cf.care()
    order = of.place(c, c.aged_86)
    volunteer = cf.deliverer(c.w.t["gridB"])
    done = orders.order_deliver(by=volunteer, order=order.pk, now=of.at(DAY, 12))
    assert done.state == OrderState.SERVED
    last = events.timeline(order).last()
    assert last is not None
    assert (last.action, last.actor_kind, last.actor) == ("deliver", "deliverer", volunteer)


def test_leaving_the_register_cancels_the_live_orders_from_today():
    c = cf.care()
    today = of.place(c, c.aged_70)
    tomorrow = of.place(c, c.aged_70, day=NEXT)
    assert orders.order_leave_register(person=c.aged_70, reason="搬走", now=of.at(DAY, 10)) == 2
    today.refresh_from_db()
    tomorrow.refresh_from_db()
    assert today.state == tomorrow.state == OrderState.CANCELLED
    assert events.timeline(today).last().actor_kind == "system"


def test_a_person_taken_off_the_register_has_their_meals_from_today_cancelled():
    from civicgrid.care import register

    c = cf.care()
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    order = orders.order_place(
        by=c.w.dispatcher, person=c.aged_70, point=c.point, day=tomorrow, placed_by="staff"
    )
    register.cared_leave(by=c.w.dispatcher, person=c.aged_70, reason="搬去女儿家")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
