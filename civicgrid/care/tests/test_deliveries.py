"""Deliveries (care/deliveries.py): runs built by grid, again without losing marks, routes given
to the people who serve, the marks and who may make them, the welfare check raised when nobody
opens, the order served, the deliverer's hours and points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civicgrid.care import deliveries, events, orders
from civicgrid.care.deliveries import Action, Actor
from civicgrid.care.models import (
    CareEvent,
    Delivery,
    DeliveryRoute,
    DeliveryRun,
    DeliveryState,
    MealOrder,
    OrderState,
)
from civicgrid.care.tests import factories_deliveries as df
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.needs.models import Channel, Need, Priority
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import points
from civicgrid.volunteers.models import MemberMonth

pytestmark = pytest.mark.django_db
S = DeliveryState
DAY = df.DAY


@pytest.fixture
def r() -> df.Rounds:
    return df.rounds()


def stops(route: DeliveryRoute) -> list[str]:
    return [d.order.person.name for d in route.deliveries.order_by("position")]


def mark(r: df.Rounds, delivery: Delivery, state: str, by=None, **kw) -> Delivery:
    return deliveries.delivery_mark(
        by=by or r.member, delivery=delivery, state=state, now=kw.pop("now", df.at()), **kw
    )


def last(record: Delivery | MealOrder) -> CareEvent:
    event = events.timeline(record).last()
    assert event is not None
    return event


def marked(delivery: Delivery) -> deliveries.Marked:
    data = events.read(last(delivery))
    assert isinstance(data, deliveries.Marked)
    return data


def assigned(r: df.Rounds, grid: str = "gridA", to=None) -> DeliveryRoute:
    run = df.built(r)
    return deliveries.route_assign(
        by=r.c.w.dispatcher, route=df.route_of(run, grid, r), deliverer=to or r.member
    )


def test_the_app_wires_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """CareConfig.ready() (care/wiring.py) registers what the layers below call back."""
    from civicgrid.care import wiring
    from civicgrid.core import notifications

    handlers = events._subscribers._handlers
    monkeypatch.setattr(points, "EXTRA_CREDITS", {})
    monkeypatch.setattr(notifications, "TEXTS", {})
    monkeypatch.setitem(handlers, "order.cancel", [])
    wiring.ready()
    assert points.EXTRA_CREDITS[deliveries.CREDITS] is deliveries.credited_hours
    assert len(points.EXTRA_CREDITS) == 1
    assert deliveries.NOTICE in notifications.TEXTS
    assert handlers["order.cancel"] == [(deliveries.on_order_cancelled, "transaction")]


# --- The table ------------------------------------------------------------------------------

EXPECTED = {
    # action: (sources, target, actors), written out by hand
    Action.ADD: (set(), S.PENDING, {Actor.STAFF}),
    Action.DELIVER: ({S.PENDING, S.NOT_HOME}, S.DELIVERED, {Actor.DELIVERER, Actor.STAFF}),
    Action.NOT_HOME: ({S.PENDING}, S.NOT_HOME, {Actor.DELIVERER, Actor.STAFF}),
    Action.CANCEL: ({S.PENDING}, S.CANCELLED, {Actor.SYSTEM}),
}


def test_the_transition_table_is_as_written() -> None:
    got = {
        a: (set(rule.sources), rule.target, set(rule.actors))
        for a, rule in deliveries.TRANSITIONS.items()
    }
    assert got == EXPECTED


# --- Building -------------------------------------------------------------------------------


def test_a_run_has_a_route_per_small_grid_with_its_stops_by_address(r: df.Rounds) -> None:
    no_delivery = df.order(r.c, r.c.aged_62, home=False)
    run = df.built(r)
    assert (run.point, run.day, run.built_by) == (r.c.point, DAY, r.c.w.dispatcher)
    routes = {route.grid.name: route for route in run.routes.all()}
    assert set(routes) == {"A网格", "B网格"}
    # 一组3号, 一组9号 (a unit under grid A), 一组10号: numbers compared as numbers.
    assert stops(routes["A网格"]) == ["张万喜", "陈奶奶", "刘大爷"]
    assert stops(routes["B网格"]) == ["王奶奶"]
    assert not Delivery.objects.filter(order=no_delivery).exists()
    assert all(d.state == S.PENDING for d in Delivery.objects.all())
    first = Delivery.objects.get(order=r.orders["86"])
    (event,) = events.timeline(first)
    assert (event.action, event.actor, event.actor_kind) == ("add", r.c.w.dispatcher, "staff")
    assert events.read(event) == deliveries.Added(
        run_id=run.pk,
        route_id=first.route_id,
        grid_id=r.c.w.t["gridB"].pk,
        order_id=r.orders["86"].pk,
    )


def test_a_person_under_no_small_grid_has_a_route_of_their_own_place(r: df.Rounds) -> None:
    from civicgrid.care.tests import factories as cf

    at_community = cf.person(r.c.w.t["comm1"], "社区老人", 87, address="社区大院")
    df.order(r.c, at_community)
    run = df.built(r)
    assert stops(run.routes.get(grid=r.c.w.t["comm1"])) == ["社区老人"]


def test_building_again_adds_new_orders_and_keeps_routes_deliverers_and_marks(
    r: df.Rounds,
) -> None:
    route = assigned(r)
    first = route.deliveries.get(order=r.orders["70"])
    mark(r, first, S.DELIVERED)
    from civicgrid.care.tests import factories as cf

    late = cf.person(r.c.w.t["gridA"], "孙大娘", 91, address="一组5号")
    df.order(r.c, late)
    run = df.built(r)
    assert DeliveryRun.objects.count() == 1
    assert DeliveryRoute.objects.count() == 2
    again = run.routes.get(grid=r.c.w.t["gridA"])
    assert again.pk == route.pk and again.deliverer == r.member
    assert stops(again) == ["张万喜", "孙大娘", "陈奶奶", "刘大爷"]
    assert Delivery.objects.get(pk=first.pk).state == S.DELIVERED
    assert Delivery.objects.count() == 5
    df.built(r)  # nothing new: nothing changes
    assert Delivery.objects.count() == 5
    assert CareEvent.objects.filter(subject="delivery", action="add").count() == 5


def test_building_again_drops_the_stops_of_cancelled_orders(r: df.Rounds) -> None:
    df.built(r)
    MealOrder.objects.filter(pk=r.orders["90"].pk).update(state=OrderState.CANCELLED)
    df.built(r)
    dropped = Delivery.objects.get(order=r.orders["90"])
    assert dropped.state == S.CANCELLED
    assert last(dropped).actor_kind == "system"


def test_an_order_cancelled_after_the_run_is_built_leaves_its_route(r: df.Rounds) -> None:
    df.built(r)
    orders.order_cancel(
        by=r.c.w.dispatcher, order=r.orders["88"], reason="住院了", now=df.at(DAY, 8)
    )
    assert Delivery.objects.get(order=r.orders["88"]).state == S.CANCELLED


@pytest.mark.parametrize("who", ["leader", "stranger", "grid_worker", "cook", "member"])
def test_only_staff_who_serve_the_points_place_build_its_runs(r: df.Rounds, who: str) -> None:
    person = {
        "leader": r.c.w.leader,
        "stranger": r.c.w.stranger,
        "grid_worker": r.c.w.grid_worker,  # serves grid A, not the community's point
        "cook": r.c.cook,
        "member": r.member,
    }[who]
    with pytest.raises(NotAllowed) as refused:
        deliveries.run_build(by=person, point=r.c.point, day=DAY)
    assert refused.value.code == "not_allowed"
    assert not DeliveryRun.objects.exists()


# --- Assigning ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "volunteer", "grid_worker"])
def test_a_route_goes_to_a_member_or_a_grid_worker_of_its_grid(r: df.Rounds, who: str) -> None:
    person = {"member": r.member, "volunteer": r.volunteer, "grid_worker": r.c.w.grid_worker}[who]
    route = assigned(r, "gridA", person)
    route.refresh_from_db()
    assert (route.deliverer, route.assigned_by) == (person, r.c.w.dispatcher)
    for delivery in route.deliveries.all():
        assert last(delivery).action == "assign"


@pytest.mark.parametrize("who", ["plain", "other_grid_worker", "dispatcher"])
def test_a_route_is_refused_to_someone_who_does_not_serve(r: df.Rounds, who: str) -> None:
    person = {
        "plain": r.plain,
        "other_grid_worker": r.c.w.other_grid_worker,  # grid B's worker, for grid A's route
        "dispatcher": r.c.w.dispatcher,  # staff, not a member, no grid
    }[who]
    with pytest.raises(Invalid) as refused:
        assigned(r, "gridA", person)
    assert refused.value.code == "not_a_deliverer"
    assert not DeliveryRoute.objects.filter(deliverer__isnull=False).exists()


@pytest.mark.parametrize("who", ["leader", "grid_worker", "member"])
def test_only_staff_who_serve_the_points_place_assign(r: df.Rounds, who: str) -> None:
    person = {"leader": r.c.w.leader, "grid_worker": r.c.w.grid_worker, "member": r.member}[who]
    route = df.route_of(df.built(r), "gridA", r)
    with pytest.raises(NotAllowed):
        deliveries.route_assign(by=person, route=route, deliverer=r.member)


def test_a_credited_route_keeps_its_deliverer(r: df.Rounds) -> None:
    route = assigned(r, "gridB")
    mark(r, route.deliveries.get(), S.DELIVERED)
    with pytest.raises(Conflict) as refused:
        deliveries.route_assign(by=r.c.w.dispatcher, route=route, deliverer=r.volunteer)
    assert refused.value.code == "route_credited"


# --- Marking --------------------------------------------------------------------------------


def test_delivered_marks_the_order_served_by_the_deliverer(r: df.Rounds) -> None:
    route = assigned(r, "gridB")
    delivery = mark(r, route.deliveries.get(), S.DELIVERED, note="放在门口桌上")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.marked_by, delivery.marked_at) == (
        S.DELIVERED,
        r.member,
        df.at(),
    )
    served = MealOrder.objects.get(pk=r.orders["86"].pk)
    assert (served.state, served.served_at) == (OrderState.SERVED, df.at())
    event = last(served)
    assert (event.action, event.actor, event.actor_kind) == ("deliver", r.member, "deliverer")
    event = last(delivery)
    assert (event.action, event.actor_kind, event.note) == ("deliver", "deliverer", "放在门口桌上")
    assert not Need.objects.exists()


@pytest.mark.parametrize("who", ["volunteer", "plain", "leader", "stranger", "other_grid_worker"])
def test_only_the_routes_deliverer_or_staff_mark(r: df.Rounds, who: str) -> None:
    route = assigned(r, "gridA")
    person = {
        "volunteer": r.volunteer,  # a member, but not this route's
        "plain": r.plain,
        "leader": r.c.w.leader,
        "stranger": r.c.w.stranger,
        "other_grid_worker": r.c.w.other_grid_worker,
    }[who]
    delivery = route.deliveries.order_by("position")[0]
    for state in (S.DELIVERED, S.NOT_HOME):
        with pytest.raises(NotAllowed) as refused:
            mark(r, delivery, state, by=person)
        assert refused.value.code == "not_allowed"
    assert Delivery.objects.get(pk=delivery.pk).state == S.PENDING
    assert MealOrder.objects.filter(state=OrderState.SERVED).count() == 0


@pytest.mark.parametrize("who", ["dispatcher", "grid_worker"])
def test_staff_of_the_place_or_the_grid_mark_for_the_deliverer(r: df.Rounds, who: str) -> None:
    route = assigned(r, "gridA")
    person = {"dispatcher": r.c.w.dispatcher, "grid_worker": r.c.w.grid_worker}[who]
    delivery = mark(r, route.deliveries.order_by("position")[0], S.DELIVERED, by=person)
    assert delivery.state == S.DELIVERED
    assert last(delivery).actor_kind == "staff"


def test_a_delivery_is_not_marked_before_its_day_nor_twice_nor_to_a_bad_state(
    r: df.Rounds,
) -> None:
    route = assigned(r, "gridB")
    delivery = route.deliveries.get()
    with pytest.raises(Conflict) as early:
        mark(r, delivery, S.DELIVERED, now=df.at(DAY - dt.timedelta(days=1)))
    assert early.value.code == "not_yet"
    with pytest.raises(Invalid) as bad:
        mark(r, delivery, S.CANCELLED)
    assert bad.value.code == "bad_state"
    mark(r, delivery, S.DELIVERED)
    for state in (S.DELIVERED, S.NOT_HOME):
        with pytest.raises(Conflict) as again:
            mark(r, delivery, state)
        assert again.value.code == "wrong_state"


def test_the_stop_of_a_cancelled_order_is_not_marked(r: df.Rounds) -> None:
    route = assigned(r, "gridB")
    MealOrder.objects.filter(pk=r.orders["86"].pk).update(state=OrderState.CANCELLED)
    with pytest.raises(Conflict) as refused:
        mark(r, route.deliveries.get(), S.NOT_HOME)
    assert refused.value.code == "order_cancelled"
    assert not Need.objects.exists()


# --- Not home: the welfare check ------------------------------------------------------------


def test_not_home_raises_one_urgent_welfare_check_and_the_grid_worker_hears(
    r: df.Rounds,
) -> None:
    route = assigned(r, "gridB")
    delivery = mark(r, route.deliveries.get(), S.NOT_HOME, note="敲门没人应")
    need = Need.objects.get()
    assert (need.category.code, need.priority, need.channel) == (
        "welfare_check",
        Priority.URGENT,
        Channel.VISIT,
    )
    assert need.node == r.c.aged_86.node
    assert need.source_person == r.member  # raised through the deliverer
    assert need.on_behalf_of == "王奶奶"
    assert "王奶奶" in need.description and r.c.point.name in need.description
    assert "13800000086" not in need.description and not need.contact_phone
    assert Delivery.objects.get(pk=delivery.pk).welfare_need == need
    data = marked(delivery)
    assert (data.need_id, data.need_number) == (need.pk, need.number)
    assert MealOrder.objects.get(pk=r.orders["86"].pk).state == OrderState.ORDERED

    needf.follow_up()
    worker = r.c.w.other_grid_worker  # grid B's worker
    notice = Notification.objects.get(recipient=worker, kind=deliveries.NOTICE)
    assert notice.url == f"/console/needs/{need.number}/"
    assert notice.data["person"] == "王奶奶"
    assert Notification.objects.filter(recipient=r.c.w.dispatcher, kind="need_new").exists()
    assert not Notification.objects.filter(recipient=r.c.w.grid_worker).exists()  # grid A's


def test_a_second_try_delivers_and_raises_nothing_more(r: df.Rounds) -> None:
    route = assigned(r, "gridB")
    delivery = mark(r, route.deliveries.get(), S.NOT_HOME)
    again = mark(r, delivery, S.DELIVERED, now=df.at(DAY, 12))
    assert again.state == S.DELIVERED
    assert Need.objects.count() == 1
    assert Delivery.objects.get(pk=delivery.pk).welfare_need_id == Need.objects.get().pk
    assert MealOrder.objects.get(pk=r.orders["86"].pk).state == OrderState.SERVED
    with pytest.raises(Conflict):
        mark(r, delivery, S.NOT_HOME)
    assert Need.objects.count() == 1


def test_a_grid_worker_who_delivers_raises_the_check_in_their_own_name(r: df.Rounds) -> None:
    route = assigned(r, "gridB", r.c.w.other_grid_worker)
    mark(r, route.deliveries.get(), S.NOT_HOME, by=r.c.w.other_grid_worker)
    need = Need.objects.get()
    assert (need.entered_by, need.source_person) == (r.c.w.other_grid_worker,) * 2


# --- Hours and points -----------------------------------------------------------------------


def finish(r: df.Rounds, route: DeliveryRoute) -> None:
    """The route's deliverer marks the first stop not home, the others delivered."""
    stops_ = list(route.deliveries.order_by("position"))
    by = route.deliverer
    mark(r, stops_[0], S.NOT_HOME, by=by)
    for delivery in stops_[1:]:
        mark(r, delivery, S.DELIVERED, by=by)


