"""Deliveries (送餐上门): the one module that builds a day's delivery run and moves a `Delivery`.

A run is built by staff who serve the meal point's place, from the day's orders to be brought
home (`MealOrder.home_delivery`, still `ordered`): one route per small grid (the cared-for
person's node, or its nearest small grid above), the stops of a route in the order of their
addresses. Building again adds the orders placed since and drops those cancelled; routes,
deliverers and marks are kept.

Each route is given to one deliverer: one of the people who serve (`volunteers.points.
is_member`: a party member, a volunteer, an approved registration, a team's member) or a grid
worker of that grid. Only the deliverer of a route, and staff who serve its place, read its
addresses in full (`access_deliveries.may_read_addresses`), each reveal logged.

    add      (none)               → pending     staff (run_build)
    deliver  pending, not_home    → delivered   the route's deliverer, staff
    not_home pending              → not_home    the route's deliverer, staff
    cancel   pending              → cancelled   system (its order was cancelled)

"Delivered" after "not home" is the second try: the deliverer came back, or a neighbour
opened. The welfare check raised on "not home" stays with the grid worker, who closes it.

- "deliver" marks the order served (`orders.order_deliver`, which trusts the check made here);
- "not_home" raises a welfare check: an urgent need of category `welfare_check` at the
  person's place, raised through the needs intake (the dispatchers hear of it there), and a
  notice to the grid workers of the person's grid;
- when no delivery of a route is pending any more, its deliverer is credited
  `HOURS_PER_DELIVERY` for each stop made (delivered or not home), once, toward their hours
  and points (`volunteers.points.credit_service_hours`; `credited_hours` lists the same
  credits for a rebuild). A stop added to a finished route is credited when it is marked.
  The hours belong to the month of the run's day.

Lock order, everywhere: the order's row, then the delivery's, then the route's.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.care import access, access_deliveries, events, orders
from civicgrid.care.models import (
    CaredPerson,
    Delivery,
    DeliveryRoute,
    DeliveryRun,
    DeliveryState,
    MealOrder,
    MealPoint,
    OrderState,
)
from civicgrid.core import notifications
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs import cached as need_cached
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.access import check_may_raise
from civicgrid.needs.models import Channel, Need, Priority, format_number
from civicgrid.needs.services import need_raise
from civicgrid.network.models import Node, NodeKind, Person, Role, RoleBinding, mask_mobile
from civicgrid.network.scope import holds_role_over, is_staff_user, paths_q
from civicgrid.volunteers import points as member_points
from civicgrid.volunteers.access import MEMBER_ROLES
from civicgrid.volunteers.models import Registration, RegistrationState

# What a stop is worth to the deliverer, toward their hours and points.
HOURS_PER_DELIVERY = Decimal("0.25")
# The need category a door nobody opened is raised in (needs/seed.py).
WELFARE_CATEGORY = "welfare_check"
# The grid workers' notice (its text: `NOTICE_TEXT`, handed to core.notifications by `wire`).
NOTICE = "care_welfare_check"
NOTICE_TEXT = gettext_lazy(
    "Welfare check %(number)s: %(person)s did not open the door to the meal delivery"
)
# The name under which points' rebuild finds the hours credited here.
CREDITS = "care.deliveries"


class Action(enum.StrEnum):
    ADD = "add"
    DELIVER = "deliver"
    NOT_HOME = "not_home"
    CANCEL = "cancel"


class Actor(enum.StrEnum):
    DELIVERER = "deliverer"  # the route's deliverer
    STAFF = "staff"  # staff who serve the point's place or the route's grid
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]


def _rule(sources: Iterable[str], target: str, actors: Iterable[Actor]) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors))


S = DeliveryState
Dl, St, Sy = Actor.DELIVERER, Actor.STAFF, Actor.SYSTEM

TRANSITIONS: dict[Action, Rule] = {
    # Adding makes the delivery (run_build): it has no source state.
    Action.ADD: _rule([], S.PENDING, [St]),
    Action.DELIVER: _rule([S.PENDING, S.NOT_HOME], S.DELIVERED, [Dl, St]),
    Action.NOT_HOME: _rule([S.PENDING], S.NOT_HOME, [Dl, St]),
    Action.CANCEL: _rule([S.PENDING], S.CANCELLED, [Sy]),
}

# The marks a deliverer or staff make, by the state they ask for.
MARKS: dict[str, Action] = {S.DELIVERED: Action.DELIVER, S.NOT_HOME: Action.NOT_HOME}

ACTION_LABELS: dict[Action, Any] = {
    Action.ADD: gettext_lazy("Added to the run"),
    Action.DELIVER: gettext_lazy("Delivered"),
    Action.NOT_HOME: gettext_lazy("Not home"),
    Action.CANCEL: gettext_lazy("Order cancelled"),
}
ASSIGN = "assign"  # an event, not a move: the route was given to a deliverer
EVENT_LABELS: dict[str, Any] = {
    **{action.value: label for action, label in ACTION_LABELS.items()},
    ASSIGN: gettext_lazy("Deliverer assigned"),
}


# --- Events -----------------------------------------------------------------------------------


@events.kind("delivery.add")
@dataclass(frozen=True, kw_only=True)
class Added(events.EventData):
    run_id: int
    route_id: int
    grid_id: int
    order_id: int


@events.kind("delivery.assign")
@dataclass(frozen=True, kw_only=True)
class Assigned(events.EventData):
    route_id: int
    deliverer_id: int
    was_id: int | None = None


@events.kind("delivery.deliver")
@events.kind("delivery.not_home")
@events.kind("delivery.cancel")
@dataclass(frozen=True, kw_only=True)
class Marked(events.EventData):
    from_state: str
    to_state: str
    order_id: int
    # "not_home": the welfare check raised.
    need_id: int | None = None
    need_number: str | None = None
    # The hours this mark finished the route with, credited to its deliverer ("0.75").
    credited: str | None = None


# --- Who acts ---------------------------------------------------------------------------------


def may_deliver(person: Person | None, grid: Node) -> bool:
    """Whether `person` may carry a route of `grid`: one of the people who serve, or a grid
    worker bound to the grid or above."""
    if person is None or not person.is_active:
        return False
    return member_points.is_member(person.pk) or holds_role_over(person, [Role.GRID_WORKER], grid)


def actor_kinds(delivery: Delivery, user: Any) -> set[Actor]:
    person = access.person_of(user)
    if person is None:
        return set()
    kinds: set[Actor] = set()
    if delivery.route.deliverer_id == person.pk:
        kinds.add(Actor.DELIVERER)
    if access_deliveries.serves_route(person, delivery.route):
        kinds.add(Actor.STAFF)
    return kinds


def _when_refusal(delivery: Delivery, action: Action, now: dt.datetime) -> tuple[str, str] | None:
    """What the clock and the order forbid, as (code, message)."""
    if action in MARKS.values():
        if timezone.localdate(now) < delivery.route.run.day:
            return "not_yet", _("This delivery is for a later day.")
        if delivery.order.state == OrderState.CANCELLED:
            return "order_cancelled", _("The order was cancelled: nothing to bring.")
    return None


def allowed_actions(
    delivery: Delivery, user: Any, *, now: dt.datetime | None = None
) -> list[Action]:
    """The marks `user` may make on `delivery` now."""
    kinds = actor_kinds(delivery, user)
    now = now or timezone.now()
    return [
        action
        for action in MARKS.values()
        if delivery.state in TRANSITIONS[action].sources
        and kinds & TRANSITIONS[action].actors
        and _when_refusal(delivery, action, now) is None
    ]


# --- Building a run ---------------------------------------------------------------------------


def _natural(text: str) -> tuple[Any, ...]:
    """ "一组10号" after "一组9号": numbers compared as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def address_of(cared: CaredPerson) -> str:
    """Where the meal goes: the household's address, else the person's."""
    household = cared.household
    return (household.address if household and household.address else cared.address) or ""


