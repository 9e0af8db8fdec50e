"""Who sees and changes meal orders, on the base rules of `care/access.py`.

- **Staff** whose scope holds the meal point's place read its orders; those who serve it (a
  write role over it) place, serve and cancel them.
- **Staff of the people's places** (a grid worker whose grid the point serves) read the
  orders of the people in their scope and place orders for them (on their behalf).
- **The point's staff** (`MealPoint.staff`, a cook with no role in the network) read, serve
  and cancel the orders of their point.
- A read-only leader reads and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.care import access
from civicgrid.care.models import CaredPerson, MealOrder, MealPoint
from civicgrid.network import scope
from civicgrid.network.models import Node

_RUN_CACHE = "_care_points_run"


def points_run(user: Any) -> frozenset[int]:
    """The meal points the user is staff of (cached on the user: one query a request)."""
    person = access.person_of(user)
    if person is None:
        return frozenset()
    cached = getattr(person, _RUN_CACHE, None)
    if cached is None:
        cached = frozenset(
            MealPoint.staff.through.objects.filter(person_id=person.pk).values_list(
                "mealpoint_id", flat=True
            )
        )
        setattr(person, _RUN_CACHE, cached)
    return cached


def is_point_staff(user: Any, point: MealPoint) -> bool:
    return point.pk in points_run(user)


def area_of(point: MealPoint) -> Node:
    """The place a point serves: its `area`, else its own place and below."""
    return point.area if point.area_id is not None else point.node  # type: ignore[return-value]


def in_area(point: MealPoint, node: Node) -> bool:
    return scope.within_paths([area_of(point).path], node.path)


def reaches(user: Any, point: MealPoint, *, write: bool = False) -> bool:
    """Whether the user's scope holds the point's area or lies within it (a grid worker of a
    grid the point serves)."""
    if access.person_of(user) is None:
        return False
    paths = scope.scope_paths(user, write=write)
    if paths is None:
        return True
    area = area_of(point).path
    return any(
        scope.within_paths([path], area) or scope.within_paths([area], path) for path in paths
    )


def serves_point(user: Any, point: MealPoint) -> bool:
    """Staff who serve the point's place, or the point's own staff."""
    return access.serves(user, point.node) or is_point_staff(user, point)


def may_order_at(user: Any, point: MealPoint) -> bool:
    """Who may place an order at the point on someone's behalf: staff who serve the point's
    place or a place it serves, and the point's staff."""
    return reaches(user, point, write=True) or is_point_staff(user, point)


def may_act_on(user: Any, order: MealOrder) -> bool:
    """Staff who may serve or cancel the order (`orders.actor_kinds` says "staff")."""
    return serves_point(user, order.point) or access.serves(user, order.person.node)


def visible_orders(user: Any) -> QuerySet[MealOrder]:
    """Orders as staff read them: at points whose place is in their scope, of people whose
    place is in their scope, and at the points they are staff of."""
    if access.person_of(user) is None:
        return MealOrder.objects.none()
    run = points_run(user)
    at_point = scope.scope_q(user, node_field="point__node")
    if at_point is None:
        return MealOrder.objects.all()
    of_person = scope.scope_q(user, node_field="person__node")
    q = at_point | (of_person if of_person is not None else Q(pk__in=[]))
    if run:
        q |= Q(point_id__in=run)
    return MealOrder.objects.filter(q)


def may_see_order(user: Any, order: MealOrder) -> bool:
    """The Python form of `visible_orders` for one order."""
    return (
        access.reads(user, order.point.node)
        or access.reads(user, order.person.node)
        or is_point_staff(user, order.point)
    )


def access_order(user: Any, order_id: int, *, write: bool = False) -> MealOrder:
    """One order: 404 to someone who may not see it, 403 to a reader who may not change it."""
    order = (
        MealOrder.objects.select_related("point", "point__node", "person", "person__node")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not may_see_order(user, order):
        raise Http404(_("No such order in your area."))
    if write and not may_act_on(user, order):
        raise PermissionDenied(_("Your role may read this order but not change it."))
    return order


def access_point(user: Any, point_id: int, *, write: bool = False) -> MealPoint:
    """A meal point for its orders and bands: 404 outside the reader's reach, 403 (with
    `write`) to someone who may not place orders there."""
    point = MealPoint.objects.select_related("node", "area").filter(pk=point_id).first()
    if point is None or not (reaches(user, point) or is_point_staff(user, point)):
        raise Http404(_("No such meal point in your area."))
    if write and not may_order_at(user, point):
        raise PermissionDenied(_("Your role may read this meal point but not change it."))
    return point


def orderable_people(user: Any, point: MealPoint) -> QuerySet[CaredPerson]:
    """The people of the register the user may order for at the point: current, living in
    its area, in the user's write scope (the point's staff and the staff of its place: all
    of the area)."""
    area = area_of(point)
    people = CaredPerson.objects.current().filter(scope.paths_q([area.path], node_field="node"))
    if serves_point(user, point):
        return people
    q = scope.scope_q(user, node_field="node", write=True)
    return people if q is None else people.filter(q)


def may_reveal_placer(user: Any, order: MealOrder) -> bool:
    """Who reads the phone of whoever ordered in full (to call back about the meal): staff who
    serve the point or the person's place, and the point's staff. Never a reader."""
    return may_act_on(user, order)


def reveal_placer_phone(user: Any, order: MealOrder) -> str:
    if not may_reveal_placer(user, order) or not order.placer_phone:
        raise PermissionDenied(_("Your role may not read this phone in full."))
    access.reveal(user, subject=f"care-order:{order.pk}", field="placer_phone")
    return order.placer_phone
