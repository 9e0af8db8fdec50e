"""The demo's leader of Hanggin Rear Banner opens the map of Shanba town: 246 grids drawn."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from civicgrid.demo.places import SHANBA_CODE
from civicgrid.demo.region import DEMO_PASSWORD, build_demo_region
from civicgrid.network.models import Node

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_demo_leader_sees_shanbas_246_grids_on_the_map(
    page: Page, live_server, output_dir, settings
):
    settings.DEMO_MODE = True  # the demo password opens nothing outside demo mode (issue 11)
    build_demo_region()
    shanba = Node.objects.get(code=SHANBA_CODE)

    page.goto(f"{live_server.url}/console/login/")
    page.get_by_label("手机号").fill("19900000002")  # the banner leader (read-only)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/console/map/?node={shanba.pk}")

    expect(page.locator("#grid-map path.leaflet-interactive")).to_have_count(246, timeout=15_000)
    page.screenshot(path=str(output_dir / "demo-shanba-map.png"), full_page=True)
