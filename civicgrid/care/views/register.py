"""The care register in the console: the list (phones masked, the age computed on the day),
a person's page (phone, address and guardian masked, each shown on a button that logs the
reveal), the form that adds or changes a person, taking someone off the register, and the
import from an office's sheet with its template.

A page that writes refuses a read-only reader (403) before it reads a form; the services
check again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from civicgrid.care import access, events, register, register_import
from civicgrid.care.models import CaredPerson, CareKind, CareVisit, Household, Mobility, VisitPlan
from civicgrid.core.errors import DomainError, onto_form
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, Person, mask_mobile, mask_name
from civicgrid.network.scope import within_scope
from civicgrid.network.spreadsheets import SpreadsheetError

T = "care/console/"
PAGE = 100
REVEALABLE = ("phone", "address", "guardian")


def _places(user: Person, *, write: bool) -> Any:
    nodes = Node.objects.filter(kind__in=register.PLACE_KINDS)
    return within_scope(nodes, user, write=write).order_by("path")


# --- The list ---------------------------------------------------------------------------------


class FilterForm(forms.Form):
    node = forms.ModelChoiceField(
        label=gettext_lazy("Place"), queryset=Node.objects.none(), required=False
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Care kind"),
        choices=[("", gettext_lazy("All")), *CareKind.choices],
        required=False,
    )
    mobility = forms.ChoiceField(
        label=gettext_lazy("Mobility"),
        choices=[("", gettext_lazy("All")), *Mobility.choices],
        required=False,
    )
    alone = forms.ChoiceField(
        label=gettext_lazy("Lives alone"),
        choices=[("", gettext_lazy("All")), ("1", gettext_lazy("Yes")), ("0", gettext_lazy("No"))],
        required=False,
    )
    age = forms.ChoiceField(
        label=gettext_lazy("Age"),
        choices=[("", gettext_lazy("All"))]
        + [(key, label) for key, (label, _least, _under) in register.AGE_BANDS.items()],
        required=False,
    )
    left = forms.BooleanField(label=gettext_lazy("People who left"), required=False)

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = _places(user, write=False)  # type: ignore[attr-defined]

    def filters(self) -> register.Filters:
        if not self.is_valid():
            return register.Filters()
        data = self.cleaned_data
        return register.Filters(
            node=data.get("node"),
            kind=data.get("kind") or "",
            mobility=data.get("mobility") or "",
            alone={"1": True, "0": False}.get(data.get("alone") or ""),
            age=data.get("age") or "",
            left=bool(data.get("left")),
        )


LIST_FIELDS = (
    "pk",
    "name",
    "birth_date",
    "sex",
    "node__name",
    "mobility",
    "lives_alone",
    "phone",
    "guardian_relation",
    "guardian_phone",
)


def list_rows(people: Any, day: dt.date) -> list[dict[str, Any]]:
    """A page of the register read as plain values and shaped once: ages, labels, masks."""
    values = list(people.values_list(*LIST_FIELDS))
    kinds = register.marks_of([row[0] for row in values])
    kind_names, mobility_names = dict(CareKind.choices), dict(Mobility.choices)
    rows = []
    for pk, name, born, sex, place, mobility, alone, phone, relation, guardian_phone in values:
        rows.append(
            {
                "url": reverse("care:person", args=[pk]),
                "name": name,
                "age": register.age_on(born, day),
                "sex": {"f": _("F"), "m": _("M")}.get(sex, ""),
                "place": place,
                "kinds": [str(kind_names[k]) for k in kinds.get(pk, [])],
                "mobility": str(mobility_names.get(mobility, mobility)),
                "alone": alone,
                "phone": mask_mobile(phone),
                "guardian": f"{relation} {mask_mobile(guardian_phone)}".strip(),
            }
        )
    return rows


@console_required
@require_safe
def register_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    day = timezone.localdate()
    form = FilterForm(request.GET or None, user=user)
    people = register.register_filter(access.visible_cared(user), form.filters(), day=day).order_by(
        "node_id", "name", "pk"
    )
    page = Paginator(people, PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": list_rows(page.object_list, day),
        "page": page,
        "query": query.urlencode(),
        "may_add": access.serves_anywhere(user),
    }
    return render(request, T + "register_list.html", context)


# --- One person -------------------------------------------------------------------------------


def _masked(cared: CaredPerson) -> dict[str, str]:
    guardian = " ".join(
        p
        for p in (
            mask_name(cared.guardian_name),
            cared.guardian_relation,
            mask_mobile(cared.guardian_phone),
        )
        if p
    )
    return {
        "phone": mask_mobile(cared.phone),
        "address": access.mask_address(cared.address),
        "guardian": guardian,
    }


def _person_context(request: HttpRequest, cared: CaredPerson, **extra: Any) -> dict[str, Any]:
    user = person(request)
    day = timezone.localdate()
    plan = (
        VisitPlan.objects.filter(person_id=cared.pk, active=True).select_related("visitor").first()
    )
    visits = (
        CareVisit.objects.filter(person_id=cared.pk)
        .select_related("visitor", "raised_need", "record")
        .order_by("-visited_at", "-pk")[:20]
    )
    household = cared.household
    household_members = (
        household.members.filter(left_at__isnull=True, forgotten_at__isnull=True)
        .exclude(pk=cared.pk)
        .values_list("name", flat=True)
        if household is not None
        else []
    )
    serves = access.serves(user, cared.node)
    kind_names = dict(CareKind.choices)
    timeline = [
        (
            e,
            {"add": _("Added"), "update": _("Changed"), "leave": _("Left the register")}.get(
                e.action, e.action
            ),
        )
        for e in events.timeline(cared).select_related("actor")
    ]
    return {
        "cared": cared,
        "age": cared.age_on(day),
        "kinds": [str(kind_names[k]) for k in register.kinds_of(cared)],
        "masked": _masked(cared),
        "revealed": {},
        "may_reveal": access.may_reveal(user, cared.node),
        "serves": serves,
        "on_register": cared.left_at is None,
        "household": household,
        "household_address": access.mask_address(household.address) if household else "",
        "household_members": list(household_members),
        "plan": plan,
        "overdue": plan is not None and plan.next_due < day,
        "visits": list(visits),
        "timeline": timeline,
        "error": "",
        **extra,
    }


@console_required
@require_safe
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    cared = access.access_cared(person(request), person_id)
    return render(request, T + "register_person.html", _person_context(request, cared))


@console_required
@require_POST
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    """The phone, the address or the guardian in full, on a button; each reveal logged."""
    user = person(request)
    cared = access.access_cared(user, person_id)
    if not access.may_reveal(user, cared.node):
        raise PermissionDenied
    field = request.POST.get("field", "")
    if field not in REVEALABLE:
        return HttpResponse(_("Unknown field."), status=400)
    access.reveal(user, subject=f"care-person:{cared.pk}", field=field)
    if getattr(request, "htmx", False):
        return render(request, T + "register_reveal.html", {"cared": cared, "field": field})
    context = _person_context(request, cared, revealed={field: True})
    return render(request, T + "register_person.html", context)


# --- Adding and changing ----------------------------------------------------------------------


class PersonForm(forms.Form):
    """Parses only: the register's service checks every field (`register.clean_details`)."""

    node = forms.ModelChoiceField(label=gettext_lazy("Place"), queryset=Node.objects.none())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    name_mn = forms.CharField(label=gettext_lazy("Mongolian name"), max_length=120, required=False)
    birth_date = forms.DateField(
        label=gettext_lazy("Date of birth"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(
        label=gettext_lazy("Sex"),
        choices=[
            ("", "—"),
            ("f", gettext_lazy("Female")),
            ("m", gettext_lazy("Male")),
        ],
        required=False,
    )
    mobility = forms.ChoiceField(label=gettext_lazy("Mobility"), choices=Mobility.choices)
    lives_alone = forms.BooleanField(label=gettext_lazy("Lives alone"), required=False)
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Care kinds"),
        choices=CareKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    household = forms.ModelChoiceField(
        label=gettext_lazy("Household"), queryset=Household.objects.none(), required=False
    )
    new_household = forms.CharField(
        label=gettext_lazy("Or a new household"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Its name, e.g. the family's name; it is made at the same place."),
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    phone = forms.CharField(label=gettext_lazy("Mobile"), max_length=20, required=False)
    guardian_name = forms.CharField(
        label=gettext_lazy("Guardian or family contact"), max_length=60, required=False
    )
    guardian_relation = forms.CharField(
        label=gettext_lazy("Relation"), max_length=20, required=False
    )
    guardian_phone = forms.CharField(
        label=gettext_lazy("Guardian's mobile"), max_length=20, required=False
    )
    id_number = forms.CharField(
        label=gettext_lazy("Identity-card number"),
        max_length=24,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy(
            "Optional. Only a keyed digest is kept, never the number: it tells whether the "
            "person is already on the register."
        ),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Person, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = _places(user, write=True)  # type: ignore[attr-defined]
        households = within_scope(Household.objects.all(), user, node_field="node", write=True)
        self.fields["household"].queryset = households.filter(  # type: ignore[attr-defined]
            forgotten_at__isnull=True
        ).select_related("node")
        if editing:
            self.fields["id_number"].help_text = _(
                "Leave it blank to keep what is kept. Only a keyed digest is kept, never the "
                "number."
            )

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data.get(name)
            for name in (
                "node",
                "name",
                "name_mn",
                "birth_date",
                "sex",
                "mobility",
                "lives_alone",
                "kinds",
                "household",
                "address",
                "phone",
                "guardian_name",
                "guardian_relation",
                "guardian_phone",
                "id_number",
                "note",
            )
        } | {"kinds": data.get("kinds") or [], "lives_alone": bool(data.get("lives_alone"))}


def _initial(cared: CaredPerson) -> dict[str, Any]:
    fields = (
        "node",
        "name",
        "name_mn",
        "birth_date",
        "sex",
        "mobility",
        "lives_alone",
        "household",
        "address",
        "phone",
        "guardian_name",
        "guardian_relation",
        "guardian_phone",
        "note",
    )
    return {f: getattr(cared, f) for f in fields} | {"kinds": register.kinds_of(cared)}


@console_required
def person_edit(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    """Add a person to the register, or change one (`person_id`)."""
    user = person(request)
    if not access.serves_anywhere(user):
        raise PermissionDenied(_("Your role may not change the care register."))
    cared = access.access_cared(user, person_id, write=True) if person_id else None
    if cared is not None and cared.left_at is not None:
        raise PermissionDenied(_("This person is no longer on the register."))
    form = PersonForm(
        request.POST or None,
        initial=_initial(cared) if cared else None,
        user=user,
        editing=cared is not None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            args = form.service_args()
            new_household = form.cleaned_data.get("new_household", "")
            try:
                with transaction.atomic():
                    if new_household:
                        args["household"] = register.household_save(
                            by=user,
                            node=args["node"],
                            name=new_household,
                            address=args["address"],
                        )
                    if cared is None:
                        saved = register.cared_add(by=user, **args)
                    else:
                        saved = register.cared_update(by=user, person=cared, **args)
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("Saved."))
                return redirect("care:person", person_id=saved.pk)
    return render(request, T + "register_edit.html", {"form": form, "cared": cared}, status=status)


@console_required
@require_POST
def person_leave(request: HttpRequest, person_id: int) -> HttpResponse:
    """Take a person off the register, with the reason (moved away, died…)."""
    user = person(request)
    cared = access.access_cared(user, person_id, write=True)
    try:
        register.cared_leave(by=user, person=cared, reason=request.POST.get("reason", ""))
    except DomainError as failure:
        context = _person_context(request, cared, error=failure.message)
        return render(request, T + "register_person.html", context, status=failure.status)
    messages.success(request, _("Taken off the register."))
    return redirect("care:person", person_id=cared.pk)


# --- The import -------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Sheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Only check: import nothing"), required=False)


@console_required
def register_import_view(request: HttpRequest) -> HttpResponse:
    """Upload an office's sheet: every row is checked, and any problem imports nothing."""
    user = person(request)
    if not access.serves_anywhere(user):
        raise PermissionDenied(_("Your role may not change the care register."))
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "problems": [], "result": None}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = register_import.import_upload(
                    by=user,
                    upload=form.cleaned_data["file"],
                    dry_run=bool(form.cleaned_data.get("dry_run")),
                )
            except SpreadsheetError as failure:
                context["problems"] = [str(error) for error in failure.errors]
            except DomainError as failure:
                form.add_error(None, failure.message)
                status = failure.status
            else:
                if result.dry_run:
                    context["result"] = result
                    status = 200
                else:
                    messages.success(
                        request,
                        _("%(count)d people added to the register.") % {"count": result.added},
                    )
                    return redirect("care:register")
    return render(request, T + "register_import.html", context, status=status)


@console_required
@require_safe
def register_template(request: HttpRequest) -> HttpResponse:
    """The empty sheet to fill, with its Chinese headers and a sheet of notes."""
    response = HttpResponse(
        register_import.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="care-register.xlsx"'
    return response


console_urls = [
    path("register/", register_list, name="register"),
    path("register/new/", person_edit, name="person_add"),
    path("register/import/", register_import_view, name="register_import"),
    path("register/import/template.xlsx", register_template, name="register_template"),
    path("register/<int:person_id>/", person_detail, name="person"),
    path("register/<int:person_id>/edit/", person_edit, name="person_edit"),
    path("register/<int:person_id>/reveal/", person_reveal, name="person_reveal"),
    path("register/<int:person_id>/leave/", person_leave, name="person_leave"),
]
public_urls: list[Any] = []
