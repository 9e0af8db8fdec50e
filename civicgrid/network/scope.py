"""The scope rule, written once.

A staff user sees and acts on exactly the subtrees of the nodes their staff roles bind
(DESIGN.md section 2). A leader's roles give sight but no change. Every list of anything that
sits at a node goes through `within_scope`; every fetch of one thing through `access_node` or
`check_can_change`.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.core.statements import Statement
from civicgrid.network.models import STAFF_ROLES, WRITE_ROLES, Node, RoleBinding

M = TypeVar("M", bound=Model)

_CACHE_ATTR = "_civicgrid_scope_paths"


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths inside another path of the list: their subtrees are already covered."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def scope_paths(user: Any, *, write: bool = False) -> list[str] | None:
    """The path prefixes the user may see (or change, with write=True).

    None means everything (a superuser); an empty list means nothing. Cached on the user
    object, so one request costs one query however many lists it shows.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        # From every role the user holds (one query a request, shared with `role_paths`).
        bindings = [
            (role, path)
            for role, paths in role_paths(user).items()
            if role in STAFF_ROLES
            for path in paths
        ]
        cache = {
            False: _outermost([path for _role, path in bindings]),
            True: _outermost([path for role, path in bindings if role in WRITE_ROLES]),
        }
        setattr(user, _CACHE_ATTR, cache)
    return cache[write]


_ROLES_ATTR = "_civicgrid_role_paths"

# Asked on every request of a signed-in person: compiled once (core/statements.py).
_ROLES_OF = Statement(
    lambda person: RoleBinding.objects.filter(person_id=person).values_list("role", "node__path"),
    person=int,
)


def role_paths(user: Any) -> dict[str, list[str]]:
    """Every role the user holds with the paths of the nodes it is bound to (cached)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return {}
    cache = getattr(user, _ROLES_ATTR, None)
    if cache is None:
        cache = {}
        for role, path in _ROLES_OF(person=user.pk):
            cache.setdefault(role, []).append(path)
        setattr(user, _ROLES_ATTR, cache)
    return cache


def role_scope_paths(user: Any, roles: Iterable[str]) -> list[str] | None:
    """The paths of the nodes where the user holds one of `roles`; None for a superuser (every
    path). Unlike `scope_paths`, any role counts, staff or not."""
    if getattr(user, "is_superuser", False):
        return None
    held = role_paths(user)
    return [path for role in roles for path in held.get(role, [])]


def holds_any_role(user: Any, roles: Iterable[str]) -> bool:
    """Whether the user holds one of `roles` anywhere (a superuser holds every role)."""
    paths = role_scope_paths(user, roles)
    return paths is None or bool(paths)


def within_paths(paths: list[str] | None, node_path: str) -> bool:
    """Whether the node at `node_path` lies under one of `paths` (None: everywhere)."""
    return paths is None or any(node_path.startswith(p) for p in paths)


def holds_role_over(user: Any, roles: Iterable[str], node: Node) -> bool:
    """Whether one of `roles` is bound to `node` or to one of its ancestors."""
    held = role_paths(user)
    return within_paths([path for role in roles for path in held.get(role, ())], node.path)


def paths_q(paths: list[str], *, node_field: str = "") -> Q:
    """A Q object limiting rows to the subtrees of `paths` (none at all when the list is empty).

    `node_field` names the foreign key to Node ("" for Nodes themselves). Rows of other
    tables are limited by their node's id among the subtrees' nodes (a subquery), not by a
    join to the node's path: PostgreSQL then reads a page of the newest needs from the index
    on their creation time and stops when it is full, where the join read every need of the
    city to sort them (issue 13: the REST list of 100, 15 ms → 2 ms)."""
    if not paths:
        return Q(pk__in=[])
    inside = reduce(or_, (Q(path__startswith=path) for path in paths))
    if not node_field:
        return inside
    return Q(**{f"{node_field}__in": Node.objects.filter(inside).values("pk")})


def scope_q(user: Any, *, node_field: str = "", write: bool = False) -> Q | None:
    """A Q object limiting rows to the user's scope, or None for no limit."""
    paths = scope_paths(user, write=write)
    if paths is None:
        return None
    return paths_q(paths, node_field=node_field)


def within_scope(
    queryset: QuerySet[M], user: Any, *, node_field: str = "", write: bool = False
) -> QuerySet[M]:
    """Limit any queryset of things at nodes to the user's scope.

    `node_field` names the foreign key to Node ("" when the queryset is of Nodes themselves).
    """
    q = scope_q(user, node_field=node_field, write=write)
    if q is None:
        return queryset
    if q == Q(pk__in=[]):
        return queryset.none()
    return queryset.filter(q)


def can_see(user: Any, node: Node) -> bool:
    return within_paths(scope_paths(user), node.path)


def can_change(user: Any, node: Node) -> bool:
    return within_paths(scope_paths(user, write=True), node.path)


def is_staff_user(user: Any) -> bool:
    paths = scope_paths(user)
    return paths is None or bool(paths)


def access_node(user: Any, node_id: int, *, write: bool = False) -> Node:
    """The node, if the user may see it (404 otherwise) and change it when write=True (403)."""
    node = within_scope(Node.objects.all(), user).filter(pk=node_id).first()
    if node is None:
        raise Http404(_("No such node in your area."))
    if write and not can_change(user, node):
        raise PermissionDenied(_("Your role may read this node but not change it."))
    return node


def check_can_change(user: Any, node: Node) -> None:
    if not can_see(user, node):
        raise Http404(_("No such node in your area."))
    if not can_change(user, node):
        raise PermissionDenied(_("Your role may read this node but not change it."))
