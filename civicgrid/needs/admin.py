"""Set-up of categories, deadlines, questions and the calendar. Needs and their timelines are
read-only here: they change only through the workflow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicgrid.needs.models import (
    CalendarDay,
    Category,
    CategoryDeadline,
    CategoryQuestion,
    Need,
    NeedEvent,
)


class DeadlineInline(admin.TabularInline):
    model = CategoryDeadline
    extra = 0


class QuestionInline(admin.StackedInline):
    model = CategoryQuestion
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "parent", "shown_to_residents", "time_basis", "sort")
    list_filter = ("shown_to_residents", "time_basis", "report_group")
    search_fields = ("name", "name_en", "code")
    inlines = (DeadlineInline, QuestionInline)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working", "note")
    list_filter = ("is_working",)
    date_hierarchy = "date"


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = NeedEvent
    fields = (
        "seq",
        "created_at",
        "action",
        "from_state",
        "to_state",
        "actor",
        "actor_kind",
        "note",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Need)
class NeedAdmin(ReadOnly):
    list_display = ("number", "category", "state", "node", "channel", "created_at")
    list_filter = ("state", "channel", "kind")
    search_fields = ("number", "description", "contact_name")
    list_select_related = ("category", "node")
    inlines = (EventInline,)
