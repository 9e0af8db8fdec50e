"""Issue 11 as the people meet it in a browser.

1. A dispatcher publishes a need with an edited summary: the public tracking page reads the
   summary, never what the resident typed, and shows no staff note.
2. A report no grid could hold waits unplaced at the top of the network; the region's
   dispatcher clicks the map where it is and the need moves to that grid.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as netf
from tests.browser.test_journeys import PHONE, staff_page

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

ORIGINAL = "我是巴特尔，家住3号楼201，身份证110101199003071234，楼道灯坏了"
SUMMARY = "3号楼楼道灯不亮"


def test_a_published_summary_is_what_the_public_reads(browser: Browser, live_server, output_dir):
    w = nf.world()
    need = nf.raise_need(w, description=ORIGINAL)
    services.need_comment(
        need=need, by=workflow.By(w.dispatcher), text="今天下午派电工去看", public=False
    )

    desk = staff_page(browser, live_server.url, w.dispatcher, f"/console/needs/{need.number}/")
    expect(desk.locator("[data-publication]")).to_have_attribute("data-publication", "internal")
    publish = desk.locator('form[data-action="publish"]')
    publish.locator("summary").click()
    publish.locator('textarea[name="summary"]').fill(SUMMARY)
    publish.locator('button[type="submit"]').click()
    expect(desk.locator("[data-publication]")).to_have_attribute("data-publication", "public")
    desk.screenshot(path=str(output_dir / "trust-published.png"), full_page=True)

    public = browser.new_context(locale="zh-CN", **PHONE).new_page()
    public.goto(f"{live_server.url}/track/{need.number}/")
    expect(public.get_by_text(SUMMARY)).to_be_visible()
    body = public.locator("body").inner_text()
    assert "巴特尔" not in body and "110101199003071234" not in body
    assert "派电工" not in body  # an internal note, which leaves no empty heading either
    expect(public.locator(".r-timeline li, .timeline li").filter(has_text="备注")).to_have_count(0)
    public.screenshot(path=str(output_dir / "trust-public-track.png"), full_page=True)


def test_a_dispatcher_places_an_unplaced_report_by_clicking_the_map(
    browser: Browser, live_server, output_dir
):
    w = nf.world()
    boss = netf.person("盟调度员", roles=[(Role.COMMUNITY_STAFF, w.t["league"])])
    need = nf.raise_need(w, node=None, lat=30.0, lon=30.0, unplaced_at=w.t["league"])
    assert need.unplaced

    desk = staff_page(browser, live_server.url, boss, "/console/needs/?tab=unplaced")
    desk.get_by_role("link", name=need.number[:4]).first.click()
    place = desk.locator('form[data-action="place"]')
    grid = place.locator(".grid-map-picker path.leaflet-interactive")
    expect(grid).to_have_count(3, timeout=15_000)  # grids A, B and C of the test world
    target = place.locator(".grid-map-picker")
    grid.first.click()
    expect(target).to_have_attribute("data-picked", re.compile("网格"))
    picked = (target.get_attribute("data-picked") or "").split(" · ")[0]
    desk.screenshot(path=str(output_dir / "trust-place-map.png"), full_page=True)
    place.locator('button[type="submit"]').last.click()
    expect(desk.locator("[data-unplaced]")).to_have_count(0)
    need = Need.objects.get(pk=need.pk)
    assert (need.node.name, need.unplaced) == (picked, False)