def month_row(r: df.Rounds) -> MemberMonth:
    return MemberMonth.objects.get(person=r.member, month=dt.date(2026, 12, 1))


def test_the_last_mark_credits_the_deliverer_once_in_hours_and_points(r: df.Rounds) -> None:
    route = assigned(r, "gridA")
    stops_ = list(route.deliveries.order_by("position"))
    mark(r, stops_[0], S.NOT_HOME)
    mark(r, stops_[1], S.DELIVERED)
    assert not MemberMonth.objects.exists()  # one stop still pending
    final = mark(r, stops_[2], S.DELIVERED)
    route.refresh_from_db()
    assert route.hours == Decimal("0.75")
    assert marked(final).credited == "0.75"
    row = month_row(r)
    assert (row.hours, row.service_hours, row.points) == (
        Decimal("0.75"),
        Decimal("0.75"),
        Decimal("0.75"),
    )
    mark(r, stops_[0], S.DELIVERED)  # the second try: the stop was counted already
    route.refresh_from_db()
    assert route.hours == Decimal("0.75")
    assert month_row(r).hours == Decimal("0.75")


def test_a_stop_added_to_a_finished_route_is_credited_when_marked(r: df.Rounds) -> None:
    from civicgrid.care.tests import factories as cf

    route = assigned(r, "gridB")
    finish(r, route)
    assert month_row(r).hours == Decimal("0.25")
    df.order(r.c, cf.person(r.c.w.t["gridB"], "后订的", 92, address="二组1号"))
    df.built(r)
    mark(r, route.deliveries.get(state=S.PENDING), S.DELIVERED)
    route.refresh_from_db()
    assert route.hours == Decimal("0.50")
    assert month_row(r).hours == Decimal("0.50")


