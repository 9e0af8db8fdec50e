"""Appointments (预约): the one module that moves a `Booking`.

    book → booked ─confirm→ confirmed ─done→ done ─rate→ done (rated once)
    booked/confirmed ─cancel→ cancelled        (the resident before it starts; provider, staff)
    booked/confirmed ─no_show→ no_show         (provider, staff; once its time has begun)

`TRANSITIONS` says who may take each action: the resident holding the appointment's keyed
link, its provider (the service's person or a person of its organisation), the staff who serve
the place, or the system (the reminder is an event, not a state).

The resident is texted about their appointment (booked, reminded a day ahead, cancelled by the
workshop, done: please rate) by the messages to residents (civicgrid/outreach), which hear
this module's events; this module only appends them. The resident stops those texts on the
appointment's keyed page (`booking_stop_messages`).

A seat is taken by writing the row: the database refuses a second live booking that overlaps
the same seat (models.py), so two residents pressing "book" at once get one appointment and
one clear refusal, however many app processes there are.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.notifications import notify
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Membership, Node, Person
from civicgrid.services import access, events, slots
from civicgrid.services.models import Booking, BookingState, Mode, Service

# The worker reminds the resident this long before the appointment.
REMIND_BEFORE = dt.timedelta(hours=24)
# The name the database gives the guard (migration 0002).
OVERLAP = "booking_no_overlap"


class Action(enum.StrEnum):
    CONFIRM = "confirm"
    DONE = "done"
    CANCEL = "cancel"
    NO_SHOW = "no_show"
    RATE = "rate"


class Actor(enum.StrEnum):
    RESIDENT = "resident"  # holds the keyed link
    PROVIDER = "provider"
    STAFF = "staff"
    SYSTEM = "system"


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


S = BookingState
R, P, St = Actor.RESIDENT, Actor.PROVIDER, Actor.STAFF
LIVE = [S.BOOKED, S.CONFIRMED]

TRANSITIONS: dict[Action, Rule] = {
    Action.CONFIRM: _rule([S.BOOKED], S.CONFIRMED, [P, St]),
    Action.DONE: _rule(LIVE, S.DONE, [P, St]),
    Action.CANCEL: _rule(LIVE, S.CANCELLED, [R, P, St]),
    Action.NO_SHOW: _rule(LIVE, S.NO_SHOW, [P, St]),
    Action.RATE: _rule([S.DONE], S.DONE, [R]),
}

ACTION_LABELS: dict[Action, Any] = {
    Action.CONFIRM: gettext_lazy("Confirm"),
    Action.DONE: gettext_lazy("Record as done"),
    Action.CANCEL: gettext_lazy("Cancel"),
    Action.NO_SHOW: gettext_lazy("Did not come"),
    Action.RATE: gettext_lazy("Rate"),
}

# The resident stops (or resumes) the texts about the appointment: events, not moves.
MESSAGES_STOP = "messages_stop"
MESSAGES_RESUME = "messages_resume"

# How a timeline names its events (the actions above, and the two that are not moves).
EVENT_LABELS: dict[str, Any] = {
    **{action.value: label for action, label in ACTION_LABELS.items()},
    "book": gettext_lazy("Booked"),
    "remind": gettext_lazy("Reminder sent"),
    MESSAGES_STOP: gettext_lazy("The resident stopped texts"),
    MESSAGES_RESUME: gettext_lazy("The resident turned texts on again"),
}


@dataclass(frozen=True)
class By:
    """Who acts: a person (provider or staff), the resident holding the link, or the system."""

    person: Person | None = None
    resident: bool = False
    system: bool = False


RESIDENT = By(resident=True)
SYSTEM = By(system=True)


def actor_kinds(booking: Booking, by: By) -> set[Actor]:
    if by.system:
        return {Actor.SYSTEM}
    if by.resident:
        return {Actor.RESIDENT}
    kinds: set[Actor] = set()
    if by.person is None:
        return kinds
    if access.serves(by.person, booking.service.node):
        kinds.add(Actor.STAFF)
    if access.is_provider(by.person, booking.service):
        kinds.add(Actor.PROVIDER)
    return kinds


def allowed_actions(booking: Booking, by: By, *, now: dt.datetime | None = None) -> list[Action]:
    kinds = actor_kinds(booking, by)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if booking.state in rule.sources
        and kinds & rule.actors
        and _when_refusal(booking, action, kinds, now or timezone.now()) is None
    ]


def may(booking: Booking, by: By, action: Action) -> bool:
    return action in allowed_actions(booking, by)


def _when_refusal(
    booking: Booking, action: Action, kinds: set[Actor], now: dt.datetime
) -> str | None:
    """What the clock forbids: a no-show before the time has come, a resident cancelling once
    it has begun (they call instead), a second rating."""
    if action == Action.NO_SHOW and now < booking.starts_at:
        return _("A no-show can be marked once the appointment's time has come.")
    if action == Action.CANCEL and kinds == {Actor.RESIDENT} and now >= booking.starts_at:
        return _("The appointment has begun: call the workshop to change it.")
    if action == Action.RATE and booking.rating is not None:
        return _("This appointment is already rated. Thank you.")
    return None


# --- The shared core --------------------------------------------------------------------------


def _lock(booking: Booking | int) -> Booking:
    pk = booking if isinstance(booking, int) else booking.pk
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("service", "service__node", "node")
        .get(pk=pk)
    )


def _begin(
    booking: Booking | int, action: Action, by: By, reason: str, now: dt.datetime
) -> tuple[Booking, str]:
    locked = _lock(booking)
    rule = TRANSITIONS[action]
    kinds = actor_kinds(locked, by)
    if not kinds & rule.actors:
        raise NotAllowed(_("You may not do this to the appointment."), code="not_allowed")
    if locked.state not in rule.sources:
        raise Conflict(
            _("The appointment is %(state)s: it cannot be changed that way now.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    refusal = _when_refusal(locked, action, kinds, now)
    if refusal:
        raise Conflict(refusal, code="not_now")
    reason = (reason or "").strip()[:300]
    staff_cancel = action == Action.CANCEL and kinds != {Actor.RESIDENT}
    if (rule.reason_required or staff_cancel) and not reason:
        message = _("Say why in a few words: the resident is told.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    return locked, reason


def _move(
    locked: Booking,
    action: Action,
    by: By,
    *,
    note: str = "",
    data: events.EventData | None = None,
    now: dt.datetime,
    **fields: Any,
) -> Booking:
    target = TRANSITIONS[action].target
    old = locked.state
    changed = Booking.objects.filter(pk=locked.pk, state=old).update(state=target, **fields)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The appointment changed meanwhile; try again."), code="changed")
    locked.state = target
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action,
        actor=by.person,
        from_state=old,
        to_state=target,
        note=note,
        data=data,
        now=now,
    )
    return locked


# --- Booking ----------------------------------------------------------------------------------


def _check_mode(service: Service, mode: str, slot: slots.Slot) -> str:
    if mode not in Mode.values or mode not in service.modes:
        raise Invalid(
            _("This service is not given that way. Choose one of the ways it offers."),
            code="mode_not_offered",
            fields={"mode": [_("Choose one of the ways this service is given.")]},
        )
    if slot.after_hours and mode in (Mode.WORKSHOP, Mode.APPOINTMENT):
        return Mode.AFTER_HOURS  # a slot after the working day is 延时办 whatever was chosen
    return mode


def _check_door(service: Service, mode: str, address: str, node: Node | None) -> Node:
    if mode != Mode.DOOR:
        return node or service.node
    if not address.strip():
        message = _("Write the address to come to: building, unit and door, or the pasture.")
        raise Invalid(message, code="address_required", fields={"address": [message]})
    area = service.door_area or service.node
    place = node or area
    if not place.path.startswith(area.path):
        message = _("This service comes to homes in %(area)s only.") % {"area": area.name}
        raise Invalid(message, code="outside_area", fields={"address": [message]})
    return place


def booking_book(
    *,
    service: Service,
    starts_at: dt.datetime,
    mode: str,
    resident_name: str,
    resident_phone: str,
    by: By,
    address: str = "",
    node: Node | None = None,
    note: str = "",
    language: str = "zh-hans",
    now: dt.datetime | None = None,
) -> Booking:
    """Book a slot for a resident (by the resident, or staff on their behalf: 代办). Takes
    the first free seat of the slot; refuses with `slot_taken` when none is left."""
    with transaction.atomic():
        return _book(
            service=service,
            starts_at=starts_at,
            mode=mode,
            resident_name=resident_name,
            resident_phone=resident_phone,
            by=by,
            address=address,
            node=node,
            note=note,
            language=language,
            now=now or timezone.now(),
        )


def _book(
    *,
    service: Service,
    starts_at: dt.datetime,
    mode: str,
    resident_name: str,
    resident_phone: str,
    by: By,
    address: str,
    node: Node | None,
    note: str,
    language: str,
    now: dt.datetime,
) -> Booking:
    on_behalf = by.person is not None
    if on_behalf and not (
        access.serves(by.person, service.node) or access.is_provider(by.person, service)
    ):
        raise NotAllowed(_("Your role may not book this service."), code="not_allowed")
    if not on_behalf and not by.resident:
        raise NotAllowed(_("You may not book this service."), code="not_allowed")
    if not service.active:
        raise Conflict(_("This service is not offered at the moment."), code="not_offered")
    name = (resident_name or "").strip()[:64]
    if not name:
        message = _("Write the name to ask for when you come, e.g. 张大娘.")
        raise Invalid(message, code="name_required", fields={"resident_name": [message]})
    phone = clean_phone(resident_phone, required=True)
    slot = slots.find(service, starts_at, past=on_behalf)
    if slot is None:
        message = _("The service is not open at that time. Choose one of the times shown.")
        raise Invalid(message, code="no_such_slot", fields={"slot": [message]})
    if not on_behalf and starts_at <= now:
        message = _("That time has passed. Choose a later one.")
        raise Invalid(message, code="slot_passed", fields={"slot": [message]})
    mode = _check_mode(service, mode, slot)
    place = _check_door(service, mode, address, node)
    for seat in range(1, service.capacity + 1):
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    service=service,
                    seat=seat,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    mode=mode,
                    resident_name=name,
                    resident_phone=phone,
                    address=address.strip()[:200] if mode == Mode.DOOR else "",
                    node=place,
                    note=(note or "").strip()[:300],
                    booked_by=by.person,
                    language=language,
                    created_at=now,
                )
        except IntegrityError as failure:
            if OVERLAP not in str(failure):
                raise
            continue
        break
    else:
        message = _("That time was just taken. Choose another time.")
        raise Conflict(message, code="slot_taken", fields={"slot": [message]})
    locked = _lock(booking)
    events.append(
        locked,
        "book",
        actor=by.person,
        to_state=BookingState.BOOKED,
        data=events.Booked(
            starts_at=slot.starts_at.isoformat(), mode=mode, seat=booking.seat, on_behalf=on_behalf
        ),
        now=now,
    )
    notify(
        providers_of(service),
        kind="booking_new",
        data={
            "service": service.name,
            "when": _local(slot.starts_at),
            "mode": str(Mode(mode).label),
        },
        url=f"/console/services/appointments/{booking.pk}/",
    )
    return locked


def providers_of(service: Service) -> list[Person]:
    if service.provider_person_id is not None:
        return [service.provider_person] if service.provider_person else []
    return list(
        Person.objects.filter(
            pk__in=Membership.objects.filter(organisation_id=service.provider_org_id or 0).values(
                "person_id"
            ),
            is_active=True,
        )
    )


def _local(when: dt.datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M")


# --- Moves ------------------------------------------------------------------------------------


def booking_confirm(*, booking: Booking | int, by: By, now: dt.datetime | None = None) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        locked, _reason = _begin(booking, Action.CONFIRM, by, "", now)
        return _move(locked, Action.CONFIRM, by, now=now)


def _price(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        price = Decimal(-1)
    if price < 0 or price > Decimal(100000):
        message = _("Write the price paid in yuan, e.g. 1 or 25.50, or leave it empty.")
        raise Invalid(message, code="price_invalid", fields={"price_paid": [message]})
    return price


def booking_done(
    *,
    booking: Booking | int,
    by: By,
    done_note: str,
    price_paid: Any = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Record what was done (required) and the price paid, if any."""
    now = now or timezone.now()
    what = (done_note or "").strip()[:300]
    if not what:
        message = _("Write what was done, e.g. “watch strap replaced”.")
        raise Invalid(message, code="done_note_required", fields={"done_note": [message]})
    price = _price(price_paid)
    with transaction.atomic():
        locked, _reason = _begin(booking, Action.DONE, by, "", now)
        return _move(
            locked,
            Action.DONE,
            by,
            note=what,
            data=events.Done(price_paid=str(price) if price is not None else None),
            now=now,
            done_note=what,
            price_paid=price,
            done_at=now,
        )


