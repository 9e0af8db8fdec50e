"""The representatives' console pages, /console/representatives/ (namespace
"representatives"): representatives and stations with their forms, a station's timetable,
receptions with their matters (one click makes a matter a need) and their log, the counts.

A view parses, asks `access`, calls one service, renders. Every writing view refuses a
reader (403) before the form is read (`access.refuse_readers`), then asks for the record
with `write=True`; the services check again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from civicgrid.core.errors import DomainError, onto_form
from civicgrid.needs.models import Category
from civicgrid.network import scope
from civicgrid.network.console import console_required, person
from civicgrid.network.models import Node, NodeKind, Person, Role
from civicgrid.representatives import access, counts, receptions, services, timetable
from civicgrid.representatives.models import (
    Body,
    Level,
    LiaisonStation,
    Reception,
    ReceptionChange,
    ReceptionMatter,
    ReceptionTime,
    Representative,
    StationKind,
)
from civicgrid.services.models import Room

T = "representatives/console/"
LIMIT = 300
WEEKDAYS = [
    (0, gettext_lazy("Monday")),
    (1, gettext_lazy("Tuesday")),
    (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")),
    (4, gettext_lazy("Friday")),
    (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]
WEEKS = [
    ("", gettext_lazy("Every week")),
    (1, gettext_lazy("First week of the month")),
    (2, gettext_lazy("Second week of the month")),
    (3, gettext_lazy("Third week of the month")),
    (4, gettext_lazy("Fourth week of the month")),
    (5, gettext_lazy("Fifth week of the month")),
]
PLACE_KINDS = (NodeKind.LEAGUE, NodeKind.BANNER, NodeKind.TOWN, NodeKind.COMMUNITY)


def weekday_label(weekday: int) -> str:
    return str(dict(WEEKDAYS).get(weekday, ""))


def time_label(time: ReceptionTime) -> str:
    week = "" if time.week_of_month is None else str(dict(WEEKS)[time.week_of_month]) + " · "
    return f"{week}{weekday_label(time.weekday)} {time.starts:%H:%M}–{time.ends:%H:%M}"


def _places(user: Any) -> QuerySet[Node]:
    """Places the user keeps (for a station's place, a constituency)."""
    paths = access.keeper_paths(user)
    nodes = Node.objects.all() if paths is None else Node.objects.filter(scope.paths_q(paths))
    return nodes.order_by("path")


def _saved(request: HttpRequest, message: str) -> None:
    messages.success(request, message)


# --- Home: representatives and stations -------------------------------------------------------


@console_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = person(request)
    reps = (
        access.visible_representatives(user)
        .order_by("node__path", "person__name", "pk")
        .values_list(
            "pk",
            "person__name",
            "name_mn",
            "body",
            "level",
            "node__name",
            "station__name",
            "public",
            "active",
        )[:LIMIT]
    )
    bodies, levels = dict(Body.choices), dict(Level.choices)
    rep_rows = [
        {
            "id": pk,
            "name": name,
            "name_mn": name_mn,
            "body": bodies.get(body, body),
            "level": levels.get(level, level),
            "place": place,
            "station": station or "",
            "public": public,
            "active": active,
        }
        for pk, name, name_mn, body, level, place, station, public, active in reps
    ]
    stations = (
        access.visible_stations(user)
        .annotate(reps=Count("representatives", distinct=True))
        .order_by("node__path", "kind", "pk")
        .values_list("pk", "name", "kind", "node__name", "address", "active", "reps")[:LIMIT]
    )
    kinds = dict(StationKind.choices)
    station_rows = [
        {
            "id": pk,
            "name": name,
            "kind": kinds.get(kind, kind),
            "place": place,
            "address": address,
            "active": active,
            "reps": reps_n,
        }
        for pk, name, kind, place, address, active, reps_n in stations
    ]
    context = {
        "reps": rep_rows,
        "stations": station_rows,
        "may_write": access.serves_anywhere(user),
    }
    return render(request, T + "home.html", context)


# --- Representatives --------------------------------------------------------------------------


class RepresentativeForm(forms.Form):
    person = forms.ModelChoiceField(label=gettext_lazy("Person"), queryset=Person.objects.none())
    body = forms.ChoiceField(label=gettext_lazy("Body"), choices=Body.choices)
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=Level.choices)
    node = forms.ModelChoiceField(
        label=gettext_lazy("Elected at"),
        queryset=Node.objects.none(),
        help_text=gettext_lazy("The place whose congress elected them."),
    )
    constituency = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Constituency"), queryset=Node.objects.none(), required=False
    )
    station = forms.ModelChoiceField(
        label=gettext_lazy("Station"), queryset=LiaisonStation.objects.none(), required=False
    )
    name_mn = forms.CharField(label=gettext_lazy("Mongolian name"), max_length=150, required=False)
    title = forms.CharField(label=gettext_lazy("Work and title"), max_length=120, required=False)
    title_mn = forms.CharField(
        label=gettext_lazy("Mongolian work and title"), max_length=200, required=False
    )
    profile = forms.CharField(
        label=gettext_lazy("Profile"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    profile_mn = forms.CharField(
        label=gettext_lazy("Mongolian profile"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    term = forms.CharField(
        label=gettext_lazy("Term"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("e.g. 2022–2027"),
    )
    public = forms.BooleanField(label=gettext_lazy("Profile published"), required=False)
    active = forms.BooleanField(label=gettext_lazy("Serving"), required=False)

    def __init__(self, *args: Any, user: Person, rep: Representative | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        places = _places(user)
        # People holding the representative role in the writer's area, and the one held now.
        holders = Q(roles__role=Role.REPRESENTATIVE, roles__node__in=places)
        if rep is not None:
            holders |= Q(pk=rep.person_id)
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(holders, is_active=True).distinct().order_by("name", "pk")
        )
        # Elected at: a place of the writer's area or one above it (a city's congress).
        ids = {i for node in places[:50] for i in node.ancestor_ids()}
        elected = Node.objects.filter(Q(pk__in=ids) | Q(pk__in=places.values("pk")))
        self.fields["node"].queryset = elected.filter(kind__in=PLACE_KINDS).order_by("path")  # type: ignore[attr-defined]
        self.fields["constituency"].queryset = places.exclude(  # type: ignore[attr-defined]
            kind__in=(NodeKind.SMALL_GRID, NodeKind.UNIT)
        )
        self.fields["station"].queryset = access.visible_stations(user).filter(  # type: ignore[attr-defined]
            node__in=places
        )


REP_FIELDS = (
    "name_mn",
    "title",
    "title_mn",
    "profile",
    "profile_mn",
    "term",
    "public",
    "active",
)


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def rep_edit(request: HttpRequest, rep_id: int | None = None) -> HttpResponse:
    """A new representative, or one changed."""
    user = person(request)
    access.refuse_readers(user)
    rep = access.access_representative(user, rep_id, write=True) if rep_id is not None else None
    if rep is not None:
        initial: dict[str, Any] = {name: getattr(rep, name) for name in REP_FIELDS}
        initial.update(
            person=rep.person_id,
            body=rep.body,
            level=rep.level,
            node=rep.node_id,
            station=rep.station_id,
            constituency=list(rep.constituency.values_list("pk", flat=True)),
        )
    else:
        initial = {"public": True, "active": True}
    form = RepresentativeForm(request.POST or None, initial=initial, user=user, rep=rep)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.representative_save(
                    by=user,
                    representative=rep,
                    person=data["person"],
                    body=data["body"],
                    level=data["level"],
                    node=data["node"],
                    constituency=data.get("constituency") or [],
                    station=data.get("station"),
                    **{name: data[name] for name in REP_FIELDS},
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                _saved(request, _("The representative is saved."))
                return redirect("representatives:representative", rep_id=saved.pk)
    return render(request, T + "rep_form.html", {"form": form, "rep": rep}, status=status)


@console_required
@require_safe
def representative(request: HttpRequest, rep_id: int) -> HttpResponse:
    user = person(request)
    rep = access.access_representative(user, rep_id)
    held = (
        access.visible_receptions(user)
        .filter(representatives=rep)
        .select_related("station")
        .annotate(matters_n=Count("matters"))
        .order_by("-day", "-starts")[:50]
    )
    context = {
        "rep": rep,
        "constituency": list(rep.constituency.order_by("path")),
        "times": timetable.upcoming_for(rep, days=28),
        "receptions": list(held),
        "may_write": access.serves(user, access.rep_place(rep)),
    }
    return render(request, T + "rep_detail.html", context)


# --- Stations ---------------------------------------------------------------------------------


class StationForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=StationKind.choices)
    node = forms.ModelChoiceField(label=gettext_lazy("Place"), queryset=Node.objects.none())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=150, required=False)
    name_mn = forms.CharField(label=gettext_lazy("Mongolian name"), max_length=150, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    address_mn = forms.CharField(
        label=gettext_lazy("Mongolian address"), max_length=300, required=False
    )
    phone = forms.CharField(
        label=gettext_lazy("Station phone"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("The station's own number, shown to the public."),
    )
    lat = forms.FloatField(label=gettext_lazy("Latitude"), required=False)
    lon = forms.FloatField(label=gettext_lazy("Longitude"), required=False)
    room = forms.ModelChoiceField(
        label=gettext_lazy("Room"),
        queryset=Room.objects.none(),
        required=False,
        help_text=gettext_lazy("Receptions still to come book this room."),
    )
    staff = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Staff who answer the station's messages"),
        queryset=Person.objects.none(),
        required=False,
    )
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        places = _places(user)
        self.fields["node"].queryset = places.exclude(kind=NodeKind.UNIT)  # type: ignore[attr-defined]
        self.fields["room"].queryset = Room.objects.filter(  # type: ignore[attr-defined]
            active=True, node__in=places
        ).order_by("node_id", "name")
        self.fields["staff"].queryset = (  # type: ignore[attr-defined]
            Person.objects.filter(is_active=True, roles__node__in=places)
            .distinct()
            .order_by("name", "pk")
        )


STATION_FIELDS = (
    "name",
    "name_en",
    "name_mn",
    "address",
    "address_mn",
    "phone",
    "lat",
    "lon",
    "room",
    "active",
)


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def station_edit(request: HttpRequest, station_id: int | None = None) -> HttpResponse:
    user = person(request)
    access.refuse_readers(user)
    station = access.access_station(user, station_id, write=True) if station_id else None
    if station is not None:
        initial: dict[str, Any] = {name: getattr(station, name) for name in STATION_FIELDS}
        initial.update(
            kind=station.kind,
            node=station.node_id,
            room=station.room_id,
            staff=list(station.staff.values_list("pk", flat=True)),
        )
    else:
        initial = {"active": True, "kind": StationKind.STATION}
    form = StationForm(request.POST or None, initial=initial, user=user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = services.station_save(
                    by=user,
                    station=station,
                    node=data["node"],
                    kind=data["kind"],
                    staff=data.get("staff") or [],
                    **{name: data[name] for name in STATION_FIELDS},
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                _saved(request, _("The station is saved."))
                return redirect("representatives:station", station_id=saved.pk)
    context = {"form": form, "station": station}
    return render(request, T + "station_form.html", context, status=status)


class TimeForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Weekday"), choices=WEEKDAYS, coerce=int)
    week_of_month = forms.TypedChoiceField(
        label=gettext_lazy("Which weeks"),
        choices=WEEKS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    starts = forms.TimeField(
        label=gettext_lazy("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=gettext_lazy("Ends at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    representative = forms.ModelChoiceField(
        label=gettext_lazy("Representative"),
        queryset=Representative.objects.none(),
        required=False,
        empty_label=gettext_lazy("The station's representatives by turns"),
    )

    def __init__(self, *args: Any, station: LiaisonStation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["representative"].queryset = _reps_for(station)  # type: ignore[attr-defined]
        self.fields["representative"].label_from_instance = rep_label  # type: ignore[attr-defined]


def rep_label(rep: Representative) -> str:
    return f"{rep.person.name} · {rep.get_body_display()} · {rep.get_level_display()}"


def _reps_for(station: LiaisonStation) -> QuerySet[Representative]:
    """Who may be named at a station: its own representatives and those whose constituency
    holds the station's place (serving ones)."""
    ancestors = station.node.ancestor_ids()
    return (
        Representative.objects.filter(
            Q(station=station) | Q(constituency__in=ancestors) | Q(node_id__in=ancestors),
            active=True,
        )
        .select_related("person")
        .distinct()
        .order_by("person__name", "pk")
    )


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def station(request: HttpRequest, station_id: int) -> HttpResponse:
    """A station: its details, timetable (with the form to add a time), its representatives,
    the next slots and its receptions."""
    user = person(request)
    if request.method == "POST":
        access.refuse_readers(user)
    found = access.access_station(user, station_id, write=request.method == "POST")
    may_write = access.serves(user, found.node)
    form = TimeForm(request.POST or None, station=found)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.time_save(
                    by=user,
                    station=found,
                    weekday=data["weekday"],
                    week_of_month=data.get("week_of_month"),
                    starts=data["starts"],
                    ends=data["ends"],
                    representative=data.get("representative"),
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                _saved(request, _("The reception time is added."))
                return redirect("representatives:station", station_id=found.pk)
    times = found.times.select_related("representative__person").order_by("weekday", "starts", "pk")
    held = (
        Reception.objects.filter(station=found)
        .annotate(matters_n=Count("matters"), reps_n=Count("representatives", distinct=True))
        .order_by("-day", "-starts")[:50]
    )
    context = {
        "station": found,
        "times": [{"row": t, "label": time_label(t)} for t in times],
        "upcoming": timetable.upcoming_times(found, days=14),
        "reps": list(found.representatives.select_related("person").order_by("person__name")),
        "staff": list(found.staff.order_by("name")),
        "receptions": list(held),
        "form": form,
        "may_write": may_write,
    }
    return render(request, T + "station.html", context, status=status)


@console_required
@require_POST
def time_delete(request: HttpRequest, time_id: int) -> HttpResponse:
    user = person(request)
    access.refuse_readers(user)
    time = get_object_or_404(ReceptionTime.objects.select_related("station"), pk=time_id)
    found = access.access_station(user, time.station_id, write=True)
    services.time_delete(by=user, time=time)
    _saved(request, _("The reception time is removed."))
    return redirect("representatives:station", station_id=found.pk)


# --- Receptions -------------------------------------------------------------------------------


@console_required
@require_safe
def reception_list(request: HttpRequest) -> HttpResponse:
    user = person(request)
    rows = (
        access.visible_receptions(user)
        .order_by("-day", "-starts", "pk")
        .values_list("pk", "day", "starts", "ends", "station__name", "topic", "attendance")[:LIMIT]
    )
    ids = [r[0] for r in rows]
    reps_n = Counter(
        Reception.representatives.through.objects.filter(reception_id__in=ids).values_list(
            "reception_id", flat=True
        )
    )
    matters_n = Counter(
        ReceptionMatter.objects.filter(reception_id__in=ids).values_list("reception_id", flat=True)
    )
    context = {
        "rows": [
            {
                "id": pk,
                "day": day,
                "time": f"{starts:%H:%M}–{ends:%H:%M}",
                "station": station_name,
                "topic": topic,
                "attendance": attendance,
                "reps": reps_n.get(pk, 0),
                "matters": matters_n.get(pk, 0),
            }
            for pk, day, starts, ends, station_name, topic, attendance in rows
        ],
        "stations": list(
            LiaisonStation.objects.filter(active=True, node__in=_places(user)).values_list(
                "pk", "name"
            )
        ),
    }
    return render(request, T + "receptions.html", context)


class ReceptionForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(
        label=gettext_lazy("Starts at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends = forms.TimeField(
        label=gettext_lazy("Ends at"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    representatives = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Representatives present"),
        queryset=Representative.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=120, required=False)
    attendance = forms.IntegerField(
        label=gettext_lazy("People received"), min_value=0, max_value=receptions.MAX_ATTENDANCE
    )
    matters = forms.CharField(
        label=gettext_lazy("Matters raised"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One a line: the matter | who raised it | the answer given (the last two optional)."
        ),
    )

    def __init__(self, *args: Any, station: LiaisonStation, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["representatives"]
        field.queryset = _reps_for(station)  # type: ignore[attr-defined]
        field.label_from_instance = rep_label  # type: ignore[attr-defined]
        if editing:
            del self.fields["matters"]

    def matter_rows(self) -> list[receptions.MatterIn]:
        rows = []
        for line in (self.cleaned_data.get("matters") or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts or not parts[0]:
                continue
            parts += ["", ""]
            rows.append(receptions.MatterIn(summary=parts[0], raised_by=parts[1], answer=parts[2]))
        return rows


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def reception_add(request: HttpRequest, station_id: int) -> HttpResponse:
    user = person(request)
    access.refuse_readers(user)
    found = access.access_station(user, station_id, write=True)
    initial: dict[str, Any] = {"day": timezone.localdate()}
    slot = next(iter(timetable.upcoming_times(found, days=1)), None)
    if slot is not None:
        initial.update(starts=slot.starts, ends=slot.ends)
        if slot.representative is not None:
            initial["representatives"] = [slot.representative.pk]
    form = ReceptionForm(request.POST or None, initial=initial, station=found)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = receptions.reception_record(
                    by=user,
                    station=found,
                    day=data["day"],
                    starts=data["starts"],
                    ends=data["ends"],
                    representatives=list(data["representatives"]),
                    topic=data.get("topic") or "",
                    attendance=data["attendance"],
                    matters=form.matter_rows(),
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                _saved(request, _("The reception is recorded."))
                return redirect("representatives:reception", reception_id=saved.pk)
    context = {"form": form, "station": found, "reception": None}
    return render(request, T + "reception_form.html", context, status=status)


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def reception_edit(request: HttpRequest, reception_id: int) -> HttpResponse:
    user = person(request)
    access.refuse_readers(user)
    found = access.access_reception(user, reception_id, write=True)
    initial = {
        "day": found.day,
        "starts": found.starts,
        "ends": found.ends,
        "topic": found.topic,
        "attendance": found.attendance,
        "representatives": list(found.representatives.values_list("pk", flat=True)),
    }
    form = ReceptionForm(request.POST or None, initial=initial, station=found.station, editing=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                receptions.reception_change(
                    by=user,
                    reception=found,
                    day=data["day"],
                    starts=data["starts"],
                    ends=data["ends"],
                    representatives=list(data["representatives"]),
                    topic=data.get("topic") or "",
                    attendance=data["attendance"],
                )
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                _saved(request, _("The reception is corrected."))
                return redirect("representatives:reception", reception_id=found.pk)
    context = {"form": form, "station": found.station, "reception": found}
    return render(request, T + "reception_form.html", context, status=status)


class MatterForm(forms.Form):
    summary = forms.CharField(label=gettext_lazy("Matter raised"), max_length=300)
    raised_by = forms.CharField(label=gettext_lazy("Raised by"), max_length=64, required=False)
    answer = forms.CharField(label=gettext_lazy("Answer given"), max_length=300, required=False)


class NeedForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Kind of need"),
        queryset=Category.objects.none(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = receptions.need_categories()  # type: ignore[attr-defined]


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def reception(request: HttpRequest, reception_id: int) -> HttpResponse:
    """A reception: its facts, the representatives, the matters (masked names; a form to add
    one), each matter's need or the button that raises it, and the log."""
    user = person(request)
    if request.method == "POST":
        access.refuse_readers(user)
    found = access.access_reception(user, reception_id, write=request.method == "POST")
    may_write = access.serves(user, found.station.node)
    form = MatterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                receptions.matter_add(by=user, reception=found, **form.cleaned_data)
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                _saved(request, _("The matter is added."))
                return redirect("representatives:reception", reception_id=found.pk)
    matters = [
        {
            "id": m.pk,
            "summary": m.summary,
            "raised_by": access.mask_name(m.raised_by),
            "answer": m.answer,
            "need_id": m.need_id,
            "need_number": m.need.number if m.need is not None else "",
        }
        for m in found.matters.select_related("need").order_by("pk")
    ]
    log = ReceptionChange.objects.filter(reception=found).select_related("actor").order_by("seq")
    context = {
        "reception": found,
        "reps": list(found.representatives.select_related("person").order_by("person__name")),
        "matters": matters,
        "log": list(log),
        "form": form,
        "need_form": NeedForm(),
        "may_write": may_write,
    }
    return render(request, T + "reception.html", context, status=status)


def _matter(user: Person, matter_id: int) -> ReceptionMatter:
    matter = get_object_or_404(
        ReceptionMatter.objects.select_related("reception", "reception__station"), pk=matter_id
    )
    access.access_reception(user, matter.reception_id, write=True)
    return matter


@console_required
@require_http_methods(["GET", "HEAD", "POST"])
def matter_edit(request: HttpRequest, matter_id: int) -> HttpResponse:
    user = person(request)
    access.refuse_readers(user)
    matter = _matter(user, matter_id)
    initial = {"summary": matter.summary, "raised_by": matter.raised_by, "answer": matter.answer}
    form = MatterForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                receptions.matter_change(by=user, matter=matter, **form.cleaned_data)
            except DomainError as failure:
                onto_form(form, failure)
                status = failure.status
            else:
                _saved(request, _("The matter is saved."))
                return redirect("representatives:reception", reception_id=matter.reception_id)
    context = {"form": form, "matter": matter}
    return render(request, T + "matter_form.html", context, status=status)


@console_required
@require_POST
def matter_need(request: HttpRequest, matter_id: int) -> HttpResponse:
    """One click: the matter becomes a need of the chosen kind."""
    user = person(request)
    access.refuse_readers(user)
    matter = _matter(user, matter_id)
    form = NeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the kind of need."))
        return redirect("representatives:reception", reception_id=matter.reception_id)
    try:
        need = receptions.matter_to_need(
            by=user, matter=matter, category=form.cleaned_data["category"]
        )
    except DomainError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(
            request, _("Need %(number)s is raised from the matter.") % {"number": need.number}
        )
    return redirect("representatives:reception", reception_id=matter.reception_id)


# --- Counts -----------------------------------------------------------------------------------


class CountsForm(forms.Form):
    place = forms.ModelChoiceField(label=gettext_lazy("Place"), queryset=Node.objects.none())
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, user: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = (  # type: ignore[attr-defined]
            scope.within_scope(Node.objects.all(), user)
            .filter(kind__in=PLACE_KINDS)
            .order_by("path")
        )


@console_required
@require_safe
def counts_page(request: HttpRequest) -> HttpResponse:
    """Receptions held, people received, participations, matters and needs for a place and
    a period (the year so far by default)."""
    user = person(request)
    today = timezone.localdate()
    places = scope.within_scope(Node.objects.all(), user).filter(kind__in=PLACE_KINDS)
    first = places.order_by("path").first()
    initial = {"start": dt.date(today.year, 1, 1), "end": today, "place": first}
    form = CountsForm(request.GET or None, initial=initial, user=user)
    figures, by_station, place = None, [], None
    if form.is_bound and form.is_valid():
        place, start, end = (form.cleaned_data[k] for k in ("place", "start", "end"))
    elif not form.is_bound and first is not None:
        place, start, end = first, initial["start"], initial["end"]
    if place is not None:
        figures = counts.reception_counts(place, start, end)
        by_station = counts.counts_by_station(place, start, end)
    context = {"form": form, "figures": figures, "by_station": by_station, "place": place}
    return render(request, T + "counts.html", context, status=400 if form.errors else 200)


console_urls = [
    path("", home, name="home"),
    path("new/", rep_edit, name="rep_add"),
    path("<int:rep_id>/", representative, name="representative"),
    path("<int:rep_id>/edit/", rep_edit, name="rep_edit"),
    path("stations/new/", station_edit, name="station_add"),
    path("stations/<int:station_id>/", station, name="station"),
    path("stations/<int:station_id>/edit/", station_edit, name="station_edit"),
    path("times/<int:time_id>/delete/", time_delete, name="time_delete"),
    path("receptions/", reception_list, name="receptions"),
    path("stations/<int:station_id>/receptions/new/", reception_add, name="reception_add"),
    path("receptions/<int:reception_id>/", reception, name="reception"),
    path("receptions/<int:reception_id>/edit/", reception_edit, name="reception_edit"),
    path("matters/<int:matter_id>/edit/", matter_edit, name="matter_edit"),
    path("matters/<int:matter_id>/need/", matter_need, name="matter_need"),
    path("counts/", counts_page, name="counts"),
]
