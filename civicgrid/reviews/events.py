"""A review round's timeline: typed events, appended once, heard by subscribers.

Each kind of event has one dataclass that builds `ReviewEvent.data` and reads it back, declared
with `@events.kind("open")`; nothing reads event data by its keys. Commands append through
`append` holding the round's row lock, so `seq` numbering is safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Max, QuerySet
from django.utils import timezone

from civicgrid.core import timelines
from civicgrid.reviews.models import ReviewEvent, Round

EventData = timelines.EventData
T = TypeVar("T", bound=type[EventData])


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Events that carry nothing beyond the event's own fields."""


KINDS: dict[str, type[EventData]] = {}


def kind(name: str) -> Callable[[T], T]:
    """Declare the data class of one kind of event ("open", "question.save")."""

    def register(cls: T) -> T:
        if name in KINDS and KINDS[name] is not cls:
            raise ValueError(f"review event kind {name!r} declared twice")
        KINDS[name] = cls
        return cls

    return register


def read(event: ReviewEvent) -> EventData:
    """The typed data of a stored event (keys it does not know are ignored)."""
    return KINDS.get(event.action, Plain).from_data(event.data)


def timeline(round_: Round) -> QuerySet[ReviewEvent]:
    return ReviewEvent.objects.filter(round=round_).order_by("seq")


@dataclass(frozen=True)
class Happened:
    """An event just appended: the round as it is now, the stored event, its typed data."""

    round: Round
    event: ReviewEvent
    data: EventData

    @property
    def kind(self) -> str:
        return self.event.action


_subscribers = timelines.Subscribers()


def append(
    round_: Round,
    action: str,
    *,
    actor: Any = None,
    actor_kind: str,
    note: str = "",
    data: EventData | None = None,
    now: dt.datetime | None = None,
) -> ReviewEvent:
    """Append one event to the round's timeline and hand it to the subscribers. Call it
    holding the round's row lock."""
    last = ReviewEvent.objects.filter(round=round_).aggregate(m=Max("seq"))["m"] or 0
    event = ReviewEvent.objects.create(
        round=round_,
        seq=last + 1,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        note=note[:300],
        data=(data or Plain()).to_data(),
        created_at=now or timezone.now(),
    )
    happened = Happened(round=round_, event=event, data=read(event))
    _subscribers.publish(happened.kind, happened)
    return event


def subscribe(
    kinds: str | Sequence[str],
    handler: Callable[[Happened], None],
    *,
    when: timelines.When = "transaction",
) -> None:
    """Call `handler(happened)` for each event of these kinds ("publish"; `ANY`)."""
    _subscribers.subscribe(kinds, handler, when=when)


ANY = timelines.Subscribers.ANY
