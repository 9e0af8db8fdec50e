"""A message's timeline: typed events, appended once, heard by subscribers.

Each kind has one dataclass that builds `MessageEvent.data` and reads it back, declared with
`@kind("answer")`; nothing reads event data by its keys. `workflow.py` appends holding the
message's row lock, so `seq` numbering is safe; `append` hands the event to its subscribers
(`subscribe("answer", …)`: the resident's text in `civicgrid/outreach/liaison.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Max, QuerySet
from django.utils import timezone

from civicgrid.core import timelines
from civicgrid.liaison.models import Message, MessageEvent

EventData = timelines.EventData
T = TypeVar("T", bound=type[EventData])


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Events that carry nothing beyond their own fields."""


KINDS: dict[str, type[EventData]] = {}


def kind(name: str) -> Callable[[T], T]:
    def register(cls: T) -> T:
        if name in KINDS and KINDS[name] is not cls:
            raise ValueError(f"liaison event kind {name!r} declared twice")
        KINDS[name] = cls
        return cls

    return register


def read(event: MessageEvent) -> EventData:
    return KINDS.get(event.action, Plain).from_data(event.data)


def timeline(message: Message) -> QuerySet[MessageEvent]:
    return MessageEvent.objects.filter(message_id=message.pk).order_by("seq")


@dataclass(frozen=True)
class Happened:
    message: Message
    event: MessageEvent
    data: EventData

    @property
    def kind(self) -> str:
        return self.event.action


_subscribers = timelines.Subscribers()


def append(
    message: Message,
    action: str,
    *,
    actor: Any = None,
    actor_kind: str,
    note: str = "",
    data: EventData | None = None,
    now: dt.datetime | None = None,
) -> MessageEvent:
    """Append one event and hand it to the subscribers. Call it holding the row lock."""
    last = MessageEvent.objects.filter(message_id=message.pk).aggregate(m=Max("seq"))["m"] or 0
    event = MessageEvent.objects.create(
        message=message,
        seq=last + 1,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        note=note[:300],
        data=(data or Plain()).to_data(),
        created_at=now or timezone.now(),
    )
    happened = Happened(message=message, event=event, data=read(event))
    _subscribers.publish(happened.kind, happened)
    return event


def subscribe(
    kinds: str | Sequence[str],
    handler: Callable[[Happened], None],
    *,
    when: timelines.When = "transaction",
) -> None:
    """Call `handler(happened)` for each event of these kinds ("answer"; `ANY`)."""
    _subscribers.subscribe(kinds, handler, when=when)


ANY = timelines.Subscribers.ANY
