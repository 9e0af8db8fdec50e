"""The stations' duty rota (坐班值班): staff keep it in the console, residents read the station's
page and its poster.

Console (/console/services/stations/…): the stations in scope, a station's week with its
pattern and exceptions and its settings; every write through `services.rota` (which asks
`access.check_serves` again). Public (/near/stations/<node code>/…): who is on duty now with a
call button for the station's duty phone (never a person's own mobile), this week's rota, a
link to raise a need here; and the printable poster (Mongolian on the left, Chinese on the
right, as the needs' posters).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.core.errors import DomainError, onto_form
from civicgrid.core.i18n import MONGOLIAN
from civicgrid.needs.qr import QR_NODE_KINDS, qr_svg
from civicgrid.network import scope
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, NodeKind, Person, node_label
from civicgrid.services import access, nearby, rota
from civicgrid.services.models import DutyChange, DutyChangeKind, DutyShift, Station

SHOWN = 300
STATION_KINDS = (NodeKind.TOWN, NodeKind.COMMUNITY, NodeKind.BIG_GRID, NodeKind.SMALL_GRID)
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


# --- Forms ----------------------------------------------------------------------------------------


class StationForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Duty phone"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("The station's desk phone or duty mobile, never a person's own."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    route_to_duty = forms.BooleanField(
        label=gettext_lazy("Needs raised here in duty hours go to the person on duty"),
        required=False,
    )


def _people_choices(station: Station) -> list[tuple[str, str]]:
    return [("", "—"), *((str(pk), name) for pk, name in rota.eligible_people(station))]


class ShiftForm(forms.Form):
    person = forms.ChoiceField(label=gettext_lazy("On duty"))
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("Weekday"),
        coerce=int,
        choices=[(i, label) for i, label in enumerate(rota.WEEKDAYS)],
    )
    starts = forms.TimeField(label=gettext_lazy("From"), widget=TIME)
    ends = forms.TimeField(label=gettext_lazy("Until"), widget=TIME)

    def __init__(self, *args: Any, station: Station, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["person"]).choices = _people_choices(station)


class ChangeForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("What changes"), choices=DutyChangeKind.choices)
    person = forms.ChoiceField(label=gettext_lazy("Person"), required=False)
    starts = forms.TimeField(label=gettext_lazy("From"), required=False, widget=TIME)
    ends = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=120, required=False)

    def __init__(self, *args: Any, station: Station, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["person"]).choices = _people_choices(station)


def _chosen(station: Station, value: str) -> Person | None:
    """The person a form named, only among who may sit there (the service checks again)."""
    if not value or not value.isdigit():
        return None
    return Person.objects.filter(rota.eligible_q(station), pk=int(value)).distinct().first()


# --- Console --------------------------------------------------------------------------------------


def _week(request: HttpRequest) -> dt.date:
    try:
        return rota.week_start(dt.date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        return rota.week_start()


@console_required
@require_safe
def stations(request: HttpRequest) -> HttpResponse:
    user = person(request)
    chosen = request.GET.get("node", "")
    if chosen.isdigit():  # "set up a station at": its settings page
        return redirect("services:station_edit", node_id=int(chosen))
    rows = list(
        scope.within_scope(
            Station.objects.select_related("node"), user, node_field="node"
        ).order_by("node__path")[:SHOWN]
    )
    duty = rota.on_duty_many(rows)
    places = (
        scope.within_scope(Node.objects.filter(kind__in=STATION_KINDS), user, write=True)
        .filter(station__isnull=True)
        .order_by("path")
        .values_list("pk", "name")[:SHOWN]
    )
    return render(
        request,
        "services/rota/stations.html",
        {
            "rows": [(s, [p.name for p in duty[s.pk]]) for s in rows],
            "places": list(places),
        },
    )


def _station_page(
    request: HttpRequest,
    station: Station,
    *,
    shift_form: ShiftForm | None = None,
    change_form: ChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = person(request)
    start = _week(request)
    return render(
        request,
        "services/rota/station.html",
        {
            "station": station,
            "place": node_label(station.node),
            "week": rota.week_rows(station, start),
            "previous": (start - dt.timedelta(days=7)).isoformat(),
            "next": (start + dt.timedelta(days=7)).isoformat(),
            "shifts": DutyShift.objects.filter(station=station).select_related("person"),
            "changes": DutyChange.objects.filter(station=station, day__gte=timezone.localdate())
            .select_related("person")
            .order_by("day", "starts", "id")[:SHOWN],
            "on_duty": [p.name for p in rota.on_duty(station)],
            "may_write": access.serves(user, station.node),
            "shift_form": shift_form or ShiftForm(station=station),
            "change_form": change_form or ChangeForm(station=station),
            "weekdays": rota.WEEKDAYS,
        },
        status=status,
    )


@console_required
@require_safe
def station(request: HttpRequest, station_id: int) -> HttpResponse:
    return _station_page(request, access.access_station(person(request), station_id))


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def station_edit(request: HttpRequest, node_id: int) -> HttpResponse:
    """Set a place up as a station, or change its duty phone and routing (by the node)."""
    user = person(request)
    node = scope.access_node(user, node_id, write=True)
    current = Station.objects.filter(node=node).first()
    if request.method != "POST":
        initial = (
            {"phone": current.phone, "route_to_duty": current.route_to_duty} if current else {}
        )
        form = StationForm(initial=initial)
    else:
        form = StationForm(request.POST)
        if form.is_valid():
            try:
                saved = rota.station_set(
                    node=node,
                    phone=form.cleaned_data["phone"],
                    route_to_duty=form.cleaned_data["route_to_duty"],
                    by=user,
                )
            except DomainError as error:
                onto_form(form, error)
            else:
                messages.success(request, _("The station's settings are saved."))
                return redirect("services:station", station_id=saved.pk)
    return render(
        request,
        "services/rota/station_edit.html",
        {"node": node, "station": current, "form": form, "place": node_label(node)},
        status=400 if form.errors else 200,
    )


@console_required
@require_POST
def shift_add(request: HttpRequest, station_id: int) -> HttpResponse:
    user = person(request)
    station = access.access_station(user, station_id, write=True)
    form = ShiftForm(request.POST, station=station)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rota.shift_add(
                station=station,
                person=_chosen(station, data["person"]),
                weekday=data["weekday"],
                starts=data["starts"],
                ends=data["ends"],
                by=user,
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("The shift is added to the weekly pattern."))
            return redirect("services:station", station_id=station.pk)
    return _station_page(request, station, shift_form=form, status=400)


@console_required
@require_POST
def shift_remove(request: HttpRequest, station_id: int, shift_id: int) -> HttpResponse:
    user = person(request)
    station = access.access_station(user, station_id, write=True)
    shift = get_object_or_404(DutyShift, pk=shift_id, station=station)
    rota.shift_remove(shift=shift, by=user)
    messages.success(request, _("The shift is removed."))
    return redirect("services:station", station_id=station.pk)


@console_required
@require_POST
def change_add(request: HttpRequest, station_id: int) -> HttpResponse:
    user = person(request)
    station = access.access_station(user, station_id, write=True)
    form = ChangeForm(request.POST, station=station)
    if form.is_valid():
        data = form.cleaned_data
        chosen = _chosen(station, data["person"])
        if data["person"] and chosen is None and data["kind"] == DutyChangeKind.ABSENT:
            # Someone away need not be eligible any more; they must sit on that day's pattern.
            chosen = Person.objects.filter(
                pk=int(data["person"]), duty_shifts__station=station
            ).first()
        try:
            rota.change_add(
                station=station,
                day=data["day"],
                kind=data["kind"],
                person=chosen,
                starts=data["starts"],
                ends=data["ends"],
                note=data["note"],
                by=user,
            )
        except DomainError as error:
            onto_form(form, error)
        else:
            messages.success(request, _("The change is saved."))
            return redirect("services:station", station_id=station.pk)
    return _station_page(request, station, change_form=form, status=400)


@console_required
@require_POST
def change_remove(request: HttpRequest, station_id: int, change_id: int) -> HttpResponse:
    user = person(request)
    station = access.access_station(user, station_id, write=True)
    change = get_object_or_404(DutyChange, pk=change_id, station=station)
    rota.change_remove(change=change, by=user)
    messages.success(request, _("The change is removed."))
    return redirect("services:station", station_id=station.pk)


# --- Public ---------------------------------------------------------------------------------------


def _public_station(code: str) -> Station:
    station = Station.objects.select_related("node").filter(node__code=code).first()
    if station is None:
        raise Http404("no such station")
    return station


def raise_link(node: Node) -> str:
    """The resident form bound to the station's place (as its QR code would)."""
    choose = reverse("resident:choose")
    if node.kind in QR_NODE_KINDS:
        return f"{choose}?{urlencode({'at': node.code})}"
    return choose


