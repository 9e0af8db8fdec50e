"""What is near me (the 10-minute circle): from a point, the places and people a resident can
walk to, sorted by an estimate of the walk.

The estimate: the straight line (`network.geo.distance_m`) times `STREETS` for the streets'
detours, walked at `WALKING_KMH`. Read: active services (their own point, else their place's),
rooms open to the public, the nearest station with who is on duty there now (and when someone
is back), the grid worker(s) of the grid containing the point, and whatever other modules add
through `EXTRA_SOURCES` (the care module's meal points). At most `LIMIT` items within
`RADIUS_M` of walking; the nearest station is shown even when it is further (out to
`STATION_RADIUS_M`).

A fixed number of queries whatever the size of the catalogue: each source reads the rows
inside a box around the point in one query (the box is cut to the circle in Python).

`EXTRA_SOURCES`: a list of callables another module appends to from its `AppConfig.ready()`::

    from civicgrid.services import nearby
    nearby.EXTRA_SOURCES.append(meal_points)

    def meal_points(box: nearby.Box) -> Iterable[nearby.Place]:
        # one query: the rows with a point inside `box` (box.q("lat", "lon") builds the filter)
        return [nearby.Place(kind="meal", name=..., lat=..., lon=..., detail=..., url=...)]

Each source must cost a fixed number of queries (the page's query count is held by a test)
and return only public facts; `kind` picks the page's icon (`KIND_LABELS`; an unknown kind
gets a plain pin).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Invalid
from civicgrid.network import geo
from civicgrid.network.models import Node, NodeKind, Role, RoleBinding, node_label
from civicgrid.services import catalogue, rota
from civicgrid.services.models import Room, Service, Station

STREETS = 1.3  # streets are about this much longer than the straight line
WALKING_KMH = 4.5
RADIUS_M = 3000  # of walking
STATION_RADIUS_M = 15000  # the nearest station is shown as far as this (of walking)
LIMIT = 30
METRES_PER_DEGREE = 111_320

KIND_LABELS: dict[str, Any] = {
    "service": gettext_lazy("Service"),
    "room": gettext_lazy("Room open to the public"),
    "station": gettext_lazy("Service station"),
    "grid_worker": gettext_lazy("Your grid worker"),
    "meal": gettext_lazy("Meal point"),
}


@dataclass(frozen=True)
class Box:
    """The search box around a point: a filter for rows with a latitude and longitude."""

    lat: float
    lon: float
    radius_m: int

    @property
    def dlat(self) -> float:
        return self.radius_m / METRES_PER_DEGREE

    @property
    def dlon(self) -> float:
        return self.radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(self.lat)), 0.01))

    def q(self, lat_field: str, lon_field: str) -> Q:
        return Q(
            **{
                f"{lat_field}__gte": self.lat - self.dlat,
                f"{lat_field}__lte": self.lat + self.dlat,
                f"{lon_field}__gte": self.lon - self.dlon,
                f"{lon_field}__lte": self.lon + self.dlon,
            }
        )


@dataclass(frozen=True)
class Place:
    """Something a source found: what, where, and what the page prints of it."""

    kind: str
    name: str
    lat: float
    lon: float
    detail: str = ""
    url: str = ""
    phone: str = ""  # a station's duty phone (never a person's own)
    on_duty: tuple[str, ...] = ()
    back_at: str = ""  # nobody on duty: when someone is back ("14:00", "Mon 08:30")
    action_url: str = ""  # a second link (tell the grid worker what you need)
    # False: no point of its own (a grid worker of a grid without one): placed at the
    # resident's point, listed first, with no walk printed.
    located: bool = True


@dataclass(frozen=True)
class Item:
    place: Place
    metres: int  # walking, estimated
    minutes: int
    east_m: float  # where it lies from the point, for the plot
    north_m: float
    number: int = 0

    @property
    def kind(self) -> str:
        return self.place.kind

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.place.kind, _("Place")))


@dataclass
class Nearby:
    lat: float
    lon: float
    items: list[Item] = field(default_factory=list)
    grid: Node | None = None
    station: Item | None = None


Source = Callable[[Box], Iterable[Place]]
# Other modules' sources (meal points of the care module): see the module's docstring.
EXTRA_SOURCES: list[Source] = []


def walking(lat: float, lon: float, to_lat: float, to_lon: float) -> tuple[int, int]:
    """The walk from one point to another: metres (estimated) and whole minutes (at least 1)."""
    metres = round(geo.distance_m(lat, lon, to_lat, to_lon) * STREETS)
    minutes = max(1, math.ceil(metres / (WALKING_KMH * 1000 / 60)))
    return metres, minutes


def _item(lat: float, lon: float, place: Place) -> Item:
    metres, minutes = walking(lat, lon, place.lat, place.lon)
    east = (place.lon - lon) * METRES_PER_DEGREE * math.cos(math.radians(lat))
    north = (place.lat - lat) * METRES_PER_DEGREE
    return Item(place, metres, minutes, east, north)


def _point(record: Service | Room) -> tuple[float | None, float | None]:
    """A service's or room's point: its own, else its place's."""
    if record.lat is not None and record.lon is not None:
        return record.lat, record.lon
    return record.node.lat, record.node.lon


