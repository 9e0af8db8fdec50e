"""Subscription messages (订阅通知) of a WeChat Official Account (服务号), through wechatpy.

Why the Official Account and not a Mini Program: the resident's pages are web pages, and the
tracking link is a web address. An Official Account's subscription message
(`cgi-bin/message/subscribe/bizsend`, wechatpy's `client.message.send_subscribe_message`) opens
a web page; a Mini Program's (`cgi-bin/message/subscribe/send`) can only open a page of a Mini
Program, which CivicGrid does not have. The openid is the resident's within the Official
Account (from its web login), and the resident must have subscribed to the template.

Settings (django.conf.settings):

    WECHAT_APP_ID, WECHAT_APP_SECRET  the Official Account's AppID and AppSecret
    WECHAT_API_BASE                  "https://api.weixin.qq.com/" (the tests' fake provider)
    WECHAT_LINK_PAGE                 the page the message opens, formatted with the text's
                                     params: "{link}" (the default) when `link` is absolute,
                                     "https://civicgrid.example.org{link}" when it is a path;
                                     "" for a message that opens nothing
    WECHAT_TOKEN_CACHE               the Django cache alias keeping the access token, "default"
    WECHAT_TIMEOUT                   seconds, 5

The template: `TemplateRef.template_id` is the subscription template's id; each of its `params`
is "field=param", a keyword field of the template filled with one of the text's params, e.g.
("character_string1=number", "phrase2=state") sends {"character_string1": {"value": "K7M4QXP2"},
"phrase2": {"value": "已受理"}}. `sign_name` is not used. WeChat checks each value against its
field's kind (thing ≤ 20 characters, phrase ≤ 5, character_string ≤ 32...) and refuses the
message with 47003 otherwise: the operator picks fields that fit the texts.

The access token lives in Django's cache through a small wechatpy session storage (wechatpy ships
memory, Redis and memcached storages, none on Django's cache). A process-local memory storage
would have every worker process fetch its own token, and each fetch makes the previous token
expire within minutes: workers would keep invalidating each other's tokens and spend the daily
allowance of fetches.
"""

from __future__ import annotations

import uuid
from typing import Any

import requests
from django.conf import settings
from django.core.cache import caches
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException, WeChatOAuthException
from wechatpy.oauth import WeChatOAuth
from wechatpy.session import SessionStorage

from civicgrid.outreach.backends.base import Failure, PermanentFailure, TemporaryFailure, Text

API_BASE = "https://api.weixin.qq.com/"

# Trying again cannot help: the resident refused or unsubscribed (43101), the openid is not one
# of this account's (40003), the template id (40037), the data (47003) or the page (41030) is
# wrong.
PERMANENT_ERRCODES = {40003, 40037, 41030, 43101, 47003}
# The access token was refused: invalid (40001, 40014) or expired (42001) before our cache
# forgot it, typically because another fetch replaced it.
TOKEN_ERRCODES = {40001, 40014, 42001}
# Forget a token this many seconds before WeChat does (it lives 7200 s), so that a message is
# not sent with one that expires on the way.
TOKEN_MARGIN = 300


class DjangoCacheStorage(SessionStorage):
    """wechatpy's session storage on a Django cache, shared by every worker process."""

    prefix = "wechatpy:"

    def __init__(self, alias: str) -> None:
        self.cache = caches[alias]

    def get(self, key: str, default: Any = None) -> Any:
        return self.cache.get(self.prefix + key, default)

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        if value is None:
            return
        timeout = None if ttl is None else max(int(ttl) - TOKEN_MARGIN, 1)
        self.cache.set(self.prefix + key, value, timeout)

    def delete(self, key: str) -> None:
        self.cache.delete(self.prefix + key)


