"""Room bookings (功能室、阅览座位、大厅、舞台): the one module that moves a `RoomBooking`.

    request → requested ─approve→ approved          (staff who serve the room's place)
              (approved at once when the room needs no approval)
    requested ─refuse→ refused                      (staff, with a reason)
    requested/approved ─cancel→ cancelled           (the booker; staff, with a reason)

`TRANSITIONS` says who may take each action. The room's rules (who may book, opening hours,
how far ahead, the longest booking, how many people) are checked by `room_book` with a message
saying what to change; the one rule two people can race for, that a room is held by one booking
at a time, is the database's (migration 0002): a second live booking that overlaps is refused
however many app processes write at once, and becomes `Conflict(code="room_taken")` here.

A request waiting for approval already holds its time (first asked, first served), so staff
approve without a second race.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.notifications import notify, render, send_text
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Node, Person, Role, RoleBinding
from civicgrid.services import access, events
from civicgrid.services.models import (
    ROOM_HOLDING,
    Room,
    RoomBooking,
    RoomBookingState,
    ServiceEvent,
    WhoMayBook,
)
from civicgrid.volunteers.models import Activity, ActivityState

# The name the database gives the guard (migration 0002).
OVERLAP = "roombooking_no_overlap"
# The event that opens a room booking's timeline. Not "book": `events.KINDS` reads "book" as
# an appointment's data.
REQUEST = "request"


class Action(enum.StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"
    CANCEL = "cancel"


class Actor(enum.StrEnum):
    BOOKER = "booker"  # the person who booked it
    STAFF = "staff"  # serves the room's place


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]
    reason_required: bool = False


def _rule(
    sources: Iterable[str], target: str, actors: Iterable[Actor], reason: bool = False
) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors), reason)


S = RoomBookingState
B, St = Actor.BOOKER, Actor.STAFF

TRANSITIONS: dict[Action, Rule] = {
    Action.APPROVE: _rule([S.REQUESTED], S.APPROVED, [St]),
    Action.REFUSE: _rule([S.REQUESTED], S.REFUSED, [St], reason=True),
    Action.CANCEL: _rule(ROOM_HOLDING, S.CANCELLED, [B, St]),
}

ACTION_LABELS: dict[Action, Any] = {
    Action.APPROVE: gettext_lazy("Approve"),
    Action.REFUSE: gettext_lazy("Refuse"),
    Action.CANCEL: gettext_lazy("Cancel the booking"),
}

EVENT_LABELS: dict[str, Any] = {
    REQUEST: gettext_lazy("Booked"),
    Action.APPROVE: gettext_lazy("Approved"),
    Action.REFUSE: gettext_lazy("Refused"),
    Action.CANCEL: gettext_lazy("Cancelled"),
}


@dataclass(frozen=True)
class By:
    """Who acts: a person (staff, or the booker), or a resident without an account."""

    person: Person | None = None
    resident: bool = False


RESIDENT = By(resident=True)


@dataclass(frozen=True, kw_only=True)
class Requested(events.EventData):
    """A room booking made: its time (ISO), the activity it holds the room for, and whether a
    resident asked for it (no account)."""

    starts_at: str
    ends_at: str
    activity_id: int | None = None
    resident: bool = False


def read(event: ServiceEvent) -> events.EventData:
    """The typed data of a room booking's event."""
    if event.action == REQUEST:
        return Requested.from_data(event.data)
    return events.read(event)


def actor_kinds(booking: RoomBooking, by: By) -> set[Actor]:
    kinds: set[Actor] = set()
    if by.resident or by.person is None or not by.person.is_active:
        return kinds
    if access.serves(by.person, booking.room.node):
        kinds.add(Actor.STAFF)
    if booking.booked_by_id is not None and booking.booked_by_id == by.person.pk:
        kinds.add(Actor.BOOKER)
    return kinds


def _when_refusal(booking: RoomBooking, action: Action, now: dt.datetime) -> str | None:
    """What the clock forbids: deciding a request whose time has begun, cancelling one that
    is over (it stays in the counts of room use)."""
    if action in (Action.APPROVE, Action.REFUSE) and now >= booking.starts_at:
        return _("The requested time has begun: it can no longer be decided.")
    if action == Action.CANCEL and now >= booking.ends_at:
        return _("The booking is over: it can no longer be cancelled.")
    return None


def allowed_actions(
    booking: RoomBooking, by: By, *, now: dt.datetime | None = None
) -> list[Action]:
    kinds = actor_kinds(booking, by)
    when = now or timezone.now()
    return [
        action
        for action, rule in TRANSITIONS.items()
        if booking.state in rule.sources
        and kinds & rule.actors
        and _when_refusal(booking, action, when) is None
    ]


