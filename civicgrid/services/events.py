"""The services' timeline: typed events, appended once, heard by subscribers.

Each kind has one dataclass that builds `ServiceEvent.data` and reads it back (`read`);
nothing reads event data by its keys. The state-machine modules (`bookings.py`, `rooms.py`)
append through `append`, holding the record's row lock, so `seq` numbering is safe; `append`
hands the event to its subscribers (`subscribe`): "booking.done", "room_booking.approve".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from civicgrid.core import timelines
from civicgrid.services.models import Booking, RoomBooking, ServiceEvent

Record = Booking | RoomBooking

EventData = timelines.EventData


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Moves that carry nothing beyond the event's own fields (the note is the reason)."""


@dataclass(frozen=True, kw_only=True)
class Booked(EventData):
    """An appointment made: its time (ISO), mode, seat, and whether staff made it (代办)."""

    starts_at: str
    mode: str
    seat: int
    on_behalf: bool = False


@dataclass(frozen=True, kw_only=True)
class Done(EventData):
    """An appointment done: the price paid (as text, yuan) if any."""

    price_paid: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rated(EventData):
    rating: int


@dataclass(frozen=True, kw_only=True)
class Moved(EventData):
    """A time changed (ISO), from and to."""

    before: str
    after: str


KINDS: dict[str, type[EventData]] = {
    "book": Booked,
    "done": Done,
    "rate": Rated,
    "move": Moved,
}


def read(event: ServiceEvent) -> EventData:
    """The typed data of a stored event (keys it does not know are ignored)."""
    return KINDS.get(event.action, Plain).from_data(event.data)


def _field(record: Record) -> str:
    return "booking" if isinstance(record, Booking) else "room_booking"


def append(
    record: Record,
    action: str,
    *,
    actor: Any = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: EventData | None = None,
    now: dt.datetime | None = None,
) -> ServiceEvent:
    """Append one event to the record's timeline and hand it to the subscribers. Call it
    holding the record's row lock."""
    field = _field(record)
    last = ServiceEvent.objects.filter(**{field: record}).aggregate(m=Max("seq"))["m"] or 0
    event = ServiceEvent.objects.create(
        **{field: record},
        seq=last + 1,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:300],
        data=(data or Plain()).to_data(),
        created_at=now or timezone.now(),
    )
    happened = Happened(record=record, event=event, data=read(event))
    _subscribers.publish(happened.kind, happened)
    return event


@dataclass(frozen=True)
class Happened:
    """An event just appended: the record as it is now, the stored event, its typed data."""

    record: Record
    event: ServiceEvent
    data: EventData

    @property
    def kind(self) -> str:
        return f"{_field(self.record)}.{self.event.action}"


_subscribers = timelines.Subscribers()


def subscribe(
    kinds: str | Sequence[str],
    handler: Callable[[Happened], None],
    *,
    when: timelines.When = "transaction",
) -> None:
    """Call `handler(happened)` for each event of these kinds ("booking.done"; `ANY`)."""
    _subscribers.subscribe(kinds, handler, when=when)


ANY = timelines.Subscribers.ANY