class TimeoutSession(requests.Session):
    """A session that gives every request a timeout: wechatpy fetches the token without one."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, *args, **kwargs)


class Client(WeChatClient):
    """wechatpy's client on a configurable API base. Its own retry after a refused token is off:
    it retries for as long as WeChat refuses, where we retry once (`WeChatSubscribeBackend`)."""

    def __init__(self, appid: str, secret: str, *, base: str, timeout: float, cache: str) -> None:
        super().__init__(
            appid, secret, session=DjangoCacheStorage(cache), timeout=timeout, auto_retry=False
        )
        self.base = base
        self.API_BASE_URL = base + "cgi-bin/"
        self._http = TimeoutSession(timeout)

    def fetch_access_token(self) -> dict[str, Any]:
        # wechatpy's fetch_access_token has the real host written in.
        result: dict[str, Any] = self._fetch_access_token(
            url=self.base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        return result


def client() -> Client:
    appid, secret = settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET
    if not (appid and secret):
        raise TemporaryFailure(
            "WECHAT_APP_ID and WECHAT_APP_SECRET must be set", code="NotConfigured"
        )
    return Client(
        appid,
        secret,
        base=api_base(),
        timeout=settings.WECHAT_TIMEOUT,
        cache=settings.WECHAT_TOKEN_CACHE,
    )


def api_base() -> str:
    base: str = settings.WECHAT_API_BASE
    return base if base.endswith("/") else base + "/"


def configured() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


class OAuth(WeChatOAuth):
    """wechatpy's web login (网页授权) on configurable bases, with a timeout. CivicGrid asks only
    for `snsapi_base`: the silent login that tells the openid and nothing else (no name, no
    photo, no prompt to the resident)."""

    def __init__(self, redirect_uri: str, state: str) -> None:
        super().__init__(
            settings.WECHAT_APP_ID,
            settings.WECHAT_APP_SECRET,
            redirect_uri,
            scope="snsapi_base",
            state=state,
        )
        self.API_BASE_URL = api_base()
        base: str = settings.WECHAT_OAUTH_BASE
        self.OAUTH_BASE_URL = base if base.endswith("/") else base + "/"
        self._http = TimeoutSession(settings.WECHAT_TIMEOUT)

    def openid(self, code: str) -> str:
        """The openid WeChat gives for a login's code; "" when it refuses the code (used,
        expired, forged) or does not answer."""
        try:
            answer = self.fetch_access_token(code)
        except (WeChatOAuthException, requests.RequestException, ValueError, KeyError):
            return ""
        openid = answer.get("openid", "") if isinstance(answer, dict) else ""
        return openid if isinstance(openid, str) else ""


def template_data(text: Text) -> dict[str, dict[str, str]]:
    """The template's keyword fields filled from the text's params ("field=param" pairs)."""
    assert text.template is not None
    data = {}
    for pair in text.template.params:
        field, _, name = pair.partition("=")
        if not (field and name):
            raise PermanentFailure(
                f"template {text.template.template_id}: {pair!r} is not field=param",
                code="BadTemplate",
            )
        if name not in text.params:
            raise PermanentFailure(
                f"template {text.template.template_id} wants {name!r}, which the text lacks",
                code="MissingParam",
            )
        data[field] = {"value": text.params[name]}
    return data


def link_page(text: Text) -> str | None:
    page: str = settings.WECHAT_LINK_PAGE
    try:
        return page.format_map(text.params) or None
    except (KeyError, IndexError, ValueError):
        return None  # a message that opens nothing still tells the number and the state


def failure(error: WeChatClientException) -> Failure:
    """The failure for an error answer. Anything not known to be permanent is temporary: busy
    (-1), over the daily quota (45009), a refused token, an HTTP error status, a credential or
    whitelist problem an operator fixes (40013, 40125, 40164) and codes we do not know."""
    if error.errcode is None:  # not a WeChat answer: an HTTP error status
        status = getattr(error.response, "status_code", "")
        return TemporaryFailure(f"WeChat answered HTTP {status}", code=f"http-{status}")
    message = f"WeChat error {error.errcode}: {error.errmsg}"
    if error.errcode in PERMANENT_ERRCODES:
        return PermanentFailure(message, code=str(error.errcode))
    return TemporaryFailure(message, code=str(error.errcode))


class WeChatSubscribeBackend:
    channel = "wechat"

    def can_send(self, text: Text) -> bool:
        return bool(text.openid) and text.template is not None

    def send(self, text: Text) -> str:
        template = text.template
        if template is None:
            raise PermanentFailure("no subscription template for this message", code="NoTemplate")
        if not text.openid:
            raise PermanentFailure("no openid", code="NoOpenid")
        data = template_data(text)
        page = link_page(text)
        wechat = client()

        def send_once() -> Any:
            return wechat.message.send_subscribe_message(
                text.openid, template.template_id, data, page=page
            )

        try:
            try:
                result = send_once()
            except WeChatClientException as e:
                if e.errcode not in TOKEN_ERRCODES:
                    raise
                wechat.fetch_access_token()
                result = send_once()
        except WeChatClientException as e:
            raise failure(e) from None
        except (requests.RequestException, ValueError) as e:
            # Not `from e`, nor its text: a requests error quotes the URL, and the token URL
            # carries the AppSecret.
            raise TemporaryFailure(
                f"WeChat did not answer: {type(e).__name__}", code="network"
            ) from None
        if not isinstance(result, dict):
            raise TemporaryFailure("WeChat's answer was not JSON", code="not-json")
        msgid = result.get("msgid")
        return str(msgid) if msgid else f"wechat-{uuid.uuid4().hex}"
