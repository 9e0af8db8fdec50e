"""A leader logs in through the form, opens the grid map and sees every grid drawn."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from civicgrid.network.models import Node, Role
from civicgrid.network.tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_leader_sees_the_grids_of_the_region_on_the_map(page: Page, live_server, output_dir):
    tree = factories.region()
    leader = factories.person(name="盟领导", roles=[(Role.LEADER, tree["league"])])

    page.goto(f"{live_server.url}/console/map/")
    expect(page).to_have_url(f"{live_server.url}/console/login/?next=/console/map/")
    page.get_by_label("手机号").fill(leader.mobile)
    page.get_by_label("密码").fill("pass-12345")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live_server.url}/console/map/")

    grids = page.locator("#grid-map path.leaflet-interactive")
    expect(grids).to_have_count(3)
    expect(page.locator("#grid-map")).to_have_attribute("data-grid-count", "3")
    page.screenshot(path=str(output_dir / "map.png"), full_page=True)

    # The tooltip names the grid and its parent; a click opens that grid's page.
    grids.first.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text(" · 一")
    name = tooltip.inner_text().split(" · ")[0].strip()
    assert name in {"A网格", "B网格", "C网格"}
    grids.first.click()
    expect(page.locator("h1")).to_have_text(name)
    page.screenshot(path=str(output_dir / "grid-node.png"), full_page=True)


def test_a_grid_name_with_markup_shows_as_text_in_the_tooltip(page: Page, live_server):
    tree = factories.region()
    leader = factories.person(name="盟领导", roles=[(Role.LEADER, tree["league"])])
    for node in Node.objects.filter(polygon__isnull=False):
        node.name = f"<b>{node.pk}</b><img src=x>"
        node.save(update_fields=["name"])

    page.goto(f"{live_server.url}/console/login/?next=/console/map/")
    page.get_by_label("手机号").fill(leader.mobile)
    page.get_by_label("密码").fill("pass-12345")
    page.get_by_role("button", name="登录").click()
    grids = page.locator("#grid-map path.leaflet-interactive")
    expect(grids).to_have_count(3)
    grids.first.hover()
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text("<img src=x>")
    expect(tooltip.locator("b, img")).to_have_count(0)