def booking_cancel(
    *, booking: Booking | int, by: By, reason: str = "", now: dt.datetime | None = None
) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        locked, reason = _begin(booking, Action.CANCEL, by, reason, now)
        moved = _move(locked, Action.CANCEL, by, note=reason, now=now, reason=reason)
        # Cancelled by the workshop: the resident is texted (outreach hears the event and
        # reads the reason on the appointment's page). By the resident: the providers are told.
        if by.resident:
            notify(
                providers_of(moved.service),
                kind="booking_cancelled",
                data={"service": moved.service.name, "when": _local(moved.starts_at)},
                url=f"/console/services/appointments/{moved.pk}/",
            )
        return moved


def booking_no_show(
    *, booking: Booking | int, by: By, reason: str = "", now: dt.datetime | None = None
) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        locked, reason = _begin(booking, Action.NO_SHOW, by, reason, now)
        return _move(locked, Action.NO_SHOW, by, note=reason, now=now)


def booking_rate(
    *, booking: Booking | int, rating: int, comment: str = "", now: dt.datetime | None = None
) -> Booking:
    """The resident rates a done appointment, once (1–5 stars, a comment if they like)."""
    now = now or timezone.now()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        message = _("Choose from one to five stars.")
        raise Invalid(message, code="rating_invalid", fields={"rating": [message]})
    comment = (comment or "").strip()[:300]
    with transaction.atomic():
        locked, _reason = _begin(booking, Action.RATE, RESIDENT, "", now)
        # Rating keeps the state: a conditional UPDATE on "not rated yet" instead of the state.
        changed = Booking.objects.filter(pk=locked.pk, rating__isnull=True).update(
            rating=rating, rating_comment=comment
        )
        if not changed:  # pragma: no cover - the row lock makes this unreachable
            raise Conflict(_("This appointment is already rated. Thank you."), code="not_now")
        locked.rating, locked.rating_comment = rating, comment
        events.append(
            locked,
            Action.RATE,
            from_state=locked.state,
            to_state=locked.state,
            # The comment stays on the appointment only, where removal forgets it; the
            # append-only timeline keeps the stars.
            data=events.Rated(rating=rating),
            now=now,
        )
        return locked