def _stop_key(delivery: Delivery) -> tuple[Any, ...]:
    cared = delivery.order.person
    return (_natural(address_of(cared)), cared.household_id or 0, cared.name, cared.pk)


def grids_of(nodes: Iterable[Node]) -> dict[int, Node]:
    """Each node's small grid: itself, or its nearest small grid above; a node under no small
    grid is its own route (one query)."""
    nodes = list(nodes)
    above = {pk for node in nodes for pk in node.ancestor_ids()}
    grids = {g.pk: g for g in Node.objects.filter(pk__in=above, kind=NodeKind.SMALL_GRID)}
    found: dict[int, Node] = {}
    for node in nodes:
        nearest = [grids[pk] for pk in node.ancestor_ids() if pk in grids]
        found[node.pk] = nearest[-1] if nearest else node
    return found


def check_builds(user: Any, point: MealPoint) -> None:
    if not access.serves(user, point.node):
        raise NotAllowed(
            _("Only staff who serve the meal point's place build its deliveries."),
            code="not_allowed",
        )


def run_build(
    *, by: Person, point: MealPoint, day: dt.date, now: dt.datetime | None = None
) -> DeliveryRun:
    """Build (or build again) the point's delivery run of `day` from its orders to be brought
    home: new orders join the route of their grid, cancelled ones leave; routes, deliverers
    and marks stay. Staff who serve the point's place."""
    check_builds(by, point)
    now = now or timezone.now()
    with transaction.atomic():
        run, created = DeliveryRun.objects.select_for_update().get_or_create(
            point=point, day=day, defaults={"built_at": now, "built_by": by}
        )
        if not created:
            DeliveryRun.objects.filter(pk=run.pk).update(built_at=now, built_by=by)
            run.built_at, run.built_by = now, by
        _add_new_orders(run, by, now)
        touched = _drop_cancelled(run, now)
        _place_stops(run)
        for route_id in touched:
            _settle(route_id, now)
    return run


