"""The log of personal-data requests: exports and anonymisations, by whom and about whom."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Data export")
    ANONYMISE = "anonymise", _("Anonymisation")
    RETENTION = "retention", _("Retention period ended")


class DataRequest(models.Model):
    """One export or anonymisation. The phone is kept only as a keyed hash (core/hashing.py), so
    the log answers "what was done about this number" without holding the number."""

    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    # Null when run from the command line or by the worker (`via` says which).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    via = models.CharField(_("via"), max_length=12)  # "console", "command", "worker"
    phone_digest = models.CharField(max_length=64, blank=True, db_index=True)
    masked_phone = models.CharField(_("phone"), max_length=11, blank=True)
    need_number = models.CharField(_("need"), max_length=12, blank=True)
    needs = models.PositiveIntegerField(_("needs"), default=0)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.masked_phone or self.need_number}"