# --- Messages to the resident -----------------------------------------------------------------


def link(booking: Booking) -> str:
    """The appointment's keyed page, absolute, in the resident's language."""
    path = reverse("nearby:booking", args=[booking.pk])
    site = settings.SITE_URL.rstrip("/")
    return f"{site}{path}?k={access.booking_key(booking.pk)}&lang={booking.language}"


def booking_stop_messages(
    *, booking: Booking | int, stop: bool = True, now: dt.datetime | None = None
) -> Booking:
    """Stop (or, with `stop=False`, resume) the texts to the resident about this appointment,
    for the holder of its keyed link (the caller checks the key); written in its timeline for
    staff. The messages to residents (civicgrid/outreach) stop those still queued. Doing it
    twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(booking)
        if (locked.messages_stopped_at is not None) == stop:
            return locked
        stopped_at = now if stop else None
        Booking.objects.filter(pk=locked.pk).update(messages_stopped_at=stopped_at)
        locked.messages_stopped_at = stopped_at
        events.append(locked, MESSAGES_STOP if stop else MESSAGES_RESUME, now=now)
        return locked


def remind_due(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Remind residents of appointments starting within `REMIND_BEFORE`, once each: the mark
    is claimed by a conditional UPDATE, so two workers never remind twice. The reminder is the
    "remind" event, which the messages to residents turn into a text."""
    now = now or timezone.now()
    due = list(
        Booking.objects.filter(
            state__in=LIVE,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + REMIND_BEFORE,
        )
        .select_related("service")
        .order_by("starts_at")[:batch]
    )
    sent = 0
    for booking in due:
        with transaction.atomic():
            claimed = Booking.objects.filter(
                Q(pk=booking.pk), Q(reminded_at__isnull=True), Q(state__in=LIVE)
            ).update(reminded_at=now)
            if not claimed:
                continue
            locked = _lock(booking)
            # The text itself is outreach's: it hears the event (civicgrid/outreach).
            events.append(locked, "remind", now=now)
            sent += 1
    return sent
