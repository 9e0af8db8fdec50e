"""The rota's and the near-me pages: the public station page (who is on duty, the station's
phone, never a person's own), its poster, the console pages and their access, and /near/."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import rota
from civicgrid.services.models import DutyChange, DutyShift, Service, ServiceKind

pytestmark = pytest.mark.django_db

MONDAY_10 = timezone.make_aware(dt.datetime(2030, 1, 7, 10, 0))
M = 1 / 111_320


@pytest.fixture
def desk():
    w = needf.world()
    comm1 = w.t["comm1"]
    comm1.lat, comm1.lon = 0.5 + 300 * M, 0.5
    comm1.save()
    wang = nf.person("王芳", roles=[(Role.COMMUNITY_STAFF, comm1)])
    urna = nf.person("乌日娜", roles=[(Role.GRID_WORKER, w.t["gridA"])])
    for person, mobile in ((wang, "13811112222"), (urna, "13833334444")):
        person.mobile = mobile
        person.save()
    station = rota.station_set(
        node=comm1, phone="0482-8212345", route_to_duty=True, by=w.dispatcher
    )
    for person in (wang, urna):
        rota.shift_add(
            station=station,
            person=person,
            weekday=0,
            starts=dt.time(8, 30),
            ends=dt.time(12),
            by=w.dispatcher,
        )
    Service.objects.create(
        name="一元理发",
        kind=ServiceKind.HAIRCUT,
        provider_org=w.unit,
        node=comm1,
        lat=0.5,
        lon=0.501,
    )
    return w, station, wang, urna


def test_the_station_page_says_who_is_on_duty_and_calls_the_station_phone(client, desk):
    w, _station, wang, urna = desk
    with time_machine.travel(MONDAY_10, tick=False):
        page = client.get(reverse("nearby:station", args=[w.t["comm1"].code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "王芳, 乌日娜" in html or "乌日娜, 王芳" in html
    assert 'href="tel:0482-8212345"' in html
    assert wang.mobile not in html and urna.mobile not in html
    assert f"/raise/?at={w.t['comm1'].code}" in html


def test_the_station_page_says_when_someone_is_back(client, desk):
    w, _station, _wang, _urna = desk
    with time_machine.travel(MONDAY_10.replace(hour=13), tick=False):
        html = client.get(reverse("nearby:station", args=[w.t["comm1"].code])).content.decode()
    assert "乌日娜, 王芳" not in html
    # Next Monday 08:30 (the page is in the site's language).
    assert "08:30" in html and str(rota.WEEKDAYS[0]) in html


def test_an_unknown_station_is_404(client, desk):
    w, _station, _wang, _urna = desk
    assert client.get(reverse("nearby:station", args=["nope"])).status_code == 404
    assert client.get(reverse("nearby:station", args=[w.t["comm2"].code])).status_code == 404


def test_the_poster_carries_the_code_the_hours_and_the_phone(client, desk):
    w, _station, _wang, _urna = desk
    page = client.get(reverse("nearby:station_poster", args=[w.t["comm1"].code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "08:30–12:00" in html and "0482-8212345" in html
    assert 'lang="mn-mong"' in html and 'lang="zh-hans"' in html
    assert "13811112222" not in html


def test_staff_keep_the_rota_in_the_console(client, desk):
    w, station, wang, _urna = desk
    client.force_login(w.dispatcher)
    assert client.get(reverse("services:stations")).status_code == 200
    page = client.get(reverse("services:station", args=[station.pk]))
    assert page.status_code == 200 and "王芳" in page.content.decode()
    done = client.post(
        reverse("services:shift_add", args=[station.pk]),
        {"person": wang.pk, "weekday": 2, "starts": "14:00", "ends": "17:00"},
    )
    assert done.status_code == 302
    assert DutyShift.objects.filter(station=station, weekday=2).exists()
    refused = client.post(
        reverse("services:shift_add", args=[station.pk]),
        {"person": wang.pk, "weekday": 3, "starts": "17:00", "ends": "14:00"},
    )
    assert refused.status_code == 400
    assert (
        "Duty must end after it starts" in refused.content.decode()
        or refused.context["shift_form"].errors
    )
    outsider = client.post(
        reverse("services:shift_add", args=[station.pk]),
        {"person": w.stranger.pk, "weekday": 3, "starts": "09:00", "ends": "10:00"},
    )
    assert outsider.status_code == 400 and outsider.context["shift_form"].errors
    day = timezone.localdate() + dt.timedelta(days=3)
    closed = client.post(
        reverse("services:change_add", args=[station.pk]),
        {"day": day.isoformat(), "kind": "closed"},
    )
    assert closed.status_code == 302
    assert closed["Location"] == reverse("services:station", args=[station.pk])
    change = DutyChange.objects.get(station=station)
    assert (
        client.post(reverse("services:change_remove", args=[station.pk, change.pk])).status_code
        == 302
    )
    shift = DutyShift.objects.filter(station=station).first()
    assert (
        client.post(reverse("services:shift_remove", args=[station.pk, shift.pk])).status_code
        == 302
    )
    edit = client.post(
        reverse("services:station_edit", args=[w.t["comm1"].pk]),
        {"phone": "call me", "route_to_duty": "on"},
    )
    assert edit.status_code == 400


def test_another_areas_staff_get_404_on_console_pages(client, desk):
    w, station, wang, _urna = desk
    client.force_login(w.stranger)
    shift = DutyShift.objects.filter(station=station).first()
    assert client.get(reverse("services:station", args=[station.pk])).status_code == 404
    assert client.get(reverse("services:station_edit", args=[station.node_id])).status_code == 404
    data = {"person": wang.pk, "weekday": 2, "starts": "14:00", "ends": "17:00"}
    assert client.post(reverse("services:shift_add", args=[station.pk]), data).status_code == 404
    assert (
        client.post(reverse("services:shift_remove", args=[station.pk, shift.pk])).status_code
        == 404
    )
    listing = client.get(reverse("services:stations")).content.decode()
    assert w.t["comm1"].name not in listing
    assert DutyShift.objects.filter(station=station).count() == 2


def test_a_leader_reads_the_rota_but_may_not_change_it(client, desk):
    w, station, wang, _urna = desk
    client.force_login(w.leader)
    assert client.get(reverse("services:station", args=[station.pk])).status_code == 200
    data = {"person": wang.pk, "weekday": 2, "starts": "14:00", "ends": "17:00"}
    assert client.post(reverse("services:shift_add", args=[station.pk]), data).status_code == 403
    assert client.get(reverse("services:station_edit", args=[station.node_id])).status_code == 403


def test_the_near_page_from_a_point(client, desk):
    with time_machine.travel(MONDAY_10, tick=False):
        page = client.get(reverse("nearby:near"), {"lat": "0.5", "lon": "0.5"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "一元理发" in html and "A网格员" in html and "乌日娜" in html
    assert 'href="tel:0482-8212345"' in html and "13833334444" not in html
    assert "<svg" in html and "no-store" in page["Cache-Control"]
    # Sorted by the walk: the haircut (111 m) before the station (300 m).
    assert html.index("一元理发") < html.index('href="tel:0482-8212345"')


def test_the_near_page_from_a_chosen_place(client, desk):
    w, _station, _wang, _urna = desk
    page = client.get(reverse("nearby:near"), {"at": w.t["comm1"].code})
    assert page.status_code == 200
    html = page.content.decode()
    assert "一元理发" in html and w.t["comm1"].name in html


@pytest.mark.parametrize(
    "query", [{"lat": "abc", "lon": "1"}, {"lat": "95", "lon": "0"}, {"lat": "1"}, {"at": "nope"}]
)
def test_a_bad_point_or_place_gets_a_clear_message(client, desk, query):
    page = client.get(reverse("nearby:near"), query)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()


def test_the_near_page_without_a_point_offers_the_choices(client, desk):
    w, _station, _wang, _urna = desk
    page = client.get(reverse("nearby:near"))
    assert page.status_code == 200
    html = page.content.decode()
    assert w.t["comm1"].code in html and "data-locate" in html


def test_the_near_page_in_elder_mode(client, desk):
    client.cookies["civicgrid_elder"] = "1"
    page = client.get(reverse("nearby:near"), {"lat": "0.5", "lon": "0.5"})
    assert page.status_code == 200
    assert 'class="elder"' in page.content.decode()
