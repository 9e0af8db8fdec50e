"""What the resident was told, on a need's console page (registered with `needs.panels`):
each message's kind, state, channel and time, so that staff who see one failed call the
resident instead. Never the phone or the text; the error is the provider's short reason with
digit runs masked (outreach/sending.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from civicgrid.needs.models import Need
from civicgrid.outreach.models import MessageState, ResidentMessage

# Shown as a problem: staff should reach the resident another way.
UNDELIVERED = frozenset({MessageState.FAILED, MessageState.SKIPPED})


def messages_panel(request: HttpRequest, need: Need) -> str:
    rows = list(
        ResidentMessage.objects.filter(need_id=need.pk)
        .order_by("created_at", "id")
        .only("kind", "state", "channel", "attempts", "sent_at", "created_at", "error")
    )
    if not rows:
        return ""
    context = {
        "need": need,
        "rows": rows,
        "failed": any(r.state == MessageState.FAILED for r in rows),
        "undelivered": UNDELIVERED,
    }
    return render_to_string("outreach/_need_messages.html", context, request=request)
