"""Personal data the services close to home keep (privacy/services.py: a person's export,
removal by phone, the retention period; docs/privacy.md).

An appointment (`Booking`) keeps the resident's name and phone, a door-to-door address, what
they asked for (`note`) and their rating's comment; a room booking made by a resident keeps a
contact name and phone. Staff who handle personal data requests (community staff and admins,
`needs.reveal.PHONE_ROLES`) reach the records of services and rooms at places under the nodes
their role binds, the same rule as needs and micro-wishes.

Forgetting clears those fields of closed records only (an appointment done, cancelled or not
come to; a room booking refused, cancelled or over): state, times, service or room, mode,
rating and price stay, so every count of `counts.py` and the ledger is unchanged. An open
record still needs its contact to be served and is left. Each clearing is a conditional
UPDATE on the row's own fields (closed, still holding a person), so two runs at once clear a
row once and neither fails.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from civicgrid.needs.reveal import phone_paths
from civicgrid.network.models import Person
from civicgrid.network.scope import paths_q
from civicgrid.services.models import Booking, BookingState, RoomBooking, RoomBookingState

# Rows cleared per UPDATE (one short transaction each).
BATCH = 500

# An appointment that can change no more (a done one may still be rated: that needs no name).
CLOSED_BOOKING = (BookingState.DONE, BookingState.CANCELLED, BookingState.NO_SHOW)
# A room booking refused or cancelled; one whose time is over is closed whatever its state.
CLOSED_ROOM_BOOKING = (RoomBookingState.REFUSED, RoomBookingState.CANCELLED)

# What forgetting writes. Nothing else of the record changes.
BOOKING_CLEARED: dict[str, str] = {
    "resident_name": "",
    "resident_phone": "",
    "address": "",
    "note": "",
    "rating_comment": "",
}
ROOM_BOOKING_CLEARED: dict[str, str] = {"contact_name": "", "contact_phone": ""}

M = TypeVar("M", Booking, RoomBooking)


# --- Who may ------------------------------------------------------------------------------------


def _in_reach(found: QuerySet[M], user: Person | None, node_field: str) -> QuerySet[M]:
    if user is None:  # the operator: commands and the worker
        return found
    paths = phone_paths(user)
    if paths is None:
        return found
    if not paths:
        return found.none()
    return found.filter(paths_q(paths, node_field=node_field))


def bookings_in_reach(user: Person | None) -> QuerySet[Booking]:
    """The appointments whose resident's data `user` may export or remove, by the service's
    place (the reach of needs and wishes: `needs.reveal.phone_paths`); None: the operator."""
    return _in_reach(Booking.objects.all(), user, "service__node")


def room_bookings_in_reach(user: Person | None) -> QuerySet[RoomBooking]:
    """The room bookings whose contact `user` may export or remove, by the room's place."""
    return _in_reach(RoomBooking.objects.all(), user, "room__node")


# --- Closed, open, holding a person --------------------------------------------------------------


def _closed_q(model: type[models.Model], now: dt.datetime) -> Q:
    if model is Booking:
        return Q(state__in=CLOSED_BOOKING)
    return Q(state__in=CLOSED_ROOM_BOOKING) | Q(ends_at__lte=now)


def _empty_q(model: type[models.Model]) -> Q:
    cleared = BOOKING_CLEARED if model is Booking else ROOM_BOOKING_CLEARED
    return Q(**cleared)


def _cleared(model: type[models.Model]) -> dict[str, str]:
    return BOOKING_CLEARED if model is Booking else ROOM_BOOKING_CLEARED


def holding_person(found: QuerySet[M]) -> QuerySet[M]:
    """The records of a queryset that still hold any of the person's data."""
    return found.exclude(_empty_q(found.model))


def still_open(found: QuerySet[M], *, now: dt.datetime | None = None) -> QuerySet[M]:
    """The records of a queryset that are still open (their contact is kept)."""
    return found.exclude(_closed_q(found.model, now or timezone.now()))


def _clear(model: type[M], ids: list[int], now: dt.datetime) -> int:
    """The conditional UPDATE: only rows that are closed and still hold a person, tested on
    the row itself (no subquery), so a row another run cleared meanwhile is skipped."""
    with transaction.atomic():
        rows = model.objects.filter(pk__in=ids).filter(_closed_q(model, now))
        return int(rows.exclude(_empty_q(model)).update(**_cleared(model)))


def _forget_ids(model: type[M], ids: list[int], now: dt.datetime, batch: int) -> int:
    return sum(_clear(model, ids[i : i + batch], now) for i in range(0, len(ids), batch))


