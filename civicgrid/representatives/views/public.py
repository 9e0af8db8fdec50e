"""The public pages, /representatives/ (namespace "representatives_public"): no login, mobile
first. The places that have stations, a place's representatives and stations, a
representative's profile (never a phone), a station's page (its own phone, address, map
point, timetable, the next receptions, its representatives). What is shown is
`publication.py`'s to say."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from civicgrid.core.i18n import localised, mongolian
from civicgrid.network.models import Node, NodeKind, node_label
from civicgrid.representatives import publication, timetable
from civicgrid.representatives.models import LiaisonStation, Representative
from civicgrid.representatives.views.console import time_label

T = "representatives/public/"
DAYS = 28


def rep_name(rep: Representative) -> str:
    """The name a resident reads: the Mongolian one on a Mongolian page when there is one."""
    return localised(rep.person.name, "", name_mn=rep.name_mn)


def _rep_card(rep: Representative) -> dict[str, Any]:
    return {
        "id": rep.pk,
        "name": rep_name(rep),
        # Beside the Chinese name on other pages; a Mongolian page already shows it alone.
        "name_mn": "" if mongolian(get_language() or "") else rep.name_mn,
        "body": rep.get_body_display(),
        "level": rep.get_level_display(),
        "title": localised(rep.title, "", name_mn=rep.title_mn),
    }


def _station_card(station: LiaisonStation) -> dict[str, Any]:
    return {
        "id": station.pk,
        "name": localised(station.name, station.name_en, name_mn=station.name_mn),
        "kind": station.get_kind_display(),
        "address": localised(station.address, "", name_mn=station.address_mn),
    }


def _slots(slots: list[timetable.Slot], *, limit: int = 8) -> list[dict[str, Any]]:
    rows = []
    for slot in slots[:limit]:
        rep = slot.representative
        public = rep is not None and publication.is_public_representative(rep)
        rows.append(
            {
                "day": slot.day,
                "time": f"{slot.starts:%H:%M}–{slot.ends:%H:%M}",
                "rep_id": rep.pk if public and rep is not None else None,
                "rep_name": rep_name(rep) if public and rep is not None else "",
            }
        )
    return rows


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The places whose stations are listed: the town (subdistrict) of each station."""
    stations = list(publication.public_stations().select_related("node"))
    ancestors = {i for station in stations for i in station.node.ancestor_ids()}
    town_of = {n.pk: n for n in Node.objects.filter(pk__in=ancestors, kind=NodeKind.TOWN)}
    towns: dict[int, dict[str, Any]] = {}
    for station in stations:
        ids = station.node.ancestor_ids()
        town = next((town_of[i] for i in ids if i in town_of), station.node)
        entry = towns.setdefault(town.pk, {"id": town.pk, "name": node_label(town), "n": 0})
        entry["n"] += 1
    return render(request, T + "index.html", {"places": list(towns.values())})


@require_safe
def place(request: HttpRequest, node_id: int) -> HttpResponse:
    """A place's representatives and stations (its whole subtree)."""
    node = publication.public_place(node_id)
    stations = (
        publication.public_stations()
        .filter(node__path__startswith=node.path)
        .annotate(reps=Count("representatives"))
        .order_by("kind", "node__path", "pk")
    )
    reps = (
        publication.public_representatives()
        .filter(station__in=stations)
        .select_related("person")
        .order_by("body", "level", "person__name", "pk")
    )
    context = {
        "node": node,
        "place_name": node_label(node),
        "stations": [_station_card(s) for s in stations],
        "reps": [_rep_card(r) for r in reps],
    }
    return render(request, T + "place.html", context)


@require_safe
def representative(request: HttpRequest, rep_id: int) -> HttpResponse:
    rep = publication.public_representative(rep_id)
    station = (
        rep.station
        if rep.station is not None and publication.is_public_station(rep.station)
        else None
    )
    context = {
        "rep": rep,
        "card": _rep_card(rep),
        "profile": localised(rep.profile, "", name_mn=rep.profile_mn),
        "elected_at": node_label(rep.node),
        "constituency": [node_label(n) for n in rep.constituency.order_by("path")],
        "station": _station_card(station) if station is not None else None,
        "slots": _slots(timetable.upcoming_for(rep, days=DAYS)) if station is not None else [],
    }
    return render(request, T + "representative.html", context)


@require_safe
def station(request: HttpRequest, station_id: int) -> HttpResponse:
    found = publication.public_station(station_id)
    reps = (
        publication.public_representatives()
        .filter(station=found)
        .select_related("person")
        .order_by("body", "level", "person__name", "pk")
    )
    times = found.times.select_related("representative__person").order_by("weekday", "starts")
    timetable_rows = []
    for t in times:
        rep = t.representative
        public = rep is not None and publication.is_public_representative(rep)
        timetable_rows.append(
            {
                "label": time_label(t),
                "rep_name": rep_name(rep) if public and rep is not None else "",
            }
        )
    context = {
        "station": found,
        "card": _station_card(found),
        "place_name": node_label(found.node),
        "timetable": timetable_rows,
        "slots": _slots(timetable.upcoming_times(found, days=DAYS)),
        "reps": [_rep_card(r) for r in reps],
        "no_times": _("No reception times are set yet."),
    }
    return render(request, T + "station.html", context)


public_urls = [
    path("", index, name="index"),
    path("place/<int:node_id>/", place, name="place"),
    path("<int:rep_id>/", representative, name="representative"),
    path("stations/<int:station_id>/", station, name="station"),
]
