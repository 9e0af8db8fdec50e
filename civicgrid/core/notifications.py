"""Notifications through one interface with pluggable backends.

`notify()` is called inside the transaction that caused it: the inbox row (the bell) is written
with the change or not at all. Every other backend in `NOTIFICATION_BACKENDS` (console/log here;
SMS or a messaging app as plug-ins) is handed the messages after the commit by a background
task, so a slow SMS gateway never holds a request or a lock. With the database task queue the
task is enqueued in the same transaction (it exists exactly when the notification does); with
another queue it is enqueued on commit.

A backend is a class with `send(self, messages: list[Message]) -> None`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from civicgrid.core.inserts import insert_rows
from civicgrid.core.models import Notification

log = logging.getLogger("civicgrid.notifications")

# The text of each kind, rendered in the reader's language from the notification's data.
TEXTS: dict[str, Any] = {
    "need_new": _("New need %(number)s to accept in %(place)s"),
    "need_dispatched": _("Need %(number)s was dispatched to you"),
    "need_available": _("Need %(number)s is waiting to be taken in your grid"),
    "need_returned": _("Need %(number)s was returned: %(note)s"),
    "need_escalated": _("Need %(number)s was escalated to you: %(note)s"),
    "need_reminder": _("Reminder: need %(number)s must be answered by %(due)s"),
    "need_overdue": _("Need %(number)s is overdue"),
    "need_reopened": _("Need %(number)s was reopened by the resident: %(note)s"),
    "need_restored": _("Need %(number)s was restored after a withdrawal: %(note)s"),
    "need_answered": _("The resident wrote on need %(number)s"),
    "wish_unclaimed": _(
        "Nobody has claimed the wish “%(title)s” in %(place)s yet; it is wanted by %(date)s"
    ),
    "task_assigned": _("Task for %(unit)s: %(title)s, due %(due)s"),
    "task_reminder": _("Reminder: the task “%(title)s” is due %(due)s"),
    "task_overdue": _("The task “%(title)s” of %(unit)s is overdue"),
    "task_done": _("%(unit)s has done the task “%(title)s”: %(note)s"),
    "task_returned": _("%(unit)s returned the task “%(title)s”: %(note)s"),
    "task_sent_back": _("The task “%(title)s” was sent back: %(note)s"),
    "meeting_notice": _("Joint meeting “%(title)s” on %(when)s at %(place)s"),
    "meeting_cancelled": _("Joint meeting “%(title)s” on %(when)s is cancelled: %(note)s"),
    "consultation_opened": _("Need %(number)s was brought to the committee for consultation"),
    "booking_new": _("New appointment: %(service)s on %(when)s (%(mode)s)"),
    "booking_cancelled": _("The appointment for %(service)s on %(when)s was cancelled"),
    "room_booking_requested": _("%(room)s is asked for on %(when)s: %(title)s"),
    "room_booking_decided": _("Your booking of %(room)s on %(when)s: %(state)s"),
    "care_visit_missed": _("A care visit in %(place)s was due on %(due)s and is not recorded yet"),
    "team_month_missed": _(
        "Team %(team)s held %(held)s of the %(required)s themed activities its rule asks "
        "for in %(month)s"
    ),
}


def register_text(kind: str, text: Any) -> None:
    """An app's own kind of notice and its text, handed over in its `AppConfig.ready()` (core
    names no app above it). A kind is registered once: a second, different text is a bug."""
    known = TEXTS.get(kind)
    if known is not None and known != text:
        raise ValueError(f"notice kind {kind!r} already has a text")
    TEXTS[kind] = text


def render(kind: str, data: dict[str, Any]) -> str:
    template = TEXTS.get(kind)
    if template is None:
        return kind
    try:
        return str(template) % data
    except (KeyError, TypeError, ValueError):
        return str(template)


@dataclass(frozen=True)
class Message:
    recipient_id: int | None  # None: a text to a number, for someone without an account
    mobile: str | None
    text: str
    url: str


class LogBackend:
    """Writes each message to the log (the console in development)."""

    def send(self, messages: list[Message]) -> None:
        for m in messages:
            if m.recipient_id is None:
                masked = f"{(m.mobile or '')[:3]}****{(m.mobile or '')[-4:]}"
                log.info("text to %s: %s", masked, m.text)
            else:
                log.info("notify person=%s: %s %s", m.recipient_id, m.text, m.url)


def external_backends() -> list[Any]:
    return [import_string(path)() for path in settings.NOTIFICATION_BACKENDS]


def notify(recipients: Iterable[Any], *, kind: str, data: dict[str, Any], url: str = "") -> None:
    """Put a message in each recipient's inbox and hand it to the other backends on commit."""
    notify_many([(recipients, kind, data, url)])


