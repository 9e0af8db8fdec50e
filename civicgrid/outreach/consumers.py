"""Who among residents is told of what: a consumer of the workflow's events
(`needs.events`), subscribed in `OutreachConfig.ready()`.

Each handler runs inside the event's transaction: the message row exists exactly when the
event does, and its sending task is enqueued with it (`core.tasks.enqueue_with_transaction`).
The worker sends it (outreach/sending.py).

Told: the resident who raised a request and left a mobile number (by text, or in WeChat when
they follow the need there: outreach/subscriptions.py). A need raised through a
resident's own channel (the resident page, a QR poster, the API, Open311) is `received`;
every request, also one staff entered on someone's behalf, is `taken`, `resolved`,
`answered` (a public reply) and `more_info` (a question); a need merged into another is
`joined`, and `joined_done` when the other is reported solved. Proactive records and needs
without a phone are told nothing (docs/outreach.md).

Appointments (`services.events`): the resident who booked (or was booked for) one hears it is
booked, a reminder a day ahead (services.bookings.remind_due's "remind" event), that the
workshop cancelled it (an event with an actor: a resident's own cancel is not texted back) and,
once done, a request to rate it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from civicgrid.core.tasks import enqueue_with_transaction
from civicgrid.needs import events, workflow
from civicgrid.needs.models import Channel, Need, is_public_reply
from civicgrid.needs.models import Kind as NeedKind
from civicgrid.outreach import subscriptions
from civicgrid.outreach.models import Kind, MessageState, ResidentMessage
from civicgrid.services import events as service_events
from civicgrid.services.bookings import MESSAGES_STOP as BOOKING_MESSAGES_STOP
from civicgrid.services.models import Booking

# Channels through which residents raise needs themselves.
RESIDENT_CHANNELS = frozenset({Channel.WEB, Channel.QR, Channel.API, Channel.OPEN311})


def reachable(h: events.Happened) -> bool:
    need = h.need
    return need.kind == NeedKind.REQUEST and bool(need.contact_phone) and need.anonymised_at is None


def queue(h: events.Happened, kind: str) -> ResidentMessage:
    """The message of `kind` about this event, queued and handed to the worker (or, when the
    resident stopped messages about the need, written as stopped and never sent)."""
    return queue_for(h.need, kind, h.event.seq)


def queue_for(need: Need, kind: str, seq: int) -> ResidentMessage:
    from civicgrid.outreach import tasks

    stopped = need.messages_stopped_at is not None
    message = ResidentMessage.objects.create(
        need=need,
        kind=kind,
        event_seq=seq,
        language=need.language or settings.LANGUAGE_CODE,
        state=MessageState.STOPPED if stopped else MessageState.QUEUED,
        next_try_at=timezone.now(),
    )
    if not stopped:
        enqueue_with_transaction(tasks.send_message, message.pk)
    return message


def received(h: events.Happened) -> None:
    if h.need.channel in RESIDENT_CHANNELS and reachable(h):
        queue(h, Kind.RECEIVED)


def taken(h: events.Happened) -> None:
    if reachable(h):
        queue(h, Kind.TAKEN)


def resolved(h: events.Happened) -> None:
    if reachable(h):
        queue(h, Kind.RESOLVED)
    # The residents of the needs merged into this one hear it too, about their own need (its
    # link shows this one's progress); the row names this need's event.
    joined = Need.objects.filter(
        merged_into=h.need, kind=NeedKind.REQUEST, anonymised_at__isnull=True
    ).exclude(contact_phone="")
    for need in joined:
        queue_for(need, Kind.JOINED_DONE, h.event.seq)


def merged(h: events.Happened) -> None:
    """Joined with another need about the same problem: told where to follow it now."""
    if reachable(h):
        queue(h, Kind.JOINED)


def commented(h: events.Happened) -> None:
    """A public reply from staff: "answered", or "more_info" when it asks a question."""
    if not is_public_reply(h.event) or not reachable(h):
        return
    data = h.data
    question = isinstance(data, events.Commented) and bool(data.question)
    queue(h, Kind.MORE_INFO if question else Kind.ANSWERED)


def stopped(h: events.Happened) -> None:
    """The resident stopped messages about the need: those still queued stay unsent."""
    ResidentMessage.objects.filter(need_id=h.need.pk, state=MessageState.QUEUED).update(
        state=MessageState.STOPPED
    )


def anonymised(h: events.Happened) -> None:
    """The need's personal data was removed: nothing queued about it goes out."""
    ResidentMessage.objects.filter(need_id=h.need.pk, state=MessageState.QUEUED).update(
        state=MessageState.SKIPPED, error="anonymised"
    )
    subscriptions.forget(h.need.pk)


# --- Appointments ------------------------------------------------------------------------------


def queue_for_booking(booking: Booking, kind: str, seq: int) -> ResidentMessage:
    """The message of `kind` about the appointment's event `seq`, queued and handed to the
    worker (or written as stopped when the resident stopped texts about it)."""
    from civicgrid.outreach import tasks

    stopped = booking.messages_stopped_at is not None
    message = ResidentMessage.objects.create(
        booking=booking,
        kind=kind,
        event_seq=seq,
        language=booking.language or settings.LANGUAGE_CODE,
        state=MessageState.STOPPED if stopped else MessageState.QUEUED,
        next_try_at=timezone.now(),
    )
    if not stopped:
        enqueue_with_transaction(tasks.send_message, message.pk)
    return message


def _booking(h: service_events.Happened) -> Booking | None:
    """The appointment of the event, when its resident can be texted (a phone left)."""
    record = h.record
    if isinstance(record, Booking) and record.resident_phone:
        return record
    return None


def _booking_told(kind: str) -> Callable[[service_events.Happened], None]:
    def handler(h: service_events.Happened) -> None:
        booking = _booking(h)
        if booking is not None:
            queue_for_booking(booking, kind, h.event.seq)

    handler.__name__ = f"booking_{kind}"
    return handler


booking_booked = _booking_told(Kind.APPT_BOOKED)
booking_reminded = _booking_told(Kind.APPT_REMIND)
booking_done = _booking_told(Kind.APPT_DONE)


def booking_cancelled(h: service_events.Happened) -> None:
    """Cancelled by the workshop (the provider or staff: the event names who): the resident
    is told and reads why on the appointment's page. Their own cancel is not texted back."""
    booking = _booking(h)
    if booking is not None and h.event.actor_id is not None:
        queue_for_booking(booking, Kind.APPT_CANCEL, h.event.seq)


def booking_stopped(h: service_events.Happened) -> None:
    """The resident stopped texts about the appointment: those still queued stay unsent."""
    ResidentMessage.objects.filter(booking_id=h.record.pk, state=MessageState.QUEUED).update(
        state=MessageState.STOPPED
    )


def subscribe() -> None:
    events.subscribe(workflow.RAISE, received)
    events.subscribe(workflow.Action.TAKE, taken)
    events.subscribe(workflow.Action.RESOLVE, resolved)
    events.subscribe(workflow.Action.MERGE, merged)
    events.subscribe(workflow.COMMENT, commented)
    events.subscribe(workflow.MESSAGES_STOP, stopped)
    events.subscribe(workflow.ANONYMISE, anonymised)
    service_events.subscribe("booking.book", booking_booked)
    service_events.subscribe("booking.remind", booking_reminded)
    service_events.subscribe("booking.cancel", booking_cancelled)
    service_events.subscribe("booking.done", booking_done)
    service_events.subscribe(f"booking.{BOOKING_MESSAGES_STOP}", booking_stopped)
