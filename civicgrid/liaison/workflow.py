"""The life of a message to a representative (码上找代表): the one module that makes and moves
a `Message`.

    send → received ─answer→  answered ─close→ closed   (the resident confirms; the system
                                                         after LIAISON_CLOSE_AFTER_DAYS)
           received ─refer→   referred ─resolve→ answered (the need's resolution answers it)
           answered ─refer→   referred
           received ─withdraw→ withdrawn                 (the resident)
           received ─reassign→ received                  (staff of the place: another
                                                          representative or station)

Actor kinds:

- "resident": whoever holds the message's keyed tracking link (no account);
- "representative": the person the message is addressed to;
- "station": the staff of the message's station, or, for a message to a representative, the
  staff of that representative's station;
- "place": community staff or an administrator over the message's place (read and reassign);
- "system": the machine (the sweep, the need's resolution).

Reminders and the overdue mark are not transitions: `tasks.sweep` appends them as events
("remind", "overdue"), each claimed by a conditional UPDATE.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core import notifications
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.liaison import access, deadlines, events
from civicgrid.liaison.models import Message, MessageKind, MessageState
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import Category, Channel, Need, format_number
from civicgrid.needs.services import clean_phone, clean_text, need_raise, new_number
from civicgrid.network.models import Node, Person
from civicgrid.network.scope import is_staff_user
from civicgrid.representatives.models import LiaisonStation, Representative

MAX_TEXT = 2000
MAX_ANSWER = 2000


class Action(enum.StrEnum):
    SEND = "send"
    ANSWER = "answer"
    CLOSE = "close"
    REFER = "refer"
    RESOLVE = "resolve"
    WITHDRAW = "withdraw"
    REASSIGN = "reassign"


class Actor(enum.StrEnum):
    RESIDENT = "resident"
    REPRESENTATIVE = "representative"
    STATION = "station"
    PLACE = "place"
    SYSTEM = "system"


# Timeline entries that are not transitions.
REMIND = "remind"
OVERDUE = "overdue"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: the state stays
    actors: frozenset[Actor]


def _rule(sources: Iterable[str], target: str | None, actors: Iterable[Actor]) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors))


S = MessageState
Res, Rep, Sta, Pla, Sys = (
    Actor.RESIDENT,
    Actor.REPRESENTATIVE,
    Actor.STATION,
    Actor.PLACE,
    Actor.SYSTEM,
)

TRANSITIONS: dict[Action, Rule] = {
    Action.SEND: _rule([], S.RECEIVED, [Res]),
    Action.ANSWER: _rule([S.RECEIVED], S.ANSWERED, [Rep, Sta]),
    Action.CLOSE: _rule([S.ANSWERED], S.CLOSED, [Res, Sys]),
    Action.REFER: _rule([S.RECEIVED, S.ANSWERED], S.REFERRED, [Rep, Sta]),
    Action.RESOLVE: _rule([S.REFERRED], S.ANSWERED, [Sys]),
    Action.WITHDRAW: _rule([S.RECEIVED], S.WITHDRAWN, [Res]),
    Action.REASSIGN: _rule([S.RECEIVED], None, [Pla]),
}

# How the console's timeline names each entry and who made it.
ENTRY_LABELS: dict[str, Any] = {
    Action.SEND: gettext_lazy("Received"),
    Action.ANSWER: gettext_lazy("Answered"),
    Action.CLOSE: gettext_lazy("Closed"),
    Action.REFER: gettext_lazy("Became a need"),
    Action.RESOLVE: gettext_lazy("Answered by the need's resolution"),
    Action.WITHDRAW: gettext_lazy("Withdrawn by the resident"),
    Action.REASSIGN: gettext_lazy("Handed to someone else"),
    REMIND: gettext_lazy("Reminder sent"),
    OVERDUE: gettext_lazy("Overdue"),
}
ACTOR_LABELS: dict[str, Any] = {
    Actor.RESIDENT: gettext_lazy("the resident"),
    Actor.REPRESENTATIVE: gettext_lazy("the representative"),
    Actor.STATION: gettext_lazy("the station's staff"),
    Actor.PLACE: gettext_lazy("community staff"),
    Actor.SYSTEM: gettext_lazy("the system"),
}

# Notices in the answerers' inbox (texts registered in `apps.py`).
NOTICE_NEW = "liaison_new"
NOTICE_REMIND = "liaison_reminder"
NOTICE_OVERDUE = "liaison_overdue"
NOTICE_NEED_DONE = "liaison_need_done"


@dataclass(frozen=True)
class By:
    """Who acts: a person, the holder of the tracking link (`resident`), or the system."""

    person: Person | None = None
    resident: bool = False
    system: bool = False


RESIDENT = By(resident=True)
SYSTEM = By(system=True)


def as_by(by: By | Person | None) -> By:
    if isinstance(by, By):
        return by
    return By(person=access.person_of(by))


def actor_kinds(message: Message, by: By | Person | None) -> set[Actor]:
    who = as_by(by)
    if who.system:
        return {Actor.SYSTEM}
    if who.resident:
        return {Actor.RESIDENT}
    kinds: set[Actor] = set()
    if who.person is None:
        return kinds
    if access.is_representative(who.person, message):
        kinds.add(Actor.REPRESENTATIVE)
    if access.is_station_staff(who.person, message):
        kinds.add(Actor.STATION)
    if access.serves_place(who.person, message.node):
        kinds.add(Actor.PLACE)
    return kinds


def allowed_actions(by: By | Person | Actor | str | None, message: Message) -> list[Action]:
    kinds = {Actor(by)} if isinstance(by, str) else actor_kinds(message, by)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if message.state in rule.sources and kinds & rule.actors
    ]


def may(by: By | Person | Actor | str | None, message: Message, action: Action) -> bool:
    return action in allowed_actions(by, message)


# --- Events -------------------------------------------------------------------------------


@events.kind(Action.SEND)
@dataclass(frozen=True, kw_only=True)
class Sent(events.EventData):
    kind: str
    representative_id: int | None = None
    station_id: int | None = None
    answer_due: str


@events.kind(Action.ANSWER)
@events.kind(Action.CLOSE)
@events.kind(Action.WITHDRAW)
@events.kind(Action.RESOLVE)
@dataclass(frozen=True, kw_only=True)
class Moved(events.EventData):
    from_state: str
    to_state: str
    need_number: str | None = None


@events.kind(Action.REFER)
@dataclass(frozen=True, kw_only=True)
class Referred(events.EventData):
    from_state: str
    need_number: str
    category: str


@events.kind(Action.REASSIGN)
@dataclass(frozen=True, kw_only=True)
class Reassigned(events.EventData):
    representative_id: int | None = None
    station_id: int | None = None


@events.kind(REMIND)
@events.kind(OVERDUE)
@dataclass(frozen=True, kw_only=True)
class Deadline(events.EventData):
    due: str


# --- Who is told --------------------------------------------------------------------------


def answerers(message: Message) -> list[Person]:
    """Who answers the message: its representative, and its station's staff."""
    people: list[Person] = []
    rep = message.representative
    if rep is not None and rep.active:
        people.append(rep.person)
    station = access.station_of(message)
    if station is not None:
        people.extend(station.staff.filter(is_active=True))
    seen: set[int] = set()
    unique = []
    for person in people:
        if person.pk not in seen:
            seen.add(person.pk)
            unique.append(person)
    return unique