def notify_many(messages: Iterable[tuple[Iterable[Any], str, dict[str, Any], str]]) -> None:
    """`notify` for several messages (recipients, kind, data, url) at once: the inbox rows in
    a few INSERTs (`core.inserts.insert_rows`: no model instance per row) and one delivery
    task for all of them."""
    connection = connections[router.db_for_write(Notification)]
    meta = Notification._meta
    now = meta.get_field("created_at").get_db_prep_save(timezone.now(), connection)
    rows = []
    for recipients, kind, data, url in messages:
        stored = meta.get_field("data").get_db_prep_save(data, connection)
        rows += [
            (pk, kind, stored, url, now) for pk in {p.pk: p for p in recipients if p is not None}
        ]
    if not rows:
        return
    ids = insert_rows(Notification, ["recipient", "kind", "data", "url", "created_at"], rows)
    _hand_to_worker("deliver_notifications", ids)


def send_text(mobile: str, text: str) -> None:
    """Have the external backends send `text` to a mobile number that may belong to no
    account (a one-time code: core/phonecode.py). No inbox row; like `notify`, the worker
    sends it after the commit."""
    _hand_to_worker("deliver_text", mobile, text)


def _hand_to_worker(task_name: str, *args: Any) -> None:
    """Enqueue `core.tasks.<task_name>(*args)` for the external backends, if there are any.
    When the queue is a table of this database the task commits or rolls back with the
    caller's transaction, so a process killed just after the commit loses no delivery
    (docs/workflow.md, "What a crash can do"); another queue gets it on commit."""
    if not settings.NOTIFICATION_BACKENDS:
        return
    from civicgrid.core import tasks

    tasks.enqueue_with_transaction(getattr(tasks, task_name), *args)


def deliver_text(mobile: str, text: str) -> None:
    """Send one text through the external backends (run by the worker)."""
    for backend in external_backends():
        backend.send([Message(None, mobile, text, "")])


def deliver(ids: list[int]) -> None:
    """Send stored notifications through the external backends (run by the worker)."""
    rows = Notification.objects.filter(pk__in=ids).values_list(
        "recipient_id", "recipient__mobile", "kind", "data", "url"
    )
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            Message(recipient, mobile, render(kind, data), url)
            for recipient, mobile, kind, data, url in rows
        ]
    for backend in external_backends():
        backend.send(messages)


def unread_count(person: Any, *, up_to: int | None = None) -> int:
    """How many of the person's notifications are unread; counting stops at `up_to`."""
    if not getattr(person, "is_authenticated", False):
        return 0
    unread = Notification.objects.filter(recipient=person, read_at__isnull=True)
    return unread.count() if up_to is None else unread.order_by()[:up_to].count()


def mark_read(*, person: Any, notification_id: int) -> Notification | None:
    """Mark one of the person's notifications read; None if it is not theirs. Conditional, so
    two devices marking it at once keep the first reading time."""
    row = Notification.objects.filter(pk=notification_id, recipient_id=person.pk).first()
    if row is not None and row.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=now)
        row.read_at = now
    return row


def mark_all_read(*, person: Any) -> int:
    return Notification.objects.filter(recipient_id=person.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def settle(url: str, kinds: Iterable[str]) -> int:
    """Mark read every unread notice of `kinds` pointing at `url`: what it asked for is done
    (someone accepted the need it announced, took it, closed it). Returns how many."""
    return Notification.objects.filter(url=url, kind__in=list(kinds), read_at__isnull=True).update(
        read_at=timezone.now()
    )
