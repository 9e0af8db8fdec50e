"""Who may see and change what of the representatives module.

- **Staff who serve the place** (community staff or an administrator bound to the record's
  node or above: `KEEPERS`) keep representatives, stations, the timetable and receptions.
  Other roles that write elsewhere (a grid worker, a representative) read here.
  A representative's place (`rep_place`) is their station's when they have one (a city
  deputy who receives at Hongxing's home is kept by Hongxing's staff), else the place that
  elected them; a station's, `LiaisonStation.node`; a reception's, its station's.
- **Readers** (a leader; staff whose scope holds the place) read lists, pages and counts; they
  change nothing (403 before any form is read).
- Everyone else finds nothing (404). The public reads what `publication.py` allows.

Names of residents who raised a matter are masked in lists (`mask_name`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.core.errors import NotAllowed
from civicgrid.network import scope
from civicgrid.network.models import Node, Person, Role
from civicgrid.representatives.models import LiaisonStation, Reception, Representative

KEEPERS = (Role.COMMUNITY_STAFF, Role.ADMIN)


def person_of(user: Any) -> Person | None:
    """The signed-in, active person, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user  # type: ignore[no-any-return,unused-ignore]


def serves(user: Any, node: Node) -> bool:
    """Staff who may change things at `node`: community staff or an administrator bound to it
    or above (a superuser everywhere)."""
    if person_of(user) is None:
        return False
    return bool(user.is_superuser) or scope.holds_role_over(user, KEEPERS, node)


def reads(user: Any, node: Node) -> bool:
    return person_of(user) is not None and scope.can_see(user, node)


def keeper_paths(user: Any) -> list[str] | None:
    """The paths under which the user keeps representatives (None: everywhere)."""
    if person_of(user) is None:
        return []
    return scope.role_scope_paths(user, KEEPERS)


def serves_anywhere(user: Any) -> bool:
    """Whether the user may change things somewhere (a read-only leader may not): asked
    before a form is read."""
    paths = keeper_paths(user)
    return paths is None or bool(paths)


def check_serves(user: Any, node: Node) -> None:
    if not serves(user, node):
        raise NotAllowed(_("That place is outside your area."), code="outside_area")


def refuse_readers(user: Any) -> None:
    """403 for a user who may change nothing anywhere (a leader), before a form is read."""
    if not serves_anywhere(user):
        raise PermissionDenied(_("Your role may read these pages but not change them."))


def mask_name(name: str) -> str:
    """张** for 张大娘: who raised a matter, as lists show it."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * min(max(len(name) - 1, 1), 3)


# --- Lists ------------------------------------------------------------------------------------


def rep_place(rep: Representative) -> Node:
    """Where a representative is kept: their station's place, else where they were elected."""
    return rep.station.node if rep.station is not None else rep.node


def visible_representatives(user: Any) -> QuerySet[Representative]:
    if person_of(user) is None:
        return Representative.objects.none()
    at_station = scope.scope_q(user, node_field="station__node")
    elected = scope.scope_q(user, node_field="node")
    if at_station is None or elected is None:
        return Representative.objects.all()
    return Representative.objects.filter(
        Q(station__isnull=False) & at_station | Q(station__isnull=True) & elected
    )


def visible_stations(user: Any) -> QuerySet[LiaisonStation]:
    if person_of(user) is None:
        return LiaisonStation.objects.none()
    return scope.within_scope(LiaisonStation.objects.all(), user, node_field="node")


def visible_receptions(user: Any) -> QuerySet[Reception]:
    if person_of(user) is None:
        return Reception.objects.none()
    return scope.within_scope(Reception.objects.all(), user, node_field="station__node")


# --- One record -------------------------------------------------------------------------------


def _checked(user: Any, node: Node, *, write: bool) -> None:
    if not reads(user, node):
        raise Http404
    if write and not serves(user, node):
        raise PermissionDenied


def access_representative(user: Any, rep_id: int, *, write: bool = False) -> Representative:
    """404 outside the reader's scope, 403 to a reader who may not change it."""
    if person_of(user) is None:
        raise Http404
    rep = (
        Representative.objects.select_related("person", "node", "station", "station__node")
        .filter(pk=rep_id)
        .first()
    )
    if rep is None:
        raise Http404
    _checked(user, rep_place(rep), write=write)
    return rep


def access_station(user: Any, station_id: int, *, write: bool = False) -> LiaisonStation:
    if person_of(user) is None:
        raise Http404
    station = LiaisonStation.objects.select_related("node", "room").filter(pk=station_id).first()
    if station is None:
        raise Http404
    _checked(user, station.node, write=write)
    return station


def access_reception(user: Any, reception_id: int, *, write: bool = False) -> Reception:
    if person_of(user) is None:
        raise Http404
    reception = (
        Reception.objects.select_related("station", "station__node", "station__room")
        .filter(pk=reception_id)
        .first()
    )
    if reception is None:
        raise Http404
    _checked(user, reception.station.node, write=write)
    return reception