def _add_new_orders(run: DeliveryRun, by: Person, now: dt.datetime) -> None:
    new = list(
        MealOrder.objects.filter(
            point_id=run.point_id,
            day=run.day,
            home_delivery=True,
            state=OrderState.ORDERED,
            delivery__isnull=True,
            person__forgotten_at__isnull=True,
        )
        .select_related("person__node")
        .order_by("id")
    )
    if not new:
        return
    grids = grids_of({o.person.node_id: o.person.node for o in new}.values())
    routes = {r.grid_id: r for r in run.routes.all()}
    for order in new:
        grid = grids[order.person.node_id]
        route = routes.get(grid.pk)
        if route is None:
            route = routes[grid.pk] = DeliveryRoute.objects.create(run=run, grid=grid)
        delivery = Delivery.objects.create(route=route, order=order)
        events.append(
            delivery,
            Action.ADD.value,
            actor=by,
            actor_kind=Actor.STAFF,
            data=Added(run_id=run.pk, route_id=route.pk, grid_id=grid.pk, order_id=order.pk),
            now=now,
        )


def _drop_cancelled(run: DeliveryRun, now: dt.datetime) -> set[int]:
    """Pending deliveries whose order was cancelled meanwhile: cancelled. Returns their routes."""
    gone = Delivery.objects.filter(
        route__run=run, state=S.PENDING, order__state=OrderState.CANCELLED
    ).values_list("pk", flat=True)
    routes: set[int] = set()
    for pk in list(gone):
        locked = _lock(pk)
        if locked.state == S.PENDING:
            _cancel(locked, now)
            routes.add(locked.route_id)
    return routes


def _place_stops(run: DeliveryRun) -> None:
    """Number each route's stops by address (only rows whose number changes are written)."""
    stops = list(
        Delivery.objects.filter(route__run=run)
        .select_related("order__person__household")
        .order_by("route_id", "id")
    )
    by_route: dict[int, list[Delivery]] = {}
    for delivery in stops:
        by_route.setdefault(delivery.route_id, []).append(delivery)
    for route_stops in by_route.values():
        for position, delivery in enumerate(sorted(route_stops, key=_stop_key), start=1):
            if delivery.position != position:
                Delivery.objects.filter(pk=delivery.pk).update(position=position)


