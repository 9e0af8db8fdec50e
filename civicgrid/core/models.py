"""Cross-domain records: the in-app inbox and the log of revealed personal data."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message in a person's in-app inbox (the bell). Text is rendered when shown, in
    the reader's language, from `kind` and `data` (see core/notifications.py)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32)
    data = models.JSONField(default=dict)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            # The unread notices about one record, settled when it moves on.
            models.Index(
                fields=["url"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_url_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.kind}"


class RevealLog(models.Model):
    """Who saw a piece of personal data in full (a phone number behind its mask), and when."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=60, help_text="e.g. need:K7M4QXP2")
    field = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reveal log entry")
        verbose_name_plural = _("reveal log")
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.subject} {self.field}"


class Schedule(models.Model):
    """When a periodic task is next due. Workers claim a run with a conditional UPDATE on
    `next_run_at`, so however many workers run, each period's task is enqueued once."""

    name = models.CharField(max_length=60, primary_key=True)
    next_run_at = models.DateTimeField()

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self) -> str:
        return self.name


class RateCounter(models.Model):
    """One fixed-window request counter per scope and client (core/ratelimit.py), counted with
    a single statement; restarted at 1 when a new window begins. Pruned hourly by the worker."""

    key = models.CharField(max_length=255, primary_key=True)
    window_end = models.BigIntegerField()  # Unix time at which the counted window ends
    count = models.IntegerField()

    class Meta:
        verbose_name = _("rate counter")
        verbose_name_plural = _("rate counters")

    def __str__(self) -> str:
        return self.key


class OnceKey(models.Model):
    """A one-time key: the first request carrying it does the work and stores what it made; a
    repeat (a double click, a resent form) finds that instead of doing it again (core/once.py).
    The key is written in the same transaction as the work, and the unique constraint decides
    between two requests racing with one key. Deleted after `once.KEEP` by the worker."""

    scope = models.CharField(max_length=40, help_text="what the key is for, e.g. resident-raise")
    key = models.CharField(max_length=64)
    result = models.CharField(max_length=200, blank=True, help_text="what the first request made")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("one-time key")
        verbose_name_plural = _("one-time keys")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["scope", "key"], name="oncekey_scope_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class PhoneCode(models.Model):
    """A one-time code sent by text message to prove that someone holds a mobile number
    (core/phonecode.py). Neither the number nor the code is stored: their keyed digests are.
    Spent when it is used, when too many wrong guesses were made, or when it expires; deleted
    by the worker a day later."""

    purpose = models.CharField(max_length=40, help_text="what the code proves, e.g. find-needs")
    phone_digest = models.CharField(max_length=64)
    code_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    spent = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("phone code")
        verbose_name_plural = _("phone codes")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["phone_digest", "purpose"], name="phonecode_phone_idx"),
            models.Index(fields=["created_at"], name="phonecode_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.phone_digest[:8]}"
