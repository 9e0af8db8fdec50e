"""Builders for the liaison tests: the needs tests' world with a representative of community 1
(一社区) who holds no staff role, a liaison station at comm1 with its staff member, and a
second representative elsewhere."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from civicgrid.liaison import workflow
from civicgrid.liaison.models import Message, MessageKind
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Person
from civicgrid.network.tests import factories as nf
from civicgrid.representatives.models import (
    Body,
    Level,
    LiaisonStation,
    Representative,
    StationKind,
)

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


# A Wednesday, a working day.
NOW = at(2026, 12, 2, 10, 0)


@dataclass
class Liaison:
    w: needf.World
    station: LiaisonStation  # at comm1
    station_staff: Person  # no network role
    rep: Representative  # of comm1, station = station
    rep_person: Person  # no network role
    other_rep: Representative  # of comm2, no station
    other_person: Person


def liaison_world() -> Liaison:
    w = needf.world()
    station_staff = nf.person("联络站工作人员")
    station = LiaisonStation.objects.create(
        node=w.t["comm1"], kind=StationKind.STATION, name="一社区代表联络站", name_mn="ᠨᠢᠭᠡ"
    )
    station.staff.add(station_staff)
    rep_person = nf.person("王代表")
    rep = Representative.objects.create(
        person=rep_person,
        body=Body.PEOPLES_CONGRESS,
        level=Level.BANNER,
        node=w.t["banner"],
        station=station,
    )
    rep.constituency.add(w.t["comm1"])
    other_person = nf.person("李代表")
    other = Representative.objects.create(
        person=other_person, body=Body.PARTY_CONGRESS, level=Level.TOWN, node=w.t["town1"]
    )
    other.constituency.add(w.t["comm2"])
    return Liaison(
        w=w,
        station=station,
        station_staff=station_staff,
        rep=rep,
        rep_person=rep_person,
        other_rep=other,
        other_person=other_person,
    )


def message(lw: Liaison, *, to_station: bool = False, **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "kind": MessageKind.SUGGESTION,
        "text": "小区路灯坏了三盏，晚上很黑",
        "name": "张女士",
        "phone": "13912345678",
        "language": "zh-hans",
        "now": NOW,
    }
    if to_station:
        fields["station"] = lw.station
    else:
        fields["representative"] = lw.rep
    fields.update(overrides)
    return workflow.message_send(**fields)
