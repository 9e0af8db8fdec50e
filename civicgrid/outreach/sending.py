"""Sending one message to a resident, from the worker (docs/outreach.md).

`send(message_id)` claims the message with a conditional UPDATE (queued and due → sending), so
of two workers only one sends it; then, reading the need (or the appointment) as it is now:

- stopped by the resident → `stopped`; no phone any more (an anonymised need, a forgotten
  appointment) → `skipped`;
- a need's status message (received, taken) with a newer message of the same need →
  `skipped` (superseded: the newer one says more, and the resident is spared a stale text);
- more than `OUTREACH_PER_NUMBER_PER_HOUR` / `_PER_DAY` messages to that number lately,
  about needs and appointments alike → back to `queued`, postponed until the window has room
  (not an attempt);
- else the first backend of `OUTREACH_BACKENDS` that can reach the resident sends it (WeChat
  only for a resident who accepted its template for this need: outreach/subscriptions.py):
  `sent`; a `PermanentFailure` passes it to the next backend that can reach them (`failed`
  when none is left); a `TemporaryFailure` (or an unexpected error) → `queued` again after a
  back-off; on the `OUTREACH_MAX_ATTEMPTS`-th attempt the next backend tries, else `failed`.

The periodic `send_due` (outreach/tasks.py) sends the messages whose time has come again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import re

from django.conf import settings
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from civicgrid.outreach import providers, subscriptions, texts
from civicgrid.outreach.backends.base import (
    Backend,
    PermanentFailure,
    TemplateRef,
    TemporaryFailure,
    Text,
)
from civicgrid.outreach.models import Kind, MessageChannel, MessageState, ResidentMessage

log = logging.getLogger("civicgrid.outreach")

# The provider whose templates a backend's channel uses (a backend may say its own `provider`).
PROVIDER_OF_CHANNEL = {"sms": "tencent", "wechat": "wechat"}
# Status news that a newer message of the same need makes stale. Never a rating prompt, a
# reply or a question: those are always sent; nor any message about an appointment.
SUPERSEDABLE = frozenset({Kind.RECEIVED, Kind.TAKEN})
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def backends() -> list[Backend]:
    return [import_string(path)() for path in settings.OUTREACH_BACKENDS]


def claim(message_id: int, now: dt.datetime) -> bool:
    """Take the message for sending, if it is queued and due and nobody took it first."""
    return bool(
        ResidentMessage.objects.filter(
            pk=message_id, state=MessageState.QUEUED, next_try_at__lte=now
        ).update(state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def send(message_id: int, *, now: dt.datetime | None = None) -> str:
    """Send one message if it is due; returns the state it was left in ("" if not claimed)."""
    now = now or timezone.now()
    if not claim(message_id, now):
        return ""
    message = ResidentMessage.objects.select_related("need", "booking", "booking__service").get(
        pk=message_id
    )
    stopped, phone = _recipient(message)
    if stopped:
        return _finish(message, MessageState.STOPPED)
    if not phone:
        return _finish(message, MessageState.SKIPPED, error="no phone")
    if _superseded(message):
        return _finish(message, MessageState.SKIPPED, error="superseded")
    postpone_to = _limited_until(message, phone, now)
    if postpone_to is not None:
        _back_in_queue(message, postpone_to, attempt=False)
        return MessageState.QUEUED
    if message.booking is not None:
        values = texts.booking_params(message.booking, message.language)
    else:
        assert message.need is not None
        values = texts.params(message.need, message.language)
    text = Text(
        kind=message.kind,
        language=message.language,
        body=texts.render(message.kind, message.language, values),
        params=values,
        mobile=phone,
    )
    return _send_by_first_that_takes_it(message, text, now)


def _recipient(message: ResidentMessage) -> tuple[bool, str]:
    """Whether the resident stopped these messages, and the phone to send to ("" when there is
    none any more): read from the need or the appointment as it is now."""
    booking = message.booking
    if booking is not None:
        return booking.messages_stopped_at is not None, booking.resident_phone
    need = message.need
    if need is None:  # pragma: no cover - the database holds one of the two
        return False, ""
    phone = need.contact_phone if need.anonymised_at is None else ""
    return need.messages_stopped_at is not None, phone


def _send_by_first_that_takes_it(message: ResidentMessage, text: Text, now: dt.datetime) -> str:
    """Each backend of OUTREACH_BACKENDS that can reach the resident, in order, until one
    sends: WeChat first for a resident who follows the need there, then the text message. A
    permanent refusal passes the message to the next backend at once (WeChat's "no consent
    left" is the common one); a temporary failure tries again later from the first, except
    on the last attempt, when the next backend tries at once."""
    refused: list[tuple[str, Exception]] = []
    for backend in backends():
        template = template_for(backend, message.kind, text.language)
        openid = ""
        # WeChat follows are per need: an appointment's message goes by text message.
        need_id = message.need_id
        if backend.channel == MessageChannel.WECHAT and template is not None and need_id:
            openid = subscriptions.openid_for(need_id, template.template_id)
        candidate = dataclasses.replace(text, template=template, openid=openid)
        if not backend.can_send(candidate):
            continue
        try:
            provider_id = backend.send(candidate)
        except PermanentFailure as exc:
            if openid and template is not None and need_id:
                subscriptions.void(need_id, template.template_id)
            refused.append((backend.channel, exc))
            continue
        except Exception as exc:  # TemporaryFailure, or a backend's bug or an SDK's surprise
            if not isinstance(exc, TemporaryFailure):
                log.exception("outreach backend %s failed: message %s", backend.channel, message.pk)
            if message.attempts < settings.OUTREACH_MAX_ATTEMPTS:
                return _retry(message, _said(exc), now)
            refused.append((backend.channel, exc))  # the last attempt: the next backend tries
            continue
        if openid and template is not None and need_id:
            subscriptions.spend(need_id, template.template_id)
        return _finish(
            message,
            MessageState.SENT,
            channel=backend.channel,
            provider_id=str(provider_id)[:64],
            sent_at=timezone.now(),
            error=_refusals(refused),
        )
    if refused:
        return _finish(
            message, MessageState.FAILED, channel=refused[-1][0], error=_refusals(refused)
        )
    return _finish(message, MessageState.SKIPPED, error="no backend reaches this resident")


def template_for(backend: Backend, kind: str, language: str) -> TemplateRef | None:
    """The provider's approved template for this kind in this language, else in Chinese;
    None when the backend has no provider templates (the log) or none is set up."""
    provider = getattr(backend, "provider", PROVIDER_OF_CHANNEL.get(backend.channel, ""))
    if not provider:
        return None
    row = providers.approved(provider, [kind], language).get(kind)
    if row is None:
        return None
    return TemplateRef(template_id=row.template_id, sign_name=row.sign_name, params=row.param_names)


def _superseded(message: ResidentMessage) -> bool:
    """A need's status news with a newer message of the same need (never an appointment's)."""
    return (
        message.need_id is not None
        and message.kind in SUPERSEDABLE
        and (
            ResidentMessage.objects.filter(need_id=message.need_id, event_seq__gt=message.event_seq)
            .filter(state__in=[MessageState.QUEUED, MessageState.SENDING, MessageState.SENT])
            .exists()
        )
    )


def _limited_until(message: ResidentMessage, phone: str, now: dt.datetime) -> dt.datetime | None:
    """When the number has room again if it had its share of messages in the last hour or
    day (counted from the messages sent, or being sent, to it), else None. Counted in the
    database, so every worker counts the same; messages about needs and about appointments to
    the same number count together."""
    to_number = ResidentMessage.objects.filter(
        Q(need__contact_phone=phone) | Q(booking__resident_phone=phone)
    ).exclude(pk=message.pk)
    for window, limit in (
        (HOUR, settings.OUTREACH_PER_NUMBER_PER_HOUR),
        (DAY, settings.OUTREACH_PER_NUMBER_PER_DAY),
    ):
        recent = to_number.filter(
            Q(state=MessageState.SENT, sent_at__gt=now - window) | Q(state=MessageState.SENDING)
        )
        if recent.count() >= limit:
            oldest = recent.aggregate(t=Min("sent_at"))["t"]
            later = now + dt.timedelta(seconds=settings.OUTREACH_POLL_SECONDS)
            return max(oldest + window, later) if oldest else later
    return None


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt: base × 2^(attempts − 1),
    ±10 % so that messages that failed together do not all come back at once."""
    seconds = settings.OUTREACH_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return dt.timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def _retry(message: ResidentMessage, error: str, now: dt.datetime) -> str:
    """Back in the queue after a back-off (the caller saw attempts left: the last attempt
    passes the message to the next backend instead)."""
    attempts = message.attempts  # this attempt included (counted by the claim)
    _back_in_queue(message, now + backoff(attempts), attempt=True, error=error)
    return MessageState.QUEUED


