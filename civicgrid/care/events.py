"""The care records' timeline: typed events, appended once, heard by subscribers.

Each kind of event has one dataclass that builds `CareEvent.data` and reads it back; the area
module that appends it declares it with `@events.kind("order.place")` (subject "." action), and
nothing reads event data by its keys. State-machine modules (`orders.py`, `deliveries.py`,
`cards.py`…) append through `append`, holding the record's row lock, so `seq` numbering is
safe; `append` hands the event to its subscribers (`subscribe("delivery.not_home", …)`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models import Max
from django.utils import timezone

from civicgrid.care.models import CareEvent, Subject
from civicgrid.core import timelines

EventData = timelines.EventData
T = TypeVar("T", bound=type[EventData])

SUBJECTS: dict[str, str] = {
    "MealOrder": Subject.ORDER,
    "Delivery": Subject.DELIVERY,
    "Card": Subject.CARD,
    "Reconciliation": Subject.RECONCILIATION,
    "FraudFlag": Subject.FLAG,
    "CaredPerson": Subject.PERSON,
}


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Moves that carry nothing beyond the event's own fields (the note is the reason)."""


KINDS: dict[str, type[EventData]] = {}


def kind(name: str) -> Callable[[T], T]:
    """Declare the data class of one kind of event ("order.place")."""

    def register(cls: T) -> T:
        if name in KINDS and KINDS[name] is not cls:
            raise ValueError(f"care event kind {name!r} declared twice")
        KINDS[name] = cls
        return cls

    return register


def subject_of(record: models.Model) -> str:
    return SUBJECTS[type(record).__name__]


def read(event: CareEvent) -> EventData:
    """The typed data of a stored event (keys it does not know are ignored)."""
    return KINDS.get(f"{event.subject}.{event.action}", Plain).from_data(event.data)


def timeline(record: models.Model) -> models.QuerySet[CareEvent]:
    return CareEvent.objects.filter(subject=subject_of(record), subject_id=record.pk).order_by(
        "seq"
    )


@dataclass(frozen=True)
class Happened:
    """An event just appended: the record as it is now, the stored event, its typed data."""

    record: Any
    event: CareEvent
    data: EventData

    @property
    def kind(self) -> str:
        return f"{self.event.subject}.{self.event.action}"


_subscribers = timelines.Subscribers()


def append(
    record: models.Model,
    action: str,
    *,
    actor: Any = None,
    actor_kind: str,
    note: str = "",
    data: EventData | None = None,
    now: dt.datetime | None = None,
) -> CareEvent:
    """Append one event to the record's timeline and hand it to the subscribers. Call it
    holding the record's row lock."""
    subject = subject_of(record)
    last = (
        CareEvent.objects.filter(subject=subject, subject_id=record.pk).aggregate(m=Max("seq"))["m"]
        or 0
    )
    event = CareEvent.objects.create(
        subject=subject,
        subject_id=record.pk,
        seq=last + 1,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        note=note[:300],
        data=(data or Plain()).to_data(),
        created_at=now or timezone.now(),
    )
    happened = Happened(record=record, event=event, data=read(event))
    _subscribers.publish(happened.kind, happened)
    return event


def subscribe(
    kinds: str | Sequence[str],
    handler: Callable[[Happened], None],
    *,
    when: timelines.When = "transaction",
) -> None:
    """Call `handler(happened)` for each event of these kinds ("delivery.not_home"; `ANY`)."""
    _subscribers.subscribe(kinds, handler, when=when)


ANY = timelines.Subscribers.ANY
