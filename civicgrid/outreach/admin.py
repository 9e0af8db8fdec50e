"""Providers' templates are set up here by an operator once the provider approves them; the
messages are shown read-only (they are written by outreach/sending.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicgrid.outreach.models import ProviderTemplate, ResidentMessage


@admin.register(ProviderTemplate)
class ProviderTemplateAdmin(admin.ModelAdmin):
    list_display = ("provider", "kind", "language", "template_id", "sign_name", "params", "active")
    list_filter = ("provider", "kind", "language", "active")


@admin.register(ResidentMessage)
class ResidentMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "need",
        "booking",
        "kind",
        "state",
        "channel",
        "attempts",
        "sent_at",
    )
    list_filter = ("state", "kind", "channel")
    search_fields = ("need__number", "provider_id")
    raw_id_fields = ("need", "booking")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
