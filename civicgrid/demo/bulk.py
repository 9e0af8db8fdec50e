"""Bulk writes for generated networks: nodes level by level, people, roles, a reset.

`services.node_create` costs several queries per node (validation, insert, path update); the
benchmark city has ten thousand grids and a hundred thousand people, so the builders here
insert a whole tree level with one `bulk_create` (which returns primary keys on PostgreSQL and
on SQLite 3.35+) and then write the levels' paths with `bulk_update`. The path rule is the one
`services.py` keeps: the parent's path followed by the node's own id and "/".

Callers hold the transaction: a build is all or nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from civicgrid.network.models import Node, Person, RoleBinding

# Rows per INSERT/UPDATE statement. Django lowers it further where SQLite's limit on query
# parameters requires.
BATCH = 1000


@dataclass
class NodeSpec:
    """A node to create. `key` names it inside one build; `parent` is the parent's key."""

    key: str
    code: str
    name: str
    kind: str
    parent: str | None = None
    name_en: str = ""
    lat: float | None = None
    lon: float | None = None
    polygon: dict | None = None
    name_mn: str = ""


@dataclass
class PersonSpec:
    key: str
    name: str
    mobile: str | None
    roles: list[tuple[str, str]] = field(default_factory=list)  # (role, node key)
    can_login: bool = False
    is_staff: bool = False


def create_nodes(specs: Iterable[NodeSpec]) -> dict[str, Node]:
    """Insert the specs and return the nodes by key.

    Precondition: every spec's parent is a spec of the same call listed before it.
    """
    specs = list(specs)
    depth_of: dict[str, int] = {}
    for spec in specs:
        if spec.parent is None:
            depth_of[spec.key] = 0
        elif spec.parent in depth_of:
            depth_of[spec.key] = depth_of[spec.parent] + 1
        else:
            raise ValueError(f"{spec.key}: parent {spec.parent} must come before its child")
    levels: dict[int, list[NodeSpec]] = defaultdict(list)
    for spec in specs:
        levels[depth_of[spec.key]].append(spec)

    nodes: dict[str, Node] = {}
    for depth in sorted(levels):
        batch = [
            Node(
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                name_mn=spec.name_mn,
                kind=spec.kind,
                parent=nodes[spec.parent] if spec.parent else None,
                depth=depth,
                lat=spec.lat,
                lon=spec.lon,
                polygon=spec.polygon,
            )
            for spec in levels[depth]
        ]
        created = Node.objects.bulk_create(batch, batch_size=BATCH)
        for spec, node in zip(levels[depth], created, strict=True):
            parent_path = nodes[spec.parent].path if spec.parent else ""
            node.path = f"{parent_path}{node.pk}/"
            nodes[spec.key] = node
        Node.objects.bulk_update(created, ["path"], batch_size=BATCH)
    return nodes


def create_people(
    specs: Iterable[PersonSpec], nodes: dict[str, Node], password_hash: str
) -> dict[str, Person]:
    """Insert people and their role bindings.

    `password_hash` is one hash computed by the caller and shared by everyone who may log in:
    hashing is deliberately slow (Argon2), and a hundred thousand hashes would take an hour.
    """
    specs = list(specs)
    people = Person.objects.bulk_create(
        [
            Person(
                name=spec.name,
                mobile=spec.mobile,
                is_staff=spec.is_staff,
                # Django's marker for "no usable password": "!" followed by random text.
                password=password_hash if spec.can_login else "!demo-no-login",
            )
            for spec in specs
        ],
        batch_size=BATCH,
    )
    by_key = {spec.key: person for spec, person in zip(specs, people, strict=True)}
    RoleBinding.objects.bulk_create(
        [
            RoleBinding(person=by_key[spec.key], role=role, node=nodes[node_key])
            for spec in specs
            for role, node_key in spec.roles
        ],
        batch_size=BATCH,
    )
    return by_key
