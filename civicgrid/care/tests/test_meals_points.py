"""Meal points: kept by the staff who serve their place, with their staff and the extra
services given there; listed on "what is near me" with today's dishes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from civicgrid.care import points
from civicgrid.care.models import MealPoint
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_meals as mf
from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.network.tests import factories as nf
from civicgrid.services import nearby
from civicgrid.services.models import Service, ServiceKind

pytestmark = pytest.mark.django_db

NOON = timezone.make_aware(dt.datetime(2026, 12, 2, 10, 0))
M = 1 / 111_320  # a metre of latitude, in degrees


@pytest.fixture
def c():
    # The places' names are read in the active language: Chinese here, whatever ran before.
    with translation.override("zh-hans"):
        yield cf.care()


def _fields(c, **extra):
    fields = {
        "name": "大昌子助餐点",
        "node": c.w.t["comm1"],
        "address": "大昌子村委会",
        "serves_from": dt.time(11, 30),
        "serves_until": dt.time(13, 0),
        "order_cutoff": dt.time(9, 30),
        "capacity": 40,
        "phone": "0477-8612345",
    }
    fields.update(extra)
    return fields


def test_staff_who_serve_the_place_add_and_change_a_point(c):
    point = points.point_save(by=c.w.dispatcher, **_fields(c))
    assert point.pk and point.node == c.w.t["comm1"] and point.capacity == 40
    changed = points.point_save(by=c.w.town_staff, point=point, capacity=55, name=" 新名 ")
    assert changed.capacity == 55 and changed.name == "新名"
    assert MealPoint.objects.get(pk=point.pk).capacity == 55


@pytest.mark.parametrize("who", ["leader", "stranger", "grid_worker"])
def test_others_may_not_add_a_point_here(c, who):
    with pytest.raises(NotAllowed) as refused:
        points.point_save(by=getattr(c.w, who), **_fields(c))
    assert refused.value.code in ("not_allowed", "outside_area")
    assert MealPoint.objects.count() == 1


@pytest.mark.parametrize("who", ["leader", "stranger", "cook"])
def test_others_may_not_change_a_point(c, who):
    user = c.cook if who == "cook" else getattr(c.w, who)
    with pytest.raises(NotAllowed):
        points.point_save(by=user, point=c.point, capacity=1)
    c.point.refresh_from_db()
    assert c.point.capacity == 60


def test_a_point_cannot_be_moved_out_of_the_movers_area(c):
    with pytest.raises(NotAllowed) as refused:
        points.point_save(by=c.w.dispatcher, point=c.point, node=c.w.t["comm2"])
    assert refused.value.code == "outside_area"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"name": " "}, "no_name"),
        ({"serves_until": dt.time(11, 0)}, "bad_hours"),
        ({"order_cutoff": dt.time(12, 0)}, "bad_cutoff"),
        ({"phone": "call me"}, "bad_phone"),
        ({"lat": 41.0}, "bad_point"),
        ({"lat": 91.0, "lon": 0.0}, "bad_point"),
        ({"capacity": 0}, "invalid"),
        ({"colour": "red"}, "unknown_field"),
    ],
)
def test_bad_points_are_refused_with_a_code(c, extra, code):
    with pytest.raises(Invalid) as refused:
        points.point_save(by=c.w.dispatcher, **_fields(c, **extra))
    assert refused.value.code == code
    assert MealPoint.objects.count() == 1


def test_the_area_served_holds_the_place_and_is_served_by_the_saver(c):
    t = c.w.t
    with pytest.raises(Invalid) as refused:
        points.point_save(by=c.w.dispatcher, **_fields(c, area=t["comm2"]))
    assert refused.value.code == "bad_area"
    with pytest.raises(NotAllowed):  # the town is wider than the community staff's area
        points.point_save(by=c.w.dispatcher, **_fields(c, area=t["town1"]))
    wide = points.point_save(by=c.w.town_staff, **_fields(c, area=t["town1"]))
    assert wide.area == t["town1"]


def test_the_point_staff_are_chosen_by_staff_who_serve_the_place(c):
    helper = nf.person("帮厨")
    chosen = points.point_staff_set(by=c.w.dispatcher, point=c.point, people=[c.cook, helper])
    assert {p.pk for p in chosen} == {c.cook.pk, helper.pk}
    assert set(c.point.staff.values_list("pk", flat=True)) == {c.cook.pk, helper.pk}
    with pytest.raises(NotAllowed):
        points.point_staff_set(by=c.cook, point=c.point, people=[c.cook])
    assert points.person_by_mobile(helper.mobile) == helper
    with pytest.raises(Invalid) as unknown:
        points.person_by_mobile("13000000000")
    assert unknown.value.code == "unknown_person"


def _service(c, node, name="洗衣"):
    return Service.objects.create(
        name=name, kind=ServiceKind.OTHER, provider_org=c.w.unit, node=node
    )


def test_extra_services_are_those_given_at_the_points_place(c):
    laundry = _service(c, c.w.t["comm1"])
    haircut = _service(c, c.w.t["gridA"], "理发")
    elsewhere = _service(c, c.w.t["comm2"], "洗浴")
    points.point_services_set(by=c.w.dispatcher, point=c.point, services=[laundry, haircut])
    assert set(c.point.extra_services.all()) == {laundry, haircut}
    with pytest.raises(Invalid) as refused:
        points.point_services_set(by=c.w.dispatcher, point=c.point, services=[elsewhere])
    assert refused.value.code == "service_elsewhere"
    with pytest.raises(NotAllowed):
        points.point_services_set(by=c.w.leader, point=c.point, services=[])
    assert set(c.point.extra_services.all()) == {laundry, haircut}


# --- What is near me --------------------------------------------------------------------------


def test_nearby_points_list_open_points_with_todays_published_dishes(c, monkeypatch):
    mf.locate(c.point, 0.5 + 300 * M, 0.5)
    mf.menu(c.point, cf.DAY)
    closed = MealPoint.objects.create(
        name="停了的点", node=c.w.t["comm1"], lat=0.5, lon=0.5, active=False
    )
    far = MealPoint.objects.create(
        name="远处的点", node=c.w.t["comm1"], lat=0.5 + 9000 * M, lon=0.5
    )
    monkeypatch.setattr(nearby, "EXTRA_SOURCES", [points.nearby_points])
    with time_machine.travel(NOON, tick=False):
        found = nearby.near(0.5, 0.5)
    meals = [i for i in found.items if i.kind == "meal"]
    assert [i.place.name for i in meals] == ["大沟湾助餐点"]
    place = meals[0].place
    assert place.url == f"/care/points/{c.point.pk}/"
    assert place.phone == "0477-8612345"
    assert "11:30" in place.detail and "红烧豆腐" in place.detail and "小米粥" in place.detail
    assert meals[0].metres == 390  # 300 m × 1.3 for the streets
    assert closed.pk and far.pk


def test_a_draft_menu_is_no_headline_and_a_point_without_a_point_stands_at_its_place(c):
    comm1 = c.w.t["comm1"]
    comm1.lat, comm1.lon = 0.5, 0.5 + 100 * M
    comm1.save()
    mf.menu(c.point, cf.DAY, published=False)
    box = nearby.Box(0.5, 0.5, 2000)
    with time_machine.travel(NOON, tick=False):
        [place] = points.nearby_points(box)
    assert (place.lat, place.lon) == (comm1.lat, comm1.lon)
    assert "红烧豆腐" not in place.detail and place.kind == "meal"


def test_nearby_points_cost_two_queries_however_many(c, django_assert_num_queries):
    for n in range(6):
        p = MealPoint.objects.create(name=f"点{n}", node=c.w.t["comm1"], lat=0.5, lon=0.5 + n * M)
        mf.menu(p, cf.DAY)
    box = nearby.Box(0.5, 0.5, 2000)
    with time_machine.travel(NOON, tick=False), django_assert_num_queries(2):
        found = points.nearby_points(box)
    assert len(found) == 6 and all("红烧豆腐" in p.detail for p in found)
    with django_assert_num_queries(1):
        assert points.nearby_points(nearby.Box(40.0, 100.0, 2000)) == []
