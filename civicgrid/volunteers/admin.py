"""Set-up of the rules kept as data (points, stars). Registrations, activities and wishes are
read-only here: they change only through their state-machine modules."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from civicgrid.volunteers.models import (
    Activity,
    PointRule,
    Registration,
    StarLevel,
    Team,
    VolunteerEvent,
    Wish,
)


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = ("source", "points", "monthly_cap")


@admin.register(StarLevel)
class StarLevelAdmin(admin.ModelAdmin):
    list_display = ("stars", "threshold")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("organisation", "kind", "theme", "monthly_minimum", "active")
    list_filter = ("kind", "theme", "active")
    filter_horizontal = ("leaders",)
    raw_id_fields = ("organisation",)


class ReadOnly(admin.ModelAdmin):
    """Records with a life cycle: looked at here, moved only by their commands."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Registration)
class RegistrationAdmin(ReadOnly):
    list_display = ("person", "unit", "community", "state", "created_at")
    list_filter = ("state",)


@admin.register(Activity)
class ActivityAdmin(ReadOnly):
    list_display = ("title", "theme", "node", "starts_at", "state")
    list_filter = ("state", "theme")


@admin.register(Wish)
class WishAdmin(ReadOnly):
    list_display = ("title", "community", "state", "needed_by")
    list_filter = ("state",)
    exclude = ("person_name", "person_mobile")


@admin.register(VolunteerEvent)
class VolunteerEventAdmin(ReadOnly):
    list_display = ("action", "seq", "registration", "activity", "wish", "created_at")
