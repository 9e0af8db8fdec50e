"""What the public reads of representatives and stations: the one rule every public surface
(the pages under /representatives/, the REST lists, the liaison module's message pages) asks.

- A representative is public when their profile is published (`public`) and they serve
  (`active`). What is shown: name, Mongolian name, body, level, where elected, constituency,
  station, title, profile, term. Never a phone of the person.
- A station is public while it is in use (`active`): its name, address, the station's own
  phone, its coordinates and timetable.
- Reception times are public for public stations; a time tied to a representative who is
  not public is shown without the name.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from civicgrid.network.models import Node
from civicgrid.representatives.models import LiaisonStation, Representative


def public_representatives() -> QuerySet[Representative]:
    return Representative.objects.filter(public=True, active=True, person__is_active=True)


def public_stations() -> QuerySet[LiaisonStation]:
    return LiaisonStation.objects.filter(active=True)


def is_public_representative(rep: Representative) -> bool:
    return bool(rep.public and rep.active and rep.person.is_active)


def is_public_station(station: LiaisonStation) -> bool:
    return bool(station.active)


def public_representative(rep_id: int) -> Representative:
    """The representative, or 404 when the public may not read them."""
    rep = (
        public_representatives()
        .select_related("person", "node", "station")
        .filter(pk=rep_id)
        .first()
    )
    if rep is None:
        raise Http404
    return rep


def public_station(station_id: int) -> LiaisonStation:
    station = public_stations().select_related("node").filter(pk=station_id).first()
    if station is None:
        raise Http404
    return station


def public_place(node_id: int) -> Node:
    """A place whose representatives and stations are listed (any node: a town, a district)."""
    node = Node.objects.filter(pk=node_id).first()
    if node is None:
        raise Http404
    return node