def forget_people(found: QuerySet[M], *, now: dt.datetime | None = None, batch: int = BATCH) -> int:
    """Clear the person's data of the closed records among `found` (appointments: name,
    phone, address, what was asked and the rating's comment; room bookings: the contact's
    name and phone). Open ones are left as they are (`still_open` lists them). Returns how
    many records were cleared."""
    now = now or timezone.now()
    model = found.model
    ids = list(holding_person(found.filter(_closed_q(model, now))).values_list("pk", flat=True))
    return _forget_ids(model, ids, now, batch)


# --- The retention period ----------------------------------------------------------------------


@dataclass(frozen=True)
class Forgotten:
    appointments: int = 0
    room_bookings: int = 0

    @property
    def total(self) -> int:
        return self.appointments + self.room_bookings


def expired_bookings(cutoff: dt.datetime) -> QuerySet[Booking]:
    """Closed appointments whose time (and recording as done) ended before `cutoff` and that
    still hold the resident's data."""
    old = Q(ends_at__lt=cutoff) & (Q(done_at__isnull=True) | Q(done_at__lt=cutoff))
    return holding_person(Booking.objects.filter(old, state__in=CLOSED_BOOKING))


def expired_room_bookings(cutoff: dt.datetime) -> QuerySet[RoomBooking]:
    """Room bookings whose time ended before `cutoff` (over, so closed) still holding a
    contact."""
    return holding_person(RoomBooking.objects.filter(ends_at__lt=cutoff))


def _sweep(found: QuerySet[M], now: dt.datetime, batch: int) -> int:
    """Clear `found` a batch at a time in order of id (each batch its own UPDATE), so a run
    stopped half-way leaves the rest for the next and two runs at once both finish."""
    model, last, count = found.model, 0, 0
    while True:
        ids = list(found.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return count
        count += _clear(model, ids, now)
        last = ids[-1]


def retention(*, now: dt.datetime | None = None, batch: int = BATCH) -> Forgotten:
    """Forget the people of appointments and room bookings closed longer ago than the needs'
    retention period (`NEED_RETENTION_DAYS`; 0 keeps everything). Called by the privacy
    app's retention run (`privacy.services.anonymise_expired`)."""
    days = settings.NEED_RETENTION_DAYS
    if days <= 0:
        return Forgotten()
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    return Forgotten(
        appointments=_sweep(expired_bookings(cutoff), now, batch),
        room_bookings=_sweep(expired_room_bookings(cutoff), now, batch),
    )


# --- The person's export -------------------------------------------------------------------------


def _local(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def appointment_row(booking: Booking) -> dict[str, Any]:
    """An appointment as a person's export holds it (`service` and `service__node` read)."""
    return {
        "service": booking.service.label,
        "place": booking.service.node.name,
        "starts_at": _local(booking.starts_at),
        "ends_at": _local(booking.ends_at),
        "mode": booking.mode,
        "mode_label": str(booking.get_mode_display()),
        "state": booking.state,
        "state_label": str(booking.get_state_display()),
        "resident_name": booking.resident_name,
        "phone": booking.resident_phone,
        "address": booking.address,
        "note": booking.note,
        "done_note": booking.done_note,
        "price_paid": str(booking.price_paid) if booking.price_paid is not None else None,
        "rating": booking.rating,
        "rating_comment": booking.rating_comment,
        "booked_at": _local(booking.created_at),
    }


def room_booking_row(booking: RoomBooking) -> dict[str, Any]:
    """A room booking as a person's export holds it (`room` and `room__node` read)."""
    return {
        "room": booking.room.label,
        "place": booking.room.node.name,
        "starts_at": _local(booking.starts_at),
        "ends_at": _local(booking.ends_at),
        "state": booking.state,
        "state_label": str(booking.get_state_display()),
        "title": booking.title,
        "organiser": booking.organiser,
        "people": booking.people,
        "contact_name": booking.contact_name,
        "phone": booking.contact_phone,
        "booked_at": _local(booking.created_at),
    }


def export_appointments(found: QuerySet[Booking]) -> list[dict[str, Any]]:
    rows = found.select_related("service", "service__node").order_by("starts_at", "id")
    return [appointment_row(b) for b in rows]


def export_room_bookings(found: QuerySet[RoomBooking]) -> list[dict[str, Any]]:
    rows = found.select_related("room", "room__node").order_by("starts_at", "id")
    return [room_booking_row(b) for b in rows]


def open_labels(found: QuerySet[M], *, now: dt.datetime | None = None) -> list[str]:
    """What an open record is called in a report of what was left: the service or room and
    its local time, e.g. "一元理发 2025-05-06 09:00"."""
    related = "service" if found.model is Booking else "room"
    rows = still_open(found, now=now).select_related(related).order_by("starts_at", "id")
    return [
        f"{getattr(r, related).label} {timezone.localtime(r.starts_at):%Y-%m-%d %H:%M}"
        for r in rows
    ]
