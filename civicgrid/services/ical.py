"""iCal feeds of room bookings, for staff to subscribe to on their phones.

A phone's calendar app fetches the feed without a session, so the URL carries a keyed token:
the person's id and `salted_hmac` of "person:kind:id". Nothing is stored; the feed is read
only while the person is active and may still read the room or community (scope changes),
else it is not found. One VCALENDAR per room or community, a VEVENT per live booking from
`PAST` ago to `AHEAD` on, with a UID stable per booking so the phone updates it in place.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from icalendar import Calendar, Event

from civicgrid.network.models import Node, Person
from civicgrid.services import access, calendar
from civicgrid.services.models import ROOM_HOLDING, Room, RoomBooking, RoomBookingState

ROOM, COMMUNITY = "room", "community"
KINDS = (ROOM, COMMUNITY)
PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=90)
SALT = "civicgrid.services.ical"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def _digest(person_id: int, kind: str, target_id: int) -> str:
    return salted_hmac(SALT, f"{person_id}:{kind}:{target_id}").hexdigest()


def token(person_id: int, kind: str, target_id: int) -> str:
    """The feed's token for this person: "<person id>-<keyed hash>"."""
    return f"{person_id}-{_digest(person_id, kind, target_id)}"


def holder(value: str, kind: str, target_id: int) -> Person | None:
    """The active person whose token this is, or None (a wrong or malformed token)."""
    head, _sep, digest = (value or "").partition("-")
    if kind not in KINDS or not head.isdigit() or not digest:
        return None
    if not constant_time_compare(_digest(int(head), kind, target_id), digest):
        return None
    return Person.objects.filter(pk=int(head), is_active=True).first()


def room_for(value: str, room_id: int) -> Room | None:
    """The room whose feed this token opens, if its person may still read it."""
    person = holder(value, ROOM, room_id)
    room = Room.objects.select_related("node").filter(pk=room_id).first()
    if person is None or room is None or not access.reads(person, room.node):
        return None
    return room


def community_for(value: str, node_id: int) -> tuple[Person, Node] | None:
    """The person and community whose feed this token opens, if they may still read it."""
    person = holder(value, COMMUNITY, node_id)
    node = Node.objects.filter(pk=node_id).first()
    if person is None or node is None or not access.reads(person, node):
        return None
    return person, node


def _bookings(rooms: Sequence[Room], now: dt.datetime) -> list[RoomBooking]:
    return list(
        RoomBooking.objects.filter(
            room_id__in=[r.pk for r in rooms],
            state__in=ROOM_HOLDING,
            ends_at__gt=now - PAST,
            starts_at__lt=now + AHEAD,
        ).order_by("starts_at", "id")
    )


def _utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC)


def build(name: str, rooms: Sequence[Room], *, now: dt.datetime | None = None) -> bytes:
    """One VCALENDAR named `name` with a VEVENT per live booking of these rooms."""
    now = now or timezone.now()
    names: dict[int, Any] = {r.pk: r.label for r in rooms}
    cal = Calendar()
    cal.add("prodid", "-//CivicGrid//Rooms//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for booking in _bookings(rooms, now):
        event = Event()
        event.add("uid", f"roombooking-{booking.pk}@civicgrid")
        event.add("dtstamp", _utc(booking.created_at))
        event.add("dtstart", _utc(booking.starts_at))
        event.add("dtend", _utc(booking.ends_at))
        event.add("summary", booking.title)
        event.add("location", str(names.get(booking.room_id, "")))
        approved = booking.state == RoomBookingState.APPROVED
        event.add("status", "CONFIRMED" if approved else "TENTATIVE")
        if booking.organiser:
            event.add("description", booking.organiser)
        cal.add_component(event)
    return cal.to_ical()


def room_feed(room: Room, *, now: dt.datetime | None = None) -> bytes:
    return build(str(room.label), [room], now=now)


def community_feed(person: Person, node: Node, *, now: dt.datetime | None = None) -> bytes:
    """The rooms of the node's subtree the person may read."""
    return build(node.name, calendar.community_rooms(person, node), now=now)