# --- Assigning a route ------------------------------------------------------------------------


def route_assign(
    *, by: Person, route: DeliveryRoute | int, deliverer: Person, now: dt.datetime | None = None
) -> DeliveryRoute:
    """Give a route to a deliverer (one of the people who serve, or a grid worker of its grid).
    Staff who serve the point's place; not once the route's hours are credited."""
    now = now or timezone.now()
    with transaction.atomic():
        pk = route if isinstance(route, int) else route.pk
        # The stops first, then the route: the lock order of the marks (an event is appended
        # to each pending stop, holding its row).
        pending = list(
            Delivery.objects.select_for_update().filter(route_id=pk, state=S.PENDING).order_by("pk")
        )
        locked = (
            DeliveryRoute.objects.select_for_update(of=("self",))
            .select_related("run__point__node", "grid")
            .get(pk=pk)
        )
        check_builds(by, locked.run.point)
        if not may_deliver(deliverer, locked.grid):
            raise Invalid(
                _(
                    "A route is carried by a party member, a volunteer or a grid worker of its "
                    "grid."
                ),
                code="not_a_deliverer",
                fields={"deliverer": [_("Choose one of the people who serve.")]},
            )
        if locked.hours > 0:
            raise Conflict(
                _("The route's hours are credited already: its deliverer stays."),
                code="route_credited",
            )
        if not pending:
            raise Conflict(_("Every stop of the route is marked already."), code="route_done")
        was = locked.deliverer_id
        if was == deliverer.pk:
            return locked
        DeliveryRoute.objects.filter(pk=locked.pk).update(
            deliverer=deliverer, assigned_at=now, assigned_by=by
        )
        locked.deliverer, locked.assigned_at, locked.assigned_by = deliverer, now, by
        for delivery in pending:
            events.append(
                delivery,
                ASSIGN,
                actor=by,
                actor_kind=Actor.STAFF,
                data=Assigned(route_id=locked.pk, deliverer_id=deliverer.pk, was_id=was),
                now=now,
            )
    return locked


def deliverer_choices(run: DeliveryRun) -> list[tuple[int, str]]:
    """Whom a run's routes may be given to, as (id, "name 139****0001") for a choice list:
    party members, volunteers, registered members and grid workers of the point's area (a
    route's own check, `may_deliver`, decides). Read as values."""
    point = run.point
    area = point.area or point.node
    inside = paths_q([area.path], node_field="node")
    bound = RoleBinding.objects.filter(inside, role__in=[*MEMBER_ROLES, Role.GRID_WORKER])
    registered = Registration.objects.filter(
        paths_q([area.path], node_field="community"),
        state=RegistrationState.APPROVED,
        person__isnull=False,
    )
    people = (
        Person.objects.filter(
            Q(pk__in=bound.values("person_id")) | Q(pk__in=registered.values("person_id")),
            is_active=True,
        )
        .order_by("name", "pk")
        .values_list("pk", "name", "mobile")[:500]
    )
    return [(pk, f"{name} {mask_mobile(mobile or '')}".strip()) for pk, name, mobile in people]


# --- Marking a delivery -----------------------------------------------------------------------


def _lock(delivery: Delivery | int) -> Delivery:
    """The delivery's row, locked, after its order's row (the lock order of orders.py's
    callers: an order cancelled while its delivery is marked waits, never deadlocks)."""
    pk = delivery if isinstance(delivery, int) else delivery.pk
    order_id = Delivery.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        raise Conflict(_("That delivery is gone."), code="gone")
    MealOrder.objects.select_for_update().filter(pk=order_id).first()
    return (
        Delivery.objects.select_for_update(of=("self",))
        .select_related(
            "order__person__node",
            "order__person__household",
            "route__run__point__node",
            "route__grid",
        )
        .get(pk=pk)
    )


