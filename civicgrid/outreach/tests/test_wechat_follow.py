"""Following a need in WeChat: the silent login that tells the resident's openid (bound to the
browser that started it), the page's JS-SDK configuration and templates, the consent WeChat's
dialog reports, and sending by WeChat while the resident has consent left, by text otherwise."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client

from civicgrid.needs import workflow
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.tracking import tracking_key, tracking_url
from civicgrid.outreach import sending, subscriptions
from civicgrid.outreach.backends.base import PermanentFailure, TemporaryFailure, Text
from civicgrid.outreach.backends.tests.fakeserver import FakeServer, Reply, Seen, serve
from civicgrid.outreach.models import Kind, MessageState, ProviderTemplate, ResidentMessage
from civicgrid.outreach.models import WeChatSubscription as Sub
from civicgrid.outreach.tests.fakes import FakeBackend
from civicgrid.outreach.views import OPENID_COOKIE, OPENID_SALT, TRIED_COOKIE

pytestmark = pytest.mark.django_db

APP_ID = "wx0123456789abcdef"
SECRET = "wechat-test-app-secret"
OPENID = "oVxRz5-resident-openid-0001"
TICKET = (
    "ticket-bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA"
)
TAKEN, RESOLVED, ASKED = "tpl-taken", "tpl-resolved", "tpl-question"


class FakeWeChat(FakeBackend):
    """The WeChat channel: reaches a resident with an openid and a template."""

    channel = "wechat"

    def can_send(self, text: Text) -> bool:
        return bool(text.openid) and text.template is not None


def wechat_answer(seen: Seen) -> Reply:
    if seen.path == "/sns/oauth2/access_token":
        if seen.query.get("code") != "good-code" or seen.query.get("secret") != SECRET:
            return Reply({"errcode": 40029, "errmsg": "invalid code"})
        return Reply(
            {
                "access_token": "web-token",
                "expires_in": 7200,
                "refresh_token": "r",
                "openid": OPENID,
                "scope": "snsapi_base",
            }
        )
    if seen.path == "/cgi-bin/token":
        return Reply({"access_token": "server-token", "expires_in": 7200})
    if seen.path == "/cgi-bin/ticket/getticket":
        return Reply({"errcode": 0, "errmsg": "ok", "ticket": TICKET, "expires_in": 7200})
    return Reply({"errcode": 404, "errmsg": "not faked"}, status=404)


@pytest.fixture
def wx(settings) -> Iterator[FakeServer]:
    cache.clear()
    with serve(wechat_answer) as server:
        settings.WECHAT_APP_ID = APP_ID
        settings.WECHAT_APP_SECRET = SECRET
        settings.WECHAT_API_BASE = f"http://{server.address}/"
        settings.SITE_URL = "http://testserver"
        for kind, template_id in ((Kind.TAKEN, TAKEN), (Kind.RESOLVED, RESOLVED)):
            ProviderTemplate.objects.create(
                provider="wechat", kind=kind, language="zh-hans", template_id=template_id
            )
        ProviderTemplate.objects.create(
            provider="wechat", kind=Kind.MORE_INFO, language="zh-hans", template_id=ASKED
        )
        yield server
    cache.clear()


def keyed(need) -> str:
    return f"{tracking_url(need.number)}"


def follow_url(need) -> str:
    return f"/wechat/follow/{need.number}/"


def signed_in(client: Client, openid: str = OPENID) -> Client:
    client.cookies[OPENID_COOKIE] = _signed(openid)
    return client


def _signed(openid: str) -> str:
    return signing.get_cookie_signer(salt=OPENID_COOKIE + OPENID_SALT).sign(openid)


# --- The silent login -----------------------------------------------------------------------


def sign_in(client: Client, back: str) -> tuple[str, str]:
    """Start the login; the address WeChat is sent to and the state in it."""
    r = client.get("/wechat/signin/", {"next": back})
    assert r.status_code == 302
    parts = urlsplit(r["Location"])
    assert parts.netloc == "open.weixin.qq.com" and parts.path == "/connect/oauth2/authorize"
    query = parse_qs(parts.query)
    assert query["appid"] == [APP_ID] and query["scope"] == ["snsapi_base"]
    assert query["redirect_uri"] == ["http://testserver/wechat/signin/back/"]
    return r["Location"], query["state"][0]


def test_the_login_tells_the_openid_to_the_browser_that_started_it(wx, w):
    need = nf.raise_need(w)
    page = keyed(need)
    client = Client()
    _, state = sign_in(client, page)
    r = client.get("/wechat/signin/back/", {"code": "good-code", "state": state})
    assert r.status_code == 302 and r["Location"] == page
    assert r.cookies[OPENID_COOKIE]["httponly"] and r.cookies[OPENID_COOKIE]["samesite"] == "Lax"
    assert r.cookies[OPENID_COOKIE].value != OPENID  # signed: a browser cannot make one up
    (exchange,) = [s for s in wx.seen if s.path == "/sns/oauth2/access_token"]
    assert exchange.query["code"] == "good-code" and exchange.query["appid"] == APP_ID
    answer = client.get(
        follow_url(need), {"k": tracking_key(need.number), "url": "http://testserver" + page}
    ).json()
    assert answer["identified"] is True


def test_a_login_link_made_in_another_browser_is_refused(wx, w):
    """Login CSRF: an attacker starts a login, and sends the victim the way back with the
    attacker's code and state. The victim's browser must not take the attacker's openid, or
    the victim's news would go to the attacker's WeChat."""
    attacker = Client()
    _, state = sign_in(attacker, "/")
    victim = Client()
    r = victim.get("/wechat/signin/back/", {"code": "good-code", "state": state})
    assert r.status_code == 302 and r["Location"] == "/"
    assert OPENID_COOKIE not in r.cookies
    assert r.cookies[TRIED_COOKIE].value  # and the page does not loop through the login
    assert not [s for s in wx.seen if s.path == "/sns/oauth2/access_token"]


def test_a_state_that_is_not_the_one_sent_is_refused(wx):
    client = Client()
    sign_in(client, "/")
    r = client.get("/wechat/signin/back/", {"code": "good-code", "state": "guessed"})
    assert OPENID_COOKIE not in r.cookies


def test_a_code_wechat_refuses_sets_nothing(wx):
    client = Client()
    _, state = sign_in(client, "/")
    r = client.get("/wechat/signin/back/", {"code": "used-code", "state": state})
    assert r.status_code == 302 and OPENID_COOKIE not in r.cookies


@pytest.mark.parametrize(
    "back",
    ["https://evil.example/track/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_the_way_back_stays_on_this_site(wx, back):
    client = Client()
    _, state = sign_in(client, back)
    r = client.get("/wechat/signin/back/", {"code": "good-code", "state": state})
    assert r["Location"] == "/"


def test_without_an_official_account_the_login_is_skipped(settings):
    settings.WECHAT_APP_ID = ""
    r = Client().get("/wechat/signin/", {"next": "/track/"})
    assert r.status_code == 302 and r["Location"] == "/track/"


# --- What the page is told ------------------------------------------------------------------


def test_the_follow_answer_needs_the_tracking_key(wx, w):
    need = nf.raise_need(w)
    assert Client().get(follow_url(need)).status_code == 404
    assert Client().get(follow_url(need), {"k": "wrong"}).status_code == 404
    assert Client().post(follow_url(need), {"k": "wrong"}).status_code == 404


def test_unknown_browser_is_sent_to_the_login_once(wx, w):
    need = nf.raise_need(w)
    page = "http://testserver" + keyed(need)
    r = Client().get(follow_url(need), {"k": tracking_key(need.number), "url": page})
    answer = r.json()
    assert answer == {"enabled": True, "identified": False, "signin": answer["signin"]}
    assert parse_qs(urlsplit(answer["signin"]).query)["next"] == [page]  # back to this page
    assert r["Cache-Control"].startswith("private") or "no-store" in r["Cache-Control"]
    tried = Client()
    tried.cookies[TRIED_COOKIE] = "1"
    assert tried.get(follow_url(need), {"k": tracking_key(need.number)}).json()["enabled"] is False


def test_a_known_browser_gets_the_js_sdk_configuration_and_the_templates(wx, w):
    need = nf.raise_need(w)
    page = "http://testserver" + keyed(need) + "#top"
    answer = (
        signed_in(Client())
        .get(follow_url(need), {"k": tracking_key(need.number), "url": page})
        .json()
    )
    assert answer["enabled"] and answer["identified"]
    assert answer["templates"] == [RESOLVED, ASKED, TAKEN]  # the rating prompt first
    config = answer["config"]
    assert config["appId"] == APP_ID and config["openTagList"] == ["wx-open-subscribe"]
    signed = (
        f"jsapi_ticket={TICKET}&noncestr={config['nonceStr']}"
        f"&timestamp={config['timestamp']}&url={page.split('#')[0]}"
    )
    # WeChat's JS-SDK signs with SHA-1; this checks our signature, it protects nothing here.
    assert config["signature"] == hashlib.sha1(signed.encode()).hexdigest()  # noqa: S324
    # The ticket is fetched once and kept in the shared cache.
    signed_in(Client()).get(follow_url(need), {"k": tracking_key(need.number), "url": page})
    assert len([s for s in wx.seen if s.path == "/cgi-bin/ticket/getticket"]) == 1


def test_no_signature_for_another_sites_page(wx, w):
    need = nf.raise_need(w)
    r = signed_in(Client()).get(
        follow_url(need), {"k": tracking_key(need.number), "url": "https://evil.example/x"}
    )
    assert r.status_code == 400 and "config" not in r.json()


def test_a_forged_openid_cookie_is_not_believed(wx, w):
    need = nf.raise_need(w)
    client = Client()
    client.cookies[OPENID_COOKIE] = OPENID
    assert (
        client.get(follow_url(need), {"k": tracking_key(need.number)}).json()["identified"] is False
    )
    r = client.post(follow_url(need), {"k": tracking_key(need.number), "details": "{}"})
    assert r.status_code == 403 and not Sub.objects.exists()


def test_nothing_to_follow_without_an_account_templates_or_with_messages_stopped(wx, w, settings):
    need = nf.raise_need(w)
    query = {"k": tracking_key(need.number)}
    client = signed_in(Client())
    need.messages_stopped_at = need.created_at
    need.save(update_fields=["messages_stopped_at"])
    assert client.get(follow_url(need), query).json()["enabled"] is False
    other = nf.raise_need(w)
    ProviderTemplate.objects.filter(provider="wechat").update(active=False)
    assert (
        client.get(follow_url(other), {"k": tracking_key(other.number)}).json()["enabled"] is False
    )
    ProviderTemplate.objects.filter(provider="wechat").update(active=True)
    settings.WECHAT_APP_SECRET = ""
    assert (
        client.get(follow_url(other), {"k": tracking_key(other.number)}).json()["enabled"] is False
    )


# --- Consent --------------------------------------------------------------------------------


def details(**statuses: str) -> str:
    """WeChat's subscribeDetails: each template's status as a JSON text of its own."""
    return json.dumps({t: json.dumps({"status": s}) for t, s in statuses.items()})


def test_what_the_resident_accepted_is_kept_with_their_openid(wx, w):
    need = nf.raise_need(w)
    client = signed_in(Client(enforce_csrf_checks=True))
    body = {
        "k": tracking_key(need.number),
        "details": details(**{RESOLVED: "accept", TAKEN: "reject", "tpl-not-offered": "accept"}),
    }
    assert client.post(follow_url(need), body).status_code == 403  # no CSRF token
    client = signed_in(Client())
    answer = client.post(follow_url(need), body).json()
    assert answer == {"accepted": 1, "following": 1}
    (row,) = Sub.objects.all()
    assert (row.need_id, row.openid, row.template_id, row.uses_left) == (
        need.pk,
        OPENID,
        RESOLVED,
        1,
    )


def test_repeated_acceptances_are_bounded(wx, w):
    need = nf.raise_need(w)
    client = signed_in(Client())
    for _ in range(subscriptions.MAX_USES + 5):
        client.post(
            follow_url(need),
            {"k": tracking_key(need.number), "details": details(**{TAKEN: "accept"})},
        )
    assert Sub.objects.get().uses_left == subscriptions.MAX_USES


@pytest.mark.parametrize(
    "bad", ["", "not json", "[]", json.dumps({TAKEN: 1}), json.dumps({TAKEN: "{bad"})]
)
def test_an_answer_that_is_not_wechats_accepts_nothing(wx, w, bad):
    need = nf.raise_need(w)
    r = signed_in(Client()).post(follow_url(need), {"k": tracking_key(need.number), "details": bad})
    assert r.status_code == 200 and r.json()["accepted"] == 0 and not Sub.objects.exists()


# --- Sending --------------------------------------------------------------------------------


@pytest.fixture
def both(settings, wx) -> tuple[type[FakeBackend], type[FakeBackend]]:
    settings.OUTREACH_BACKENDS = [
        "civicgrid.outreach.tests.test_wechat_follow.FakeWeChat",
        "civicgrid.outreach.tests.fakes.FakeBackend",
    ]
    FakeWeChat.reset()
    FakeBackend.reset()
    return FakeWeChat, FakeBackend


def taken_message(w, need) -> ResidentMessage:
    workflow.need_take(need=need, by=workflow.By(w.grid_worker))
    return ResidentMessage.objects.get(need=need, kind=Kind.TAKEN)


def sent(m: ResidentMessage) -> ResidentMessage:
    sending.send(m.pk)
    m.refresh_from_db()
    return m


def test_a_follower_is_told_in_wechat_while_consent_lasts_then_by_text(both, w):
    wechat, sms = both
    need = nf.raise_need(w)
    subscriptions.record(need, OPENID, [TAKEN])
    m = sent(taken_message(w, need))
    assert (m.state, m.channel) == (MessageState.SENT, "wechat")
    (text,) = wechat.sent
    assert text.openid == OPENID and text.template.template_id == TAKEN and not sms.sent
    assert Sub.objects.get().uses_left == 0
    # The second "taken" (after a return) finds no consent left: the text message carries it.
    workflow.need_return(need=need, by=workflow.By(w.grid_worker), reason="不归我管")
    workflow.need_take(need=need, by=workflow.By(w.grid_worker))
    again = ResidentMessage.objects.filter(need=need, kind=Kind.TAKEN).latest("event_seq")
    assert sent(again).channel == "sms" and len(sms.sent) == 1


def test_a_resident_who_follows_nothing_is_told_by_text(both, w):
    wechat, sms = both
    need = nf.raise_need(w)
    subscriptions.record(need, OPENID, [RESOLVED])  # consent to another kind only
    assert sent(taken_message(w, need)).channel == "sms"
    assert not wechat.sent and len(sms.sent) == 1


def test_wechat_refusing_passes_the_message_to_the_text_at_once(both, w):
    wechat, sms = both
    wechat.reset(
        PermanentFailure("WeChat error 43101: user refuse to accept the msg", code="43101")
    )
    need = nf.raise_need(w)
    subscriptions.record(need, OPENID, [TAKEN])
    m = sent(taken_message(w, need))
    assert (m.state, m.channel, m.attempts) == (MessageState.SENT, "sms", 1)
    assert "43101" in m.error and len(sms.sent) == 1
    assert Sub.objects.get().uses_left == 0  # not tried in WeChat again until they accept again


def test_wechat_busy_is_tried_again_and_on_the_last_attempt_the_text_goes(both, w, settings):
    wechat, sms = both
    settings.OUTREACH_MAX_ATTEMPTS = 2
    wechat.reset(TemporaryFailure("busy", code="-1"), TemporaryFailure("busy", code="-1"))
    need = nf.raise_need(w)
    subscriptions.record(need, OPENID, [TAKEN])
    m = sent(taken_message(w, need))
    assert m.state == MessageState.QUEUED and not sms.sent
    sending.send(m.pk, now=m.next_try_at)
    m.refresh_from_db()
    assert (m.state, m.channel, m.attempts) == (MessageState.SENT, "sms", 2)
    assert Sub.objects.get().uses_left == 1  # nothing went out in WeChat


def test_anonymising_forgets_the_openid(both, w):
    from civicgrid.needs.models import State
    from civicgrid.privacy import services as privacy

    need = nf.raise_need(w)
    subscriptions.record(need, OPENID, [TAKEN, RESOLVED])
    nf.force(need, state=State.CLOSED)
    privacy.need_anonymise(need=need, by=w.dispatcher, reason="居民要求")
    assert not Sub.objects.filter(need=need).exists()


def test_logins_and_acceptances_are_rate_limited_per_address(wx, w, settings):
    """Each way back costs a call to WeChat: a script looping through logins is cut off."""
    settings.RESIDENT_TRACK_LIMIT = 2
    exchanges = 0
    for _ in range(3):
        client = Client()
        _, state = sign_in(client, "/")
        r = client.get("/wechat/signin/back/", {"code": "good-code", "state": state})
        exchanges = len([s for s in wx.seen if s.path == "/sns/oauth2/access_token"])
    assert exchanges == 2 and OPENID_COOKIE not in r.cookies
    need = nf.raise_need(w)
    body = {"k": tracking_key(need.number), "details": details(**{TAKEN: "accept"})}
    statuses = [signed_in(Client()).post(follow_url(need), body).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
