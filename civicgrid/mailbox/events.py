"""The mailbox's timeline: typed events, appended once, heard by subscribers.

Each kind has one dataclass that builds `MailboxEvent.data` and reads it back, declared with
`@events.kind("proposal.publish")` (subject "." action). Modules append holding the record's
row lock; `append` hands the event to its subscribers, so other modules (outreach telling the
proposer, counters) listen with `subscribe("proposal.select", handler, when="commit")`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models import Max
from django.utils import timezone

from civicgrid.core import timelines
from civicgrid.mailbox.models import MailboxEvent, Subject

EventData = timelines.EventData
T = TypeVar("T", bound=type[EventData])

SUBJECTS: dict[str, str] = {
    "Proposal": Subject.PROPOSAL,
    "LivelihoodProject": Subject.PROJECT,
    "Call": Subject.CALL,
}


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Moves that carry nothing beyond the event's own fields."""


KINDS: dict[str, type[EventData]] = {}


def kind(name: str) -> Callable[[T], T]:
    def register(cls: T) -> T:
        if name in KINDS and KINDS[name] is not cls:
            raise ValueError(f"mailbox event kind {name!r} declared twice")
        KINDS[name] = cls
        return cls

    return register


def subject_of(record: models.Model) -> str:
    return SUBJECTS[type(record).__name__]


def read(event: MailboxEvent) -> EventData:
    return KINDS.get(f"{event.subject}.{event.action}", Plain).from_data(event.data)


def timeline(record: models.Model) -> models.QuerySet[MailboxEvent]:
    return MailboxEvent.objects.filter(subject=subject_of(record), subject_id=record.pk).order_by(
        "seq"
    )


@dataclass(frozen=True)
class Happened:
    record: Any
    event: MailboxEvent
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
) -> MailboxEvent:
    """Append one event to the record's timeline (holding its row lock) and publish it."""
    subject = subject_of(record)
    last = (
        MailboxEvent.objects.filter(subject=subject, subject_id=record.pk).aggregate(m=Max("seq"))[
            "m"
        ]
        or 0
    )
    event = MailboxEvent.objects.create(
        subject=subject,
        subject_id=record.pk,
        seq=last + 1,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        note=(note or "")[:300],
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
    """Call `handler(happened)` for each event of these kinds ("proposal.select"; `ANY`)."""
    _subscribers.subscribe(kinds, handler, when=when)


ANY = timelines.Subscribers.ANY
