"""Residents who follow their need in WeChat (docs/outreach.md, "WeChat").

An Official Account may send a resident a subscription message only with their consent, given
template by template in WeChat's own dialog (the `wx-open-subscribe` tag on the receipt and the
tracking page, static/js/wechat-follow.js), and only to the openid the account knows them by
(its silent web login, outreach/views.py). Each acceptance of a one-time template allows one
message. What the resident accepted is kept here per need and template, with the openid; the
worker spends one use per message sent, and sends by text message when none is left or WeChat
refuses (outreach/sending.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import F, Sum

from civicgrid.needs.models import Need
from civicgrid.outreach import providers
from civicgrid.outreach.models import Kind, Provider, WeChatSubscription

# The kinds a resident is asked to follow, most wanted first: the rating prompt, a question,
# then news. "received" is sent when the need is raised, before the resident can consent.
FOLLOWED_KINDS = (Kind.RESOLVED, Kind.MORE_INFO, Kind.TAKEN, Kind.ANSWERED)
# WeChat's dialog asks for a few templates at a time.
MAX_TEMPLATES = 3
# Uses kept per need and template: enough for every message a need makes, and a bound on
# what a page that posts acceptances in a loop can store.
MAX_USES = 10
# What WeChat's dialog reports for a template the resident agreed to.
ACCEPTED = frozenset({"accept", "acceptWithAudio", "acceptWithAlert"})


def offered(language: str) -> list[str]:
    """The subscription templates the resident is asked to accept: those set up for the
    followed kinds, in the page's language else in Chinese, at most MAX_TEMPLATES."""
    chosen = providers.approved(Provider.WECHAT, FOLLOWED_KINDS, language)
    ids: list[str] = []
    for kind in FOLLOWED_KINDS:
        row = chosen.get(kind)
        if row is not None and row.template_id not in ids:
            ids.append(row.template_id)
    return ids[:MAX_TEMPLATES]


def accepted(details: Any, offered_ids: list[str]) -> list[str]:
    """The offered templates the dialog's answer (`subscribeDetails`) says were accepted. The
    answer maps each template id to its status, itself a JSON text ({"status": "accept"}) or
    already an object; anything else accepts nothing."""
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except ValueError:
            return []
    if not isinstance(details, dict):
        return []
    ids = []
    for template_id in offered_ids:
        status = details.get(template_id)
        if isinstance(status, str):
            try:
                status = json.loads(status)
            except ValueError:
                status = {"status": status}
        if isinstance(status, dict) and status.get("status") in ACCEPTED:
            ids.append(template_id)
    return ids


def record(need: Need, openid: str, template_ids: list[str]) -> int:
    """One more use of each accepted template for this need, to this openid (a new openid
    replaces the old: the resident follows from the WeChat they use now). Returns the uses
    the need has in all."""
    with transaction.atomic():
        for template_id in template_ids:
            row, _ = WeChatSubscription.objects.select_for_update().get_or_create(
                need=need, template_id=template_id, defaults={"openid": openid}
            )
            row.openid = openid
            row.uses_left = min(row.uses_left + 1, MAX_USES)
            row.save(update_fields=["openid", "uses_left", "updated_at"])
    return uses(need.pk)


def uses(need_id: int) -> int:
    total = WeChatSubscription.objects.filter(need_id=need_id).aggregate(n=Sum("uses_left"))["n"]
    return int(total or 0)


def openid_for(need_id: int, template_id: str) -> str:
    """The openid to send this template to, if the resident has a use of it left."""
    row = (
        WeChatSubscription.objects.filter(need_id=need_id, template_id=template_id, uses_left__gt=0)
        .values_list("openid", flat=True)
        .first()
    )
    return row or ""


def spend(need_id: int, template_id: str) -> None:
    """A message went out on this template: one use fewer."""
    WeChatSubscription.objects.filter(
        need_id=need_id, template_id=template_id, uses_left__gt=0
    ).update(uses_left=F("uses_left") - 1)


def void(need_id: int, template_id: str) -> None:
    """WeChat refused a message on this template for good (the resident withdrew consent or
    has none left there): no more tries until they accept again."""
    WeChatSubscription.objects.filter(need_id=need_id, template_id=template_id).update(uses_left=0)


def forget(need_id: int) -> None:
    """The need's personal data is gone: so is the openid."""
    WeChatSubscription.objects.filter(need_id=need_id).delete()
