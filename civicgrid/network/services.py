"""Writes to the network. Views, admin, import and demo all go through these functions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from civicgrid.network.models import Node, Person, Role, RoleBinding


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
    Node.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Node.objects.filter(pk=node.pk).update(parent=new_parent)
    node.refresh_from_db()
    return node


@transaction.atomic
def person_create(
    *, name: str, mobile: str | None = None, password: str | None = None, is_staff: bool = False
) -> Person:
    person = Person(name=name, mobile=mobile or None, is_staff=is_staff)
    person.full_clean(exclude=["password"])
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    return person


def role_bind(*, person: Person, role: str, node: Node) -> RoleBinding:
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role}, code="unknown_role")
    binding, _created = RoleBinding.objects.get_or_create(person=person, role=role, node=node)
    return binding
