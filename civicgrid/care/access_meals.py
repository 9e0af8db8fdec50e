"""Who may see and change the meal points and their menus, on the care module's base rules
(`care/access.py`).

- **Staff who serve the point's place** (a write role over `MealPoint.node`) add and change the
  point, choose its staff and extra services, and keep its menus.
- **The point's staff** (`MealPoint.staff`: the cook, who holds no role in the network) keep
  its menus: write, correct and publish them. They read their point's page, nothing else.
- **Readers** (a leader, staff whose scope holds the place) read the points and menus; they
  change nothing (403 before any form is read).
- The public reads a point's page and its published menus only (`menus.published_menu`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.care import access
from civicgrid.care.models import MealPoint
from civicgrid.core.errors import NotAllowed
from civicgrid.network import scope


def staff_point_ids(user: Any) -> set[int]:
    """The points the user is staff of (one query)."""
    person = access.person_of(user)
    if person is None:
        return set()
    return set(MealPoint.objects.filter(staff=person).values_list("pk", flat=True))


def is_point_staff(user: Any, point: MealPoint) -> bool:
    person = access.person_of(user)
    return person is not None and point.staff.filter(pk=person.pk).exists()


def runs_a_point(user: Any) -> bool:
    """Whether the user is staff of some point (lets a cook without a role into the console)."""
    person = access.person_of(user)
    return person is not None and MealPoint.objects.filter(staff=person).exists()


def visible_points(user: Any) -> QuerySet[MealPoint]:
    """The points staff read: those at places in their scope, and those they are staff of."""
    person = access.person_of(user)
    if person is None:
        return MealPoint.objects.none()
    q = scope.scope_q(user, node_field="node")
    if q is None:
        return MealPoint.objects.all()
    mine = MealPoint.objects.filter(staff=person).values("pk")
    return MealPoint.objects.filter(q | Q(pk__in=mine))


def may_see_point(user: Any, point: MealPoint) -> bool:
    """The Python form of `visible_points` for one point."""
    return access.reads(user, point.node) or is_point_staff(user, point)


def may_change_point(user: Any, point: MealPoint) -> bool:
    """Details, staff and extra services: staff who serve the point's place."""
    return access.serves(user, point.node)


def may_keep_menus(user: Any, point: MealPoint) -> bool:
    """Menus: the point's own staff, or staff who serve its place."""
    return access.serves(user, point.node) or is_point_staff(user, point)


def check_changes_point(user: Any, point: MealPoint) -> None:
    if not may_change_point(user, point):
        raise NotAllowed(_("Your role may not change this meal point."), code="not_allowed")


def check_keeps_menus(user: Any, point: MealPoint) -> None:
    if not may_keep_menus(user, point):
        raise NotAllowed(_("Your role may not change this point's menus."), code="not_allowed")


def may_add_points(user: Any) -> bool:
    """Asked before the form to add a point is read: a read-only leader may not."""
    return access.serves_anywhere(user)


def access_point(
    user: Any, point_id: int, *, write: bool = False, menus: bool = False
) -> MealPoint:
    """One point: 404 to whoever may not read it; 403 with `write` to whoever may not change
    it, with `menus` to whoever may not keep its menus."""
    if access.person_of(user) is None:
        raise Http404
    point = MealPoint.objects.select_related("node", "area").filter(pk=point_id).first()
    if point is None or not may_see_point(user, point):
        raise Http404(_("No such meal point in your area."))
    if write and not may_change_point(user, point):
        raise PermissionDenied(_("Your role may read this meal point but not change it."))
    if menus and not may_keep_menus(user, point):
        raise PermissionDenied(_("Your role may read this point's menus but not change them."))
    return point