def may(booking: RoomBooking, by: By, action: Action, *, now: dt.datetime | None = None) -> bool:
    return action in allowed_actions(booking, by, now=now)


# --- The shared core --------------------------------------------------------------------------


def _lock(booking: RoomBooking | int) -> RoomBooking:
    pk = booking if isinstance(booking, int) else booking.pk
    return (
        RoomBooking.objects.select_for_update(of=("self",))
        .select_related("room", "room__node", "booked_by")
        .get(pk=pk)
    )


def _begin(
    booking: RoomBooking | int, action: Action, by: By, reason: str, now: dt.datetime
) -> tuple[RoomBooking, str]:
    locked = _lock(booking)
    rule = TRANSITIONS[action]
    kinds = actor_kinds(locked, by)
    if not kinds & rule.actors:
        raise NotAllowed(_("You may not do this to the room booking."), code="not_allowed")
    if locked.state not in rule.sources:
        raise Conflict(
            _("The booking is %(state)s: it cannot be changed that way now.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    refusal = _when_refusal(locked, action, now)
    if refusal:
        raise Conflict(refusal, code="not_now")
    reason = (reason or "").strip()[:300]
    staff_cancel = action == Action.CANCEL and Actor.BOOKER not in kinds
    if (rule.reason_required or staff_cancel) and not reason:
        message = _("Say why in a few words: the person who booked is told.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    return locked, reason


def _move(
    locked: RoomBooking, action: Action, by: By, *, note: str = "", now: dt.datetime, **fields: Any
) -> RoomBooking:
    target = TRANSITIONS[action].target
    old = locked.state
    changed = RoomBooking.objects.filter(pk=locked.pk, state=old).update(state=target, **fields)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The booking changed meanwhile; try again."), code="changed")
    locked.state = target
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked, action, actor=by.person, from_state=old, to_state=target, note=note, now=now
    )
    return locked


# --- Booking ----------------------------------------------------------------------------------


def local(when: dt.datetime) -> dt.datetime:
    return timezone.localtime(when)


def _when(when: dt.datetime) -> str:
    return local(when).strftime("%Y-%m-%d %H:%M")


def _span(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    start, end = local(starts_at), local(ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _invalid(message: str, code: str, field: str) -> Invalid:
    return Invalid(message, code=code, fields={field: [message]})


def _check_who(room: Room, by: By) -> None:
    if by.resident:
        if room.who_may_book != WhoMayBook.RESIDENTS:
            raise NotAllowed(
                _("Only staff book this room. Ask at the community's service center."),
                code="staff_only",
            )
        return
    if by.person is None or not access.serves(by.person, room.node):
        raise NotAllowed(_("Your role may not book rooms at this place."), code="not_allowed")


def _clock(value: dt.time | str) -> dt.time:
    """A room's opening time: a `time`, or the field's text default on a room not reloaded."""
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def opening(room: Room) -> tuple[dt.time, dt.time]:
    return _clock(room.opens), _clock(room.closes)


def _check_time(room: Room, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> None:
    """The room's rules of time, each with what to change."""
    if ends_at <= starts_at:
        raise _invalid(_("The end must be after the start."), "end_before_start", "ends_at")
    if starts_at < now:
        raise _invalid(_("That time has passed. Choose a later one."), "in_the_past", "starts_at")
    start, end = local(starts_at), local(ends_at)
    if start.date() != end.date():
        raise _invalid(
            _("A booking starts and ends on the same day. Book each day on its own."),
            "over_midnight",
            "ends_at",
        )
    opens, closes = opening(room)
    if start.time() < opens or end.time() > closes:
        message = _("%(room)s is open from %(opens)s to %(closes)s. Choose a time inside.") % {
            "room": room.label,
            "opens": opens.strftime("%H:%M"),
            "closes": closes.strftime("%H:%M"),
        }
        raise _invalid(message, "outside_hours", "starts_at")
    last_day = local(now).date() + dt.timedelta(days=room.days_ahead)
    if start.date() > last_day:
        message = _(
            "%(room)s is booked at most %(days)s days ahead, until %(date)s. Choose an earlier day."
        ) % {"room": room.label, "days": room.days_ahead, "date": last_day.isoformat()}
        raise _invalid(message, "too_far_ahead", "starts_at")
    minutes = (ends_at - starts_at).total_seconds() / 60
    if minutes > room.longest_minutes:
        message = _(
            "A booking of %(room)s lasts at most %(minutes)s minutes. Shorten it or book twice."
        ) % {"room": room.label, "minutes": room.longest_minutes}
        raise _invalid(message, "too_long", "ends_at")


def _check_people(room: Room, people: int) -> int:
    try:
        people = int(people)
    except (TypeError, ValueError):
        people = 0
    if people < 1:
        raise _invalid(_("Write how many people come: 1 or more."), "people_invalid", "people")
    if people > room.capacity:
        message = _("%(room)s holds %(capacity)s people. Choose a larger room or fewer people.") % {
            "room": room.label,
            "capacity": room.capacity,
        }
        raise _invalid(message, "over_capacity", "people")
    return people


def _check_activity(activity: Activity, by: By) -> None:
    if by.person is None or not access.serves(by.person, activity.node):
        raise NotAllowed(
            _("Your role may not change this activity, so it may not book a room for it."),
            code="not_allowed",
        )
    if activity.state == ActivityState.CANCELLED:
        raise _invalid(
            _("This activity is cancelled: it needs no room."), "activity_cancelled", "activity"
        )


def clash_text(room: Room, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """The refusal when the room is taken, naming the booking's time that clashes (not its
    title or organiser: a resident reads this too)."""
    other = (
        RoomBooking.objects.filter(
            room=room, state__in=ROOM_HOLDING, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
        .first()
    )
    if other is None:
        return _("%(room)s was just booked for that time. Choose another time.") % {
            "room": room.label
        }
    return _("%(room)s is already booked %(span)s. Choose another time.") % {
        "room": room.label,
        "span": _span(*other),
    }


def room_book(
    *,
    room: Room,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    title: str,
    by: By,
    organiser: str = "",
    people: int = 1,
    activity: Activity | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> RoomBooking:
    """Book a room: staff who serve its place, or a resident (name and phone, no account) when
    the room lets residents book. With an activity (staff who may change it), its title and
    time are the defaults. Requested when the room needs approval, else approved at once;
    `Conflict(code="room_taken")` when a live booking holds any of that time."""
    now = now or timezone.now()
    _check_who(room, by)
    if activity is not None:
        if by.resident:
            raise NotAllowed(_("Only staff book a room for an activity."), code="not_allowed")
        _check_activity(activity, by)
        starts_at = starts_at or activity.starts_at
        ends_at = ends_at or activity.ends_at
        title = (title or "").strip() or activity.title
    if starts_at is None or ends_at is None:
        raise _invalid(
            _("Choose the day and the time from and until."), "time_required", "starts_at"
        )
    if not room.active:
        raise Conflict(_("This room is not in use at the moment."), code="not_in_use")
    title = (title or "").strip()[:120]
    if not title:
        raise _invalid(
            _("Write what the room is for, e.g. “choir rehearsal”."), "title_required", "title"
        )
    _check_time(room, starts_at, ends_at, now)
    people = _check_people(room, people)
    name, phone = (contact_name or "").strip()[:64], ""
    if by.resident:
        if not name:
            raise _invalid(
                _("Write the name to ask for when you come, e.g. 张大娘."),
                "name_required",
                "contact_name",
            )
        try:
            phone = clean_phone(contact_phone, required=True)
        except Invalid as failure:
            raise _invalid(failure.message, failure.code, "contact_phone") from failure
    elif contact_phone.strip():
        try:
            phone = clean_phone(contact_phone, required=False)
        except Invalid as failure:
            raise _invalid(failure.message, failure.code, "contact_phone") from failure
    state = S.REQUESTED if room.needs_approval else S.APPROVED
    with transaction.atomic():
        try:
            with transaction.atomic():
                booking = RoomBooking.objects.create(
                    room=room,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    state=state,
                    title=title,
                    organiser=(organiser or "").strip()[:120],
                    people=people,
                    booked_by=by.person,
                    contact_name=name,
                    contact_phone=phone,
                    activity=activity,
                    created_at=now,
                )
        except IntegrityError as failure:
            if OVERLAP not in str(failure):
                raise
            message = clash_text(room, starts_at, ends_at)
            raise Conflict(message, code="room_taken", fields={"starts_at": [message]}) from None
        locked = _lock(booking)
        events.append(
            locked,
            REQUEST,
            actor=by.person,
            to_state=state,
            data=Requested(
                starts_at=starts_at.isoformat(),
                ends_at=ends_at.isoformat(),
                activity_id=activity.pk if activity is not None else None,
                resident=by.resident,
            ),
            now=now,
        )
        if state == S.REQUESTED:
            deciders = [p for p in deciders_of(room) if p != by.person]
            notify(
                deciders,
                kind="room_booking_requested",
                data={"room": room.name, "when": _span(starts_at, ends_at), "title": title},
                url=booking_url(locked),
            )
        return locked


def deciders_of(room: Room) -> list[Person]:
    """Who is told of a request: the community staff bound at the room's place, else at the
    nearest place above it that has any."""
    ids = room.node.ancestor_ids()
    bindings = list(
        RoleBinding.objects.filter(
            role=Role.COMMUNITY_STAFF, node_id__in=ids, person__is_active=True
        ).values_list("node_id", "person_id")
    )
    by_node: dict[int, list[int]] = {}
    for node_id, person_id in bindings:
        by_node.setdefault(node_id, []).append(person_id)
    for node_id in reversed(ids):  # the room's own place first, then upwards
        if by_node.get(node_id):
            return list(Person.objects.filter(pk__in=by_node[node_id]).order_by("pk"))
    return []


def booking_url(booking: RoomBooking) -> str:
    return reverse("services:room_booking", args=[booking.pk])


# --- Moves ------------------------------------------------------------------------------------


def _tell_booker(booking: RoomBooking, by: By) -> None:
    """The booker hears of a decision (their inbox; a resident: a text to the phone left)."""
    data = {
        "room": booking.room.name,
        "when": _span(booking.starts_at, booking.ends_at),
        "state": str(booking.get_state_display())
        + (f" ({booking.reason})" if booking.reason else ""),
    }
    if booking.booked_by_id is not None:
        if by.person is not None and by.person.pk == booking.booked_by_id:
            return
        notify(
            [booking.booked_by], kind="room_booking_decided", data=data, url=booking_url(booking)
        )
    elif booking.contact_phone:
        send_text(booking.contact_phone, _("CivicGrid: ") + render("room_booking_decided", data))


def room_approve(
    *, booking: RoomBooking | int, by: By, now: dt.datetime | None = None
) -> RoomBooking:
    now = now or timezone.now()
    with transaction.atomic():
        locked, _reason = _begin(booking, Action.APPROVE, by, "", now)
        moved = _move(locked, Action.APPROVE, by, now=now, decided_by=by.person, decided_at=now)
        _tell_booker(moved, by)
        return moved


def room_refuse(
    *, booking: RoomBooking | int, by: By, reason: str, now: dt.datetime | None = None
) -> RoomBooking:
    now = now or timezone.now()
    with transaction.atomic():
        locked, reason = _begin(booking, Action.REFUSE, by, reason, now)
        moved = _move(
            locked,
            Action.REFUSE,
            by,
            note=reason,
            now=now,
            reason=reason,
            decided_by=by.person,
            decided_at=now,
        )
        _tell_booker(moved, by)
        return moved


def room_cancel(
    *, booking: RoomBooking | int, by: By, reason: str = "", now: dt.datetime | None = None
) -> RoomBooking:
    """The booker cancels (a reason if they like); staff cancel with a reason, told to the
    booker."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, reason = _begin(booking, Action.CANCEL, by, reason, now)
        moved = _move(locked, Action.CANCEL, by, note=reason, now=now, reason=reason)
        _tell_booker(moved, by)
        return moved


# --- The rooms themselves ----------------------------------------------------------------------

ROOM_FIELDS = (
    "name",
    "name_en",
    "name_mn",
    "kind",
    "capacity",
    "area_m2",
    "equipment",
    "rules",
    "who_may_book",
    "days_ahead",
    "longest_minutes",
    "needs_approval",
    "opens",
    "closes",
    "public",
    "lat",
    "lon",
    "active",
)


def _save_room(room: Room) -> Room:
    try:
        room.full_clean()
    except ValidationError as failure:
        fields = {name: [str(m) for m in msgs] for name, msgs in failure.message_dict.items()}
        first = next(iter(fields.values()), [_("Check the room's details.")])[0]
        raise Invalid(first, code="room_invalid", fields=fields) from None
    opens, closes = opening(room)
    if closes <= opens:
        raise _invalid(_("The room must close after it opens."), "hours_invalid", "closes")
    room.save()
    return room


def room_create(*, node: Node, by: By, **fields: Any) -> Room:
    """A new room at `node` (staff who serve it). `fields` are `ROOM_FIELDS`."""
    if by.person is None:
        raise NotAllowed(_("Your role may not change things at this place."), code="not_allowed")
    access.check_serves(by.person, node)
    room = Room(node=node, **{k: v for k, v in fields.items() if k in ROOM_FIELDS})
    with transaction.atomic():
        return _save_room(room)


def room_change(*, room: Room, by: By, **fields: Any) -> Room:
    """Change a room's details and rules; bookings already made keep their time."""
    if by.person is None:
        raise NotAllowed(_("Your role may not change things at this place."), code="not_allowed")
    access.check_serves(by.person, room.node)
    for name, value in fields.items():
        if name in ROOM_FIELDS:
            setattr(room, name, value)
    with transaction.atomic():
        return _save_room(room)
