"""WeChat subscription messages: wechatpy against a fake Official Account API on 127.0.0.1
(`cgi-bin/token` and `cgi-bin/message/subscribe/bizsend`) that issues tokens, refuses stale
ones and answers with WeChat's errcodes."""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from civicgrid.outreach.backends.base import PermanentFailure, TemplateRef, TemporaryFailure, Text
from civicgrid.outreach.backends.tests.fakeserver import FakeServer, Reply, Seen, closed_port, serve
from civicgrid.outreach.backends.wechat import WeChatSubscribeBackend

APP_ID = "wx0123456789abcdef"
APP_SECRET = "wechat-test-app-secret"
OPENID = "oVxRz5abcdefghijklmnopqrstuv"

TEMPLATE = TemplateRef(
    template_id="tpl-Xq3-need-taken",
    params=("character_string1=number", "phrase2=state"),
)
TEXT = Text(
    kind="taken",
    language="zh-hans",
    body="您的诉求 K7M4QXP2 已受理",
    params={
        "number": "K7M4QXP2",
        "state": "已受理",
        "link": "https://example.org/t/K7M4QXP2?k=abc",
    },
    openid=OPENID,
    template=TEMPLATE,
)


@dataclass
class FakeWeChat:
    """Issues a new token on each fetch (the previous one then stops working, as it does within
    minutes at WeChat) and answers sends with the scripted replies in turn, then success."""

    replies: list[Reply] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    server: FakeServer | None = None

    def answer(self, seen: Seen) -> Reply:
        if seen.path == "/cgi-bin/token":
            if seen.query != {
                "grant_type": "client_credential",
                "appid": APP_ID,
                "secret": APP_SECRET,
            }:
                return Reply({"errcode": 40125, "errmsg": "invalid appsecret"})
            self.tokens.append(f"TOKEN-{uuid.uuid4().hex}")
            return Reply({"access_token": self.tokens[-1], "expires_in": 7200})
        if seen.path == "/cgi-bin/message/subscribe/bizsend" and seen.method == "POST":
            if not self.tokens or seen.query.get("access_token") != self.tokens[-1]:
                return Reply({"errcode": 42001, "errmsg": "access_token expired"})
            return self.replies.pop(0) if self.replies else Reply({"errcode": 0, "errmsg": "ok"})
        return Reply(b"not found", status=404, content_type="text/plain")

    def requests(self, path: str) -> list[Seen]:
        assert self.server is not None
        return [s for s in self.server.seen if s.path == path]

    @property
    def fetches(self) -> list[Seen]:
        return self.requests("/cgi-bin/token")

    @property
    def sends(self) -> list[Seen]:
        return self.requests("/cgi-bin/message/subscribe/bizsend")


@pytest.fixture
def wechat(settings) -> Iterator[FakeWeChat]:
    fake = FakeWeChat()
    with serve(fake.answer) as server:
        fake.server = server
        # Each test its own cache: a token cached by one test must not serve another.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"wechat-{uuid.uuid4().hex}",
            }
        }
        settings.WECHAT_APP_ID = APP_ID
        settings.WECHAT_APP_SECRET = APP_SECRET
        settings.WECHAT_API_BASE = f"http://{server.address}/"
        settings.WECHAT_TIMEOUT = 0.5
        yield fake


def test_a_message_goes_with_a_fetched_token_to_the_subscribed_resident(wechat):
    wechat.replies.append(Reply({"errcode": 0, "errmsg": "ok", "msgid": 3147483647}))
    assert WeChatSubscribeBackend().send(TEXT) == "3147483647"

    [fetch] = wechat.fetches
    assert fetch.method == "GET"
    [send] = wechat.sends
    assert send.query["access_token"] == wechat.tokens[0]
    assert send.json() == {
        "touser": OPENID,
        "template_id": "tpl-Xq3-need-taken",
        "page": "https://example.org/t/K7M4QXP2?k=abc",
        "data": {"character_string1": {"value": "K7M4QXP2"}, "phrase2": {"value": "已受理"}},
    }


def test_without_a_msgid_the_backend_makes_up_an_id(wechat):
    message_id = WeChatSubscribeBackend().send(TEXT)
    assert message_id.startswith("wechat-") and len(message_id) == len("wechat-") + 32


def test_the_token_is_fetched_once_for_many_messages_and_backends(wechat):
    for _ in range(3):
        WeChatSubscribeBackend().send(TEXT)
    assert len(wechat.fetches) == 1 and len(wechat.sends) == 3


def test_the_token_is_forgotten_before_wechat_expires_it(wechat):
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        WeChatSubscribeBackend().send(TEXT)
        traveller.shift(timedelta(seconds=6800))
        WeChatSubscribeBackend().send(TEXT)
        assert len(wechat.fetches) == 1
        traveller.shift(timedelta(seconds=150))  # 6950 s: within five minutes of its 7200
        WeChatSubscribeBackend().send(TEXT)
    assert len(wechat.fetches) == 2


def test_a_token_refused_as_expired_is_refreshed_once_and_the_message_goes(wechat):
    WeChatSubscribeBackend().send(TEXT)
    wechat.tokens.append("TOKEN-fetched-by-someone-else")  # ours now refused with 42001
    WeChatSubscribeBackend().send(TEXT)
    assert len(wechat.fetches) == 2
    assert [s.query["access_token"] for s in wechat.sends] == [
        wechat.tokens[0],  # the first message
        wechat.tokens[0],  # refused
        wechat.tokens[2],  # the new one
    ]


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_a_token_refused_again_after_the_refresh_is_temporary(wechat, errcode):
    wechat.replies += [Reply({"errcode": errcode, "errmsg": "invalid credential"})] * 5
    with pytest.raises(TemporaryFailure) as failed:
        WeChatSubscribeBackend().send(TEXT)
    assert failed.value.code == str(errcode)
    assert len(wechat.sends) == 2 and len(wechat.fetches) == 2