def _located(box: Box) -> Q:
    """Services or rooms whose point (their own, else their place's) is inside the box."""
    return box.q("lat", "lon") | (Q(lat__isnull=True) | Q(lon__isnull=True)) & box.q(
        "node__lat", "node__lon"
    )


def check_point(lat: Any, lon: Any) -> tuple[float, float]:
    """A point as a page receives it, checked: Invalid says what to fix."""
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise Invalid(
            _("The location could not be read: latitude and longitude must be numbers."),
            code="bad_point",
        ) from None
    if not (math.isfinite(lat_f) and math.isfinite(lon_f)):
        raise Invalid(_("The location could not be read."), code="bad_point")
    if not -90 <= lat_f <= 90 or not -180 <= lon_f <= 180:
        raise Invalid(
            _(
                "The location could not be read: latitude must be between -90 and 90 and "
                "longitude between -180 and 180."
            ),
            code="bad_point",
        )
    return lat_f, lon_f


# --- The sources --------------------------------------------------------------------------------


def services_near(box: Box) -> list[Place]:
    """Active services with a point (their own, else their place's) inside the box. One query."""
    rows = (
        Service.objects.filter(active=True)
        .filter(_located(box))
        .select_related("node")
        .only(
            "id",
            "name",
            "name_en",
            "name_mn",
            "kind",
            "price",
            "price_note",
            "lat",
            "lon",
            "node__name",
            "node__name_en",
            "node__name_mn",
            "node__lat",
            "node__lon",
        )
    )
    places = []
    for s in rows:
        lat, lon = _point(s)
        if lat is None or lon is None:
            continue
        price = catalogue.price_words(s)
        places.append(
            Place(
                kind="service",
                name=s.label,
                lat=lat,
                lon=lon,
                detail=f"{s.get_kind_display()} · {price} · {node_label(s.node)}",
                url=reverse("nearby:service", args=[s.pk]),
            )
        )
    return places


def rooms_near(box: Box) -> list[Place]:
    """Rooms open to the public, in use, inside the box. One query."""
    rows = (
        Room.objects.filter(active=True, public=True)
        .filter(_located(box))
        .select_related("node")
        .only(
            "id",
            "name",
            "name_en",
            "name_mn",
            "kind",
            "capacity",
            "opens",
            "closes",
            "lat",
            "lon",
            "node__name",
            "node__name_en",
            "node__name_mn",
            "node__lat",
            "node__lon",
        )
    )
    places = []
    for r in rows:
        lat, lon = _point(r)
        if lat is None or lon is None:
            continue
        hours = f"{r.opens:%H:%M}–{r.closes:%H:%M}"
        places.append(
            Place(
                kind="room",
                name=r.label,
                lat=lat,
                lon=lon,
                detail=f"{r.get_kind_display()} · {hours} · {node_label(r.node)}",
                url=reverse("nearby:room", args=[r.pk]),
            )
        )
    return places


def nearest_station(lat: float, lon: float) -> Item | None:
    """The nearest station with who is on duty now, or when someone is back. Three queries
    (one for the stations, two for the duty), five when nobody is on duty."""
    box = Box(lat, lon, round(STATION_RADIUS_M / STREETS))
    stations = list(
        Station.objects.filter(box.q("node__lat", "node__lon"))
        .select_related("node")
        .only(
            "id",
            "phone",
            "route_to_duty",
            "node__code",
            "node__name",
            "node__name_en",
            "node__name_mn",
            "node__kind",
            "node__lat",
            "node__lon",
        )
    )
    if not stations:
        return None

    def far(s: Station) -> int:
        assert s.node.lat is not None and s.node.lon is not None
        return geo.distance_m(lat, lon, s.node.lat, s.node.lon)

    station = min(stations, key=lambda s: (far(s), s.pk))
    assert station.node.lat is not None and station.node.lon is not None
    sitting = rota.on_duty(station)
    back = ""
    if not sitting:
        back = back_at_words(rota.next_duty(station))
    place = Place(
        kind="station",
        name=node_label(station.node),
        lat=station.node.lat,
        lon=station.node.lon,
        detail=str(station.node.service_name),
        url=reverse("nearby:station", args=[station.node.code]),
        phone=station.phone,
        on_duty=tuple(p.name for p in sitting),
        back_at=back,
    )
    return _item(lat, lon, place)


