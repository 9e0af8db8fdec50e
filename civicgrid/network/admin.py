"""Set-up admin for the network: nodes, people and their roles, organisations.

Node paths are never typed in: a new node gets its path from its parent after the first save
(`services.node_set_path`), and a change of parent moves the whole subtree (`services.node_move`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from civicgrid.network import services
from civicgrid.network.forms import NodeAdminForm, PersonChangeForm, PersonCreationForm
from civicgrid.network.models import Membership, Node, Organisation, Person, RoleBinding


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    form = NodeAdminForm
    list_display = ("name", "code", "kind", "parent", "depth")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "kind", "parent")}),
        (_("Place"), {"fields": ("lat", "lon", "polygon")}),
        (_("Tree position"), {"fields": ("path", "depth", "created_at", "updated_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Node, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            services.node_set_path(obj)
        elif "parent" in form.changed_data:
            # The row now names its new parent but keeps its old path; node_move rewrites
            # the path prefix of the whole subtree from that old path in one UPDATE.
            moved = services.node_move(node=obj, new_parent=obj.parent)
            obj.path, obj.depth = moved.path, moved.depth


class RoleBindingInline(admin.TabularInline):
    model = RoleBinding
    extra = 1
    autocomplete_fields = ("node",)
    fields = ("role", "node")


@admin.register(Person)
class PersonAdmin(UserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    inlines = (RoleBindingInline,)
    list_display = ("name", "mobile", "is_active", "is_staff", "is_superuser")
    list_filter = ("is_active", "is_staff", "is_superuser", "roles__role")
    search_fields = ("name", "mobile")
    ordering = ("name", "id")
    filter_horizontal = ("groups", "user_permissions")
    fieldsets = (
        (None, {"fields": ("mobile", "name", "password")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("mobile", "name", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")


@admin.register(RoleBinding)
class RoleBindingAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "node", "created_at")
    list_filter = ("role", "node__kind")
    search_fields = ("person__name", "person__mobile", "node__name", "node__code")
    list_select_related = ("person", "node")
    autocomplete_fields = ("person", "node")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("person",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    inlines = (MembershipInline,)
    list_display = ("name", "kind", "unit_kind", "node", "committee")
    list_filter = ("kind", "unit_kind")
    search_fields = ("name", "node__name", "node__code")
    list_select_related = ("node", "committee")
    autocomplete_fields = ("node", "committee")
