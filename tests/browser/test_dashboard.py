"""A town's staff member opens the dashboard over a month of history: the cards, the ECharts
charts and the grid map draw, the report sentence copies, a click on a community's bar
drills down to that community's dashboard; the same on a phone; the public page without login.

Selectors use ids and data- attributes, not visible text: the UI strings are English until
translated, and the tests must pass before and after."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, quote, urlparse

import pytest
import time_machine
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect

from civicgrid.insights.kpis import Period, Scope, kpis
from civicgrid.insights.sentences import sentence
from civicgrid.insights.tests.history import NAME, PHONE, SH, build_history
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import NodeKind, Person, Role
from civicgrid.network.tests import factories as netf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
# The live server's clock: a few days after the history, so "this year" on the public page
# holds it whatever day the suite runs. Ticking, so that page waits still pass.
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH)
CHARTS = ("trend", "categories", "channels", "children")


def log_in(page: Page, base: str, person: Person, next_path: str) -> None:
    page.goto(f"{base}/console/login/?next={quote(next_path)}")
    page.get_by_label("手机号").fill(person.mobile or "")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{next_path}")


def a_month_of_history() -> nf.World:
    nf.ensure_seed()
    w = nf.world()
    # A second community under town 1, with two grids beside grids A and B on the map.
    community = netf.node(NodeKind.COMMUNITY, w.t["town1"], name="三社区")
    big = netf.node(NodeKind.BIG_GRID, community, name="三大网格")
    north = netf.node(NodeKind.SMALL_GRID, big, name="D网格", polygon=netf.square(0, 1))
    east = netf.node(NodeKind.SMALL_GRID, big, name="E网格", polygon=netf.square(1, 1))
    worker = netf.person("D网格员", roles=[(Role.GRID_WORKER, big)])
    w.t.update({"comm3": community, "gridD": north, "gridE": east})
    # Grid D twice in the rotation: the map then has shades to tell apart.
    build_history(w, needs=50, extra_places=[(north, worker), (east, worker), (north, worker)])
    return w


def wait_for_charts(page: Page, names=CHARTS) -> None:
    page.wait_for_selector("body[data-dashboard-ready='1']")
    for name in names:
        chart = page.locator(f"#chart-{name}")
        expect(chart).to_have_attribute("data-ready", "1")
        expect(chart.locator("canvas")).to_have_count(1)
        assert page.evaluate(
            f"!!echarts.getInstanceByDom(document.getElementById('chart-{name}'))"
        ), name


def test_town_staff_read_the_dashboard_and_drill_down(
    page: Page, browser: Browser, live_server, output_dir, axe_check
):
    w = a_month_of_history()
    cache.clear()
    base = live_server.url
    town = w.t["town1"]
    path = f"/dashboard/?node={town.pk}&period=month:2026-11"
    figures = kpis(Scope(node=town, period=Period.month(2026, 11)))
    words = sentence(Scope(node=town, period=Period.month(2026, 11)), "zh-hans")

    with time_machine.travel(NOW, tick=True):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        log_in(page, base, w.town_staff, path)
        wait_for_charts(page)
        expect(page.locator('[data-figure="received"] .dash-value')).to_have_text(
            str(figures.received)
        )
        rate = figures.resolution_rate
        expect(page.locator('[data-figure="resolution_rate"] .dash-sub')).to_have_text(
            f"{rate.numerator} / {rate.denominator}"
        )
        # The grid map: the four grids of the town, coloured, with a legend.
        expect(page.locator("#dash-map path.leaflet-interactive")).to_have_count(4)
        expect(page.locator("#dash-map-legend .dash-legend-item").first).to_be_visible()
        html = page.content()
        assert PHONE not in html and NAME not in html
        page.screenshot(path=str(output_dir / "dashboard-desktop.png"), full_page=True)
        axe_check(page, "dashboard")

        # Colour the map by a rate instead: the legend turns into percentages.
        page.select_option("#map-metric", "satisfaction_rate")
        expect(page.locator("#dash-map")).to_have_attribute("data-metric", "satisfaction_rate")
        expect(page.locator("#dash-map-legend")).to_contain_text("%")

        # The report sentence copies to the clipboard.
        expect(page.locator("#sentence-zh-hans")).to_have_text(words)
        page.locator('[data-copy="sentence-zh-hans"]').click()
        expect(page.locator("#copy-status")).not_to_be_empty()
        assert page.evaluate("navigator.clipboard.readText()") == words

        # A click on the first community's column opens its dashboard, same period.
        page.locator("#chart-children").scroll_into_view_if_needed()
        box = page.locator("#chart-children").bounding_box()  # in the viewport
        assert box is not None
        x, y = page.evaluate(
            """() => {
              const chart = echarts.getInstanceByDom(document.getElementById('chart-children'));
              const value = chart.getOption().series[0].data[0].value;
              return chart.convertToPixel({seriesIndex: 0}, [0, Math.max(value, 1) / 2]);
            }"""
        )
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_url(lambda url: "node=" + str(w.t["comm1"].pk) in url)
        query = parse_qs(urlparse(page.url).query)
        assert query["node"] == [str(w.t["comm1"].pk)] and query["period"] == ["month:2026-11"]
        expect(page.locator("h1")).to_have_text(w.t["comm1"].name)
        wait_for_charts(page, ("trend", "categories", "channels", "children"))

        # The ledgers of what is shown are a click away, as Excel files.
        with page.expect_download() as download:
            page.locator(".dash-head a[href^='/dashboard/ledgers/kpis.xlsx']").click()
        assert download.value.suggested_filename.endswith(".xlsx")

        # The monthly report opens from the dashboard as HTML.
        page.locator(".dash-head a[href^='/dashboard/report/']").click()
        expect(page.locator(".report-sentence")).to_contain_text("累计")
        page.screenshot(path=str(output_dir / "report-html.png"), full_page=True)

        # On a phone: the cards stack two by two, the charts fit, nothing scrolls sideways.
        phone = browser.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
        )
        mobile = phone.new_page()
        log_in(mobile, base, w.town_staff, path)
        wait_for_charts(mobile)
        expect(mobile.locator("#dash-map path.leaflet-interactive")).to_have_count(4)
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        chart_width = mobile.evaluate(
            "document.querySelector('#chart-trend canvas').getBoundingClientRect().width"
        )
        assert 300 <= chart_width <= 390
        cards = mobile.locator(".dash-card")
        first, second = cards.nth(0).bounding_box(), cards.nth(1).bounding_box()
        assert first and second and first["y"] == second["y"]  # two per row
        mobile.screenshot(path=str(output_dir / "dashboard-phone.png"), full_page=True)
        phone.close()


def test_the_public_page_shows_the_region_and_towns_without_login(
    page: Page, browser: Browser, live_server, output_dir, axe_check
):
    w = a_month_of_history()
    cache.clear()
    with time_machine.travel(NOW, tick=True):
        response = page.goto(f"{live_server.url}/public/")
        assert response is not None and response.status == 200
        assert "max-age=600" in response.headers["cache-control"]
        expect(page.locator(".pub-region h3").first).to_have_text(w.t["league"].name)
        # One period at a time; the region's two towns are there on request.
        expect(page.locator(".pub-town h4")).to_have_count(2)
        expect(page.locator(".pub-town h4").first).to_be_hidden()
        page.locator(".pub-towns-more summary").first.click()
        expect(page.locator(".pub-town h4").first).to_be_visible()
        expect(page.locator(".pub-sentence").first).to_contain_text("累计收集民情民意")
        html = page.content()
        assert PHONE not in html and NAME not in html and w.grid_worker.name not in html
        page.screenshot(path=str(output_dir / "public.png"), full_page=True)
        axe_check(page, "public")

        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        mobile = phone.new_page()
        mobile.goto(f"{live_server.url}/public/?lang=en")
        expect(mobile.locator(".pub-sentence").first).to_contain_text("Collected")
        assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
        mobile.screenshot(path=str(output_dir / "public-phone-en.png"), full_page=True)
        phone.close()
