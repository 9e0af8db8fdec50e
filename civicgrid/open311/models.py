"""Applications allowed to POST service requests through Open311, one API key each.

Only a SHA-256 of the key is stored: a copied database does not hand out working keys. The
plain key is shown once, when it is issued (`services.application_create`, the admin)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class Application(models.Model):
    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(
        _("contact"), max_length=200, blank=True, help_text=_("Who maintains the application.")
    )
    # The first characters of the key, so that a key can be recognised in the admin and looked
    # up through an index; the rest of it is known only to the application.
    key_prefix = models.CharField(_("key starts with"), max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 application")
        verbose_name_plural = _("Open311 applications")
        ordering: ClassVar[list[str]] = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
