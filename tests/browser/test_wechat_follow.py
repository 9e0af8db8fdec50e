"""A resident who raised a need inside WeChat follows it there: the receipt page goes once
through the Official Account's silent login and comes back, offers WeChat's own subscribe
button for the templates set up, and records what the resident accepted in WeChat's dialog.
WeChat itself is faked at its edges: its login page (a redirect back with a code), its API
(a server on 127.0.0.1) and the JS-SDK (which only works inside WeChat's browser)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key
from civicgrid.outreach.backends.tests.fakeserver import serve
from civicgrid.outreach.models import Kind, ProviderTemplate, WeChatSubscription
from civicgrid.outreach.tests.test_wechat_follow import (
    APP_ID,
    OPENID,
    RESOLVED,
    SECRET,
    TAKEN,
    wechat_answer,
)

WECHAT_PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    # page.route sees no request a service worker answers: the fake SDK needs it out of the way.
    "service_workers": "block",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; V2227A) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560 NetType/4G Language/zh_CN"
    ),
}

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# Stands in for jweixin inside WeChat: config is accepted and ready fires.
FAKE_SDK = (
    "window.wx = {config: function (c) { window.wxConfigured = c; },"
    " ready: function (f) { setTimeout(f, 0); }, error: function () {}};"
)


def wechat_login(route: Route) -> None:
    """WeChat's authorize page: straight back with a code, as the silent login does."""
    query = parse_qs(urlsplit(route.request.url).query)
    back = query["redirect_uri"][0]
    location = f"{back}?{urlencode({'code': 'good-code', 'state': query['state'][0]})}"
    route.fulfill(status=302, headers={"Location": location})


@pytest.fixture
def official_account(settings, live_server):
    with serve(wechat_answer) as server:
        settings.WECHAT_APP_ID = APP_ID
        settings.WECHAT_APP_SECRET = SECRET
        settings.WECHAT_API_BASE = f"http://{server.address}/"
        settings.SITE_URL = live_server.url
        for kind, template_id in ((Kind.TAKEN, TAKEN), (Kind.RESOLVED, RESOLVED)):
            ProviderTemplate.objects.create(
                provider="wechat", kind=kind, language="zh-hans", template_id=template_id
            )
        yield server


@pytest.mark.browser_context_args(**WECHAT_PHONE)
def test_a_resident_in_wechat_follows_their_need_there(
    page: Page, live_server, official_account, output_dir, axe_check
):
    need = nf.raise_need(nf.world())
    logins: list[str] = []

    def login(route: Route) -> None:
        logins.append(route.request.url)
        wechat_login(route)

    page.route("https://open.weixin.qq.com/**", login)
    page.route(
        "**/vendor/jweixin-1.6.0/jweixin.min.js",
        lambda route: route.fulfill(body=FAKE_SDK, content_type="text/javascript"),
    )
    receipt = f"/raise/done/{need.number}/?k={tracking_key(need.number)}"
    page.goto(live_server.url + receipt)

    tag = page.locator("wx-open-subscribe")
    expect(tag).to_have_attribute("template", f"{RESOLVED},{TAKEN}")
    # Back on the receipt (WeChat's "#wechat_redirect" stays on the address, as it does there).
    assert len(logins) == 1 and page.url.split("#")[0] == live_server.url + receipt
    box = page.locator("[data-wechat-follow]")
    expect(box).to_be_visible()
    expect(box).to_contain_text("微信")
    axe_check(page, "receipt offering WeChat", wcag22=True)

    # The resident accepts "solved" and declines "taken" in WeChat's dialog.
    statuses = {RESOLVED: json.dumps({"status": "accept"}), TAKEN: json.dumps({"status": "reject"})}
    page.evaluate(
        """(details) => document.querySelector('wx-open-subscribe').dispatchEvent(
            new CustomEvent('success', {detail: {subscribeDetails: details}}))""",
        json.dumps(statuses),
    )
    expect(box.locator("[data-wechat-said]")).to_have_text("此诉求的进展将通过微信告诉您。")
    page.screenshot(path=str(output_dir / "wechat-follow-receipt.png"), full_page=True)
    (row,) = WeChatSubscription.objects.filter(need=need)
    assert (row.openid, row.template_id, row.uses_left) == (OPENID, RESOLVED, 1)

    # Opening the tracking link later needs no second login: the browser knows the openid.
    page.goto(f"{live_server.url}/track/{need.number}/?k={tracking_key(need.number)}")
    expect(page.locator("wx-open-subscribe")).to_have_count(1)
    expect(page.locator("[data-wechat-said]")).to_have_text("此诉求的进展将通过微信告诉您。")
    assert len(logins) == 1


@pytest.mark.browser_context_args(viewport={"width": 390, "height": 844})
def test_outside_wechat_nothing_is_offered_or_asked(page: Page, live_server, official_account):
    need = nf.raise_need(nf.world())
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/wechat/" in r.url else None)
    page.goto(f"{live_server.url}/raise/done/{need.number}/?k={tracking_key(need.number)}")
    expect(page.locator("[data-wechat-follow]")).to_be_hidden()
    page.wait_for_load_state("networkidle")
    assert asked == []
