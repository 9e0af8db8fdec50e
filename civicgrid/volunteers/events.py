"""The timeline of registrations, activities and wishes: typed events, appended once, heard by
subscribers.

Each kind has one dataclass that builds `VolunteerEvent.data` and reads it back (`read`);
nothing reads event data by its keys. The state-machine modules (`registrations.py`,
`activities.py`, `wishes.py`) append through `append`, which they call holding the record's row
lock (so `seq` numbering is safe), and which hands the event to its subscribers: points and
counters in the same transaction (`when="transaction"`), messages after the commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from civicgrid.core import timelines
from civicgrid.volunteers.models import Activity, Registration, VolunteerEvent, Wish

Record = Registration | Activity | Wish


# --- The data of each kind ------------------------------------------------------------------


EventData = timelines.EventData


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Moves that carry nothing beyond the event's own fields (the note is the reason)."""


@dataclass(frozen=True, kw_only=True)
class Requested(EventData):
    """A registration asked for: with which community (its id), as a person or a unit."""

    community: int
    unit: int | None = None


@dataclass(frozen=True, kw_only=True)
class SignedUp(EventData):
    """`person` signed up (the event's person); on the waiting list when `waiting`."""

    waiting: bool = False


@dataclass(frozen=True, kw_only=True)
class Left(EventData):
    """A sign-up cancelled; `promoted` is the person moved up from the waiting list, if any."""

    promoted: int | None = None


@dataclass(frozen=True, kw_only=True)
class CheckedIn(EventData):
    """Checked in by the QR code; `distance_m` when the phone gave a location."""

    distance_m: int | None = None


@dataclass(frozen=True, kw_only=True)
class Recorded(EventData):
    """The activity recorded: its duration and how many problems were solved."""

    duration_minutes: int = 0
    solved_count: int = 0
    attendance: int = 0


@dataclass(frozen=True, kw_only=True)
class Credited(EventData):
    """Hours credited to the event's person: `hours` as a decimal string ("2.50"); `was` the
    hours before, for a correction (whose note is the organiser's reason)."""

    hours: str
    was: str | None = None


@dataclass(frozen=True, kw_only=True)
class Claimed(EventData):
    """A wish claimed by the event's person, for a unit when `unit` (its id) is set."""

    unit: int | None = None


KINDS: dict[str, type[EventData]] = {
    "request": Requested,
    "sign_up": SignedUp,
    "leave": Left,
    "check_in": CheckedIn,
    "record": Recorded,
    "credit": Credited,
    "correct": Credited,
    "claim": Claimed,
}


def read(event: VolunteerEvent) -> EventData:
    """The typed data of a stored event (keys it does not know are ignored)."""
    return KINDS.get(event.action, Plain).from_data(event.data)


# --- Appending ------------------------------------------------------------------------------


def _record_field(record: Record) -> str:
    if isinstance(record, Registration):
        return "registration"
    if isinstance(record, Activity):
        return "activity"
    return "wish"


def append(
    record: Record,
    action: str,
    *,
    actor: Any = None,
    person: Any = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: EventData | None = None,
    now: Any = None,
) -> VolunteerEvent:
    """Append one event to the record's timeline and hand it to the subscribers.

    Call it inside the transaction that holds the record's row lock (`select_for_update`):
    that lock is what keeps `seq` numbering safe."""
    field = _record_field(record)
    last = VolunteerEvent.objects.filter(**{field: record}).aggregate(m=Max("seq"))["m"] or 0
    event = VolunteerEvent.objects.create(
        **{field: record},
        seq=last + 1,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        person=person,
        note=note,
        data=(data or Plain()).to_data(),
        created_at=now or timezone.now(),
    )
    publish(Happened(record=record, event=event, data=read(event)))
    return event


# --- Who listens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Happened:
    """An event just appended: the record as it is now, the stored event, its typed data."""

    record: Record
    event: VolunteerEvent
    data: EventData

    @property
    def kind(self) -> str:
        return f"{_record_field(self.record)}.{self.event.action}"


When = Literal["transaction", "commit"]
Handler = Callable[[Happened], None]
_handlers: dict[str, list[tuple[Handler, When]]] = defaultdict(list)
ANY = "*"


def subscribe(kinds: str | Sequence[str], handler: Handler, *, when: When = "transaction") -> None:
    """Call `handler(Happened)` after each event of these kinds ("activity.credit",
    "wish.confirm", "registration.approve"…, or ANY), in the order of subscription."""
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        if (handler, when) not in _handlers[kind]:
            _handlers[kind].append((handler, when))


def publish(happened: Happened) -> None:
    for handler, when in [*_handlers.get(happened.kind, ()), *_handlers.get(ANY, ())]:
        if when == "transaction":
            handler(happened)
        else:
            transaction.on_commit(partial(handler, happened))
