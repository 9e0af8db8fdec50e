"""The need timeline's events, typed, and who listens to them.

Each kind of event has one dataclass that builds its `NeedEvent.data` (`to_data`) and reads it
back (`read(event)`): rollups, notifications, the public timeline, the console and Open311 read
events through these, never by the data's keys.

What follows an event (counters, messages; later a council's agenda, a volunteer's hours)
subscribes to it: `subscribe(kind, handler, when=...)` from its app's `AppConfig.ready()`, so the
workflow imports nothing above it. `when="transaction"` runs the handler inside the workflow's
transaction, right after the event is appended (the rollups must: they stay exact, and a refused
move undoes them with everything else); `when="commit"` runs it after the commit (what may be
late or lost with a crash).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from django.db import transaction

from civicgrid.core import timelines

if TYPE_CHECKING:
    from civicgrid.needs.models import Need, NeedEvent


# --- The data of each kind ------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EventData(timelines.EventData):
    """An event's data. `responded_on_time` is set on the event that first answered the need
    (a take, rejection or resolution): the counters are built from it."""

    # Attribute names that are not the stored key (a Python keyword).
    KEYS: ClassVar[Mapping[str, str]] = {"from_": "from"}

    responded_on_time: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Plain(EventData):
    """accept, start, return, withdraw, restore, unpublish: nothing beyond the event's fields."""


@dataclass(frozen=True, kw_only=True)
class Raised(EventData):
    """raise and record (proactive work)."""

    channel: str = ""


@dataclass(frozen=True, kw_only=True)
class Dispatched(EventData):
    assignee: str = ""  # the person's name, or ""
    assignee_org: str = ""  # the unit's name, or "" (neither: undirected, any grid worker)


@dataclass(frozen=True, kw_only=True)
class Taken(EventData):
    handler: str = ""


@dataclass(frozen=True, kw_only=True)
class Resolved(EventData):
    resolved_on_time: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Escalated(EventData):
    """One level up (`from_` the level left), from a handler to the dispatcher's level
    (`from_handler`), or to a `consultation` of a joint committee; `to` names where."""

    to: str = ""
    consultation: bool | None = None
    from_handler: bool | None = None
    from_: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rated(EventData):
    """confirm, close_unrated, and reopen by the resident (dissatisfied); `rating` may be ""."""

    rating: str | None = None


@dataclass(frozen=True, kw_only=True)
class Merged(EventData):
    into: str = ""  # the tracking number of the need it joined


@dataclass(frozen=True, kw_only=True)
class MergedIn(EventData):
    from_: str = ""  # the tracking number of the duplicate


@dataclass(frozen=True, kw_only=True)
class Placed(EventData):
    from_: str = ""
    to: str = ""


@dataclass(frozen=True, kw_only=True)
class Reminded(EventData):
    due: str = ""


@dataclass(frozen=True, kw_only=True)
class MarkedOverdue(EventData):
    deadline: str = ""  # "response" or "resolve"


@dataclass(frozen=True, kw_only=True)
class Commented(EventData):
    media_url: str | None = None  # a remote photo an Open311 client sent with the report
    # A public reply that asks the resident something: they answer on the tracking page (a
    # comment of theirs), and are told by message (civicgrid/outreach, "more_info").
    question: bool | None = None


@dataclass(frozen=True, kw_only=True)
class OwnerChecked(EventData):
    op: str = ""
    ok: bool = False
    address: str = ""


@dataclass(frozen=True, kw_only=True)
class Published(EventData):
    summary: bool = False


@dataclass(frozen=True, kw_only=True)
class Anonymised(EventData):
    via: str = ""


# The data class of each kind of event (the action stored on `NeedEvent`). Kinds not listed
# carry no data (`Plain`).
KINDS: dict[str, type[EventData]] = {
    "raise": Raised,
    "record": Raised,
    "dispatch": Dispatched,
    "take": Taken,
    "resolve": Resolved,
    "reject": Plain,
    "escalate": Escalated,
    "confirm": Rated,
    "close_unrated": Rated,
    "reopen": Rated,
    "merge": Merged,
    "merged_in": MergedIn,
    "place": Placed,
    "remind": Reminded,
    "overdue": MarkedOverdue,
    "comment": Commented,
    "owner_check": OwnerChecked,
    "publish": Published,
    "anonymise": Anonymised,
}


def read(event: NeedEvent) -> EventData:
    """The typed data of a stored event (keys it does not know are ignored)."""
    return KINDS.get(event.action, Plain).from_data(event.data)


# --- Who listens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Happened:
    """An event just appended. `need` is the row as it is now; `before` a copy of it taken
    under the lock before the change (None for entries that change no field of the need)."""

    need: Need
    event: NeedEvent
    data: EventData
    before: Need | None = None

    @property
    def kind(self) -> str:
        return self.event.action


@dataclass(frozen=True)
class FollowedUp:
    """Needs raised earlier whose raise is followed up now, in one batch (`workflow.follow_up`):
    its handlers answer with a few statements for the whole batch, never one per need."""

    needs: Sequence[Need]


FOLLOW_UP = "follow_up"

When = Literal["transaction", "commit"]
Handler = Callable[[Any], None]
_handlers: dict[str, list[tuple[Handler, When]]] = defaultdict(list)


def subscribe(kinds: str | Sequence[str], handler: Handler, *, when: When = "transaction") -> None:
    """Call `handler(Happened)` after each event of these kinds (`handler(FollowedUp)` for
    `FOLLOW_UP`), in the order of subscription. Subscribing twice is a no-op."""
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        if (handler, when) not in _handlers[kind]:
            _handlers[kind].append((handler, when))


# Subscribe to ANY to hear of every kind (a cache of anything about needs).
ANY = "*"


@contextmanager
def muted() -> Iterator[Callable[[], None]]:
    """No subscriber hears anything until the call it yields (or the block's end): for a
    builder that writes history in bulk and derives what subscribers keep afterwards (the
    demo's year: rollups rebuilt from the event log, no notice about last spring)."""
    kept = {kind: list(handlers) for kind, handlers in _handlers.items()}
    _handlers.clear()
    silent = [True]

    def unmute() -> None:
        if silent.pop() if silent else False:
            _handlers.clear()
            _handlers.update(kept)

    try:
        yield unmute
    finally:
        unmute()


def publish(kind: str, payload: Happened | FollowedUp) -> None:
    for handler, when in [*_handlers.get(kind, ()), *_handlers.get(ANY, ())]:
        if when == "transaction":
            handler(payload)
        else:
            transaction.on_commit(partial(handler, payload))
