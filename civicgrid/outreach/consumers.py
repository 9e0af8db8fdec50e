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
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from civicgrid.core.tasks import enqueue_with_transaction
from civicgrid.needs import events, workflow
from civicgrid.needs.models import Channel, Need, is_public_reply
from civicgrid.needs.models import Kind as NeedKind
from civicgrid.outreach import subscriptions
from civicgrid.outreach.models import Kind, MessageState, ResidentMessage

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


def subscribe() -> None:
    events.subscribe(workflow.RAISE, received)
    events.subscribe(workflow.Action.TAKE, taken)
    events.subscribe(workflow.Action.RESOLVE, resolved)
    events.subscribe(workflow.Action.MERGE, merged)
    events.subscribe(workflow.COMMENT, commented)
    events.subscribe(workflow.MESSAGES_STOP, stopped)
    events.subscribe(workflow.ANONYMISE, anonymised)