def console_url(message: Message) -> str:
    from django.urls import reverse

    return reverse("liaison:detail", args=[message.number])


def notify_answerers(message: Message, kind: str, **data: Any) -> None:
    people = answerers(message)
    if people:
        notifications.notify(
            people,
            kind=kind,
            data={"number": format_number(message.number), **data},
            url=console_url(message),
        )


# --- The shared core ----------------------------------------------------------------------


def _lock(message: Message | int) -> Message:
    pk = message if isinstance(message, int) else message.pk
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("representative__person", "representative__station", "station", "node")
        .get(pk=pk)
    )


def _kind_of(by: By, kinds: set[Actor], rule: Rule) -> Actor:
    allowed = sorted(kinds & rule.actors)
    return Actor(allowed[0])


def _begin(message: Message | int, action: Action, by: By) -> tuple[Message, Actor]:
    locked = _lock(message)
    rule = TRANSITIONS[action]
    kinds = actor_kinds(locked, by)
    if not kinds & rule.actors:
        raise NotAllowed(_("You may not do this to the message."), code="not_allowed")
    if locked.state not in rule.sources:
        raise Conflict(
            _("The message is %(state)s: it cannot be changed that way now.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    return locked, _kind_of(by, kinds, rule)


def _move(
    locked: Message,
    action: Action,
    by: By,
    actor: Actor,
    *,
    data: events.EventData | None = None,
    note: str = "",
    now: dt.datetime,
    **fields: Any,
) -> Message:
    target = TRANSITIONS[action].target or locked.state
    old = locked.state
    changed = Message.objects.filter(pk=locked.pk, state=old).update(state=target, **fields)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The message changed meanwhile; try again."), code="changed")
    locked.state = target
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action.value,
        actor=by.person,
        actor_kind=actor.value,
        note=note,
        data=data or Moved(from_state=old, to_state=target),
        now=now,
    )
    return locked


# --- Sending (the resident) ---------------------------------------------------------------


def place_of(representative: Representative | None, station: LiaisonStation | None) -> Node:
    """Where a message belongs: the station's place, or the representative's constituency
    (its first place), else where they were elected."""
    if station is not None:
        return station.node
    assert representative is not None
    first = representative.constituency.order_by("path").first()
    return first or representative.node


def message_send(
    *,
    representative: Representative | None = None,
    station: LiaisonStation | None = None,
    kind: str,
    text: str,
    name: str = "",
    phone: str = "",
    language: str = "",
    node: Node | None = None,
    also: Callable[[Message], object] | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """A resident leaves a message for a representative or a station (exactly one). Its
    answerers are notified. `also(message)`: the caller's own write in the same transaction
    (the one-time key). Refusals: `one_addressee`, `not_serving`, `bad_kind`, `text_required`,
    `text_too_long`, `phone_invalid`, `name_too_long`."""
    now = now or timezone.now()
    if (representative is None) == (station is None):
        raise Invalid(_("Choose a representative or a station."), code="one_addressee")
    if representative is not None and not (representative.active and representative.public):
        raise Invalid(_("This representative takes no messages now."), code="not_serving")
    if station is not None and not station.active:
        raise Invalid(_("This station takes no messages now."), code="not_serving")
    if kind not in MessageKind.values:
        msg = _("Choose what kind of message it is.")
        raise Invalid(msg, code="bad_kind", fields={"kind": [msg]})
    cleaned = clean_text(text, field=_("Message"))
    if len(cleaned) > MAX_TEXT:
        msg = _("Write at most %(n)s characters.") % {"n": MAX_TEXT}
        raise Invalid(msg, code="text_too_long", fields={"text": [msg]})
    name = (name or "").strip()
    if len(name) > 60:
        msg = _("Write a shorter name.")
        raise Invalid(msg, code="name_too_long", fields={"name": [msg]})
    try:
        phone = clean_phone(phone, required=False)
    except Invalid as failure:
        raise Invalid(
            failure.message, code=failure.code, fields={"phone": [failure.message]}
        ) from failure
    place = node or place_of(representative, station)
    due, remind = deadlines.answer_due(now)
    languages = dict(settings.LANGUAGES)
    number = new_number()
    while Message.objects.filter(number=number).exists():  # pragma: no cover - 1 in 10^12
        number = new_number()
    with transaction.atomic():
        message = Message.objects.create(
            number=number,
            representative=representative,
            station=station,
            kind=kind,
            text=cleaned,
            name=name,
            phone=phone,
            node=place,
            language=language if language in languages else "",
            answer_due=due,
            remind_at=remind,
            created_at=now,
        )
        if also is not None:
            also(message)
        events.append(
            message,
            Action.SEND.value,
            actor_kind=Actor.RESIDENT.value,
            data=Sent(
                kind=kind,
                representative_id=representative.pk if representative else None,
                station_id=station.pk if station else None,
                answer_due=due.isoformat(),
            ),
            now=now,
        )
        notify_answerers(message, NOTICE_NEW, due=_day(due))
        return message


def _day(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


# --- Answering ----------------------------------------------------------------------------


def message_answer(
    *, by: By | Person, message: Message, answer: str, now: dt.datetime | None = None
) -> Message:
    """The representative or station staff answer. Refusals: `not_allowed`, `wrong_state`,
    `answer_required`, `answer_too_long`."""
    who = as_by(by)
    now = now or timezone.now()
    text = (answer or "").strip()
    if not text:
        msg = _("Write the answer.")
        raise Invalid(msg, code="answer_required", fields={"answer": [msg]})
    if len(text) > MAX_ANSWER:
        msg = _("Write at most %(n)s characters.") % {"n": MAX_ANSWER}
        raise Invalid(msg, code="answer_too_long", fields={"answer": [msg]})
    with transaction.atomic():
        locked, actor = _begin(message, Action.ANSWER, who)
        return _move(
            locked,
            Action.ANSWER,
            who,
            actor,
            now=now,
            answer=text,
            answered_at=now,
            answered_by=who.person,
        )


def message_close(
    *, by: By = RESIDENT, message: Message, now: dt.datetime | None = None
) -> Message:
    """The resident confirms the answer; or the system closes an answered message after
    `LIAISON_CLOSE_AFTER_DAYS`."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, actor = _begin(message, Action.CLOSE, by)
        return _move(locked, Action.CLOSE, by, actor, now=now, closed_at=now)


def message_withdraw(*, message: Message, now: dt.datetime | None = None) -> Message:
    """The resident takes back a message nobody has answered yet."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, actor = _begin(message, Action.WITHDRAW, RESIDENT)
        return _move(locked, Action.WITHDRAW, RESIDENT, actor, now=now, closed_at=now)


def _raiser(person: Person, message: Message) -> Person:
    """Who enters the need at the message's place: the need intake takes a need on someone's
    behalf only from staff who write there. The representative when they may, else the
    station's staff, else the place's dispatchers. The representative stays its source."""
    from civicgrid.needs.access import check_may_raise

    candidates = [person, *answerers(message), *need_workflow.dispatchers_of(message.node)]
    for candidate in candidates:
        if not is_staff_user(candidate):
            continue
        try:
            check_may_raise(candidate, place=message.node)
        except NotAllowed:
            continue
        return candidate
    raise Conflict(
        _("Nobody serves this message's place to receive a need."), code="no_one_to_raise"
    )


def referable_categories() -> list[Category]:
    """The kinds of need a message may become with one click: active leaves that ask no
    required question (the message's text is the description; nobody is asked more)."""
    cats = list(Category.objects.filter(is_active=True).order_by("code"))
    parents = {c.parent_id for c in cats if c.parent_id}
    asking = set(Category.objects.filter(questions__required=True).values_list("pk", flat=True))
    return [c for c in cats if c.pk not in parents and c.pk not in asking]


def message_refer(
    *, by: By | Person, message: Message, category: Category, now: dt.datetime | None = None
) -> Need:
    """Turn the message into a need (one click): raised at the message's place with the
    resident's contact, channel "representative", the representative as its source. The
    message links to the need; the need's resolution answers the message (`following.py`).
    Refusals: `not_allowed`, `wrong_state`, `no_one_to_raise`, and need_raise's own."""
    who = as_by(by)
    now = now or timezone.now()
    if who.person is None:
        raise NotAllowed(_("You may not do this to the message."), code="not_allowed")
    with transaction.atomic():
        locked, actor = _begin(message, Action.REFER, who)
        rep = locked.representative
        source = rep.person if rep is not None else who.person
        need = need_raise(
            by=need_workflow.By(person=_raiser(who.person, locked)),
            category=category,
            description=locked.text,
            channel=Channel.REPRESENTATIVE,
            node=locked.node,
            contact_phone=locked.phone,
            contact_name=locked.name,
            on_behalf_of=(locked.name or _("a resident"))[:64],
            source_person=source,
            language=locked.language,
        )
        old = locked.state
        _move(
            locked,
            Action.REFER,
            who,
            actor,
            now=now,
            data=Referred(from_state=old, need_number=need.number, category=category.code),
            need=need,
        )
        return need


def message_need_done(*, message: Message, need: Need, now: dt.datetime | None = None) -> bool:
    """The need made from the message was resolved (or turned down): the message is answered
    by the system, and its answerers are told. Nothing when it was answered already."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(message)
        if locked.state != MessageState.REFERRED or locked.need_id != need.pk:
            return False
        _move(
            locked,
            Action.RESOLVE,
            SYSTEM,
            Actor.SYSTEM,
            now=now,
            data=Moved(
                from_state=MessageState.REFERRED,
                to_state=MessageState.ANSWERED,
                need_number=need.number,
            ),
            answered_at=now,
            answered_by=None,
        )
        notify_answerers(locked, NOTICE_NEED_DONE, need=format_number(need.number))
        return True


def message_reassign(
    *,
    by: By | Person,
    message: Message,
    representative: Representative | None = None,
    station: LiaisonStation | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Message:
    """Staff of the place hand an unanswered message to another representative or station
    (one), who are notified; the deadline stays. Refusals: `not_allowed`, `wrong_state`,
    `one_addressee`, `not_serving`, `outside_area`."""
    who = as_by(by)
    now = now or timezone.now()
    if (representative is None) == (station is None):
        raise Invalid(_("Choose a representative or a station."), code="one_addressee")
    if representative is not None and not representative.active:
        raise Invalid(_("This representative takes no messages now."), code="not_serving")
    if station is not None and not station.active:
        raise Invalid(_("This station takes no messages now."), code="not_serving")
    with transaction.atomic():
        locked, actor = _begin(message, Action.REASSIGN, who)
        if station is not None and not access.serves_place(who.person, station.node):
            raise NotAllowed(_("That station is outside your area."), code="outside_area")
        _move(
            locked,
            Action.REASSIGN,
            who,
            actor,
            now=now,
            note=note,
            data=Reassigned(
                representative_id=representative.pk if representative else None,
                station_id=station.pk if station else None,
            ),
            representative=representative,
            station=station,
        )
        fresh = _lock(locked.pk)
        notify_answerers(fresh, NOTICE_NEW, due=_day(fresh.answer_due))
        return fresh
