"""What every intake reads of rows that rarely change, cached per process for a few seconds
(`core/localcache`, `LOCAL_CACHE_TTL`): the categories with their questions and deadlines, the
working-day calendar, the upper levels of the network and their dispatchers.

Saving or deleting one of the watched models in this process empties its namespace at once;
other processes see the change within the TTL. The returned rows are shared: do not change
them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from civicgrid.core.localcache import cached, watch
from civicgrid.needs.models import CalendarDay, Category, CategoryDeadline, CategoryQuestion
from civicgrid.network.models import Node, NodeKind, Organisation, Person, Role, RoleBinding

T = TypeVar("T")

CATEGORIES = "needs.categories"
CALENDAR = "needs.calendar"
NETWORK = "needs.network"
# Whom the console offers a need's dispatch and escalation to (targets.offered_targets); the
# volunteers app watches its teams too.
TARGETS = "needs.targets"

watch(CATEGORIES, Category, CategoryQuestion, CategoryDeadline)
watch(CALENDAR, CalendarDay)
watch(NETWORK, Node, RoleBinding, Person)
watch(TARGETS, Node, RoleBinding, Person, Organisation)


def category_by_code(code: str) -> Category | None:
    """The active category with this code (its questions prefetched), or None."""

    def load() -> Category | None:
        rows = Category.objects.filter(code=code, is_active=True)
        return rows.prefetch_related("questions").first()

    return cached(CATEGORIES, ("code", code), load)


def offered_to_residents(category: Category) -> bool:
    """Shown to residents and precise: no active child is shown to them."""

    def load() -> bool:
        children = category.children.filter(is_active=True, shown_to_residents=True)
        return category.shown_to_residents and not children.exists()

    return cached(CATEGORIES, ("offered", category.pk), load)


def category_value(key: tuple[object, ...], load: Callable[[], T]) -> T:
    """Anything derived from the categories and their deadlines (`deadlines.limits_for`)."""
    return cached(CATEGORIES, key, load)


def calendar_overrides(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    """The CalendarDay rows between two dates: date → is a working day."""

    def load() -> dict[dt.date, bool]:
        rows = CalendarDay.objects.filter(date__range=(first, last))
        return dict(rows.values_list("date", "is_working"))

    return dict(cached(CALENDAR, (first, last), load))


def nearest_above(node: Node) -> dict[str, Node]:
    """The nearest community and town strictly above `node`, by kind (those that exist)."""
    upper = cached(NETWORK, "upper", _upper_levels)
    found: dict[str, Node] = {}
    for pk in reversed(node.ancestor_ids()[:-1]):
        n = upper.get(pk)
        if n is not None:
            found.setdefault(n.kind, n)
    return found


def region_root() -> Node | None:
    """Where reports no grid holds wait to be placed: the node settings.UNPLACED_AT names, else
    the top of the network (the first by path if there are several), or None."""

    def load() -> Node | None:
        named = settings.UNPLACED_AT
        found = Node.objects.filter(code=named).first() if named else None
        return found or Node.objects.filter(parent__isnull=True).order_by("path").first()

    return cached(NETWORK, "root", load)


def _upper_levels() -> dict[int, Node]:
    # Every community and town: a few hundred rows in a city, read once per TTL.
    rows = Node.objects.filter(kind__in=(NodeKind.COMMUNITY, NodeKind.TOWN))
    return {n.pk: n for n in rows}


def dispatchers_of(node: Node) -> list[Person]:
    """The active community staff at the nearest level at or above `node` that has any; where
    no level has any (a report waiting unplaced at the top of the network), the admins at the
    nearest level that has some, so that someone hears of it."""
    staff, admins, _ = cached(NETWORK, "staff", _dispatching_staff)
    ancestors = list(reversed(node.ancestor_ids()))
    for by_node in (staff, admins):
        for pk in ancestors:
            if pk in by_node:
                return list(by_node[pk])
    return []


def may_dispatch_at(node: Node) -> list[Person]:
    """Every active person bound as community staff or admin at `node` or above, nearest level
    first, each once: exactly those the workflow lets accept and dispatch a need held at `node`
    (`workflow.DISPATCHER_ROLES`, `scope.holds_role_over`), superusers aside (they may act
    anywhere and are told of nothing in particular)."""

    def load() -> list[Person]:
        _, _, both = cached(NETWORK, "staff", _dispatching_staff)
        people: dict[int, Person] = {}
        for pk in reversed(node.ancestor_ids()):
            for person in both.get(pk, ()):
                people.setdefault(person.pk, person)
        return list(people.values())

    return list(cached(NETWORK, ("may_dispatch_at", node.pk, node.path), load))


Staff = dict[int, list[Person]]


def _dispatching_staff() -> tuple[Staff, Staff, Staff]:
    # Every active community staff and admin binding, by node (staff, admins, both): one read
    # per TTL instead of one per need.
    rows = RoleBinding.objects.filter(
        role__in=(Role.COMMUNITY_STAFF, Role.ADMIN), person__is_active=True
    )
    staff: Staff = {}
    admins: Staff = {}
    both: Staff = {}
    for binding in rows.select_related("person").order_by("pk"):
        kept = staff if binding.role == Role.COMMUNITY_STAFF else admins
        kept.setdefault(binding.node_id, []).append(binding.person)
        both.setdefault(binding.node_id, []).append(binding.person)
    return staff, admins, both
