"""What is near me, on a phone: the resident stands in grid A of a small region, presses "use
my location", and reads the nearest places by the walk, the station with who is on duty now
and its call button, and the grid worker. Screenshot: /tmp/shots18/nearby.png (looked at).

Elements are found by attributes and URLs, never by their visible text (the browser's locale
is Chinese)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import rota
from civicgrid.services.models import Room, RoomKind, Service, ServiceKind

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SHOTS = Path("/tmp/shots18")  # noqa: S108 (where the brief asks for the screenshot)
LAT, LON = 0.5, 0.5  # inside grid A (network factories: lon 0–1, lat 0–1)
M = 1 / 111_320


def region():
    w = needf.world()
    comm1 = w.t["comm1"]
    comm1.lat, comm1.lon = LAT + 420 * M, LON - 250 * M
    comm1.name_mn = "ᠨᠢᠭᠡᠳᠦᠭᠡᠷ"
    comm1.save()
    services = [
        ("一元理发", ServiceKind.HAIRCUT, 120, 60),
        ("家电维修", ServiceKind.APPLIANCES, -300, 200),
        ("修鞋配钥匙", ServiceKind.SHOES, 650, 500),
        ("便民裁缝 邢云海", ServiceKind.TAILORING, -900, -700),
    ]
    for name, kind, north, east in services:
        Service.objects.create(
            name=name,
            kind=kind,
            provider_org=w.unit,
            node=comm1,
            lat=LAT + north * M,
            lon=LON + east * M,
        )
    Room.objects.create(
        node=comm1,
        name="公益书吧",
        kind=RoomKind.READING_SEAT,
        public=True,
        lat=LAT + 200 * M,
        lon=LON - 400 * M,
    )
    wang = nf.person("王芳", roles=[(Role.COMMUNITY_STAFF, comm1)])
    urna = nf.person("乌日娜", roles=[(Role.GRID_WORKER, w.t["gridA"])])
    station = rota.station_set(
        node=comm1, phone="0482-8212345", route_to_duty=True, by=w.dispatcher
    )
    # On duty around the clock, every day: the test may run at any hour.
    for weekday in range(7):
        for person in (wang, urna):
            rota.shift_add(
                station=station,
                person=person,
                weekday=weekday,
                starts=dt.time(0, 0),
                ends=dt.time(23, 59),
                by=w.dispatcher,
            )
    return w, wang


def test_near_me_from_a_point_on_a_phone(browser: Browser, live_server, axe_check):
    w, wang = region()
    context = browser.new_context(
        **PHONE,
        locale="zh-CN",
        geolocation={"latitude": LAT, "longitude": LON},
        permissions=["geolocation"],
    )
    sizes: dict[str, tuple[str, int]] = {}

    def record(response) -> None:
        try:
            sizes.setdefault(response.url, (response.request.resource_type, len(response.body())))
        except Exception:  # a redirect has no body
            return

    context.on("response", record)
    page = context.new_page()
    page.goto(f"{live_server.url}/near/")
    locate = page.locator("[data-locate] button")
    expect(locate).to_be_visible()
    locate.click()
    expect(page.locator("input[name=lat]")).to_have_value("0.500000")
    page.locator("form[action='/near/'] button[type=submit]").click()
    expect(page.locator(".near-list > li")).to_have_count(8)
    assert "lat=0.500000" in page.url
    # The grid workers first (their grid has no point: "in your grid"), then by the walk.
    texts = page.locator(".near-list > li").all_inner_texts()
    assert "A网格员" in texts[0] and "一元理发" in texts[2], texts
    assert texts.index(next(t for t in texts if "0482-8212345" in t)) > 2
    station = page.locator(".near-list > li:has(a[href^='tel:'])")
    expect(station).to_contain_text("王芳")
    expect(station.locator("a[href^='tel:']")).to_have_attribute("href", "tel:0482-8212345")
    expect(page.locator(f".near-list a[href$='?rep={w.grid_worker.pk}']")).to_be_visible()
    assert wang.mobile not in page.content()
    expect(page.locator(".near-plot svg circle")).to_have_count(
        9
    )  # 2 rings, 6 dots, you (the grid workers are "in your grid")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "nearby.png"), full_page=True)
    axe_check(page, "near me")

    # The resident pages' budget: 150 KiB without the font, 50 KiB of script.
    total = sum(size for url, (_kind, size) in sizes.items() if not url.endswith(".woff2"))
    script = sum(size for _kind, size in sizes.values() if _kind == "script")
    assert total <= 150 * 1024, total
    assert script <= 50 * 1024, script

    # Elder mode: the same list, larger.
    page.locator("form.r-elder button").click()
    expect(page.locator("html.elder")).to_have_count(1)
    expect(page.locator(".near-list > li")).to_have_count(8)
    page.screenshot(path=str(SHOTS / "nearby-elder.png"), full_page=True)
    context.close()
