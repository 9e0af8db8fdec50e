"""Who may see and change department reviews.

- **Staff who serve the town** (a write role bound to the round's town or above: the
  subdistrict's staff, the people's congress work committee's staff, an administrator) create
  rounds, edit them, move them (open, close, publish), read the results with the comments and
  mark a comment public.
- **Readers** (a leader; staff whose scope holds the town read-only) read rounds and results;
  they change nothing (403 before any form is read).
- **Residents** hold no account: they answer with a phone verified by a code, and read what
  `publication.py` makes public.

Every role-and-path check goes through `network/scope.py`; the commands check again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.core.errors import NotAllowed
from civicgrid.network import scope
from civicgrid.network.models import Node, NodeKind, Person
from civicgrid.reviews.models import Round


def person_of(user: Any) -> Person | None:
    """The signed-in, active person, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return,unused-ignore]


def serves(user: Any, node: Node) -> bool:
    """Staff who may run reviews at `node` (a write role over it)."""
    return person_of(user) is not None and scope.can_change(user, node)


def reads(user: Any, node: Node) -> bool:
    return person_of(user) is not None and scope.can_see(user, node)


def serves_anywhere(user: Any) -> bool:
    """Whether the user may change things somewhere (a read-only leader may not): asked
    before a form is read."""
    if person_of(user) is None:
        return False
    paths = scope.scope_paths(user, write=True)
    return paths is None or bool(paths)


def check_serves_anywhere(user: Any) -> None:
    if not serves_anywhere(user):
        raise PermissionDenied(_("Your role may read reviews but not change them."))


def check_serves(user: Any, node: Node) -> None:
    if not serves(user, node):
        raise NotAllowed(_("That town is outside your area."), code="outside_area")


def towns_served(user: Any) -> QuerySet[Node]:
    """The towns (subdistricts) where the user may run a round."""
    if person_of(user) is None:
        return Node.objects.none()
    return scope.within_scope(Node.objects.filter(kind=NodeKind.TOWN), user, write=True)


def visible_rounds(user: Any) -> QuerySet[Round]:
    """Rounds of towns in the reader's scope."""
    if person_of(user) is None:
        return Round.objects.none()
    return scope.within_scope(Round.objects.all(), user, node_field="node")


def may_see(user: Any, round_: Round) -> bool:
    """`visible_rounds` in Python, for one round already read."""
    return reads(user, round_.node)


def access_round(user: Any, round_id: int, *, write: bool = False) -> Round:
    """One round: 404 outside the reader's scope, 403 to a reader who may not change it."""
    if person_of(user) is None:
        raise Http404
    found = Round.objects.select_related("node").filter(pk=round_id).first()
    if found is None or not may_see(user, found):
        raise Http404(_("No such review round in your area."))
    if write and not serves(user, found.node):
        raise PermissionDenied(_("Your role may read this round but not change it."))
    return found
