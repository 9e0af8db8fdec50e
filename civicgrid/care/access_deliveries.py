"""Who may see and change the delivery runs, on the care module's base rules (`care/access.py`).

- **Staff who serve the meal point's place** build its runs and assign the routes
  (`deliveries.check_builds`); they and staff who serve a route's grid mark its stops.
- **Readers** (a leader, staff whose scope holds the point's place) read runs and routes with
  addresses masked; they change nothing (403 before any form is read).
- A route's **deliverer** (a party member or volunteer who may hold no staff role) reads their
  own routes, reveals their addresses one stop at a time (each reveal logged) and marks them.
- Addresses in full: the route's deliverer, and staff who serve its grid (the place where the
  people live), never a reader.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from civicgrid.care import access
from civicgrid.care.models import Delivery, DeliveryRoute, DeliveryRun, MealPoint
from civicgrid.network import scope

__all__ = [
    "access_delivery",
    "access_point",
    "access_route",
    "access_run",
    "deliverer_routes",
    "delivers_anything",
    "may_read_addresses",
    "serves_route",
    "visible_runs",
]


def visible_runs(user: Any) -> QuerySet[DeliveryRun]:
    """The runs staff read: those of points at places in their scope."""
    if access.person_of(user) is None:
        return DeliveryRun.objects.none()
    q = scope.scope_q(user, node_field="point__node")
    if q is None:
        return DeliveryRun.objects.all()
    return DeliveryRun.objects.filter(q)


def access_point(user: Any, point_id: int, *, write: bool = False) -> MealPoint:
    """A meal point as its runs' page reads it: 404 outside the reader's scope, 403 to one who
    may not build its runs."""
    point = MealPoint.objects.select_related("node").filter(pk=point_id).first()
    if point is None or not access.reads(user, point.node):
        raise Http404
    if write and not access.serves(user, point.node):
        raise PermissionDenied
    return point


def access_run(user: Any, run_id: int, *, write: bool = False) -> DeliveryRun:
    run = DeliveryRun.objects.select_related("point__node").filter(pk=run_id).first()
    if run is None or not access.reads(user, run.point.node):
        raise Http404
    if write and not access.serves(user, run.point.node):
        raise PermissionDenied
    return run


def serves_route(user: Any, route: DeliveryRoute) -> bool:
    """Staff who serve the point's place or the route's grid (they mark its stops)."""
    return access.serves(user, route.run.point.node) or access.serves(user, route.grid)


def _is_deliverer(user: Any, route: DeliveryRoute) -> bool:
    person = access.person_of(user)
    return person is not None and route.deliverer_id == person.pk


def access_route(user: Any, route_id: int, *, write: bool = False) -> DeliveryRoute:
    """One route: its deliverer and readers of the point's place see it (404 to anyone else);
    `write` (marking its stops) is for its deliverer and staff who serve it (403)."""
    route = (
        DeliveryRoute.objects.select_related("run__point__node", "grid", "deliverer")
        .filter(pk=route_id)
        .first()
    )
    if route is None:
        raise Http404
    mine = _is_deliverer(user, route)
    if not (mine or access.reads(user, route.run.point.node) or access.reads(user, route.grid)):
        raise Http404
    if write and not (mine or serves_route(user, route)):
        raise PermissionDenied
    return route


def access_delivery(user: Any, delivery_id: int, *, write: bool = False) -> Delivery:
    """One stop, as its route's access says."""
    route_id = Delivery.objects.filter(pk=delivery_id).values_list("route_id", flat=True).first()
    if route_id is None:
        raise Http404
    route = access_route(user, route_id, write=write)
    delivery = (
        Delivery.objects.select_related("order__person__household", "order__person__node")
        .filter(pk=delivery_id)
        .get()
    )
    delivery.route = route
    return delivery


def may_read_addresses(user: Any, route: DeliveryRoute) -> bool:
    """Addresses in full: the route's deliverer, and staff who serve its grid."""
    return _is_deliverer(user, route) or access.serves(user, route.grid)


def deliverer_routes(user: Any, day: dt.date) -> QuerySet[DeliveryRoute]:
    """The routes of `day` given to the signed-in person."""
    person = access.person_of(user)
    if person is None:
        return DeliveryRoute.objects.none()
    return DeliveryRoute.objects.filter(deliverer=person, run__day=day)


def delivers_anything(user: Any) -> bool:
    """Whether the person carries any route (lets a deliverer without a staff role in)."""
    person = access.person_of(user)
    return person is not None and DeliveryRoute.objects.filter(deliverer=person).exists()
