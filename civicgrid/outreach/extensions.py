"""What the outreach app adds to a need's other surfaces (registered with `needs.extensions`):

- on its console page, what the resident was told: each message's time, kind, state and
  channel, so that staff who see one failed call the resident instead. Never the phone or the
  text; the error is the provider's short reason with digit runs masked (outreach/sending.py);
- in the resident's data export, the messages sent about each need (their text is never
  kept) and the WeChat openid the resident follows it with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from civicgrid.core.statements import Statement
from civicgrid.needs.models import Kind as NeedKind
from civicgrid.needs.models import Need
from civicgrid.outreach.models import (
    Kind,
    MessageChannel,
    MessageState,
    ResidentMessage,
    WeChatSubscription,
)

# Shown as a problem: staff should reach the resident another way.
UNDELIVERED = frozenset({MessageState.FAILED, MessageState.SKIPPED})

# The page is read often (issue 13): the statement is built once.
_MESSAGES_OF = Statement(
    lambda need: (
        ResidentMessage.objects.filter(need_id=need)
        .order_by("created_at", "id")
        .values_list("kind", "state", "channel", "created_at", "sent_at", "error")
    ),
    need=int,
)


@dataclass(frozen=True)
class Row:
    at: dt.datetime
    kind: str
    state: str
    state_label: str
    channel: str
    error: str
    undelivered: bool


def messages_panel(request: HttpRequest, need: Need) -> str:
    if need.kind != NeedKind.REQUEST:
        return ""  # proactive records are told to nobody: no read
    rows = [
        Row(
            at=sent_at or created_at,
            kind=str(Kind(kind).label) if kind in Kind.values else kind,
            state=state,
            state_label=str(MessageState(state).label),
            channel=str(MessageChannel(channel).label) if channel else "",
            error=error if state != MessageState.SENT else "",
            undelivered=state in UNDELIVERED,
        )
        for kind, state, channel, created_at, sent_at, error in _MESSAGES_OF(need=need.pk)
    ]
    if not rows:
        return ""
    context = {
        "need": need,
        "rows": rows,
        "failed": any(r.state == MessageState.FAILED for r in rows),
    }
    return render_to_string("outreach/_need_messages.html", context, request=request)


def kept_about(needs: Sequence[Need]) -> dict[int, dict[str, Any]]:
    """For the resident's data export: per need, the messages and the WeChat follows."""
    ids = [need.pk for need in needs]
    kept: dict[int, dict[str, Any]] = {pk: {"messages": [], "wechat": []} for pk in ids}
    messages = ResidentMessage.objects.filter(need_id__in=ids).order_by("created_at", "id")
    for m in messages.values("need_id", "kind", "state", "channel", "created_at", "sent_at"):
        kept[m["need_id"]]["messages"].append(
            {
                "kind": m["kind"],
                "state": m["state"],
                "channel": m["channel"],
                "queued_at": _local(m["created_at"]),
                "sent_at": _local(m["sent_at"]),
            }
        )
    follows = WeChatSubscription.objects.filter(need_id__in=ids).order_by("id")
    for s in follows.values("need_id", "openid", "template_id", "uses_left"):
        kept[s["need_id"]]["wechat"].append(
            {"openid": s["openid"], "template": s["template_id"], "messages_left": s["uses_left"]}
        )
    return kept


def _local(value: dt.datetime | None) -> str | None:
    # As the export writes its own times (privacy/services.py).
    return timezone.localtime(value).isoformat() if value else None
