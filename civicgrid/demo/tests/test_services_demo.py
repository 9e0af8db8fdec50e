"""The demo's services close to home (`demo/services.py`): Qingyuan's workshop with its
catalogue, 邢云海 and a year of appointments in every mode, 张大娘's three done appointments,
rooms with their bookings (some held by activities), Shanba's stations and their rota; every
timeline consistent and no seat or room held twice at once."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from civicgrid.demo.region import build_demo_region
from civicgrid.demo.services import Built, build_services
from civicgrid.demo.volunteers import build_demo_volunteers
from civicgrid.network.models import Membership, Node, NodeKind, Person, Role
from civicgrid.services.models import (
    HOLDING,
    ROOM_HOLDING,
    Booking,
    BookingState,
    DutyChange,
    DutyChangeKind,
    DutyShift,
    Mode,
    Room,
    RoomBooking,
    RoomKind,
    Service,
    ServiceEvent,
    Station,
    WhoMayBook,
)

pytestmark = pytest.mark.django_db

QINGYUAN = "150204001001"
SHANBA = "150826100"


def _end() -> dt.datetime:
    """A fixed end, so that what the year holds does not depend on the day the tests run."""
    return timezone.make_aware(dt.datetime(2026, 11, 20, 10, 15))


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Built]:
    """The demo built once for the module's tests, in a transaction rolled back after them
    (each test runs in a savepoint of it and changes nothing)."""
    # The clock stands at the end: the upcoming appointments are booked as residents book,
    # which refuses a time already past.
    with (
        django_db_blocker.unblock(),
        time_machine.travel(_end(), tick=False),
        transaction.atomic(),
    ):
        build_demo_region()
        build_demo_volunteers(days=40)  # enough activities to hold rooms
        yield build_services(days=365, end=_end())
        transaction.set_rollback(True)


def _overlaps(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, ...]]:
    spans = sorted(spans)
    return [(*a, *b) for a, b in itertools.pairwise(spans) if b[0] < a[1]]


def test_the_workshop_lives_a_year(built: Built) -> None:
    end = _end()
    qingyuan = Node.objects.get(code=QINGYUAN)

    # The catalogue: one service per provider organisation of the workshop.
    services = {s.name: s for s in Service.objects.filter(node=qingyuan).select_related()}
    assert set(services) == {
        "一元理发", "家电维修", "社区团购", "开锁配钥匙",
        "便民裁缝", "自行车维修", "疏通下水管道", "修鞋换拉锁",
    }  # fmt: skip
    assert built.services == 8
    for name, service in services.items():
        assert service.provider_org is not None
        assert service.provider_org.name == f"青享+便民工坊·{name}"
        assert service.name_en and service.name_mn, name
        assert service.by_appointment, name
        daily = {(h.starts, h.ends) for h in service.hours.all() if h.weekday is None}
        assert daily == {(dt.time(9), dt.time(11, 30)), (dt.time(14), dt.time(17, 30))}, name
        late = [h for h in service.hours.all() if h.after_hours]
        assert bool(late) == service.after_hours, name
        assert all((h.starts, h.ends) == (dt.time(18, 30), dt.time(20)) for h in late)
    haircut = services["一元理发"]
    assert haircut.price == Decimal("1.00") and haircut.capacity == 2
    assert services["社区团购"].price == 0
    drains = services["疏通下水管道"]
    assert drains.door_to_door and not drains.at_workshop and drains.door_area == qingyuan
    assert any(h.weekday == 5 for s in services.values() for h in s.hours.all())

    # 邢云海, the tailor: a provider at Qingyuan and a member of the tailoring.
    tailor = Person.objects.get(name="邢云海")
    assert tailor.roles.filter(role=Role.PROVIDER, node=qingyuan).exists()
    assert Membership.objects.filter(
        person=tailor, organisation=services["便民裁缝"].provider_org
    ).exists()

    # A year of appointments in every mode; most done, some cancelled and no-shows.
    past = Booking.objects.filter(service__node=qingyuan, starts_at__lt=end)
    assert 300 <= past.count() <= 900
    assert set(past.values_list("mode", flat=True)) == set(Mode.values)
    states = Counter(past.values_list("state", flat=True))
    assert states[BookingState.DONE] > 0.7 * past.count()
    assert states[BookingState.CANCELLED] and states[BookingState.NO_SHOW]
    assert not states[BookingState.BOOKED] and not states[BookingState.CONFIRMED]
    assert past.filter(starts_at__lt=end - dt.timedelta(days=300)).exists()
    for booking in past.filter(state=BookingState.DONE).select_related("service"):
        assert booking.done_note and booking.done_at
        assert (booking.price_paid is None) == (booking.service.price == 0), booking.pk
    ratings = Counter(past.exclude(rating=None).values_list("rating", flat=True))
    assert ratings[5] > ratings[4] > ratings[3] > 0 and set(ratings) <= {3, 4, 5}
    doors = past.filter(mode=Mode.DOOR).select_related("node")
    assert doors.exists()
    for booking in doors:
        assert booking.address.startswith(("青园小区", "钢城家园")), booking.address
        assert booking.node.kind == NodeKind.SMALL_GRID
        assert booking.node.path.startswith(qingyuan.path)
    assert past.filter(booked_by__isnull=False).exists()  # 代办
    assert all(p.startswith("1990") for p in past.values_list("resident_phone", flat=True))

    # The next two weeks: booked and confirmed, as residents book.
    coming = Booking.objects.filter(service__node=qingyuan, starts_at__gt=end)
    assert set(coming.values_list("state", flat=True)) == {"booked", "confirmed"}
    assert coming.count() == built.upcoming >= 10
    assert not coming.filter(starts_at__gt=end + dt.timedelta(days=14)).exists()
    assert not Booking.objects.filter(service__node=qingyuan, created_at__gt=end).exists()

    # 张大娘's watch, shoes and zip: three done appointments in the past months, rated.
    aunt = Booking.objects.filter(resident_name="张大娘").select_related("service")
    assert sorted(b.service.name for b in aunt) == ["修鞋换拉锁", "修鞋换拉锁", "家电维修"]
    for booking in aunt:
        assert booking.state == BookingState.DONE and booking.rating == 5
        assert end - dt.timedelta(days=180) < booking.starts_at < end
    assert any("电池" in b.done_note for b in aunt) and any("拉链" in b.done_note for b in aunt)

    # No seat of a service held twice at once.
    held: dict[tuple[int, int], list] = defaultdict(list)
    for service_id, seat, start, stop in Booking.objects.filter(state__in=HOLDING).values_list(
        "service_id", "seat", "starts_at", "ends_at"
    ):
        held[service_id, seat].append((start, stop))
    assert not [o for spans in held.values() for o in _overlaps(spans)]


def test_rooms_and_stations(built: Built) -> None:
    end = _end()
    rooms = {r.name: r for r in Room.objects.select_related("node")}
    assert built.rooms == len(rooms) == 9
    kinds = Counter(r.kind for r in rooms.values())
    assert kinds[RoomKind.READING_SEAT] == 4 and kinds[RoomKind.FUNCTION] == 3
    assert kinds[RoomKind.HALL] == kinds[RoomKind.STAGE] == 1
    for room in rooms.values():
        if room.kind == RoomKind.READING_SEAT:
            assert room.public and room.who_may_book == WhoMayBook.RESIDENTS
    [hall] = [r for r in rooms.values() if r.kind == RoomKind.HALL]
    assert hall.area_m2 == 300 and hall.needs_approval and hall.node.code == f"{SHANBA}002"
    assert {r.node.code for r in rooms.values()} == {QINGYUAN, f"{SHANBA}001", f"{SHANBA}002"}

    room_bookings = RoomBooking.objects.select_related("room", "activity")
    for room in rooms.values():
        mine = room_bookings.filter(room=room)
        assert mine.filter(starts_at__lt=end).exists(), room.name
        assert mine.filter(starts_at__gt=end).exists(), room.name
    titles = set(room_bookings.values_list("title", flat=True))
    assert {
        "党员活动日",
        "老年合唱团排练",
        "四点半课堂",
        "彩虹群众文化艺术团排练",
        "自习",
    } <= titles
    states = Counter(room_bookings.values_list("state", flat=True))
    assert states["approved"] and states["requested"] and states["cancelled"]
    held_by = [b for b in room_bookings if b.activity_id]
    assert held_by
    for booking in held_by:
        assert booking.activity is not None
        assert booking.activity.node_id == booking.room.node_id
        assert booking.starts_at == booking.activity.starts_at
    assert not room_bookings.filter(state="requested", room__needs_approval=False).exists()
    held: dict[int, list] = defaultdict(list)
    for room_id, start, stop in RoomBooking.objects.filter(state__in=ROOM_HOLDING).values_list(
        "room_id", "starts_at", "ends_at"
    ):
        held[room_id].append((start, stop))
    assert not [o for spans in held.values() for o in _overlaps(spans)]

    # Shanba's stations: its five communities and five big grids, each with a duty phone.
    stations = list(Station.objects.select_related("node"))
    assert built.stations == len(stations) == 10
    assert Counter(s.node.kind for s in stations) == {
        NodeKind.COMMUNITY: 5,
        NodeKind.BIG_GRID: 5,
    }
    assert all(s.node.code.startswith(SHANBA) and s.phone.startswith("1990") for s in stations)
    assert [s.node.code for s in stations if s.route_to_duty] == [f"{SHANBA}001"]
    for station in stations:
        shifts = list(DutyShift.objects.filter(station=station).select_related("person"))
        assert sorted({s.weekday for s in shifts}) == [0, 1, 2, 3, 4]
        assert {(s.starts, s.ends) for s in shifts} == {
            (dt.time(8, 30), dt.time(12)),
            (dt.time(14, 30), dt.time(18)),
        }
        people = {s.person for s in shifts}
        assert 2 <= len(people) <= 3, station.node.code
        for person in people:
            assert person.roles.filter(
                role__in=[Role.COMMUNITY_STAFF, Role.GRID_WORKER],
                node__path__startswith=station.node.path,
            ).exists()
    changes = Counter(DutyChange.objects.values_list("kind", flat=True))
    assert changes[DutyChangeKind.ABSENT] == changes[DutyChangeKind.COVER] >= 2
    assert changes[DutyChangeKind.CLOSED] == 5


def test_every_timeline_ends_in_its_records_state(built: Built) -> None:
    """Numbered from 1 without a gap, opened by the booking, closed by the move that put the
    record in its state (a reminder or a rating changes no state)."""
    for link, model, first in (
        ("booking", Booking, "book"),
        ("room_booking", RoomBooking, "request"),
    ):
        timelines: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
        for record, seq, action, from_state, to_state in (
            ServiceEvent.objects.filter(**{f"{link}__isnull": False})
            .order_by(link, "seq")
            .values_list(link, "seq", "action", "from_state", "to_state")
        ):
            timelines[record].append((seq, action, from_state, to_state))
        records = dict(model.objects.values_list("pk", "state"))
        assert set(timelines) == set(records)
        for pk, events in timelines.items():
            assert [e[0] for e in events] == list(range(1, len(events) + 1)), pk
            assert events[0][1] == first and events[0][2] == "", pk
            moves = [e for e in events if e[3]]
            assert moves[-1][3] == records[pk], (pk, events)
            for before, after in itertools.pairwise(moves):
                assert after[2] == before[3], (pk, events)
