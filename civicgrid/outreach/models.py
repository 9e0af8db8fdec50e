"""Messages to residents about their needs and their appointments (services.Booking), and the
providers' templates they go out on.

A message holds no personal data: neither the need's description nor the phone. The phone is
read from the need (or the appointment) when the message is sent, so a need anonymised or an
appointment forgotten in the meantime leaves nothing behind and its message is skipped
(docs/outreach.md).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.needs.models import Need
from civicgrid.services.models import Booking


class Kind(models.TextChoices):
    RECEIVED = "received", _("Need received")
    TAKEN = "taken", _("Need taken on")
    RESOLVED = "resolved", _("Need solved: please confirm and rate")
    ANSWERED = "answered", _("Staff replied")
    MORE_INFO = "more_info", _("Staff ask for more information")
    # For a need merged into another: its own events end there, the other's go on.
    JOINED = "joined", _("Need joined with another")
    JOINED_DONE = "joined_done", _("The need it joined is solved")
    # About an appointment (services.Booking).
    APPT_BOOKED = "appt_booked", _("Appointment booked")
    APPT_REMIND = "appt_remind", _("Appointment reminder")
    APPT_CANCEL = "appt_cancel", _("Appointment cancelled by the workshop")
    APPT_DONE = "appt_done", _("Appointment done: please rate")


# The kinds about an appointment; every other kind is about a need.
BOOKING_KINDS = frozenset({Kind.APPT_BOOKED, Kind.APPT_REMIND, Kind.APPT_CANCEL, Kind.APPT_DONE})


class MessageChannel(models.TextChoices):
    SMS = "sms", _("Text message")
    WECHAT = "wechat", _("WeChat")
    LOG = "log", _("Log")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    STOPPED = "stopped", _("Stopped by the resident")


class ResidentMessage(models.Model):
    """One message to the resident who raised a need or booked an appointment (exactly one of
    the two), made by one event of it (`event_seq`, the event's number on the need's or the
    appointment's timeline): at most one per kind and event."""

    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        on_delete=models.CASCADE,
        related_name="resident_messages",
        null=True,
        blank=True,
    )
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("appointment"),
        on_delete=models.CASCADE,
        related_name="resident_messages",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    event_seq = models.PositiveIntegerField(_("event number"))
    # Which backend carried it (blank until one did).
    channel = models.CharField(
        _("channel"), max_length=8, choices=MessageChannel.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=16)
    state = models.CharField(
        _("state"), max_length=8, choices=MessageState.choices, default=MessageState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(_("next try at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider's message id"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message to a resident")
        verbose_name_plural = _("messages to residents")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["need", "kind", "event_seq"],
                condition=models.Q(need__isnull=False),
                name="resident_message_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["booking", "kind", "event_seq"],
                condition=models.Q(booking__isnull=False),
                name="resident_message_once_per_booking_event",
            ),
            # About a need or about an appointment: exactly one.
            models.CheckConstraint(
                condition=models.Q(need__isnull=False, booking__isnull=True)
                | models.Q(need__isnull=True, booking__isnull=False),
                name="resident_message_need_or_booking",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=MessageState.values), name="resident_message_state"
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            # The worker's due messages: a handful queued at any time.
            models.Index(
                fields=["next_try_at"],
                condition=models.Q(state="queued"),
                name="resident_message_due_idx",
            ),
            # Messages in flight (a worker killed while sending leaves them there).
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(state="sending"),
                name="resident_message_sending_idx",
            ),
            # The per-number limit counts what went out lately.
            models.Index(fields=["need", "sent_at"], name="resident_message_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.kind} #{self.event_seq} {self.state}"

    @property
    def subject(self) -> str:
        """What it is about, for logs: "need 12" or "booking 34"."""
        if self.booking_id is not None:
            return f"booking {self.booking_id}"
        return f"need {self.need_id}"


# The language of the templates used when none is approved in a message's own language.
FALLBACK_LANGUAGE = "zh-hans"


class Provider(models.TextChoices):
    TENCENT = "tencent", _("Tencent Cloud SMS")
    WECHAT = "wechat", _("WeChat subscription message")


class ProviderTemplate(models.Model):
    """A template the provider approved for one kind of message in one language. `params`:
    the names of the values that fill it, comma-separated, in the provider's order (of
    "number", "link", "state" for a need's kinds; "service", "time", "link" for an
    appointment's)."""

    provider = models.CharField(_("provider"), max_length=12, choices=Provider.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=16)
    template_id = models.CharField(_("template id"), max_length=64)
    sign_name = models.CharField(_("signature"), max_length=32, blank=True)
    params = models.CharField(_("parameters"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("provider template")
        verbose_name_plural = _("provider templates")
        ordering: ClassVar[list[str]] = ["provider", "kind", "language"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["provider", "kind", "language"], name="provider_template_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.language}"

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.params.split(",") if p.strip())


class WeChatSubscription(models.Model):
    """A resident's consent, in WeChat, to be sent one kind of message about one need through
    the Official Account: `template_id` is the subscription template they accepted on the
    receipt or tracking page (wx-open-subscribe), `uses_left` how many messages it still
    allows (WeChat gives one per acceptance of a one-time template). Written only when the
    resident accepts, with the openid the Official Account knows them by (from its silent
    web login, outreach/wechat.py); deleted with the need's personal data."""

    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        on_delete=models.CASCADE,
        related_name="wechat_subscriptions",
    )
    openid = models.CharField(_("WeChat openid"), max_length=64)
    template_id = models.CharField(_("template id"), max_length=64)
    uses_left = models.PositiveSmallIntegerField(_("messages left"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat subscription")
        verbose_name_plural = _("WeChat subscriptions")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["need", "template_id"], name="wechat_subscription_once_per_template"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need_id} {self.template_id} ({self.uses_left})"