@require_safe
def public_station(request: HttpRequest, code: str) -> HttpResponse:
    station = _public_station(code)
    sitting = rota.on_duty(station)
    back = "" if sitting else nearby.back_at_words(rota.next_duty(station))
    return render(
        request,
        "services/rota/public_station.html",
        {
            "station": station,
            "place": node_label(station.node),
            "on_duty": [p.name for p in sitting],
            "back_at": back,
            "week": rota.week_rows(station),
            "raise_url": raise_link(station.node),
        },
    )


@require_safe
def station_poster(request: HttpRequest, code: str) -> HttpResponse:
    station = _public_station(code)
    node = station.node
    url = request.build_absolute_uri(reverse("nearby:station", args=[node.code]))
    # Weekday names stay lazy: each half of the poster prints them in its own language.
    hours = [
        (rota.WEEKDAYS[weekday], ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in spans))
        for weekday, (_label, spans) in enumerate(rota.duty_hours(station))
    ]
    return render(
        request,
        "services/rota/poster.html",
        {
            "station": station,
            "name_zh": node.name,
            "name_mn": node.name_mn,
            "service": node.service_name,
            "within_mn": node_label(node, MONGOLIAN),
            "url": url,
            "qr": mark_safe(qr_svg(url, scalable=True)),  # noqa: S308 (segno output)
            "hours": hours,
        },
    )


console_urls: list[URLPattern] = [
    path("stations/", stations, name="stations"),
    path("stations/<int:station_id>/", station, name="station"),
    path("stations/place/<int:node_id>/", station_edit, name="station_edit"),
    path("stations/<int:station_id>/shifts/", shift_add, name="shift_add"),
    path(
        "stations/<int:station_id>/shifts/<int:shift_id>/remove/",
        shift_remove,
        name="shift_remove",
    ),
    path("stations/<int:station_id>/changes/", change_add, name="change_add"),
    path(
        "stations/<int:station_id>/changes/<int:change_id>/remove/",
        change_remove,
        name="change_remove",
    ),
]
public_urls: list[URLPattern] = [
    path("stations/<str:code>/", public_station, name="station"),
    path("stations/<str:code>/poster/", station_poster, name="station_poster"),
]
