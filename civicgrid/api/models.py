"""Personal API tokens and the idempotency keys of API creates.

A token is shown to its owner once, when it is made; only its SHA-256 is stored, so a copy of
the database gives nobody a working token. The prefix (the part between "cg_" and the second
underscore) is stored in clear to find the row without comparing every hash.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (cg_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyKey(models.Model):
    """The need a client's create with this Idempotency-Key made: a retry returns it.

    `client` says who sent it ("token:<id>", "user:<id>" or "anon:<address>"), so two clients
    choosing the same key never see each other's needs. The unique constraint is what makes two
    concurrent creates with one key safe: the second insert fails and reads the first.
    """

    client = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    need = models.ForeignKey("needs.Need", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"
