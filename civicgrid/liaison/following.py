"""The representative keeps following a message that became a need:

- when the need is resolved (or turned down), the message is answered by the system and the
  representative and station staff are told (`workflow.message_need_done`), heard through
  `needs.events.subscribe` in the need's transaction;
- the need's console page shows the message it came from (a panel, `needs.extensions`).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from civicgrid.core.statements import ModelStatement
from civicgrid.liaison import workflow
from civicgrid.liaison.models import Message
from civicgrid.needs import events as need_events
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import Need

DONE_ACTIONS = (need_workflow.Action.RESOLVE, need_workflow.Action.REJECT)


def on_need_done(h: need_events.Happened) -> None:
    ids = list(
        Message.objects.filter(need_id=h.need.pk, state="referred").values_list("pk", flat=True)
    )
    for pk in ids:
        workflow.message_need_done(message=Message(pk=pk), need=h.need, now=h.event.created_at)


# Read on every rendering of a need's console page (issue 13): built once.
_MESSAGES_OF = ModelStatement(
    lambda need: Message.objects.filter(need_id=need).select_related(
        "representative__person", "station"
    ),
    need=int,
)


def message_panel(request: HttpRequest, need: Need) -> str:
    rows = _MESSAGES_OF(need=need.pk)
    if not rows:
        return ""
    return render_to_string("liaison/console/_need_panel.html", {"rows": rows}, request=request)


def wire() -> None:
    need_events.subscribe(list(DONE_ACTIONS), on_need_done, when="transaction")
    from civicgrid.needs import extensions

    extensions.add_panel(message_panel)