def _back_in_queue(
    message: ResidentMessage, at: dt.datetime, *, attempt: bool, error: str = ""
) -> None:
    fields: dict[str, object] = {"state": MessageState.QUEUED, "next_try_at": at}
    if error:
        fields["error"] = error
    if not attempt:  # postponed, not tried: the claim's count is given back
        fields["attempts"] = F("attempts") - 1
    ResidentMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).update(**fields)


def _finish(message: ResidentMessage, state: str, **fields: object) -> str:
    ResidentMessage.objects.filter(pk=message.pk, state=MessageState.SENDING).update(
        state=state, **fields
    )
    log.info("message %s (%s) about %s: %s", message.pk, message.kind, message.subject, state)
    return state


# A provider's error may quote the number it refused: long runs of digits are masked.
_DIGITS = re.compile(r"\+?\d{7,}")


def _refusals(refused: list[tuple[str, Exception]]) -> str:
    """What the backends that did not send said, each named by its channel."""
    return "; ".join(f"{channel} {_said(exc)}" for channel, exc in refused)[:200]


def _said(exc: Exception) -> str:
    code = getattr(exc, "code", "")
    words = _DIGITS.sub("***", f"{code}: {exc}" if code else str(exc) or type(exc).__name__)
    return words[:200]


def send_due(*, now: dt.datetime | None = None, batch: int = 200) -> int:
    """Send the queued messages whose time has come (retries, postponed ones, and any whose
    task was lost); returns how many were claimed here. Messages left `sending` longer than
    `OUTREACH_SENDING_TIMEOUT_SECONDS` (a worker killed while sending) are marked failed, not
    retried: they may have gone, and a resident is never sent the same text twice."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.OUTREACH_SENDING_TIMEOUT_SECONDS)
    ResidentMessage.objects.filter(state=MessageState.SENDING, claimed_at__lt=stale).update(
        state=MessageState.FAILED, error="interrupted while sending"
    )
    due = ResidentMessage.objects.filter(state=MessageState.QUEUED, next_try_at__lte=now)
    ids = list(due.order_by("next_try_at").values_list("pk", flat=True)[:batch])
    return sum(1 for pk in ids if send(pk, now=now))
