"""Reads for the network pages: scope roots, breadcrumbs, subtree counts, grid polygons.

Every function here runs a fixed number of queries, whatever the size of the lists it returns;
the tests in `tests/test_views.py` hold them to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Substr
from django.urls import reverse

from civicgrid.network.models import Node, NodeKind, Organisation, RoleBinding
from civicgrid.network.scope import can_see, scope_paths, within_scope


@dataclass(frozen=True)
class SubtreeCounts:
    """What sits below one node: small grids and people with a role (the node included)."""

    grids: int = 0
    people: int = 0
    children: int = 0


@dataclass(frozen=True)
class NodeRow:
    node: Node
    counts: SubtreeCounts


@dataclass(frozen=True)
class Crumb:
    node: Node
    visible: bool  # False for ancestors above the user's scope: named, never linked


def _parent_path(node: Node) -> str:
    """The path of the node's parent ("" for a root), read from the node's own path."""
    return node.path[: node.path.rstrip("/").rfind("/") + 1]


def _child_key(path_field: str, prefix: str) -> Any:
    """SQL for the id (as text) of the first path segment after `prefix`.

    For '1/7/42/9/' and prefix '1/7/' this is '42': the child of the prefix node whose
    subtree holds the row. Works on SQLite and PostgreSQL alike (INSTR / STRPOS).
    """
    start = len(prefix) + 1
    rest = Substr(path_field, start)
    return Substr(path_field, start, StrIndex(rest, Value("/")) - 1)


def subtree_counts(nodes: Sequence[Node]) -> dict[int, SubtreeCounts]:
    """Counts for each node's subtree, two queries per distinct parent among `nodes`.

    Siblings (the children of one node, the usual case) cost two queries in all: every row
    under the parent is grouped by which child's subtree it sits in, in the database.
    """
    by_prefix: dict[str, list[Node]] = defaultdict(list)
    for node in nodes:
        by_prefix[_parent_path(node)].append(node)

    grids: dict[int, int] = {}
    people: dict[int, int] = {}
    children: dict[int, int] = {}
    for prefix, siblings in by_prefix.items():
        wanted = {str(node.pk): node for node in siblings}
        depth = siblings[0].depth
        rows = (
            Node.objects.filter(path__startswith=prefix, depth__gte=depth)
            .annotate(child=_child_key("path", prefix))
            .values("child")
            .annotate(
                grid_count=Count("id", filter=Q(kind=NodeKind.SMALL_GRID)),
                child_count=Count("id", filter=Q(depth=depth + 1)),
            )
            .order_by()
        )
        for row in rows:
            if row["child"] in wanted:
                node_id = wanted[row["child"]].pk
                grids[node_id] = row["grid_count"]
                children[node_id] = row["child_count"]
        role_rows = (
            RoleBinding.objects.filter(node__path__startswith=prefix, node__depth__gte=depth)
            .annotate(child=_child_key("node__path", prefix))
            .values("child")
            .annotate(person_count=Count("person", distinct=True))
            .order_by()
        )
        for role_row in role_rows:
            if role_row["child"] in wanted:
                people[wanted[role_row["child"]].pk] = role_row["person_count"]

    return {
        node.pk: SubtreeCounts(
            grids=grids.get(node.pk, 0),
            people=people.get(node.pk, 0),
            children=children.get(node.pk, 0),
        )
        for node in nodes
    }


def rows_with_counts(nodes: Iterable[Node]) -> list[NodeRow]:
    nodes = list(nodes)
    counts = subtree_counts(nodes)
    return [NodeRow(node=node, counts=counts[node.pk]) for node in nodes]


def children_of(node: Node) -> list[NodeRow]:
    """The node's children with their subtree counts: three queries however many."""
    return rows_with_counts(Node.objects.filter(parent=node).order_by("code", "name"))


def scope_roots(user: Any) -> list[NodeRow]:
    """The outermost nodes the user may see, with counts (the roots for a superuser)."""
    paths = scope_paths(user)
    if paths is None:
        roots: QuerySet[Node] = Node.objects.filter(parent__isnull=True)
    else:
        ids = [int(path.rstrip("/").rsplit("/", 1)[-1]) for path in paths]
        roots = Node.objects.filter(pk__in=ids)
    return rows_with_counts(roots.order_by("path"))


def breadcrumb(user: Any, node: Node) -> list[Crumb]:
    """The node's ancestors from the root, itself excluded: one query."""
    ancestor_ids = node.ancestor_ids()[:-1]
    ancestors = {n.pk: n for n in Node.objects.filter(pk__in=ancestor_ids)}
    return [
        Crumb(node=ancestors[pk], visible=can_see(user, ancestors[pk]))
        for pk in ancestor_ids
        if pk in ancestors
    ]


def role_bindings_of(person: Any) -> list[RoleBinding]:
    return list(
        RoleBinding.objects.filter(person=person)
        .select_related("node")
        .order_by("node__path", "role")
    )


def people_at(node: Node) -> list[RoleBinding]:
    """Role bindings at exactly this node, with their people."""
    return list(
        RoleBinding.objects.filter(node=node)
        .select_related("person")
        .order_by("role", "person__name", "person_id")
    )


def organisations_at(node: Node) -> list[Organisation]:
    return list(
        Organisation.objects.filter(node=node)
        .select_related("committee")
        .annotate(member_count=Count("members"))
        .order_by("kind", "name")
    )


def _geometry(polygon: Any) -> Any:
    # Polygons are stored as a GeoJSON geometry; accept a whole Feature as the import does.
    if isinstance(polygon, dict) and polygon.get("type") == "Feature":
        return polygon.get("geometry")
    return polygon


def grid_feature_collection(user: Any, node: Node | None = None) -> dict[str, Any]:
    """The small grids with a polygon in the user's scope (and under `node`) as GeoJSON."""
    grids = within_scope(Node.objects.grids().filter(polygon__isnull=False), user)
    if node is not None:
        grids = grids.filter(path__startswith=node.path)
    rows = grids.order_by("code").values(
        "id", "name", "code", "polygon", parent_name=F("parent__name")
    )
    features = [
        {
            "type": "Feature",
            "id": row["id"],
            "geometry": _geometry(row["polygon"]),
            "properties": {
                "id": row["id"],
                "name": row["name"],
                "code": row["code"],
                "parent": row["parent_name"] or "",
                "url": reverse("console:node", args=[row["id"]]),
            },
        }
        for row in rows
    ]
    return {"type": "FeatureCollection", "features": features}