def _move(
    locked: Delivery,
    action: Action,
    by: Person | None,
    *,
    note: str = "",
    now: dt.datetime,
    **fields: Any,
) -> str:
    """The conditional UPDATE of a move (the row is locked); returns the state it left."""
    old = locked.state
    fields["state"] = TRANSITIONS[action].target
    if action in MARKS.values():
        fields.update(marked_at=now, marked_by=by, note=note)
    changed = Delivery.objects.filter(pk=locked.pk, state=old).update(**fields)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The delivery changed meanwhile; try again."), code="changed")
    for name, value in fields.items():
        setattr(locked, name, value)
    return old


def _append(
    locked: Delivery,
    action: Action,
    by: Person | None,
    old: str,
    *,
    note: str = "",
    now: dt.datetime,
    **data: Any,
) -> None:
    events.append(
        locked,
        action.value,
        actor=by,
        actor_kind=Actor.SYSTEM if by is None else _kind_of(locked, by),
        note=note,
        data=Marked(from_state=old, to_state=locked.state, order_id=locked.order_id, **data),
        now=now,
    )


def _cancel(locked: Delivery, now: dt.datetime) -> None:
    old = _move(locked, Action.CANCEL, None, now=now)
    _append(locked, Action.CANCEL, None, old, now=now)


def _kind_of(delivery: Delivery, by: Person) -> Actor:
    return Actor.DELIVERER if delivery.route.deliverer_id == by.pk else Actor.STAFF