@pytest.mark.parametrize(
    ("errcode", "kind"),
    [
        (43101, PermanentFailure),  # the resident refused or unsubscribed
        (40003, PermanentFailure),  # not an openid of this account
        (47003, PermanentFailure),  # the data does not fit the template's fields
        (40037, PermanentFailure),  # no such template
        (45009, TemporaryFailure),  # over the daily quota
        (-1, TemporaryFailure),  # system busy
        (48001, TemporaryFailure),  # not authorised: an operator fixes it
        (99999, TemporaryFailure),  # unknown
    ],
)
def test_an_errcode_is_permanent_only_when_trying_again_cannot_help(wechat, errcode, kind):
    wechat.replies.append(Reply({"errcode": errcode, "errmsg": "refused"}))
    with pytest.raises(kind) as failed:
        WeChatSubscribeBackend().send(TEXT)
    assert type(failed.value) is kind and failed.value.code == str(errcode)
    assert len(wechat.sends) == 1


def test_a_server_error_is_temporary(wechat):
    wechat.replies.append(Reply(b"<html>502</html>", status=502, content_type="text/html"))
    with pytest.raises(TemporaryFailure) as failed:
        WeChatSubscribeBackend().send(TEXT)
    assert failed.value.code == "http-502"


def test_a_refused_secret_is_temporary_and_sends_nothing(wechat, settings):
    settings.WECHAT_APP_SECRET = "a-mistyped-secret"
    with pytest.raises(TemporaryFailure) as failed:
        WeChatSubscribeBackend().send(TEXT)
    assert failed.value.code == "40125" and wechat.sends == []


def test_a_refused_connection_is_temporary_and_the_failure_does_not_quote_the_secret(settings):
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_APP_SECRET = APP_SECRET
    settings.WECHAT_API_BASE = f"http://{closed_port()}/"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with pytest.raises(TemporaryFailure) as failed:
        WeChatSubscribeBackend().send(TEXT)
    assert failed.value.code == "network"
    # What the worker would log, traceback included: requests' own error quotes the token URL.
    assert APP_SECRET not in "".join(traceback.format_exception(failed.value))


def test_a_provider_slower_than_the_timeout_is_temporary(wechat, settings):
    settings.WECHAT_TIMEOUT = 0.3
    wechat.replies.append(Reply({"errcode": 0, "errmsg": "ok"}, delay=1.5))
    started = time.monotonic()
    with pytest.raises(TemporaryFailure) as failed:
        WeChatSubscribeBackend().send(TEXT)
    assert time.monotonic() - started < 1.0 and failed.value.code == "network"


def test_a_slow_token_endpoint_is_temporary_too(wechat, settings):
    # wechatpy fetches the token without a timeout of its own.
    settings.WECHAT_TIMEOUT = 0.3
    answer = wechat.answer
    wechat.server.answer = lambda seen: (
        Reply({}, delay=1.5) if "token" in seen.path else answer(seen)
    )
    started = time.monotonic()
    with pytest.raises(TemporaryFailure):
        WeChatSubscribeBackend().send(TEXT)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("link_page", "page"),
    [
        ("https://civicgrid.example.org{link}", "https://civicgrid.example.org/t/K7M4QXP2?k=abc"),
        ("", None),
        ("{no_such_param}", None),
    ],
)
def test_the_message_opens_the_configured_link_page(wechat, settings, link_page, page):
    settings.WECHAT_LINK_PAGE = link_page
    text = Text(
        kind="taken",
        language="zh-hans",
        body="…",
        params={"number": "K7M4QXP2", "state": "已受理", "link": "/t/K7M4QXP2?k=abc"},
        openid=OPENID,
        template=TEMPLATE,
    )
    WeChatSubscribeBackend().send(text)
    assert wechat.sends[0].json().get("page") == page


@pytest.mark.parametrize(
    ("params", "code"),
    [(("character_string1",), "BadTemplate"), (("thing3=name",), "MissingParam")],
)
def test_a_template_that_does_not_fit_the_text_is_permanent_and_sends_nothing(wechat, params, code):
    text = Text(
        kind="taken",
        language="zh-hans",
        body="…",
        params={"number": "K7M4QXP2"},
        openid=OPENID,
        template=TemplateRef(template_id="tpl", params=params),
    )
    with pytest.raises(PermanentFailure) as failed:
        WeChatSubscribeBackend().send(text)
    assert failed.value.code == code and wechat.server.seen == []


def test_without_a_template_nothing_is_sent(wechat):
    text = Text(kind="taken", language="mn-mong", body="…", openid=OPENID)
    with pytest.raises(PermanentFailure) as failed:
        WeChatSubscribeBackend().send(text)
    assert failed.value.code == "NoTemplate" and wechat.server.seen == []


def test_an_unconfigured_account_is_temporary(wechat, settings):
    settings.WECHAT_APP_SECRET = ""
    with pytest.raises(TemporaryFailure) as failed:
        WeChatSubscribeBackend().send(TEXT)
    assert failed.value.code == "NotConfigured" and wechat.server.seen == []


@pytest.mark.parametrize(
    ("openid", "template", "can"),
    [(OPENID, TEMPLATE, True), ("", TEMPLATE, False), (OPENID, None, False)],
)
def test_only_a_resident_with_an_openid_and_a_template_can_be_messaged(openid, template, can):
    text = Text(kind="received", language="zh-hans", body="…", openid=openid, template=template)
    backend = WeChatSubscribeBackend()
    assert backend.can_send(text) is can and backend.channel == "wechat"
