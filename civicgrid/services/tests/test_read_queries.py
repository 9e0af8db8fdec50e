"""Every services page costs the same number of queries however many rows it shows (as
`tests/test_read_queries.py` holds for needs): a query per service, appointment, room or
shift would not show on a test's few records, and would on a workshop's year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import bookings, rooms, rota
from civicgrid.services.bookings import By
from civicgrid.services.models import Mode, OpeningHours, Room, RoomKind, Service
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db


def more(s: sf.Shop, n: int) -> None:
    """One more of each row the pages show: a service with hours and appointments in several
    states, a room with a booking, a shift at the station."""
    service = Service.objects.create(
        name=f"服务{n}", kind="other", provider_org=s.workshop, node=s.w.t["comm1"]
    )
    for weekday in range(7):
        OpeningHours.objects.create(
            service=service, weekday=weekday, starts=dt.time(8), ends=dt.time(18)
        )
    for hour in (9, 10, 11):
        made = sf.book(service, sf.slot_start(1, hour), resident_phone=f"1390000{n:02d}{hour:02d}")
        if hour == 10:
            bookings.booking_confirm(booking=made, by=By(s.master))
    door = sf.book(s.drains, sf.slot_start(1, 8 + n), mode=Mode.DOOR, address=f"{n}号楼")
    bookings.booking_done(booking=door, by=By(s.master), done_note="好了", price_paid="10")
    room = Room.objects.create(node=s.w.t["comm1"], name=f"活动室{n}", kind=RoomKind.FUNCTION)
    start = sf.slot_start(1, 9)
    rooms.room_book(
        room=room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        title=f"活动{n}",
        by=rooms.By(s.w.dispatcher),
    )
    station = rota.station_set(
        node=s.w.t["comm1"], phone="0482-8212345", route_to_duty=False, by=s.w.dispatcher
    )
    worker = nf.person(f"值班{n}", roles=[(Role.GRID_WORKER, s.w.t["gridA"])])
    rota.shift_add(
        station=station,
        person=worker,
        weekday=n % 7,
        starts=dt.time(8),
        ends=dt.time(12),
        by=s.w.dispatcher,
    )


def reads(s: sf.Shop) -> dict[str, Callable[[], Any]]:
    staff = Client()
    staff.force_login(s.w.dispatcher)
    master = Client()
    master.force_login(s.master)
    resident = Client()
    day = sf.slot_start(1).date()
    comm = s.w.t["comm1"]
    week = f"?from={day.isoformat()}&to={(day + dt.timedelta(days=6)).isoformat()}"
    return {
        "catalogue": lambda: staff.get(reverse("services:catalogue")),
        "appointments": lambda: staff.get(reverse("services:appointments") + week),
        "phone list": lambda: master.get(reverse("services:my_appointments")),
        "rooms": lambda: staff.get(reverse("services:rooms")),
        "community week": lambda: staff.get(
            reverse("services:community_calendar", args=[comm.pk]) + f"?view=week&date={day}"
        ),
        "stations": lambda: staff.get(reverse("services:stations")),
        "place's services": lambda: resident.get(
            reverse("nearby:place_services", args=[comm.code])
        ),
        "near me": lambda: resident.get(reverse("nearby:near") + f"?at={comm.code}"),
        "api appointments": lambda: staff.get("/api/v1/appointments"),
        "api services": lambda: staff.get("/api/v1/services"),
    }


def count(read: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = read()
    assert response.status_code == 200, response  # type: ignore[attr-defined]
    return len(ctx.captured_queries)


def test_no_services_page_grows_in_queries_with_its_rows():
    s = sf.shop()
    more(s, 1)
    for read in reads(s).values():
        read()  # what a process reads once and keeps (the grids' index) is read here
    small = {name: count(read) for name, read in reads(s).items()}
    for n in range(2, 6):
        more(s, n)
    large = {name: count(read) for name, read in reads(s).items()}
    assert large == small
