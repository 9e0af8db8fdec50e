"""The review round's life: the one module that moves `Round.state`.

    create → draft ─open→ open ─close→ closed ─publish→ published
                                                  ←withdraw─

`TRANSITIONS` says who may take each action:

- "staff": staff who serve the round's town (`access.serves`);
- "system": the machine (the worker closes an open round the day after its last day,
  `close_due`).

Opening needs at least one department and one question. While a round is open residents
answer (`responses.py`); once it is closed its results may be published (`publication.py`
answers what the public reads). Every move locks the round's row, checks the table, updates
under the lock with a conditional UPDATE and appends an event.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.models import Person
from civicgrid.reviews import access, events
from civicgrid.reviews.models import Department, Question, Round, RoundState


class Action(enum.StrEnum):
    OPEN = "open"
    CLOSE = "close"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"


class Actor(enum.StrEnum):
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]


def _rule(sources: Iterable[str], target: str, actors: Iterable[Actor]) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors))


S = RoundState
St, Sy = Actor.STAFF, Actor.SYSTEM

TRANSITIONS: dict[Action, Rule] = {
    Action.OPEN: _rule([S.DRAFT], S.OPEN, [St]),
    Action.CLOSE: _rule([S.OPEN], S.CLOSED, [St, Sy]),
    Action.PUBLISH: _rule([S.CLOSED], S.PUBLISHED, [St]),
    Action.WITHDRAW: _rule([S.PUBLISHED], S.CLOSED, [St]),
}

ACTION_LABELS: dict[Action, Any] = {
    Action.OPEN: gettext_lazy("Open the round"),
    Action.CLOSE: gettext_lazy("Close the round"),
    Action.PUBLISH: gettext_lazy("Publish the results"),
    Action.WITHDRAW: gettext_lazy("Withdraw the results"),
}

# When each move is stamped on the round.
STAMPS: dict[Action, str] = {
    Action.OPEN: "opened_at",
    Action.CLOSE: "closed_at",
    Action.PUBLISH: "published_at",
}


@events.kind("create")
@events.kind("open")
@events.kind("close")
@events.kind("publish")
@events.kind("withdraw")
@dataclass(frozen=True, kw_only=True)
class Moved(events.EventData):
    from_state: str
    to_state: str


@dataclass(frozen=True)
class By:
    """Who acts: a person (staff), or the system."""

    person: Person | None = None
    system: bool = False


SYSTEM = By(system=True)


def as_by(by: By | Person | None) -> By:
    if isinstance(by, By):
        return by
    return By(person=access.person_of(by))


def actor_kinds(round_: Round, by: By | Person | None) -> set[Actor]:
    who = as_by(by)
    if who.system:
        return {Actor.SYSTEM}
    if who.person is not None and access.serves(who.person, round_.node):
        return {Actor.STAFF}
    return set()


def allowed_actions(by: By | Person | Actor | str | None, round_: Round) -> list[Action]:
    """The moves `by` may make on `round_` now: a person, a `By`, or an actor kind."""
    kinds = {Actor(by)} if isinstance(by, str) else actor_kinds(round_, by)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if round_.state in rule.sources and kinds & rule.actors
    ]


def may(by: By | Person | Actor | str | None, round_: Round, action: Action) -> bool:
    return action in allowed_actions(by, round_)


# --- The shared core --------------------------------------------------------------------------


def lock(round_: Round | int) -> Round:
    """The round's row, locked for this transaction."""
    pk = round_ if isinstance(round_, int) else round_.pk
    return Round.objects.select_for_update(of=("self",)).select_related("node").get(pk=pk)


def _kind_of(by: By) -> Actor:
    return Actor.SYSTEM if by.system else Actor.STAFF


def _check(locked: Round, action: Action, by: By) -> None:
    rule = TRANSITIONS[action]
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(_("You may not do this to the review round."), code="not_allowed")
    if locked.state not in rule.sources:
        raise Conflict(
            _("The round is %(state)s: it cannot be changed that way now.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    if action == Action.OPEN:
        if not Department.objects.filter(round=locked).exists():
            raise Invalid(
                _("Add at least one department under review before opening."),
                code="no_departments",
            )
        if not Question.objects.filter(round=locked).exists():
            raise Invalid(_("Add at least one question before opening."), code="no_questions")


def _move(locked: Round, action: Action, by: By, *, note: str, now: dt.datetime) -> Round:
    target = TRANSITIONS[action].target
    old = locked.state
    fields: dict[str, Any] = {"state": target}
    if action in STAMPS:
        fields[STAMPS[action]] = now
    changed = Round.objects.filter(pk=locked.pk, state=old).update(**fields)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The round changed meanwhile; try again."), code="changed")
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action.value,
        actor=by.person,
        actor_kind=_kind_of(by),
        note=note,
        data=Moved(from_state=old, to_state=target),
        now=now,
    )
    return locked


def _act(
    action: Action, round_: Round | int, by: By | Person | None, note: str, now: dt.datetime | None
) -> Round:
    who = as_by(by)
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock(round_)
        _check(locked, action, who)
        return _move(locked, action, who, note=(note or "").strip()[:300], now=now)


# --- The commands -----------------------------------------------------------------------------


def round_open(
    *, by: By | Person | None, round: Round | int, now: dt.datetime | None = None
) -> Round:
    """draft → open: residents may answer from its first day. Refusals: `not_allowed`,
    `wrong_state`, `no_departments`, `no_questions`."""
    return _act(Action.OPEN, round, by, "", now)


def round_close(
    *, by: By | Person | None, round: Round | int, now: dt.datetime | None = None
) -> Round:
    """open → closed: no more answers. Staff, or the system the day after the last day."""
    return _act(Action.CLOSE, round, by, "", now)


def round_publish(
    *, by: By | Person | None, round: Round | int, now: dt.datetime | None = None
) -> Round:
    """closed → published: the public results page shows averages and counts."""
    return _act(Action.PUBLISH, round, by, "", now)


def round_withdraw(
    *,
    by: By | Person | None,
    round: Round | int,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Round:
    """published → closed: the public results page is taken down (a mistake found)."""
    return _act(Action.WITHDRAW, round, by, reason, now)


COMMANDS = {
    Action.OPEN: round_open,
    Action.CLOSE: round_close,
    Action.PUBLISH: round_publish,
    Action.WITHDRAW: round_withdraw,
}


def close_due(*, now: dt.datetime | None = None) -> int:
    """The system closes open rounds whose last day has passed; returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Round.objects.filter(state=RoundState.OPEN, closes__lt=today).values_list("pk", flat=True)
    closed = 0
    for pk in list(due):
        try:
            round_close(by=SYSTEM, round=pk, now=now)
        except Conflict:  # pragma: no cover - closed by staff meanwhile
            continue
        closed += 1
    return closed
