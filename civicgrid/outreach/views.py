"""Following a need in WeChat (docs/outreach.md, "WeChat"): what the receipt and the tracking
page ask for when they are opened inside WeChat (static/js/wechat-follow.js).

- `follow` GET: whether the resident can follow this need in WeChat, and what the page needs
  for it: the JS-SDK's signed configuration and the templates to offer, or, when the browser
  does not know its openid yet, the address of the silent login.
- `follow` POST: what the resident accepted in WeChat's dialog, recorded with their openid.
- `signin` and `signin_back`: the Official Account's silent web login (snsapi_base), which
  tells the openid and nothing else. The openid is kept in the resident's browser only, in a
  signed HttpOnly cookie, until they accept a template; then it is stored with that need.

Every one of them needs the need's tracking key, as the tracking page's own writes do.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods
from wechatpy.exceptions import WeChatClientException

from civicgrid.core import ratelimit
from civicgrid.core.redirects import this_site
from civicgrid.needs import selectors
from civicgrid.needs.models import Kind as NeedKind
from civicgrid.needs.models import Need
from civicgrid.needs.tracking import key_ok, tracking_url
from civicgrid.outreach import subscriptions
from civicgrid.outreach.backends import wechat

log = logging.getLogger("civicgrid.outreach")

OPENID_COOKIE = "cg_wx"
STATE_COOKIE = "cg_wx_state"
TRIED_COOKIE = "cg_wx_tried"
OPENID_SALT = "civicgrid.outreach.wechat-openid"
STATE_SALT = "civicgrid.outreach.wechat-state"
# A login that takes longer than this is started again.
STATE_SECONDS = 600
# After a login that gave no openid, the page does not try again for a day.
TRIED_SECONDS = 86400


def _need(number: str, key: str) -> Need:
    need = selectors.by_number(number)
    if need is None or not key_ok(need.number, key):
        raise Http404("no such need")
    return need


def _followable(need: Need) -> bool:
    return (
        need.kind == NeedKind.REQUEST
        and need.anonymised_at is None
        and need.messages_stopped_at is None
        and need.merged_into_id is None
    )


def _openid_seconds() -> int:
    return int(settings.WECHAT_OPENID_DAYS) * 86400


def openid_of(request: HttpRequest) -> str:
    value = request.get_signed_cookie(
        OPENID_COOKIE,
        default="",
        salt=OPENID_SALT,
        max_age=_openid_seconds(),
    )
    return value if isinstance(value, str) else ""


def _answer(data: Mapping[str, object], status: int = 200) -> JsonResponse:
    response = JsonResponse(dict(data), status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_http_methods(["GET", "POST"])
def follow(request: HttpRequest, number: str) -> HttpResponse:
    key = request.POST.get("k", "") if request.method == "POST" else request.GET.get("k", "")
    need = _need(number, key)
    if request.method == "POST":
        return _accept(request, need)
    following = subscriptions.uses(need.pk)
    closed = {"enabled": False, "following": following}
    if not (wechat.configured() and _followable(need)):
        return _answer(closed)
    templates = subscriptions.offered(need.language or get_language() or "")
    if not templates:
        return _answer(closed)
    page = request.GET.get("url", "")
    if not openid_of(request):
        if request.COOKIES.get(TRIED_COOKIE):
            return _answer(closed)
        back = page if this_site(request, page) else tracking_url(need.number)
        signin = f"{reverse('outreach:signin')}?{urlencode({'next': back})}"
        return _answer({"enabled": True, "identified": False, "signin": signin})
    # The JS-SDK signs the page's full address: one of this site's, never another's.
    if not (this_site(request, page) and urlsplit(page).netloc):
        return _answer({**closed, "error": "url"}, status=400)
    try:
        config = _js_config(page.split("#", 1)[0])
    except wechat.TemporaryFailure as exc:
        log.warning("WeChat JS-SDK ticket: %s", exc)
        return _answer(closed)
    return _answer(
        {
            "enabled": True,
            "identified": True,
            "config": config,
            "templates": templates,
            "following": following,
        }
    )


def _limited(request: HttpRequest, what: str) -> int:
    """Seconds to wait when this address sent too many logins (each costs a call to WeChat) or
    acceptances, counted like the tracking page's posts; 0 if it may go on."""
    return ratelimit.hit(
        f"wechat-{what}",
        ratelimit.client_ip(request),
        limit=settings.RESIDENT_TRACK_LIMIT,
        per=settings.RESIDENT_TRACK_WINDOW,
    )


