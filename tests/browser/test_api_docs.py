"""The API's interactive docs page works offline: Swagger UI comes from the site's own static
files, every request the page makes stays on this server, and "Try it out" reaches the API."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from civicgrid.needs.tests import factories as nf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_docs_page_loads_and_asks_nobody_else(page: Page, live_server, output_dir):
    nf.ensure_seed()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("CivicGrid API")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 15
    expect(page.locator('.opblock[id$="list_categories"]')).to_be_visible()

    # Open the categories operation and run it: no credentials needed for this one.
    page.locator('.opblock[id$="list_categories"] .opblock-summary').click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_contain_text(
        "200"
    )
    page.locator('.opblock[id$="list_categories"] .opblock-summary').click()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(output_dir / "api-docs.png"), full_page=False)

    server = urlsplit(live_server.url).hostname
    hosts = {urlsplit(url).hostname for url in requested if not url.startswith("data:")}
    assert hosts <= {server, "localhost", "127.0.0.1"}, hosts
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in requested)
    assert any(url.endswith("/api/v1/openapi.json") for url in requested)
