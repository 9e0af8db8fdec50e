"""Builders for the representatives' tests: the needs tests' world with a representatives'
home at community 1 (一社区, with a room), two representatives there (a district deputy and a
town party delegate), one unpublished, and a weekly timetable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from civicgrid.needs.models import Category
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Node, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.representatives import receptions, services
from civicgrid.representatives.models import (
    Body,
    Level,
    LiaisonStation,
    Reception,
    ReceptionTime,
    Representative,
    StationKind,
)
from civicgrid.services.models import Room, RoomKind

STATION_PHONE = "0475-8231234"
REP_MOBILE = "13700001111"


@dataclass
class Reps:
    w: needf.World  # dispatcher = 一社区's staff; stranger = 二社区's staff; leader reads
    station: LiaisonStation  # the home at comm1, with a room
    room: Room
    deputy: Representative  # district people's congress deputy, published, at the station
    delegate: Representative  # town party congress delegate, at the station
    hidden: Representative  # unpublished
    weekly: ReceptionTime  # Tuesdays 9:00–11:00, the deputy


def rep_person(name: str, at: Node, mobile: str = "") -> Person:
    extra = {"mobile": mobile} if mobile else {}
    if mobile:
        p = Person.objects.create_user(name=name, password="pass-12345", **extra)
        p.roles.create(role=Role.REPRESENTATIVE, node=at)
        return p
    return nf.person(name, roles=[(Role.REPRESENTATIVE, at)])


def reps() -> Reps:
    w = needf.world()
    t = w.t
    room = Room.objects.create(
        node=t["comm1"], name="代表之家接待室", kind=RoomKind.FUNCTION, capacity=30
    )
    station = services.station_save(
        by=w.dispatcher,
        node=t["comm1"],
        kind=StationKind.HOME,
        name="一社区人大代表之家",
        name_mn="ᠲᠥᠯᠦᠭᠡᠴᠢ",
        address="一社区服务中心二楼",
        phone=STATION_PHONE,
        lat=46.08,
        lon=121.95,
        room=room,
        staff=[w.dispatcher],
    )
    deputy = services.representative_save(
        by=w.dispatcher,
        person=rep_person("陈代表", t["comm1"], mobile=REP_MOBILE),
        body=Body.PEOPLES_CONGRESS,
        level=Level.BANNER,
        node=t["banner"],
        constituency=[t["town1"]],
        station=station,
        name_mn="ᠴᠧᠨ",
        title="一镇中学教师",
        profile="热心为民",
        term="2022–2027",
    )
    delegate = services.representative_save(
        by=w.dispatcher,
        person=rep_person("王代表", t["comm1"]),
        body=Body.PARTY_CONGRESS,
        level=Level.TOWN,
        node=t["town1"],
        station=station,
    )
    hidden = services.representative_save(
        by=w.dispatcher,
        person=rep_person("隐代表", t["comm1"]),
        body=Body.PEOPLES_CONGRESS,
        level=Level.TOWN,
        node=t["town1"],
        station=station,
        public=False,
    )
    weekly = services.time_save(
        by=w.dispatcher,
        station=station,
        weekday=1,
        starts=dt.time(9),
        ends=dt.time(11),
        representative=deputy,
    )
    return Reps(w, station, room, deputy, delegate, hidden, weekly)


def held(
    r: Reps,
    *,
    day: dt.date,
    attendance: int = 5,
    reps_present: list[Representative] | None = None,
    matters: tuple[str, ...] = (),
    station: LiaisonStation | None = None,
) -> Reception:
    """A reception held in the past (books no room)."""
    return receptions.reception_record(
        by=r.w.dispatcher,
        station=station or r.station,
        day=day,
        starts=dt.time(9),
        ends=dt.time(11),
        representatives=reps_present or [r.deputy],
        attendance=attendance,
        matters=[receptions.MatterIn(summary=m, raised_by="张大娘") for m in matters],
    )


def category() -> Category:
    """A kind of need a matter may become (one asking no required question)."""
    found = receptions.need_categories().first()
    assert found is not None
    return found
