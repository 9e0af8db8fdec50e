"""Personal data the liaison module keeps (docs/liaison.md, "Privacy"): a resident's name and
phone on the messages they left. The privacy app calls these from its export, its removal by
phone and its retention run, as it calls `care/personal.py`.

Who may: community staff and admins for messages of places under their role's nodes
(`needs.reveal.phone_paths`); `by=None` is the operator (commands, the worker).

Forgetting blanks the resident's name and phone and the message's text (what they wrote may
name them), and stamps `forgotten_at`; the kind, place, times, state, answer and the link to
a need stay, so the counts read the same. Removal by phone (the resident's own request)
forgets every message left with it, open or not; the retention run only those no longer
waiting.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from civicgrid.liaison.models import Message, MessageState
from civicgrid.needs.reveal import phone_paths
from civicgrid.network.models import Person
from civicgrid.network.scope import paths_q

# Messages are kept with the resident's name and phone this long after they were received.
DEFAULT_RETENTION_DAYS = 3 * 365
CLEARED = {"name": "", "phone": "", "text": ""}


def retention_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "LIAISON_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def in_reach(user: Person | None) -> QuerySet[Message]:
    found = Message.objects.all()
    if user is None:
        return found
    paths = phone_paths(user)
    if paths is None:
        return found
    if not paths:
        return found.none()
    return found.filter(paths_q(paths, node_field="node"))


def _local(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def personal_export(*, phone: str, by: Person | None) -> dict[str, Any]:
    """The messages left with this phone (already cleaned) that `by` may hand out."""
    rows = (
        in_reach(by)
        .filter(phone=phone, forgotten_at__isnull=True)
        .select_related("representative__person", "station", "need")
        .order_by("created_at", "id")
    )
    return {
        "messages": [
            {
                "number": m.number,
                "to": m.representative.person.name if m.representative else m.station.name,  # type: ignore[union-attr]
                "kind": m.kind,
                "text": m.text,
                "name": m.name,
                "phone": m.phone,
                "state": m.state,
                "answer": m.answer,
                "received_at": _local(m.created_at),
                "answered_at": _local(m.answered_at),
                "need": m.need.number if m.need else None,
            }
            for m in rows
        ]
    }


def phone_forget(*, phone: str, by: Person | None, now: dt.datetime | None = None) -> int:
    """Forget the name, phone and text of the messages left with this phone; how many."""
    now = now or timezone.now()
    return (
        in_reach(by)
        .filter(phone=phone, forgotten_at__isnull=True)
        .update(**CLEARED, forgotten_at=now)
    )


def retention(*, now: dt.datetime | None = None) -> int:
    """Forget messages received longer ago than LIAISON_RETENTION_DAYS (0 keeps everything)
    that are no longer waiting for an answer; how many."""
    days = retention_days()
    if days <= 0:
        return 0
    now = now or timezone.now()
    return (
        Message.objects.filter(
            created_at__lt=now - dt.timedelta(days=days), forgotten_at__isnull=True
        )
        .exclude(state=MessageState.RECEIVED)
        .update(**CLEARED, forgotten_at=now)
    )