def back_at_words(at: Any) -> str:
    """When someone is back, as a resident reads it: "14:00" today, "Tuesday 08:30" later,
    "" when nobody is within two weeks."""
    if at is None:
        return ""
    moment = timezone.localtime(at)
    if moment.date() == timezone.localdate():
        return f"{moment:%H:%M}"
    return f"{rota.WEEKDAYS[moment.weekday()]} {moment:%H:%M}"


def grid_workers(lat: float, lon: float) -> tuple[Node | None, list[Place]]:
    """The grid containing the point (no query: the grid index) and its grid workers (one
    query). They are placed at the grid's point if it has one, else at the resident's."""
    grid = geo.grid_containing(lon, lat)
    if grid is None:
        return None, []
    located = grid.lat is not None and grid.lon is not None
    at_lat = grid.lat if grid.lat is not None and located else lat
    at_lon = grid.lon if grid.lon is not None and located else lon
    bindings = (
        RoleBinding.objects.filter(role=Role.GRID_WORKER, node_id=grid.pk, person__is_active=True)
        .order_by("person__name", "person_id")
        .values_list("person_id", "person__name")
    )
    choose = reverse("resident:choose")
    places = [
        Place(
            kind="grid_worker",
            name=name,
            lat=at_lat,
            lon=at_lon,
            detail=node_label(grid),
            action_url=f"{choose}?rep={person_id}",
            located=located,
        )
        for person_id, name in bindings
    ]
    return grid, places


def near(lat: Any, lon: Any, *, limit: int = LIMIT, radius_m: int = RADIUS_M) -> Nearby:
    """What is near the point, sorted by the walk: at most `limit` items within `radius_m` of
    walking; the nearest station and the grid workers of the point's grid always (a station
    out to `STATION_RADIUS_M`)."""
    lat, lon = check_point(lat, lon)
    box = Box(lat, lon, math.ceil(radius_m / STREETS))
    found: list[Place] = [*services_near(box), *rooms_near(box)]
    for source in EXTRA_SOURCES:
        found.extend(source(box))
    grid, workers = grid_workers(lat, lon)
    station = nearest_station(lat, lon)
    items = sorted(
        (_item(lat, lon, p) for p in found),
        key=lambda i: (i.metres, i.place.kind, i.place.name),
    )
    items = [i for i in items if i.metres <= radius_m]
    always = [_item(lat, lon, p) for p in workers]
    if station is not None:
        always.append(station)
    room = max(0, limit - len(always))
    items = sorted([*items[:room], *always], key=lambda i: (i.metres, i.place.kind, i.place.name))
    numbered = [replace(item, number=n) for n, item in enumerate(items, start=1)]
    station_item = next((i for i in numbered if i.kind == "station"), None)
    return Nearby(lat=lat, lon=lon, items=numbered, grid=grid, station=station_item)


# --- A chosen place -----------------------------------------------------------------------------

PLACE_KINDS = (NodeKind.TOWN, NodeKind.COMMUNITY)


def place_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The towns and communities of the region for the chooser, a group per town. One query."""
    nodes = list(
        Node.objects.filter(kind__in=PLACE_KINDS)
        .order_by("path")
        .only("id", "code", "name", "name_en", "name_mn", "kind", "path", "parent_id")
    )
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for node in nodes:
        if node.kind == NodeKind.TOWN:
            groups.append((node_label(node), [(node.code, node_label(node))]))
        elif groups:
            groups[-1][1].append((node.code, node_label(node)))
        else:
            groups.append(("", [(node.code, node_label(node))]))
    return groups


def place_point(code: str) -> tuple[Node, float, float]:
    """A chosen town or community and its point: its own, else the middle of its polygon,
    else the middle of its small grids' polygons. Invalid when it has none."""
    node = Node.objects.filter(code=code, kind__in=PLACE_KINDS).first()
    if node is None:
        raise Invalid(_("Choose a town or community from the list."), code="bad_place")
    if node.lat is not None and node.lon is not None:
        return node, node.lat, node.lon
    polygons = [node.polygon] if node.polygon else []
    if not polygons:
        polygons = list(
            Node.objects.filter(kind=NodeKind.SMALL_GRID, path__startswith=node.path)
            .exclude(polygon__isnull=True)
            .values_list("polygon", flat=True)[:500]
        )
    centres = []
    for polygon in polygons:
        try:
            centres.append(geo.parse_polygon(polygon).centroid)
        except geo.BadPolygon:
            continue
    if not centres:
        raise Invalid(
            _("We do not know where %(place)s lies yet: use your location instead.")
            % {"place": node_label(node)},
            code="no_point",
        )
    return (
        node,
        sum(c.y for c in centres) / len(centres),
        sum(c.x for c in centres) / len(centres),
    )
