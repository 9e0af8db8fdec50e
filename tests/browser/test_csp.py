"""The Content-Security-Policy (core/security.py) holds on every main page: loading each one
in Chromium gives no "Refused to ..." violation and no script error.

The policy allows no inline script or style, so an inline <script>, a style="" attribute or
an onclick= in a template, or a library that injects a <style> element, fails here."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, Page

from civicgrid.insights.tests.history import build_history
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"


class Problems:
    """Collects CSP violations (console errors, the securitypolicyviolation event) and
    uncaught script errors."""

    def __init__(self, page: Page) -> None:
        self.found: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"page error: {error}"))
        # Reported by the page itself too, in case a message is worded differently.
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => console.error("
            "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Refused to" in text or "Content Security Policy" in text or "CSP violation" in text:
            self.found.append(text)

    def check(self, page: Page, url: str) -> None:
        self.found.clear()
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
        page.wait_for_load_state("networkidle")
        assert not self.found, f"{url}:\n" + "\n".join(self.found)


def log_in(page: Page, base: str, mobile: str) -> None:
    page.goto(f"{base}/console/login/")
    page.locator("input[name=username]").fill(mobile)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    page.wait_for_url(f"{base}/console/")


def test_the_main_pages_keep_the_content_security_policy(page: Page, live_server):
    nf.ensure_seed()
    w = nf.world()
    build_history(w, needs=12)
    need = nf.raise_need(w, node=w.t["gridA"], description="路灯坏了")
    category = need.category.code
    base = live_server.url
    problems = Problems(page)

    # Residents, no login.
    for path in ("/", "/raise/", f"/raise/{category}/", f"/track/{need.number}/", "/public/"):
        problems.check(page, base + path)
    # The API docs (django-ninja's Swagger UI) and the admin's login page.
    problems.check(page, f"{base}/api/v1/docs")
    problems.check(page, f"{base}/admin/login/")

    # Staff: the console, the needs list, a need, the map, the dashboard with its charts.
    log_in(page, base, w.town_staff.mobile or "")
    for path in (
        "/console/",
        "/console/needs/",
        f"/console/needs/{need.number}/",
        "/console/map/",
        "/dashboard/",
    ):
        problems.check(page, base + path)
    page.wait_for_selector("body[data-dashboard-ready='1']")
    # ECharts' HTML tooltips carry style="" attributes: show each chart's tooltip.
    for name in ("trend", "categories", "channels", "children"):
        page.evaluate(
            "name => echarts.getInstanceByDom(document.getElementById('chart-' + name))"
            ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0})",
            name,
        )
    page.wait_for_timeout(300)
    assert not problems.found, "\n".join(problems.found)


def test_the_admin_keeps_the_content_security_policy(page: Page, live_server):
    nf.ensure_seed()
    w = nf.world()
    Person.objects.create_superuser(mobile="13800000001", name="管理员", password=PASSWORD)
    base = live_server.url
    problems = Problems(page)
    page.goto(f"{base}/admin/login/")
    page.locator("input[name=username]").fill("13800000001")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")
    for path in (
        "/admin/",
        "/admin/network/node/",
        f"/admin/network/node/{w.t['gridA'].pk}/change/",
        "/admin/network/person/add/",
        "/admin/needs/need/",
    ):
        problems.check(page, base + path)
