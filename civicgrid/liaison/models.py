"""码上找代表: messages residents leave for a representative or a liaison station.

Fields and constraints only. A message goes to a representative or to a station (exactly one),
is answered within a deadline on the working-day calendar (`liaison/deadlines.py`), and may
become a need (`need`). Its life cycle is `liaison/workflow.py`; its timeline `MessageEvent`.
What the resident is texted about it is the outbox `ResidentText`, filled and sent by
`civicgrid/outreach/liaison.py`.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.timelines import AppendOnly, AppendOnlyQuerySet
from civicgrid.needs.models import Need
from civicgrid.network.models import Node, Person
from civicgrid.representatives.models import LiaisonStation, Representative


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question")
    SUGGESTION = "suggestion", _("Suggestion")
    OPINION = "opinion", _("Opinion")
    PROBLEM = "problem", _("Problem to solve")


class MessageState(models.TextChoices):
    RECEIVED = "received", _("Received")
    ANSWERED = "answered", _("Answered")
    REFERRED = "referred", _("Became a need")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = frozenset({MessageState.RECEIVED})


class MessageQuerySet(models.QuerySet["Message"]):
    def waiting(self) -> MessageQuerySet:
        """Messages still to be answered."""
        return self.filter(state=MessageState.RECEIVED)


class Message(models.Model):
    number = models.CharField(_("number"), max_length=12, unique=True)
    representative = models.ForeignKey(
        Representative,
        verbose_name=_("representative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    station = models.ForeignKey(
        LiaisonStation,
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MessageKind.choices)
    text = models.TextField(_("message"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    # Optional: without it the resident reads the answer only on the tracking page.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    node = models.ForeignKey(
        Node, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.RECEIVED
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        Person,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answer_due = models.DateTimeField(_("answer due"), db_index=True)
    remind_at = models.DateTimeField(_("reminder due"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaison_messages",
    )
    forgotten_at = models.DateTimeField(_("personal data removed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), db_index=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message to a representative")
        verbose_name_plural = _("messages to representatives")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=(Q(representative__isnull=False) & Q(station__isnull=True))
                | (Q(representative__isnull=True) & Q(station__isnull=False)),
                name="liaison_message_one_addressee",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="liaison_message_kind"
            ),
            models.CheckConstraint(
                condition=Q(state__in=MessageState.values), name="liaison_message_state"
            ),
            models.CheckConstraint(
                condition=~Q(state=MessageState.ANSWERED) | Q(answered_at__isnull=False),
                name="liaison_message_answered_at",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["state", "answer_due"], name="liaison_msg_state_due"),
        ]

    def __str__(self) -> str:
        return self.number


class MessageEvent(AppendOnly):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # As the transition table names them: resident, representative, station, place, system.
    actor_kind = models.CharField(max_length=16)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "message event"
        ordering: ClassVar[list[str]] = ["message_id", "seq"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["message", "seq"], name="liaison_event_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.seq} {self.action}"


class TextKind(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    REFERRED = "referred", _("Became a need")
    RESOLVED = "resolved", _("Need resolved")


class TextState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent")
    FAILED = "failed", _("Failed")


class ResidentText(models.Model):
    """One short text to the resident about their message, made by one event of it: at most
    one per kind and event. Never its text: the kind and the tracking link are enough."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="texts")
    kind = models.CharField(max_length=10, choices=TextKind.choices)
    event_seq = models.PositiveIntegerField()
    language = models.CharField(max_length=16)
    state = models.CharField(max_length=8, choices=TextState.choices, default=TextState.QUEUED)
    channel = models.CharField(max_length=8, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "text to a resident about a message"
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["message", "kind", "event_seq"], name="liaison_text_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind}"
