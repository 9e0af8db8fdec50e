"""What is near me: sorted by the walk, the grid worker of the point's grid, the nearest
station with who is on duty, other modules' sources, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from civicgrid.core.errors import Invalid
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import nearby, rota
from civicgrid.services.models import Room, RoomKind, Service, ServiceKind

pytestmark = pytest.mark.django_db

MONDAY_10 = timezone.make_aware(dt.datetime(2030, 1, 7, 10, 0))
# Grid A is the square lon 0–1, lat 0–1 (network factories); the resident stands in it.
LAT, LON = 0.5, 0.5
M = 1 / 111_320  # a metre of latitude, in degrees


def service(w, name: str, north_m: float, **extra) -> Service:
    values = {
        "name": name,
        "kind": ServiceKind.HAIRCUT,
        "provider_org": w.unit,
        "node": w.t["comm1"],
        "lat": LAT + north_m * M,
        "lon": LON,
    }
    values.update(extra)
    return Service.objects.create(**values)


@pytest.fixture
def town():
    w = needf.world()
    comm1 = w.t["comm1"]
    comm1.lat, comm1.lon = LAT + 800 * M, LON
    comm1.save()
    service(w, "一元理发", 200)
    service(w, "修鞋", 1000, kind=ServiceKind.SHOES)
    service(w, "远处的修车", 5000)  # 6.5 km of walking: out
    service(w, "停了的服务", 100, active=False)
    # Without a point of its own: at its place (comm1, 800 m north).
    service(w, "便民裁缝", 0, lat=None, lon=None, kind=ServiceKind.TAILORING)
    Room.objects.create(
        node=comm1,
        name="阅览室",
        kind=RoomKind.READING_SEAT,
        public=True,
        lat=LAT + 500 * M,
        lon=LON,
    )
    Room.objects.create(node=comm1, name="会议室", kind=RoomKind.FUNCTION, lat=LAT, lon=LON)
    wang = nf.person("王芳", roles=[(Role.COMMUNITY_STAFF, comm1)])
    wang.mobile = "13800001234"
    wang.save()
    station = rota.station_set(
        node=comm1, phone="0482-8212345", route_to_duty=False, by=w.dispatcher
    )
    rota.shift_add(
        station=station,
        person=wang,
        weekday=0,
        starts=dt.time(9),
        ends=dt.time(12),
        by=w.dispatcher,
    )
    return w, station, wang


def test_items_are_sorted_by_the_walk_within_the_circle(town):
    with time_machine.travel(MONDAY_10, tick=False):
        found = nearby.near(LAT, LON)
    names = [i.place.name for i in found.items]
    assert "远处的修车" not in names and "停了的服务" not in names and "会议室" not in names
    services = [n for n in names if n in ("一元理发", "阅览室", "便民裁缝", "修鞋")]
    assert services == ["一元理发", "阅览室", "便民裁缝", "修鞋"]
    metres = [i.metres for i in found.items]
    assert metres == sorted(metres)
    haircut = next(i for i in found.items if i.place.name == "一元理发")
    assert haircut.metres == 260  # 200 m × 1.3 for the streets
    assert haircut.minutes == 4  # 260 m at 4.5 km/h (75 m a minute), rounded up
    assert [i.number for i in found.items] == list(range(1, len(found.items) + 1))


def test_the_grid_worker_of_the_grid_containing_the_point_is_listed(town):
    w, _station, _wang = town
    with time_machine.travel(MONDAY_10, tick=False):
        found = nearby.near(LAT, LON)
        elsewhere = nearby.near(LAT, LON + 1)  # grid B
    assert found.grid is not None and found.grid.pk == w.t["gridA"].pk
    workers = [i.place for i in found.items if i.kind == "grid_worker"]
    assert [p.name for p in workers] == ["A网格员"]
    assert workers[0].action_url.endswith(f"?rep={w.grid_worker.pk}")
    assert not workers[0].phone
    other = [i.place.name for i in elsewhere.items if i.kind == "grid_worker"]
    assert sorted(other) == ["B网格员", "处理人"]


def test_the_nearest_station_shows_who_is_on_duty_and_its_own_phone(town):
    _w, _station, wang = town
    with time_machine.travel(MONDAY_10, tick=False):
        found = nearby.near(LAT, LON)
    assert found.station is not None
    place = found.station.place
    assert place.on_duty == ("王芳",)
    assert place.phone == "0482-8212345" and wang.mobile not in place.phone
    assert place.url.endswith(f"/near/stations/{_w.t['comm1'].code}/")
    with time_machine.travel(MONDAY_10.replace(hour=13), tick=False):
        later = nearby.near(LAT, LON)
    assert later.station is not None
    assert later.station.place.on_duty == ()
    assert later.station.place.back_at.endswith("09:00")


def test_the_nearest_station_is_shown_even_beyond_the_circle(town):
    w, _station, _wang = town
    comm1 = w.t["comm1"]
    comm1.lat = LAT + 6000 * M  # 7.8 km of walking
    comm1.save()
    with time_machine.travel(MONDAY_10, tick=False):
        found = nearby.near(LAT, LON)
    assert found.station is not None and found.station.metres > nearby.RADIUS_M
    assert found.items[-1].kind == "station"


def test_other_modules_add_their_places(town, monkeypatch):
    def meals(box: nearby.Box):
        return [nearby.Place(kind="meal", name="长者食堂", lat=box.lat + 300 * M, lon=box.lon)]

    monkeypatch.setattr(nearby, "EXTRA_SOURCES", [meals])
    with time_machine.travel(MONDAY_10, tick=False):
        found = nearby.near(LAT, LON)
    meal = next(i for i in found.items if i.kind == "meal")
    assert meal.place.name == "长者食堂" and meal.kind_label


def test_the_list_is_capped(town):
    w, _station, _wang = town
    Service.objects.bulk_create(
        Service(
            name=f"服务{n}",
            kind=ServiceKind.OTHER,
            provider_org=w.unit,
            node=w.t["comm1"],
            lat=LAT + (10 + n) * M,
            lon=LON,
        )
        for n in range(40)
    )
    with time_machine.travel(MONDAY_10, tick=False):
        found = nearby.near(LAT, LON)
    assert len(found.items) == nearby.LIMIT
    kinds = {i.kind for i in found.items}
    assert {"station", "grid_worker"} <= kinds  # always listed, whatever the cap


def test_the_query_count_does_not_grow_with_the_catalogue(town, django_assert_max_num_queries):
    w, _station, _wang = town
    with time_machine.travel(MONDAY_10, tick=False):
        nearby.near(LAT, LON)  # the grid index is built once per process
        with django_assert_max_num_queries(7):
            small = nearby.near(LAT, LON)
        Service.objects.bulk_create(
            Service(
                name=f"服务{n}",
                kind=ServiceKind.OTHER,
                provider_org=w.unit,
                node=w.t["comm1"] if n % 2 else w.t["gridA"],
                lat=None if n % 3 == 0 else LAT + n * M,
                lon=LON,
            )
            for n in range(200)
        )
        Room.objects.bulk_create(
            Room(node=w.t["comm1"], name=f"室{n}", kind=RoomKind.FUNCTION, public=True)
            for n in range(50)
        )
        with django_assert_max_num_queries(7):
            big = nearby.near(LAT, LON)
    assert len(big.items) == nearby.LIMIT > len(small.items)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [("x", "1"), ("", ""), (None, 1), ("nan", "1"), ("91", "0"), ("0", "-181"), ("inf", "0")],
)
def test_a_bad_point_is_refused_with_words(lat, lon):
    with pytest.raises(Invalid) as refused:
        nearby.check_point(lat, lon)
    assert refused.value.code == "bad_point" and refused.value.message


def test_a_chosen_place_has_a_point(town):
    w, _station, _wang = town
    node, lat, lon = nearby.place_point(w.t["comm1"].code)
    assert node == w.t["comm1"] and (lat, lon) == (w.t["comm1"].lat, w.t["comm1"].lon)
    # Community 2 has no point: the middle of its grids' polygons (grid C: lon 5–6, lat 5–6).
    _node, lat, lon = nearby.place_point(w.t["comm2"].code)
    assert lat == pytest.approx(5.5, abs=0.01) and lon == pytest.approx(5.5, abs=0.01)
    with pytest.raises(Invalid):
        nearby.place_point(w.t["gridA"].code)  # towns and communities only
    groups = nearby.place_choices()
    codes = [code for _label, options in groups for code, _name in options]
    assert w.t["town1"].code in codes and w.t["comm1"].code in codes
    assert w.t["gridA"].code not in codes
