"""Small builders for tests: a tree, people with roles."""

from __future__ import annotations

import itertools
from typing import Any

from civicgrid.network.models import Node, NodeKind, Person, RoleBinding
from civicgrid.network.services import node_create

_seq = itertools.count(1)


def node(kind: str, parent: Node | None = None, name: str = "", **extra: Any) -> Node:
    n = next(_seq)
    return node_create(
        code=f"T{n:06d}", name=name or f"{kind}-{n}", kind=kind, parent=parent, **extra
    )


def person(name: str = "", roles: list[tuple[str, Node]] | None = None, **extra: object) -> Person:
    n = next(_seq)
    p = Person.objects.create_user(
        mobile=f"139{n:08d}", name=name or f"测试{n}", password="pass-12345", **extra
    )
    for role, at in roles or []:
        RoleBinding.objects.create(person=p, role=role, node=at)
    return p


def square(lon: float, lat: float, size: float = 1.0, hole: bool = False) -> dict:
    """A GeoJSON square with its lower-left corner at (lon, lat), optionally with a hole."""
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    rings = [ring]
    if hole:
        q = size / 4
        rings.append(
            [
                [lon + q, lat + q],
                [lon + 3 * q, lat + q],
                [lon + 3 * q, lat + 3 * q],
                [lon + q, lat + 3 * q],
                [lon + q, lat + q],
            ]
        )
    return {"type": "Polygon", "coordinates": rings}


def region() -> dict[str, Node]:
    """League → banner → two towns → a community each → big grid → two small grids."""
    t: dict[str, Node] = {}
    t["league"] = node(NodeKind.LEAGUE, name="兴安盟")
    t["banner"] = node(NodeKind.BANNER, t["league"], name="科右前旗")
    t["town1"] = node(NodeKind.TOWN, t["banner"], name="一镇")
    t["town2"] = node(NodeKind.TOWN, t["banner"], name="二镇")
    t["comm1"] = node(NodeKind.COMMUNITY, t["town1"], name="一社区")
    t["comm2"] = node(NodeKind.COMMUNITY, t["town2"], name="二社区")
    t["big1"] = node(NodeKind.BIG_GRID, t["comm1"], name="一大网格")
    t["big2"] = node(NodeKind.BIG_GRID, t["comm2"], name="二大网格")
    t["gridA"] = node(NodeKind.SMALL_GRID, t["big1"], name="A网格", polygon=square(0, 0))
    t["gridB"] = node(NodeKind.SMALL_GRID, t["big1"], name="B网格", polygon=square(1, 0))
    t["gridC"] = node(NodeKind.SMALL_GRID, t["big2"], name="C网格", polygon=square(5, 5, hole=True))
    t["unitA"] = node(NodeKind.UNIT, t["gridA"], name="A单元")
    return t


def node_path_of(n: Node) -> str:
    """The path a node should have, recomputed from its parents (a check on stored paths)."""
    ids: list[int] = []
    current: Node | None = Node.objects.get(pk=n.pk)
    while current is not None:
        ids.append(current.pk)
        current = current.parent
    return "".join(f"{i}/" for i in reversed(ids))
