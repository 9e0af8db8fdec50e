"""Writes to the network. Views, admin, import and demo all go through these functions."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.network.models import AccessChange, Node, Person, Role, RoleBinding

T = TypeVar("T")


def _child_path(parent: Node | None, node_id: int) -> str:
    return f"{parent.path if parent else ''}{node_id}/"


@transaction.atomic
def node_create(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Node | None = None,
    name_en: str = "",
    lat: float | None = None,
    lon: float | None = None,
    polygon: dict | None = None,
) -> Node:
    node = Node(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        parent=parent,
        lat=lat,
        lon=lon,
        polygon=polygon,
        depth=(parent.depth + 1) if parent else 0,
    )
    node.full_clean(exclude=["path"])
    node.save()
    node.path = _child_path(parent, node.pk)
    Node.objects.filter(pk=node.pk).update(path=node.path)
    return node


def node_set_path(node: Node) -> None:
    """Give a node saved without a path (admin, bulk creation) its path from its parent."""
    parent = Node.objects.get(pk=node.parent_id) if node.parent_id else None
    node.path = _child_path(parent, node.pk)
    node.depth = parent.depth + 1 if parent else 0
    Node.objects.filter(pk=node.pk).update(path=node.path, depth=node.depth)


@transaction.atomic
def node_move(*, node: Node, new_parent: Node | None) -> Node:
    """Move `node` and its whole subtree under `new_parent`.

    One UPDATE rewrites the path prefix of every node in the subtree, so subtree queries stay
    right. The rows are locked first so that two concurrent moves cannot interleave.
    """
    node = Node.objects.select_for_update().get(pk=node.pk)
    if new_parent is not None:
        new_parent = Node.objects.select_for_update().get(pk=new_parent.pk)
        if new_parent.path.startswith(node.path):
            raise ValidationError(
                _("%(node)s cannot move under %(parent)s: that is inside its own subtree.")
                % {"node": node.name, "parent": new_parent.name},
                code="cycle",
            )
    old_path = node.path
    new_path = _child_path(new_parent, node.pk)
    depth_change = ((new_parent.depth + 1) if new_parent else 0) - node.depth
    now = timezone.now()
    # updated_at too: the routing index in every process keeps the grids' rows, and rebuilds
    # when their latest updated_at changes (network/geo.py).
    Node.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
        updated_at=now,
    )
    Node.objects.filter(pk=node.pk).update(parent=new_parent, updated_at=now)
    node.refresh_from_db()
    return node


# --- The access log: every change to what a person may do (AccessChange) ---------------------


def binding_text(role: str, node: Node) -> str:
    return f"{role} at {node.name}"


def access_change_log(
    *, person: Person, what: str, by: Person | None, source: str = "service"
) -> AccessChange:
    """Append one line to the access log. Called inside the change's own transaction, so the
    log holds a change exactly when it happened."""
    return AccessChange.objects.create(
        person=person, person_name=person.name, actor=by, what=what[:300], source=source
    )


@transaction.atomic
def role_bind(
    *, person: Person, role: str, node: Node, by: Person | None = None, source: str = "service"
) -> RoleBinding:
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role}, code="unknown_role")
    binding, created = RoleBinding.objects.get_or_create(person=person, role=role, node=node)
    if created:
        what = f"role bound: {binding_text(role, node)}"
        access_change_log(person=person, what=what, by=by, source=source)
    return binding


@transaction.atomic
def role_unbind(*, binding: RoleBinding, by: Person | None = None, source: str = "service") -> None:
    person, what = binding.person, f"role unbound: {binding_text(binding.role, binding.node)}"
    binding.delete()
    access_change_log(person=person, what=what, by=by, source=source)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# SQLite refuses statements with more than 32766 parameters (999 before 3.32): every IN list
# built from a spreadsheet goes through chunks of this size.
IN_CHUNK = 900


@transaction.atomic
def node_bulk_create(*, nodes: Sequence[Node], batch_size: int = 1000) -> list[Node]:
    """Create many nodes in a few queries and give each its path and depth.

    Preconditions: every node's parent is already saved with its final path (create a tree
    level by level: no node's parent may be in the same call) and the fields are validated
    (no full_clean here, that would cost a query per node).
    """
    parent_ids = sorted({node.parent_id for node in nodes if node.parent_id is not None})
    parents: dict[int, tuple[str, int]] = {}
    for chunk in _chunks(parent_ids, IN_CHUNK):
        for pk, path, depth in Node.objects.filter(pk__in=chunk).values_list("pk", "path", "depth"):
            parents[pk] = (path, depth)
    created = Node.objects.bulk_create(nodes, batch_size=batch_size)
    # bulk_create returns primary keys on both SQLite (RETURNING) and PostgreSQL; a path needs
    # the node's own id, so it is written in a second pass: one UPDATE per chunk, reading each
    # parent's path in a subquery (a CASE per row, as bulk_update writes, is several times slower).
    parent = Node.objects.filter(pk=OuterRef("parent_id"))
    for chunk in _chunks([node.pk for node in created], IN_CHUNK):
        Node.objects.filter(pk__in=chunk).update(
            path=Concat(
                Coalesce(Subquery(parent.values("path")), Value("")),
                Cast("pk", output_field=CharField()),
                Value("/"),
                output_field=CharField(),
            ),
            depth=Coalesce(Subquery(parent.values("depth")) + 1, Value(0)),
        )
    for node in created:
        parent_path, parent_depth = parents[node.parent_id] if node.parent_id else ("", -1)
        node.path = f"{parent_path}{node.pk}/"
        node.depth = parent_depth + 1
    return created


@transaction.atomic
def node_bulk_update(
    *, nodes: Sequence[Node], fields: Sequence[str], batch_size: int = 1000
) -> int:
    """Write `fields` of many nodes at once. Never use it for parent, path or depth: see node_move.

    bulk_update skips auto_now, but the grid index notices polygon changes by `updated_at`
    (geo.py), so it is set here.
    """
    if {"parent", "parent_id", "path", "depth"} & set(fields):
        raise ValueError("node_bulk_update cannot move nodes; use node_move")
    now = timezone.now()
    for node in nodes:
        node.updated_at = now
    return Node.objects.bulk_update(nodes, [*fields, "updated_at"], batch_size=batch_size)


@transaction.atomic
def person_bulk_create(
    *, people: Sequence[tuple[str, str]], batch_size: int = 1000
) -> list[Person]:
    """Create people from (name, mobile) pairs, each with an unusable password.

    Preconditions: names and mobiles are validated and no mobile exists yet.
    """
    # What make_password(None) returns (the prefix then random text), made with one call to
    # secrets instead of forty: that call was a third of a 100,000-person import.
    rows = [
        Person(name=name, mobile=mobile, password=UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20))
        for name, mobile in people
    ]
    return Person.objects.bulk_create(rows, batch_size=batch_size)


@transaction.atomic
def person_bulk_rename(*, people: Sequence[Person], batch_size: int = 1000) -> int:
    """Write the `name` of many people at once (validated by the caller)."""
    return Person.objects.bulk_update(people, ["name"], batch_size=batch_size)


@transaction.atomic
def role_bulk_bind(
    *,
    bindings: Iterable[tuple[int, str, int]],
    batch_size: int = 1000,
    by: Person | None = None,
    source: str = "import",
) -> None:
    """Bind (person_id, role, node_id) triples; triples already bound are left alone.

    ignore_conflicts covers a binding made by someone else between the caller's check and now.
    """
    rows = [RoleBinding(person_id=p, role=r, node_id=n) for p, r, n in bindings]
    unknown = {row.role for row in rows} - set(Role.values)
    if unknown:
        raise ValidationError(
            _("Unknown role: %(role)s") % {"role": ", ".join(sorted(unknown))}, code="unknown_role"
        )
    RoleBinding.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
    # One log line per requested binding: callers pass only new ones (the import does).
    people: dict[int, str] = {}
    for chunk in _chunks(sorted({row.person_id for row in rows}), IN_CHUNK):
        people.update(Person.objects.filter(pk__in=chunk).values_list("pk", "name"))
    nodes: dict[int, str] = {}
    for chunk in _chunks(sorted({row.node_id for row in rows}), IN_CHUNK):
        nodes.update(Node.objects.filter(pk__in=chunk).values_list("pk", "name"))
    AccessChange.objects.bulk_create(
        [
            AccessChange(
                person_id=row.person_id,
                person_name=people.get(row.person_id, ""),
                actor=by,
                what=f"role bound: {row.role} at {nodes.get(row.node_id, row.node_id)}"[:300],
                source=source,
            )
            for row in rows
        ],
        batch_size=batch_size,
    )
