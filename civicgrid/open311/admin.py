"""Issue, replace and deactivate Open311 API keys. A key is shown once, in a message, when
it is issued; only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.open311 import services
from civicgrid.open311.models import Application


def _show_once(request: HttpRequest, application: Application, key: str) -> None:
    messages.warning(
        request,
        _(
            "API key for “%(name)s”: %(key)s — copy it now. It is not stored and will not be "
            "shown again."
        )
        % {"name": application.name, "key": key},
    )


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "is_active", "contact", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "contact", "key_prefix")
    readonly_fields = ("key_prefix", "created_at")
    actions = ("deactivate", "activate", "replace_key")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = ("name", "contact", "is_active")
        return (*fields, "key_prefix", "created_at") if obj is not None else fields

    def save_model(
        self, request: HttpRequest, obj: Application, form: ModelForm, change: bool
    ) -> None:
        key = "" if change else services.application_assign_key(obj)
        super().save_model(request, obj, form, change)
        if key:
            _show_once(request, obj, key)

    @admin.action(description=gettext_lazy("Deactivate: their keys stop working"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        queryset.update(is_active=False)

    @admin.action(description=gettext_lazy("Activate"))
    def activate(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        queryset.update(is_active=True)

    @admin.action(description=gettext_lazy("Issue a new key (the old one stops working)"))
    def replace_key(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        for application in queryset:
            _show_once(
                request, application, services.application_rotate_key(application=application)
            )
