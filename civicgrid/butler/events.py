"""A key project's own timeline: typed events, appended once, heard by subscribers.

Each kind has one dataclass that builds `ProjectEvent.data` and reads it back, declared with
`@kind("stage")`; `append` is called holding the project's row lock, so `seq` numbering is
safe, and hands the event to its subscribers. Matters are needs: their moves are the need's
events (`needs/events.py`), never written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Max
from django.utils import timezone

from civicgrid.butler.models import Project, ProjectEvent
from civicgrid.core import timelines

EventData = timelines.EventData
T = TypeVar("T", bound=type[EventData])

KINDS: dict[str, type[EventData]] = {}


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Events that carry nothing beyond their own fields."""


def kind(name: str) -> Callable[[T], T]:
    """Declare the data class of one kind of event ("stage")."""

    def register(cls: T) -> T:
        if name in KINDS and KINDS[name] is not cls:
            raise ValueError(f"butler event kind {name!r} declared twice")
        KINDS[name] = cls
        return cls

    return register


def read(event: ProjectEvent) -> EventData:
    return KINDS.get(event.action, Plain).from_data(event.data)


@dataclass(frozen=True)
class Happened:
    project: Project
    event: ProjectEvent
    data: EventData

    @property
    def kind(self) -> str:
        return self.event.action


_subscribers = timelines.Subscribers()


def append(
    project: Project,
    action: str,
    *,
    actor: Any = None,
    actor_kind: str,
    note: str = "",
    data: EventData | None = None,
    now: dt.datetime | None = None,
) -> ProjectEvent:
    """Append one event to the project's timeline (call it holding the project's row lock)."""
    last = ProjectEvent.objects.filter(project=project).aggregate(m=Max("seq"))["m"] or 0
    event = ProjectEvent.objects.create(
        project=project,
        seq=last + 1,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=actor_kind,
        note=note[:300],
        data=(data or Plain()).to_data(),
        created_at=now or timezone.now(),
    )
    happened = Happened(project=project, event=event, data=read(event))
    _subscribers.publish(happened.kind, happened)
    return event


def subscribe(
    kinds: str | Sequence[str],
    handler: Callable[[Happened], None],
    *,
    when: timelines.When = "transaction",
) -> None:
    _subscribers.subscribe(kinds, handler, when=when)


ANY = timelines.Subscribers.ANY
