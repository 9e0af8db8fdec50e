"""The messages' periodic sweep, run by `civicgrid worker` (registered in `apps.py` as
"liaison.sweep", every `LIAISON_SWEEP_SECONDS`): the answerers are reminded once, a working day
before the answer is due; a message past its due time is marked overdue once and its answerers
told; an answered message nobody confirmed closes itself after `LIAISON_CLOSE_AFTER_DAYS`.
Each step claims its mark with a conditional UPDATE, so two workers never do it twice."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from civicgrid.core.errors import DomainError
from civicgrid.liaison import events, workflow
from civicgrid.liaison.models import Message, MessageState


def close_after() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "LIAISON_CLOSE_AFTER_DAYS", 7)))


def _due_text(message: Message) -> str:
    return timezone.localtime(message.answer_due).strftime("%Y-%m-%d %H:%M")


def remind_due(now: dt.datetime) -> int:
    count = 0
    ids = Message.objects.filter(
        state=MessageState.RECEIVED,
        reminded_at__isnull=True,
        remind_at__lte=now,
        answer_due__gt=now,
    ).values_list("pk", flat=True)
    for pk in list(ids[:500]):
        with transaction.atomic():
            claimed = Message.objects.filter(
                pk=pk, state=MessageState.RECEIVED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            message = workflow._lock(pk)
            events.append(
                message,
                workflow.REMIND,
                actor_kind=workflow.Actor.SYSTEM.value,
                data=workflow.Deadline(due=message.answer_due.isoformat()),
                now=now,
            )
            workflow.notify_answerers(message, workflow.NOTICE_REMIND, due=_due_text(message))
            count += 1
    return count


def mark_overdue(now: dt.datetime) -> int:
    count = 0
    ids = Message.objects.filter(
        state=MessageState.RECEIVED, overdue_at__isnull=True, answer_due__lte=now
    ).values_list("pk", flat=True)
    for pk in list(ids[:500]):
        with transaction.atomic():
            claimed = Message.objects.filter(
                pk=pk, state=MessageState.RECEIVED, overdue_at__isnull=True
            ).update(overdue_at=now)
            if not claimed:
                continue
            message = workflow._lock(pk)
            events.append(
                message,
                workflow.OVERDUE,
                actor_kind=workflow.Actor.SYSTEM.value,
                data=workflow.Deadline(due=message.answer_due.isoformat()),
                now=now,
            )
            workflow.notify_answerers(message, workflow.NOTICE_OVERDUE, due=_due_text(message))
            count += 1
    return count


def close_answered(now: dt.datetime) -> int:
    count = 0
    ids = Message.objects.filter(
        state=MessageState.ANSWERED, answered_at__lte=now - close_after()
    ).values_list("pk", flat=True)
    for pk in list(ids[:500]):
        try:
            workflow.message_close(by=workflow.SYSTEM, message=Message(pk=pk), now=now)
        except DomainError:  # closed by the resident meanwhile
            continue
        count += 1
    return count


def sweep_once(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "reminded": remind_due(now),
        "overdue": mark_overdue(now),
        "closed": close_answered(now),
    }


@task()
def sweep() -> dict[str, int]:
    return sweep_once()
