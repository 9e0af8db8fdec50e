"""Texts to the resident about their message to a representative (码上找代表,
`civicgrid/liaison/`): when it is answered, when it becomes a need, and when that need's
resolution answers it. One short sentence in the page's language with the message's number and
its keyed tracking link; never the message or the answer (the resident reads them on the page).

A consumer of the liaison timeline (`liaison.events`), subscribed by `subscribe()` from
`OutreachConfig.ready()`: in the event's transaction it writes a `liaison.ResidentText` row
(at most one per kind and event) and enqueues its sending with it; the worker sends it by the
first backend of OUTREACH_BACKENDS that takes it (the text message; WeChat follows are per
need and do not apply). A message without a phone, or whose personal data was removed, is told
nothing. Sending claims the row with a conditional UPDATE (queued → sending), so two workers
never send it twice; a failure is recorded on the row (`failed`, the provider's reason).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from civicgrid.core.tasks import enqueue_with_transaction
from civicgrid.liaison import events, workflow
from civicgrid.liaison.models import Message, ResidentText, TextKind, TextState
from civicgrid.liaison.publication import tracking_path
from civicgrid.needs.models import format_number
from civicgrid.outreach import sending
from civicgrid.outreach.backends.base import PermanentFailure, Text

log = logging.getLogger("civicgrid.outreach")

TEXTS: dict[str, Any] = {
    TextKind.ANSWERED: _("CivicGrid: your message %(number)s was answered. Read it: %(link)s"),
    TextKind.REFERRED: _(
        "CivicGrid: your message %(number)s became a need that staff handle. Follow it: %(link)s"
    ),
    TextKind.RESOLVED: _(
        "CivicGrid: the need raised from your message %(number)s is done. See: %(link)s"
    ),
}
# Kinds as the providers' template table names them.
PROVIDER_KIND = {k: f"liaison_{k}" for k in TextKind.values}
HEARD = {
    workflow.Action.ANSWER.value: TextKind.ANSWERED,
    workflow.Action.REFER.value: TextKind.REFERRED,
    workflow.Action.RESOLVE.value: TextKind.RESOLVED,
}


def link(message: Message, language: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{tracking_path(message.number)}?lang={language}"


def render(kind: str, message: Message, language: str) -> tuple[str, dict[str, str]]:
    with translation.override(language):
        values = {"number": format_number(message.number), "link": link(message, language)}
        return str(TEXTS[kind]) % values, values


def on_event(h: events.Happened) -> None:
    message = h.message
    kind = HEARD.get(h.kind)
    if kind is None or not message.phone or message.forgotten_at is not None:
        return
    row, made = ResidentText.objects.get_or_create(
        message=message,
        kind=kind,
        event_seq=h.event.seq,
        defaults={"language": message.language or settings.LANGUAGE_CODE},
    )
    if made:
        enqueue_with_transaction(send_resident_text, row.pk)


def send(text_id: int) -> str:
    """Send one queued text; the state it was left in ("" when another worker took it)."""
    now = timezone.now()
    if not ResidentText.objects.filter(pk=text_id, state=TextState.QUEUED).update(
        state=TextState.SENDING
    ):
        return ""
    row = ResidentText.objects.select_related("message").get(pk=text_id)
    message = row.message
    if not message.phone or message.forgotten_at is not None:
        return _finish(row, TextState.SKIPPED, error="no phone")
    body, values = render(row.kind, message, row.language)
    text = Text(
        kind=PROVIDER_KIND[row.kind],
        language=row.language,
        body=body,
        params=values,
        mobile=message.phone,
    )
    refused: list[str] = []
    for backend in sending.backends():
        candidate = dataclasses.replace(
            text, template=sending.template_for(backend, text.kind, row.language)
        )
        if not backend.can_send(candidate):
            continue
        try:
            backend.send(candidate)
        except PermanentFailure as exc:
            refused.append(f"{backend.channel}: {exc}"[:90])
            continue
        except Exception as exc:  # a temporary failure or a backend's surprise
            log.warning("liaison text %s: %s failed: %s", row.pk, backend.channel, exc)
            refused.append(f"{backend.channel}: {exc}"[:90])
            continue
        return _finish(row, TextState.SENT, channel=backend.channel, sent_at=now)
    if refused:
        return _finish(row, TextState.FAILED, error="; ".join(refused)[:200])
    return _finish(row, TextState.SKIPPED, error="no backend reaches this resident")


def _finish(row: ResidentText, state: str, **fields: Any) -> str:
    ResidentText.objects.filter(pk=row.pk).update(state=state, **fields)
    return state


@task()
def send_resident_text(text_id: int) -> str:
    return send(text_id)


def subscribe() -> None:
    """Called from `OutreachConfig.ready()`."""
    events.subscribe(list(HEARD), on_event, when="transaction")
