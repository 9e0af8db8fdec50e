"""The catalogue in the console: the services of the reader's area, a service with its
hours, poster and the days ahead, a booking made for a resident (代办), and the form that adds
or changes a service with its opening hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from civicgrid.core.errors import DomainError, onto_form
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, NodeKind, Organisation, OrgKind, Person, Role
from civicgrid.network.scope import paths_q, scope_paths, within_scope
from civicgrid.services import access, bookings, catalogue, slots
from civicgrid.services.models import Mode, Service
from civicgrid.services.views.console import console_or_provider

T = "services/console/"
PLACE_KINDS = (NodeKind.TOWN, NodeKind.COMMUNITY, NodeKind.BIG_GRID, NodeKind.SMALL_GRID)


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = list(catalogue.FIELDS)

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = within_scope(Node.objects.filter(kind__in=PLACE_KINDS), user, write=True)
        self.fields["node"].queryset = places.order_by("path")  # type: ignore[attr-defined]
        self.fields["door_area"].queryset = places.order_by("path")  # type: ignore[attr-defined]
        orgs = within_scope(
            Organisation.objects.filter(kind=OrgKind.PROVIDER), user, node_field="node"
        )
        self.fields["provider_org"].queryset = orgs.order_by("name")  # type: ignore[attr-defined]
        paths = scope_paths(user)
        people = Person.objects.filter(roles__role=Role.PROVIDER)
        if paths is not None:
            people = people.filter(paths_q(paths, node_field="roles__node"))
        self.fields["provider_person"].queryset = people.distinct().order_by("name")  # type: ignore[attr-defined]


WEEKDAY_CHOICES = [("", gettext_lazy("Every working day"))] + [
    (str(i), name) for i, name in enumerate(catalogue.WEEKDAYS)
]


class HoursForm(forms.Form):
    weekday = forms.ChoiceField(label=gettext_lazy("Days"), choices=WEEKDAY_CHOICES, required=False)
    starts = forms.TimeField(
        label=gettext_lazy("From"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=gettext_lazy("Until"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    after_hours = forms.BooleanField(label=gettext_lazy("After hours"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("starts")) != bool(data.get("ends")):
            raise forms.ValidationError(_("Give both times of a window, or neither."))
        return data


HoursFormSet = forms.formset_factory(HoursForm, extra=3, max_num=14)


class OnBehalfForm(forms.Form):
    slot = forms.CharField(label=gettext_lazy("Time"))
    mode = forms.ChoiceField(label=gettext_lazy("How"))
    resident_name = forms.CharField(label=gettext_lazy("Resident's name"), max_length=64)
    resident_phone = forms.CharField(label=gettext_lazy("Resident's mobile"), max_length=20)
    address = forms.CharField(
        label=gettext_lazy("Address (door to door)"), required=False, max_length=200
    )
    note = forms.CharField(label=gettext_lazy("What is needed"), required=False, max_length=300)

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(m, Mode(m).label) for m in service.modes]  # type: ignore[attr-defined]


@console_required
@require_safe
def service_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    services = (
        access.visible_services(user)
        .select_related("node", "provider_org", "provider_person")
        .order_by("node__path", "name")[:500]
    )
    rows = [
        {
            "service": s,
            "place": s.node.name,
            "provider": catalogue.provider_name(s),
            "price": catalogue.price_words(s),
            "modes": [Mode(m).label for m in s.modes],
        }
        for s in services
    ]
    may_add = within_scope(Node.objects.filter(kind__in=PLACE_KINDS), user, write=True).exists()
    return render(request, T + "catalogue.html", {"rows": rows, "may_add": may_add})


def _detail(
    request: HttpRequest, service: Service, form: OnBehalfForm | None = None
) -> dict[str, Any]:
    user = person(request)
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else today
    except ValueError:
        day = today
    shown = slots.slots_on(service, day, past=True)
    serves = access.serves(user, service.node)
    return {
        "service": service,
        "card": catalogue.card(service),
        "day": day,
        "prev": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "slots": [
            {
                "key": s.key,
                "time": timezone.localtime(s.starts_at).strftime("%H:%M"),
                "free": s.free,
            }
            for s in shown
        ],
        "serves": serves,
        "may_book": serves or access.is_provider(user, service),
        "form": form or OnBehalfForm(service=service),
    }


@console_or_provider
@require_safe
def service_detail(request: HttpRequest, service_id: int) -> HttpResponse:
    service = access.access_service(person(request), service_id)
    return render(request, T + "service.html", _detail(request, service))


@console_or_provider
@require_POST
def service_book(request: HttpRequest, service_id: int) -> HttpResponse:
    """Staff (or the provider) book for a resident who called or came to the desk (代办)."""
    user = person(request)
    service = access.access_service(user, service_id)
    if not (access.serves(user, service.node) or access.is_provider(user, service)):
        raise PermissionDenied(_("Your role may read this service but not book it."))
    form = OnBehalfForm(request.POST, service=service)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        starts_at = slots.parse_key(data["slot"])
        try:
            if starts_at is None:
                form.add_error("slot", _("Choose one of the times shown."))
            else:
                booking = bookings.booking_book(
                    service=service,
                    starts_at=starts_at,
                    mode=data["mode"],
                    resident_name=data["resident_name"],
                    resident_phone=data["resident_phone"],
                    address=data["address"],
                    note=data["note"],
                    by=bookings.By(user),
                )
                messages.success(request, _("Booked. The resident gets a text with the link."))
                return redirect("services:appointment", booking_id=booking.pk)
        except DomainError as failure:
            onto_form(form, failure)
            status = failure.status
    return render(request, T + "service.html", _detail(request, service, form), status=status)


def _hours_initial(service: Service | None) -> list[dict[str, Any]]:
    if service is None:
        return [
            {"weekday": "", "starts": dt.time(9), "ends": dt.time(11, 30)},
            {"weekday": "", "starts": dt.time(14), "ends": dt.time(17, 30)},
        ]
    return [
        {
            "weekday": "" if h.weekday is None else str(h.weekday),
            "starts": h.starts,
            "ends": h.ends,
            "after_hours": h.after_hours,
        }
        for h in service.hours.all()
    ]


@console_required
def service_edit(request: HttpRequest, service_id: int | None = None) -> HttpResponse:
    user = person(request)
    if not access.serves_anywhere(user):
        raise PermissionDenied(_("Your role may not add or change services."))
    service = access.access_service(user, service_id, write=True) if service_id else None
    form = ServiceForm(request.POST or None, request.FILES or None, instance=service, user=user)
    hours = HoursFormSet(request.POST or None, initial=_hours_initial(service), prefix="hours")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and hours.is_valid():
            rows = [
                (
                    int(h["weekday"]) if h.get("weekday") not in (None, "") else None,
                    h["starts"],
                    h["ends"],
                    bool(h.get("after_hours")),
                )
                for h in hours.cleaned_data
                if h.get("starts") and h.get("ends")
            ]
            values = {
                f: form.cleaned_data.get(f) for f in catalogue.FIELDS if f in form.cleaned_data
            }
            if service is not None and not request.FILES.get("photo"):
                values.pop("photo", None)
            try:
                with transaction.atomic():
                    saved = catalogue.service_save(by=user, values=values, service=service)
                    catalogue.hours_set(by=user, service=saved, rows=rows)
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                messages.success(request, _("The service is saved."))
                return redirect("services:service", service_id=saved.pk)
    context = {"form": form, "hours": hours, "service": service}
    return render(request, T + "service_edit.html", context, status=status)


console_urls = [
    path("", service_list, name="catalogue"),
    path("new/", service_edit, name="service_new"),
    path("<int:service_id>/", service_detail, name="service"),
    path("<int:service_id>/edit/", service_edit, name="service_edit"),
    path("<int:service_id>/book/", service_book, name="service_book"),
]
