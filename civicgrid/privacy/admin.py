"""The log of personal data requests, read-only: it is written by privacy/services.py."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicgrid.privacy.models import DataRequest


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "actor", "via", "masked_phone", "need_number", "needs")
    list_filter = ("kind", "via")
    search_fields = ("need_number", "phone_digest", "reason")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
