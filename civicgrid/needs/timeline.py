"""A need's timeline as staff read it: each event with its label, the states it moved between,
who acted and what it said. The console's detail page and the REST API show the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from civicgrid.needs import selectors, workflow
from civicgrid.needs.models import Channel, Need, NeedEvent, NeedPhoto, State, format_number
from civicgrid.needs.workflow import ACTION_LABELS, Action


@dataclass
class TimelineRow:
    event: NeedEvent
    label: str
    from_label: str
    to_label: str
    actor: str
    detail: str
    photos: list[NeedPhoto] = field(default_factory=list)


STATE_LABELS = dict(State.choices)
CHANNEL_LABELS = dict(Channel.choices)


def _event_detail(event: NeedEvent) -> str:
    data = event.data or {}
    action = event.action
    if action == Action.DISPATCH:
        to = data.get("assignee") or data.get("assignee_org")
        return (
            _("to %(name)s") % {"name": to}
            if to
            else _("undirected: any grid worker of the grid may take it")
        )
    if action == Action.ESCALATE and data.get("to"):
        if data.get("consultation"):
            return _("to a consultation of %(name)s") % {"name": data["to"]}
        return _("to %(name)s") % {"name": data["to"]}
    if action == Action.MERGE and data.get("into"):
        return _("into %(number)s") % {"number": format_number(data["into"])}
    if action == workflow.PLACE and data.get("to"):
        return _("from %(old)s to %(new)s") % {"old": data.get("from", ""), "new": data["to"]}
    if action == workflow.MERGED_IN and data.get("from"):
        return _("from %(number)s") % {"number": format_number(data["from"])}
    if action in (workflow.RAISE, workflow.RECORD) and data.get("channel"):
        return str(CHANNEL_LABELS.get(data["channel"], data["channel"]))
    if action == workflow.REMIND and data.get("due"):
        return _("due %(due)s") % {"due": data["due"]}
    if action == workflow.OVERDUE:
        return (
            _("resolve deadline") if data.get("deadline") == "resolve" else _("response deadline")
        )
    if action == workflow.OWNER_CHECK:
        # `address` is a keyed digest of the client's address: equal digests, same address.
        words = (
            _("the digits matched (address %(address)s)")
            if data.get("ok")
            else _("the digits did not match (address %(address)s)")
        )
        return words % {"address": data.get("address", "")}
    return ""


def _actor_name(event: NeedEvent) -> str:
    if event.actor is not None:
        return event.actor.name
    if event.actor_kind == "resident":
        return _("Resident")
    if event.actor_kind == "system":
        return _("System")
    return ""


def timeline_rows(need: Need) -> list[TimelineRow]:
    return [
        TimelineRow(
            event=e,
            label=str(ACTION_LABELS.get(e.action, e.action)),
            from_label=str(STATE_LABELS.get(e.from_state, "")),
            to_label=str(STATE_LABELS.get(e.to_state, "")),
            actor=_actor_name(e),
            detail=_event_detail(e),
            photos=list(e.photos.all()),
        )
        for e in selectors.timeline(need)
    ]
