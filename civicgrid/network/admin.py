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
from civicgrid.network.models import (
    AccessChange,
    Membership,
    Node,
    Organisation,
    Person,
    RoleBinding,
)

# What a person may do, besides their role bindings: every change to these is logged.
ACCESS_FLAGS = ("is_active", "is_staff", "is_superuser")


@admin.register(Node)
class NodeAdmin(admin.ModelAdmin):
    form = NodeAdminForm
    list_display = ("name", "code", "kind", "parent", "depth")
    list_filter = ("kind",)
    search_fields = ("name", "name_en", "name_mn", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "name_mn", "kind", "parent")}),
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

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        before = Person.objects.filter(pk=obj.pk).values(*ACCESS_FLAGS).first() if change else None
        super().save_model(request, obj, form, change)
        for flag in ACCESS_FLAGS:
            old = before[flag] if before else getattr(Person(), flag)  # a new person's default
            new = getattr(obj, flag)
            if old != new:
                _log(request, obj, f"{flag}: {old} → {new}")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        person = form.instance
        before = _groups_and_permissions(person)
        super().save_related(request, form, formsets, change)
        after = _groups_and_permissions(person)
        for label, old, new in zip(("groups", "permissions"), before, after, strict=True):
            if old != new:
                added, removed = sorted(new - old), sorted(old - new)
                _log(request, person, f"{label}: +{added} -{removed}")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleBinding:
            super().save_formset(request, form, formset, change)
            return
        person = form.instance
        before = _bindings_of(person)
        super().save_formset(request, form, formset, change)
        _log_bindings(request, person, before, _bindings_of(person))


def _log(request: HttpRequest, person: Person, what: str) -> None:
    actor = request.user if isinstance(request.user, Person) else None
    services.access_change_log(person=person, what=what, by=actor, source="admin")


def _groups_and_permissions(person: Person) -> tuple[set[str], set[str]]:
    if person.pk is None:
        return set(), set()
    groups = set(person.groups.values_list("name", flat=True))
    permissions = {
        f"{app}.{codename}"
        for app, codename in person.user_permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    return groups, permissions


def _bindings_of(person: Person | None) -> set[tuple[str, int]]:
    if person is None or person.pk is None:
        return set()
    return set(RoleBinding.objects.filter(person=person).values_list("role", "node_id"))


def _log_bindings(
    request: HttpRequest,
    person: Person,
    before: set[tuple[str, int]],
    after: set[tuple[str, int]],
) -> None:
    names = dict(
        Node.objects.filter(pk__in={node for _role, node in before ^ after}).values_list(
            "pk", "name"
        )
    )
    for verb, bindings in (("bound", after - before), ("unbound", before - after)):
        for role, node in sorted(bindings):
            _log(request, person, f"role {verb}: {role} at {names.get(node, node)}")


@admin.register(RoleBinding)
class RoleBindingAdmin(admin.ModelAdmin):
    list_display = ("person", "role", "node", "created_at")
    list_filter = ("role", "node__kind")
    search_fields = ("person__name", "person__mobile", "node__name", "node__code")
    list_select_related = ("person", "node")
    autocomplete_fields = ("person", "node")

    def save_model(self, request: HttpRequest, obj: RoleBinding, form: Any, change: bool) -> None:
        old = RoleBinding.objects.filter(pk=obj.pk).select_related("person").first()
        super().save_model(request, obj, form, change)
        if old is not None and old.person_id != obj.person_id:
            _log_bindings(request, old.person, {(old.role, old.node_id)}, set())
            old = None
        before = {(old.role, old.node_id)} if old is not None else set()
        _log_bindings(request, obj.person, before, {(obj.role, obj.node_id)})

    def delete_model(self, request: HttpRequest, obj: RoleBinding) -> None:
        person, gone = obj.person, {(obj.role, obj.node_id)}
        super().delete_model(request, obj)
        _log_bindings(request, person, gone, set())

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        gone = list(queryset.select_related("person"))
        super().delete_queryset(request, queryset)
        for binding in gone:
            _log_bindings(request, binding.person, {(binding.role, binding.node_id)}, set())


@admin.register(AccessChange)
class AccessChangeAdmin(admin.ModelAdmin):
    """The access log, to read: rows are written by the changes themselves."""

    list_display = ("at", "person_name", "what", "actor", "source")
    list_filter = ("source",)
    search_fields = ("person_name", "person__mobile", "what")
    list_select_related = ("actor",)
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