def delivery_mark(
    *,
    by: Person,
    delivery: Delivery | int,
    state: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Delivery:
    """Mark a delivery "delivered" or "not_home": the route's deliverer or staff who serve its
    place. Delivered: the order is served. Not home: a welfare check is raised for the grid
    worker. The last mark of a route credits its deliverer's hours."""
    action = MARKS.get(state)
    if action is None:
        raise Invalid(_("Mark it delivered or not home."), code="bad_state")
    note = (note or "").strip()[:200]
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(delivery)
        rule = TRANSITIONS[action]
        if not actor_kinds(locked, by) & rule.actors:
            raise NotAllowed(
                _("Only the route's deliverer or staff of the place mark this delivery."),
                code="not_allowed",
            )
        if locked.state not in rule.sources:
            raise Conflict(
                _("The delivery is %(state)s already.") % {"state": locked.get_state_display()},
                code="wrong_state",
            )
        refusal = _when_refusal(locked, action, now)
        if refusal:
            code, message = refusal
            raise Conflict(message, code=code)
        data: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        if action == Action.DELIVER:
            orders.order_deliver(by=by, order=locked.order_id, now=now)
        else:
            need = _raise_welfare_check(locked, by, now)
            fields["welfare_need"] = need
            data = {"need_id": need.pk, "need_number": need.number}
        old = _move(locked, action, by, note=note, now=now, **fields)
        credited = _settle(locked.route_id, now)
        if credited:
            data["credited"] = f"{credited:.2f}"
        _append(locked, action, by, old, note=note, now=now, **data)
    return locked


def _settle(route_id: int, now: dt.datetime) -> Decimal:
    """If nothing of the route is pending: credit its deliverer for the stops made and not yet
    credited (route.hours holds what was), once. Returns the hours credited now.

    The route's row is locked before its stops are counted: two last stops marked at once
    then settle one after the other, and the second sees the first's mark (each statement
    reads what is committed), so the route is credited exactly once."""
    route = (
        DeliveryRoute.objects.select_for_update(of=("self",)).select_related("run").get(pk=route_id)
    )
    if Delivery.objects.filter(route_id=route_id, state=S.PENDING).exists():
        return Decimal(0)
    made = Delivery.objects.filter(route_id=route_id, state__in=[S.DELIVERED, S.NOT_HOME]).count()
    if route.deliverer_id is None:
        return Decimal(0)
    total = HOURS_PER_DELIVERY * made
    extra = total - route.hours
    if extra <= 0:
        return Decimal(0)
    DeliveryRoute.objects.filter(pk=route.pk).update(hours=total)
    member_points.credit_service_hours(
        person_id=route.deliverer_id, when=credit_time(route.run.day), hours=extra
    )
    return extra


def credit_time(day: dt.date) -> dt.datetime:
    """When a run's hours count: noon of its day, local time (its month is the day's)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def credited_hours(person_id: int | None) -> Iterator[tuple[int, dt.datetime, Decimal]]:
    """Every route's credited hours as points' rebuild reads them (`points.EXTRA_CREDITS`):
    (deliverer, when, hours), everyone's or one deliverer's. A credited route keeps its
    deliverer (`route_assign` refuses), so its hours are theirs."""
    routes = DeliveryRoute.objects.filter(hours__gt=0, deliverer__isnull=False)
    if person_id is not None:
        routes = routes.filter(deliverer_id=person_id)
    for deliverer_id, day, hours in routes.values_list("deliverer_id", "run__day", "hours"):
        yield deliverer_id, credit_time(day), hours


# --- The welfare check --------------------------------------------------------------------------


def _may_raise(person: Person, node: Node) -> bool:
    if not is_staff_user(person):
        return False
    try:
        check_may_raise(person, place=node)
    except NotAllowed:
        return False
    return True


def grid_workers_of(node: Node) -> list[Person]:
    """The active grid workers bound to `node` or above it within its grid."""
    return [
        b.person
        for b in RoleBinding.objects.filter(
            role=Role.GRID_WORKER, node_id__in=node.ancestor_ids(), person__is_active=True
        )
        .select_related("person")
        .order_by("-node__depth", "pk")
    ]


def _raiser(by: Person, node: Node, workers: list[Person]) -> Person:
    """Who enters the welfare check at the person's place. The needs intake takes a need on
    someone's behalf only from staff who write there: the marker when they do (a grid worker,
    staff), else the grid's worker, else the place's dispatcher. The deliverer is recorded
    as the one it was raised through (`Need.source_person`)."""
    for person in [by, *workers, *need_workflow.dispatchers_of(node)]:
        if _may_raise(person, node):
            return person
    raise Conflict(
        _("Nobody serves this person's place to receive a welfare check."), code="no_one_to_alert"
    )


def _raise_welfare_check(locked: Delivery, by: Person, now: dt.datetime) -> Need:
    cared = locked.order.person
    point = locked.route.run.point
    category = need_cached.category_by_code(WELFARE_CATEGORY)
    if category is None:
        raise Conflict(_("The welfare check category is missing."), code="no_category")
    workers = grid_workers_of(cared.node)
    when = timezone.localtime(now)
    description = _(
        "Nobody opened the door to %(person)s's meal delivery from %(point)s at %(time)s. "
        "Please check on them."
    ) % {"person": cared.name, "point": point.name, "time": when.strftime("%Y-%m-%d %H:%M")}
    need = need_raise(
        by=need_workflow.By(person=_raiser(by, cared.node, workers)),
        category=category,
        description=description,
        channel=Channel.VISIT,
        node=cared.node,
        priority=Priority.URGENT,
        on_behalf_of=cared.name[:64],
        source_person=by,
    )
    notifications.notify(
        workers,
        kind=NOTICE,
        data={"number": format_number(need.number), "person": cared.name, "point": point.name},
        url=f"/console/needs/{need.number}/",
    )
    return need


# --- Orders cancelled -------------------------------------------------------------------------


def on_order_cancelled(happened: events.Happened) -> None:
    """An order cancelled after its run was built: its pending delivery is cancelled too, in
    the order's transaction (which holds the order's row: the lock order holds)."""
    delivery_id = (
        Delivery.objects.filter(order_id=happened.record.pk, state=S.PENDING)
        .values_list("pk", flat=True)
        .first()
    )
    if delivery_id is None:
        return
    now = happened.event.created_at
    locked = _lock(delivery_id)
    if locked.state == S.PENDING:
        _cancel(locked, now)
        _settle(locked.route_id, now)


def wire() -> None:
    """Called from the app's `ready()` (care/wiring.py): points' rebuild finds the hours
    credited here, the grid workers' notice has its text, and a cancelled order leaves its
    route."""
    member_points.register_credits(CREDITS, credited_hours)
    notifications.register_text(NOTICE, NOTICE_TEXT)
    events.subscribe("order.cancel", on_order_cancelled, when="transaction")
