"""The committees' timeline: typed events, appended once, heard by subscribers.

Each kind has one dataclass that builds `CommitteeEvent.data` and reads it back (`read`);
nothing reads event data by its keys. The state-machine modules (`work.py`, `meetings.py`,
`consultations.py`, `assessment.py`) and the set-up services (`committees.py`, `goals.py`)
append through `append`, holding the record's row lock (the committee's for a set-up change),
so `seq` numbering is safe; `append` hands the event to its subscribers (`subscribe`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from civicgrid.committees.models import (
    Assessment,
    CommitteeEvent,
    Consultation,
    Meeting,
    Task,
)
from civicgrid.core import timelines
from civicgrid.network.models import Organisation

Record = Task | Meeting | Consultation | Assessment | Organisation

EventData = timelines.EventData


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """Moves that carry nothing beyond the event's own fields (the note is the reason)."""


@dataclass(frozen=True, kw_only=True)
class Changed(EventData):
    """A set-up change: what (`thing`: "unit", "contact", "pledge", "goal", "figure"), which row
    (`ref`), and the values before and after, as text."""

    thing: str
    ref: int | None = None
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True, kw_only=True)
class Assigned(EventData):
    """A task given to a unit (its name), with its deadline (ISO) and where it came from."""

    unit: str
    due: str
    source: str | None = None  # "goal", "need", "decision"
    need: str | None = None  # the need's number


@dataclass(frozen=True, kw_only=True)
class Done(EventData):
    on_time: bool


@dataclass(frozen=True, kw_only=True)
class Verified(EventData):
    """A task verified; `resolved_need` the number of the need its verification resolved."""

    resolved_need: str | None = None


@dataclass(frozen=True, kw_only=True)
class CheckedIn(EventData):
    person: int
    distance_m: int | None = None
    by_qr: bool = True


@dataclass(frozen=True, kw_only=True)
class Decided(EventData):
    """A decision (its id) and the tasks it became."""

    decision: int
    tasks: list[int] | None = None


@dataclass(frozen=True, kw_only=True)
class Opened(EventData):
    """A consultation opened for a need (its number)."""

    need: str


@dataclass(frozen=True, kw_only=True)
class Scored(EventData):
    unit: int
    score: int
    by_unit: int | None = None


@dataclass(frozen=True, kw_only=True)
class PeriodOpened(EventData):
    """An assessment opened for a period (ISO dates) with the weights it copied."""

    starts_on: str
    ends_on: str
    weights: dict[str, str] | None = None


KINDS: dict[str, type[EventData]] = {
    "open_period": PeriodOpened,
    "change": Changed,
    "assign": Assigned,
    "reassign": Assigned,
    "done": Done,
    "verify": Verified,
    "check_in": CheckedIn,
    "decision": Decided,
    "open": Opened,
    "score": Scored,
}


def read(event: CommitteeEvent) -> EventData:
    """The typed data of a stored event (keys it does not know are ignored)."""
    return KINDS.get(event.action, Plain).from_data(event.data)


def _record_field(record: Record) -> str | None:
    if isinstance(record, Task):
        return "task"
    if isinstance(record, Meeting):
        return "meeting"
    if isinstance(record, Consultation):
        return "consultation"
    if isinstance(record, Assessment):
        return "assessment"
    return None


def append(
    record: Record,
    action: str,
    *,
    actor: Any = None,
    unit: Organisation | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: EventData | None = None,
    now: Any = None,
) -> CommitteeEvent:
    """Append one event to the record's timeline (a committee's own for a set-up change) and
    hand it to the subscribers. Call it holding the record's row lock."""
    field = _record_field(record)
    if field is None:
        committee_id = record.pk
        mine: dict[str, Any] = {
            "committee_id": committee_id,
            "task": None,
            "meeting": None,
            "consultation": None,
            "assessment": None,
        }
    else:
        committee_id = getattr(record, "committee_id")  # noqa: B009 (every record but a committee has one)
        mine = {field: record}
    last = CommitteeEvent.objects.filter(**mine).aggregate(m=Max("seq"))["m"] or 0
    event = CommitteeEvent.objects.create(
        committee_id=committee_id,
        **({field: record} if field else {}),
        seq=last + 1,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        unit=unit,
        note=note,
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
    event: CommitteeEvent
    data: EventData

    @property
    def kind(self) -> str:
        return f"{_record_field(self.record) or 'committee'}.{self.event.action}"


_subscribers = timelines.Subscribers()
ANY = timelines.Subscribers.ANY


def subscribe(
    kinds: str | Sequence[str],
    handler: Callable[[Happened], None],
    *,
    when: timelines.When = "transaction",
) -> None:
    """Call `handler(Happened)` after each event of these kinds ("task.verify",
    "meeting.record", "committee.change"…, or ANY)."""
    _subscribers.subscribe(kinds, handler, when=when)