def _accept(request: HttpRequest, need: Need) -> JsonResponse:
    wait = _limited(request, "follow")
    if wait:
        response = _answer({"error": "too_many", "retry_after": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response
    openid = openid_of(request)
    if not openid:
        return _answer({"error": "openid"}, status=403)
    if not _followable(need):
        return _answer({"error": "closed"}, status=409)
    offered = subscriptions.offered(need.language or get_language() or "")
    taken = subscriptions.accepted(request.POST.get("details", ""), offered)
    uses = subscriptions.record(need, openid, taken) if taken else subscriptions.uses(need.pk)
    return _answer({"accepted": len(taken), "following": uses})


def _js_config(url: str) -> dict[str, object]:
    """wx.config's values for a page at `url`: the signature over the JS-SDK ticket (kept in
    the shared cache by wechatpy's session storage)."""
    client = wechat.client()
    try:
        ticket = client.jsapi.get_jsapi_ticket()
    except (WeChatClientException, OSError, ValueError, KeyError) as exc:
        raise wechat.TemporaryFailure(f"no ticket: {type(exc).__name__}") from None
    nonce = secrets.token_hex(8)
    timestamp = int(time.time())
    return {
        "appId": settings.WECHAT_APP_ID,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url),
        "jsApiList": ["checkJsApi"],
        "openTagList": ["wx-open-subscribe"],
    }


def _callback() -> str:
    """Where WeChat's login comes back to: an address of `SITE_URL`, the domain registered
    with the Official Account for its web login."""
    return f"{settings.SITE_URL.rstrip('/')}{reverse('outreach:signin_back')}"


def _back(request: HttpRequest, url: str) -> str:
    return url if this_site(request, url) else reverse("resident:home")


def _cookie(response: HttpResponse, name: str, value: str, max_age: int, salt: str) -> None:
    """A signed cookie only this site's pages send back and no script reads."""
    response.set_signed_cookie(
        name,
        value,
        salt=salt,
        max_age=max_age,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


@require_GET
def signin(request: HttpRequest) -> HttpResponse:
    """Off to WeChat's silent login, with a state bound to this browser."""
    back = _back(request, request.GET.get("next", ""))
    if not wechat.configured():
        return HttpResponseRedirect(back)
    nonce = secrets.token_urlsafe(16)
    response = HttpResponseRedirect(wechat.OAuth(_callback(), nonce).authorize_url)
    _cookie(response, STATE_COOKIE, f"{nonce}|{back}", STATE_SECONDS, salt=STATE_SALT)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def signin_back(request: HttpRequest) -> HttpResponse:
    """WeChat's answer: a code for the openid, and the state this browser was sent with. A state
    that is not this browser's (a link someone else made, to have their openid followed here)
    is refused; so is one older than STATE_SECONDS."""
    kept = request.get_signed_cookie(
        STATE_COOKIE, default="", salt=STATE_SALT, max_age=STATE_SECONDS
    )
    nonce, _, back = (kept or "").partition("|")
    back = _back(request, back)
    state = request.GET.get("state", "")
    code = request.GET.get("code", "")
    openid = ""
    if (
        nonce
        and state
        and constant_time_compare(nonce, state)
        and code
        and not _limited(request, "signin")
    ):
        openid = wechat.OAuth(_callback(), nonce).openid(code)
    response = HttpResponseRedirect(back)
    response.delete_cookie(STATE_COOKIE, samesite="Lax")
    if openid:
        _cookie(response, OPENID_COOKIE, openid, _openid_seconds(), salt=OPENID_SALT)
    else:
        _cookie(response, TRIED_COOKIE, "1", TRIED_SECONDS, salt=STATE_SALT)
    patch_cache_control(response, private=True, no_store=True)
    return response
