"""A need's timeline as staff read it: each event with its label, the states it moved between,
who acted and what it said. The console's detail page and the REST API show the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from civicgrid.needs import events, selectors
from civicgrid.needs.models import Channel, Need, NeedEvent, NeedPhoto, State, format_number
from civicgrid.needs.workflow import ACTION_LABELS


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
    data = events.read(event)
    if isinstance(data, events.Dispatched):
        to = data.assignee or data.assignee_org
        return (
            _("to %(name)s") % {"name": to}
            if to
            else _("undirected: any grid worker of the grid may take it")
        )
    if isinstance(data, events.Escalated) and data.to:
        if data.consultation:
            return _("to a consultation of %(name)s") % {"name": data.to}
        return _("to %(name)s") % {"name": data.to}
    if isinstance(data, events.Merged) and data.into:
        return _("into %(number)s") % {"number": format_number(data.into)}
    if isinstance(data, events.Placed) and data.to:
        return _("from %(old)s to %(new)s") % {"old": data.from_, "new": data.to}
    if isinstance(data, events.MergedIn) and data.from_:
        return _("from %(number)s") % {"number": format_number(data.from_)}
    if isinstance(data, events.Raised) and data.channel:
        return str(CHANNEL_LABELS.get(data.channel, data.channel))
    if isinstance(data, events.Reminded) and data.due:
        return _("due %(due)s") % {"due": data.due}
    if isinstance(data, events.MarkedOverdue):
        return _("resolve deadline") if data.deadline == "resolve" else _("response deadline")
    if isinstance(data, events.Commented) and data.question:
        return _("a question to the resident")
    if isinstance(data, events.OwnerChecked):
        # `address` is a keyed digest of the client's address: equal digests, same address.
        words = (
            _("the digits matched (address %(address)s)")
            if data.ok
            else _("the digits did not match (address %(address)s)")
        )
        return words % {"address": data.address}
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
    return [_row(t.event, t.photos) for t in selectors.timeline(need)]


def _row(e: NeedEvent, photos: list[NeedPhoto]) -> TimelineRow:
    return TimelineRow(
        event=e,
        label=str(ACTION_LABELS.get(e.action, e.action)),
        from_label=str(STATE_LABELS.get(e.from_state, "")),
        to_label=str(STATE_LABELS.get(e.to_state, "")),
        actor=_actor_name(e),
        detail=_event_detail(e),
        photos=photos,
    )
