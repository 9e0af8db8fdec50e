"""What is near me (/near/): from "use my location" (the browser's point, sent back as
?lat=&lon=; no account, nothing stored) or a chosen town or community (?at=<code>), the
services, public rooms, the nearest station and who is on duty there, and the grid worker of
the grid, sorted by the walk (`services.nearby`), with a light plot of where they lie.

No map library: the resident pages carry none (Leaflet is the console's), so the plot is a
plain SVG drawn here, "you are here" in the middle and each item by its bearing and distance,
numbered as the list. The location button is the intake's (`static/js/intake.js`,
`[data-locate]`): the page needs no script of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from civicgrid.core.errors import Invalid
from civicgrid.network.models import Node, node_label
from civicgrid.services import nearby

PLOT_SIZE = 300
PLOT_RADIUS = 130  # px from the middle to the furthest item
MIN_SCALE_M = 400  # the plot shows at least this far (straight line), so near items spread
TEN_MINUTES_M = 10 * nearby.WALKING_KMH * 1000 / 60 / nearby.STREETS  # straight line

COLOURS = {
    "service": "#0b5cad",
    "room": "#1d5e2c",
    "station": "#b3161b",
    "grid_worker": "#6b4a00",
    "meal": "#6a3d9a",
}
OTHER_COLOUR = "#454d57"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    number: int
    colour: str
    label: str


@dataclass(frozen=True)
class Plot:
    size: int
    middle: float
    dots: list[Dot]
    ten_minutes: float  # the ring's radius in px (0 when beyond the plot)
    edge_metres: int  # the straight-line distance at the plot's edge


def plot(found: nearby.Nearby) -> Plot:
    """Where the items lie from the point: north up, the furthest at the edge (further ones,
    a far station, sit on the edge in their direction)."""
    far = max(
        (math.hypot(i.east_m, i.north_m) for i in found.items if i.place.located), default=0.0
    )
    scale_m = max(far, MIN_SCALE_M)
    middle = PLOT_SIZE / 2
    dots = []
    for item in found.items:
        if not item.place.located:
            continue  # at the resident's own point: "in your grid", under the red dot
        east, north = item.east_m, item.north_m
        reach = math.hypot(east, north)
        if reach > scale_m:
            east, north = east * scale_m / reach, north * scale_m / reach
        dots.append(
            Dot(
                x=round(middle + east / scale_m * PLOT_RADIUS, 1),
                y=round(middle - north / scale_m * PLOT_RADIUS, 1),
                number=item.number,
                colour=COLOURS.get(item.kind, OTHER_COLOUR),
                label=item.place.name,
            )
        )
    ring = TEN_MINUTES_M / scale_m * PLOT_RADIUS
    return Plot(
        size=PLOT_SIZE,
        middle=middle,
        # Items at the same place overlap: the later ones are drawn on top, the list says all.
        dots=dots,
        ten_minutes=round(ring, 1) if ring <= PLOT_RADIUS else 0,
        edge_metres=round(scale_m),
    )


@require_safe
def near(request: HttpRequest) -> HttpResponse:
    lat, lon = request.GET.get("lat", "").strip(), request.GET.get("lon", "").strip()
    at = request.GET.get("at", "").strip()
    found: nearby.Nearby | None = None
    chosen: Node | None = None
    error = ""
    try:
        if lat or lon:
            found = nearby.near(lat, lon)  # checked there: Invalid says what to fix
        elif at:
            chosen, point_lat, point_lon = nearby.place_point(at)
            found = nearby.near(point_lat, point_lon)
    except Invalid as refused:
        error = refused.message
    response = render(
        request,
        "services/nearby/near.html",
        {
            "found": found,
            "plot": plot(found) if found and found.items else None,
            "error": error,
            "chosen": node_label(chosen) if chosen else "",
            "at": at,
            "from_location": bool(found and not chosen),
            "grid": node_label(found.grid) if found and found.grid else "",
            "places": nearby.place_choices(),
            "rows": [(i, COLOURS.get(i.kind, OTHER_COLOUR)) for i in found.items] if found else [],
        },
        status=400 if error else 200,
    )
    # A resident's location is in the address: no cache keeps the page.
    patch_cache_control(response, private=True, no_store=True)
    return response


public_urls: list[URLPattern] = [
    path("", near, name="near"),
]
console_urls: list[URLPattern] = []
