"""Room bookings: the room's rules, each refused with what to change; the state machine, every
action × state × kind of actor against a table written out by hand; the timeline and the
messages; an activity holding a room."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicgrid.core.errors import Conflict, DomainError, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.network.models import Node, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import rooms
from civicgrid.services.models import (
    Room,
    RoomBooking,
    RoomBookingState,
    RoomKind,
    ServiceEvent,
    WhoMayBook,
)
from civicgrid.volunteers.models import Activity, ActivityState, Theme

pytestmark = pytest.mark.django_db
S = RoomBookingState


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time `days` from today."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@dataclass
class Place:
    t: dict[str, Node]
    staff: Person  # community staff of 一社区, where the hall is
    other: Person  # community staff of 二社区
    leader: Person  # reads 一社区, changes nothing
    hall: Room  # staff only, no approval
    reading: Room  # residents too, approval needed, 2 hours at most, 20 seats


def place() -> Place:
    t = nf.region()
    staff = nf.person("社区干部", roles=[(Role.COMMUNITY_STAFF, t["comm1"])])
    other = nf.person("二社区干部", roles=[(Role.COMMUNITY_STAFF, t["comm2"])])
    leader = nf.person("领导", roles=[(Role.LEADER, t["comm1"])])
    hall = Room.objects.create(
        node=t["comm1"], name="排练大厅", kind=RoomKind.HALL, capacity=120, area_m2=300
    )
    reading = Room.objects.create(
        node=t["comm1"],
        name="公益书吧",
        kind=RoomKind.READING_SEAT,
        capacity=20,
        who_may_book=WhoMayBook.RESIDENTS,
        needs_approval=True,
        longest_minutes=120,
        public=True,
    )
    return Place(t, staff, other, leader, hall, reading)


def book(p: Place, room: Room | None = None, **kw: Any) -> RoomBooking:
    fields: dict[str, Any] = {
        "room": room or p.hall,
        "starts_at": at(3, 9),
        "ends_at": at(3, 11),
        "title": "合唱排练",
        "by": rooms.By(person=p.staff),
    }
    fields.update(kw)
    return rooms.room_book(**fields)


def resident_book(p: Place, **kw: Any) -> RoomBooking:
    fields: dict[str, Any] = {
        "room": p.reading,
        "by": rooms.RESIDENT,
        "contact_name": "张大娘",
        "contact_phone": "13912345678",
    }
    return book(p, **(fields | kw))


# --- The room's rules -------------------------------------------------------------------------


def test_staff_book_a_room_that_needs_no_approval_and_it_is_booked_at_once():
    p = place()
    booking = book(p)
    assert booking.state == S.APPROVED
    assert booking.booked_by == p.staff
    event = ServiceEvent.objects.get(room_booking=booking)
    assert (event.seq, event.action, event.to_state) == (1, "request", S.APPROVED)
    data = rooms.read(event)
    assert isinstance(data, rooms.Requested)
    assert data.starts_at == at(3, 9).isoformat() and not data.resident
    assert not Notification.objects.filter(kind="room_booking_requested").exists()


def test_a_resident_asks_for_a_room_that_residents_may_book_and_community_staff_are_told():
    p = place()
    booking = resident_book(p, starts_at=at(2, 14), ends_at=at(2, 16), people=4)
    assert booking.state == S.REQUESTED
    assert booking.booked_by is None
    assert (booking.contact_name, booking.contact_phone) == ("张大娘", "13912345678")
    told = Notification.objects.get(kind="room_booking_requested")
    assert told.recipient == p.staff
    assert told.data["room"] == "公益书吧"
    assert told.url == rooms.booking_url(booking)
    assert rooms.read(booking.events.get()).resident is True


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"starts_at": at(3, 7), "ends_at": at(3, 9)}, "outside_hours", "starts_at"),
        ({"starts_at": at(3, 20), "ends_at": at(3, 22)}, "outside_hours", "starts_at"),
        ({"starts_at": at(3, 11), "ends_at": at(3, 9)}, "end_before_start", "ends_at"),
        ({"starts_at": at(-1, 9), "ends_at": at(-1, 10)}, "in_the_past", "starts_at"),
        ({"starts_at": at(31, 9), "ends_at": at(31, 10)}, "too_far_ahead", "starts_at"),
        ({"starts_at": at(3, 9), "ends_at": at(3, 14)}, "too_long", "ends_at"),
        ({"people": 121}, "over_capacity", "people"),
        ({"people": 0}, "people_invalid", "people"),
        ({"title": "  "}, "title_required", "title"),
        ({"starts_at": None}, "time_required", "starts_at"),
    ],
)
def test_a_booking_against_the_rooms_rules_is_refused_saying_what_to_fix(change, code, field):
    p = place()
    with pytest.raises(Invalid) as refused:
        book(p, **change)
    assert refused.value.code == code
    assert field in refused.value.details["fields"]
    assert refused.value.message
    assert not RoomBooking.objects.exists()


def test_the_refusals_name_the_rule():
    p = place()
    with pytest.raises(Invalid, match=r"08:00.*21:00"):
        book(p, starts_at=at(3, 7), ends_at=at(3, 9))
    with pytest.raises(Invalid, match="240"):
        book(p, starts_at=at(3, 9), ends_at=at(3, 14))
    with pytest.raises(Invalid, match="120"):
        book(p, people=200)
    with pytest.raises(Invalid, match="30"):
        book(p, starts_at=at(40, 9), ends_at=at(40, 10))


def test_a_resident_may_not_book_a_staff_only_room():
    p = place()
    with pytest.raises(NotAllowed) as refused:
        resident_book(p, room=p.hall)
    assert refused.value.code == "staff_only"


def test_a_resident_leaves_a_name_and_a_mobile():
    p = place()
    with pytest.raises(Invalid) as no_name:
        resident_book(p, contact_name="")
    assert no_name.value.code == "name_required"
    with pytest.raises(Invalid) as no_phone:
        resident_book(p, contact_phone="")
    assert "contact_phone" in no_phone.value.details["fields"]


@pytest.mark.parametrize("who", ["other", "leader"])
def test_only_staff_who_serve_the_place_book(who):
    p = place()
    with pytest.raises(NotAllowed):
        book(p, by=rooms.By(person=getattr(p, who)))


def test_a_room_not_in_use_takes_no_booking():
    p = place()
    p.hall.active = False
    p.hall.save()
    with pytest.raises(Conflict) as refused:
        book(p)
    assert refused.value.code == "not_in_use"


def test_an_overlap_is_refused_naming_the_time_that_clashes():
    p = place()
    book(p)
    with pytest.raises(Conflict) as refused:
        book(p, starts_at=at(3, 10), ends_at=at(3, 12), title="广场舞")
    assert refused.value.code == "room_taken"
    assert "09:00–11:00" in refused.value.message
    assert "合唱排练" not in refused.value.message  # a resident reads this too
    # Back to back is fine; so is the same time in another room.
    book(p, starts_at=at(3, 11), ends_at=at(3, 12))
    book(p, room=p.reading, starts_at=at(3, 9), ends_at=at(3, 10), people=5)


def test_the_database_refuses_a_second_overlapping_row_written_past_the_service():
    """The guard is the database's (triggers on SQLite, the exclusion constraint on
    PostgreSQL): a row written without `room_book` is refused too."""
    p = place()
    first = book(p)
    row = {
        "room": p.hall,
        "starts_at": first.starts_at + dt.timedelta(minutes=30),
        "ends_at": first.ends_at,
        "title": "x",
        "state": S.REQUESTED,
        "created_at": timezone.now(),
    }
    with pytest.raises(IntegrityError, match=rooms.OVERLAP), transaction.atomic():
        RoomBooking.objects.create(**row)
    RoomBooking.objects.create(**(row | {"state": S.CANCELLED}))  # holds nothing


def test_a_cancelled_booking_frees_its_time():
    p = place()
    first = book(p)
    rooms.room_cancel(booking=first, by=rooms.By(person=p.staff))
    assert book(p).state == S.APPROVED


# --- The state machine ------------------------------------------------------------------------

ACTORS = ("staff", "booker", "reader", "outsider", "resident")
NA = "not_allowed"
WS = "wrong_state"

# action → state → (staff, booker, reader, outsider, resident), written out by hand: the state it
# moves to, or the refusal's code. The booker here holds no role any more (a staff member who
# moved away): they may still cancel their own booking; staff who serve the room do the rest.
EXPECTED: dict[str, dict[str, tuple[str, ...]]] = {
    "approve": {
        "requested": ("approved", NA, NA, NA, NA),
        "approved": (WS, NA, NA, NA, NA),
        "refused": (WS, NA, NA, NA, NA),
        "cancelled": (WS, NA, NA, NA, NA),
    },
    "refuse": {
        "requested": ("refused", NA, NA, NA, NA),
        "approved": (WS, NA, NA, NA, NA),
        "refused": (WS, NA, NA, NA, NA),
        "cancelled": (WS, NA, NA, NA, NA),
    },
    "cancel": {
        "requested": ("cancelled", "cancelled", NA, NA, NA),
        "approved": ("cancelled", "cancelled", NA, NA, NA),
        "refused": (WS, WS, NA, NA, NA),
        "cancelled": (WS, WS, NA, NA, NA),
    },
}

CASES = [
    (action, state, actor, EXPECTED[action][state][i])
    for action in EXPECTED
    for state in EXPECTED[action]
    for i, actor in enumerate(ACTORS)
]


def test_the_table_covers_every_action_and_state():
    assert set(EXPECTED) == {a.value for a in rooms.Action}
    for action in EXPECTED:
        assert set(EXPECTED[action]) == set(S.values)


@pytest.mark.parametrize(("action", "state", "actor", "expected"), CASES)
def test_state_machine(action, state, actor, expected):
    p = place()
    booker = nf.person("搬走的干部")
    booking = RoomBooking.objects.create(
        room=p.reading,
        starts_at=at(3, 9),
        ends_at=at(3, 10),
        state=state,
        title="读书会",
        booked_by=booker,
        created_at=timezone.now(),
    )
    by = {
        "staff": rooms.By(person=p.staff),
        "booker": rooms.By(person=booker),
        "reader": rooms.By(person=p.leader),
        "outsider": rooms.By(person=p.other),
        "resident": rooms.RESIDENT,
    }[actor]
    command = {
        "approve": lambda: rooms.room_approve(booking=booking, by=by),
        "refuse": lambda: rooms.room_refuse(booking=booking, by=by, reason="那天要消毒"),
        "cancel": lambda: rooms.room_cancel(booking=booking, by=by, reason="活动取消"),
    }[action]
    allowed = rooms.may(booking, by, rooms.Action(action))
    if expected in (NA, WS):
        with pytest.raises(DomainError) as refused:
            command()
        assert refused.value.code == expected
        assert not allowed
        assert RoomBooking.objects.get(pk=booking.pk).state == state
        assert not booking.events.exists()
    else:
        assert allowed
        moved = command()
        assert moved.state == expected
        assert RoomBooking.objects.get(pk=booking.pk).state == expected
        event = booking.events.get()
        assert (event.action, event.from_state, event.to_state) == (action, state, expected)
        assert event.actor == by.person


def test_staff_refuse_and_cancel_with_a_reason_the_booker_need_not():
    p = place()
    request = resident_book(p)
    with pytest.raises(Invalid) as refused:
        rooms.room_refuse(booking=request, by=rooms.By(person=p.staff), reason=" ")
    assert refused.value.code == "reason_required"
    own = book(p, starts_at=at(4, 9), ends_at=at(4, 10))
    with pytest.raises(Invalid):
        rooms.room_cancel(booking=request, by=rooms.By(person=p.staff))
    # Staff who booked it are its booker: no reason needed.
    assert rooms.room_cancel(booking=own, by=rooms.By(person=p.staff)).state == S.CANCELLED


def test_a_decision_is_told_to_the_booker_and_timestamped():
    p = place()
    colleague = nf.person("同事", roles=[(Role.COMMUNITY_STAFF, p.t["comm1"])])
    p.hall.needs_approval = True
    p.hall.save()
    booking = book(p, by=rooms.By(person=colleague))
    assert booking.state == S.REQUESTED
    # The colleague who asked is not told of their own request; the other staff are.
    assert list(
        Notification.objects.filter(kind="room_booking_requested").values_list(
            "recipient", flat=True
        )
    ) == [p.staff.pk]
    now = timezone.now()
    approved = rooms.room_approve(booking=booking, by=rooms.By(person=p.staff), now=now)
    assert (approved.decided_by, approved.decided_at) == (p.staff, now)
    told = Notification.objects.get(kind="room_booking_decided")
    assert told.recipient == colleague
    assert [e.action for e in booking.events.order_by("seq")] == ["request", "approve"]


def test_a_resident_hears_of_the_decision_by_text(monkeypatch):
    p = place()
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(rooms, "send_text", lambda mobile, text: sent.append((mobile, text)))
    request = resident_book(p)
    rooms.room_refuse(booking=request, by=rooms.By(person=p.staff), reason="那天要消毒")
    assert sent and sent[0][0] == "13912345678"
    assert "那天要消毒" in sent[0][1]


def test_a_request_whose_time_has_begun_can_no_longer_be_decided():
    p = place()
    request = resident_book(p)
    later = request.starts_at + dt.timedelta(minutes=1)
    assert rooms.allowed_actions(request, rooms.By(person=p.staff), now=later) == [
        rooms.Action.CANCEL
    ]
    with pytest.raises(Conflict) as refused:
        rooms.room_approve(booking=request, by=rooms.By(person=p.staff), now=later)
    assert refused.value.code == "not_now"


# --- An activity holds a room -----------------------------------------------------------------


def activity(p: Place, node: Node | None = None, **kw: Any) -> Activity:
    fields: dict[str, Any] = {
        "title": "重阳节联欢会",
        "theme": Theme.POLICY,
        "node": node or p.t["comm1"],
        "starts_at": at(5, 14),
        "ends_at": at(5, 16, 30),
        "checkin_key": secrets.token_urlsafe(16),
    }
    return Activity.objects.create(**(fields | kw))


def test_an_activity_holds_the_hall_with_its_title_and_time():
    p = place()
    party = activity(p)
    booking = book(p, activity=party, starts_at=None, ends_at=None, title="")
    assert booking.activity == party
    assert (booking.title, booking.starts_at, booking.ends_at) == (
        "重阳节联欢会",
        party.starts_at,
        party.ends_at,
    )
    assert rooms.read(booking.events.get()).activity_id == party.pk
    assert list(party.room_bookings.all()) == [booking]


def test_an_activity_of_another_area_or_a_cancelled_one_holds_no_room():
    p = place()
    theirs = activity(p, node=p.t["comm2"])
    with pytest.raises(NotAllowed):
        book(p, activity=theirs)
    off = activity(p, state=ActivityState.CANCELLED)
    with pytest.raises(Invalid) as refused:
        book(p, activity=off)
    assert refused.value.code == "activity_cancelled"
    with pytest.raises(NotAllowed):
        resident_book(p, activity=activity(p))


# --- Rooms themselves ---------------------------------------------------------------------------


def test_staff_add_a_room_at_their_place_and_no_one_else():
    p = place()
    room = rooms.room_create(
        node=p.t["big1"], by=rooms.By(person=p.staff), name="活动室301", kind=RoomKind.FUNCTION
    )
    assert room.node == p.t["big1"]
    with pytest.raises(NotAllowed):
        rooms.room_create(
            node=p.t["comm1"], by=rooms.By(person=p.other), name="x", kind=RoomKind.FUNCTION
        )
    with pytest.raises(Invalid) as refused:
        rooms.room_change(
            room=room, by=rooms.By(person=p.staff), opens=dt.time(18), closes=dt.time(9)
        )
    assert refused.value.code in ("room_invalid", "hours_invalid")