def test_a_route_finished_by_a_cancellation_credits_the_stops_made(r: df.Rounds) -> None:
    route = assigned(r, "gridA")
    stops_ = list(route.deliveries.order_by("position"))
    mark(r, stops_[0], S.DELIVERED)
    mark(r, stops_[1], S.DELIVERED)
    orders.order_cancel(by=r.c.w.dispatcher, order=stops_[2].order_id, now=df.at(DAY, 11, 30))
    route.refresh_from_db()
    assert route.hours == Decimal("0.50")
    assert month_row(r).hours == Decimal("0.50")


def test_a_grid_worker_is_not_a_member_and_earns_no_points(r: df.Rounds) -> None:
    route = assigned(r, "gridB", r.c.w.other_grid_worker)
    mark(r, route.deliveries.get(), S.DELIVERED, by=r.c.w.other_grid_worker)
    route.refresh_from_db()
    assert route.hours == Decimal("0.25")
    assert not MemberMonth.objects.exists()


def test_points_rebuilt_from_the_logs_equal_what_was_kept(r: df.Rounds) -> None:
    finish(r, assigned(r, "gridA"))
    volunteer_route = deliveries.route_assign(
        by=r.c.w.dispatcher,
        route=df.route_of(DeliveryRun.objects.get(), "gridB", r),
        deliverer=r.volunteer,
    )
    finish(r, volunteer_route)
    # Another day, another month.
    january = dt.date(2027, 1, 4)
    df.order(r.c, r.c.aged_86, day=january)
    run = df.built(r, day=january)
    route = deliveries.route_assign(
        by=r.c.w.dispatcher, route=df.route_of(run, "gridB", r), deliverer=r.member
    )
    mark(r, route.deliveries.get(), S.DELIVERED, now=df.at(january))

    fields = ("person_id", "month", "activities", "hours", "service_hours", "points")
    kept = list(MemberMonth.objects.order_by("person_id", "month").values_list(*fields))
    assert [(row[0], row[1], row[3]) for row in kept] == [
        (r.member.pk, dt.date(2026, 12, 1), Decimal("0.75")),
        (r.member.pk, dt.date(2027, 1, 1), Decimal("0.25")),
        (r.volunteer.pk, dt.date(2026, 12, 1), Decimal("0.25")),
    ]
    MemberMonth.objects.all().delete()
    points.rebuild()
    assert list(MemberMonth.objects.order_by("person_id", "month").values_list(*fields)) == kept
    points.rebuild(r.member)
    assert list(MemberMonth.objects.order_by("person_id", "month").values_list(*fields)) == kept


def test_a_party_member_may_deliver_anywhere_but_a_grid_worker_only_in_their_grid(
    r: df.Rounds,
) -> None:
    t = r.c.w.t
    far_member = nf.person("二社区党员", roles=[(Role.PARTY_MEMBER, t["comm2"])])
    assert deliveries.may_deliver(far_member, t["gridA"])
    assert deliveries.may_deliver(r.c.w.grid_worker, t["gridA"])
    assert not deliveries.may_deliver(r.c.w.grid_worker, t["gridB"])
    r.member.is_active = False
    assert not deliveries.may_deliver(r.member, t["gridA"])
