"""Who is told of what happens to a need: the notifications, a consumer of the workflow's
events (`needs.events`), subscribed in `NeedsConfig.ready()`.

They run inside the workflow's transaction: `core.notifications` writes the inbox row with the
change (exactly once) and hands the other backends (SMS, messaging apps) to the worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from civicgrid.core.notifications import notify_many, settle
from civicgrid.needs import cached, events
from civicgrid.needs.models import Need, NeedEvent, State, format_number
from civicgrid.needs.workflow import (
    COMMENT,
    OVERDUE,
    PLACE,
    REMIND,
    WITH_HANDLER,
    Action,
    dispatchers_of,
    handlers_of,
    owners_of,
    responsible_of,
)
from civicgrid.network.models import Person

Message = tuple[Iterable[Person], str, dict[str, Any], str]


def _url(need: Need) -> str:
    return f"/console/needs/{need.number}/"


def _message(need: Need, people: Iterable[Person], kind: str, **data: Any) -> Message:
    return people, kind, {"number": format_number(need.number), **data}, _url(need)


def _notify(need: Need, people: Iterable[Person], kind: str, **data: Any) -> None:
    notify_many([_message(need, people, kind, **data)])


def new_needs(done: events.FollowedUp) -> None:
    """A "new need" message to all who may accept each need of the batch that still waits to
    be accepted (`cached.may_dispatch_at`): one INSERT. The worker follows needs up a moment
    after they are raised; one accepted, taken or withdrawn in the meantime has nothing new
    to tell."""
    notify_many(
        _message(need, cached.may_dispatch_at(need.owner_node), "need_new", place=need.node.name)
        for need in done.needs
        if need.state == State.SUBMITTED
    )


def dispatched(h: events.Happened) -> None:
    need = h.need
    kind = "need_dispatched" if (need.assignee_id or need.assignee_org_id) else "need_available"
    _notify(need, handlers_of(need), kind)


def returned(h: events.Happened) -> None:
    _notify(h.need, owners_of(h.need), "need_returned", note=h.event.note)


def escalated(h: events.Happened) -> None:
    need, data = h.need, h.data
    assert isinstance(data, events.Escalated)
    if data.consultation:
        people = list(Person.objects.filter(membership__organisation=need.consultation))
    else:
        # The dispatchers of the level it now waits at (its own, from a handler; else the parent).
        people = dispatchers_of(need.owner_node)
    _notify(need, people, "need_escalated", note=h.event.note)


def reopened(h: events.Happened) -> None:
    need = h.need
    people = dispatchers_of(need.owner_node) + ([need.assignee] if need.assignee else [])
    _notify(need, people, "need_reopened", note=h.event.note)


def restored(h: events.Happened) -> None:
    need = h.need
    people = handlers_of(need) if need.state in WITH_HANDLER else owners_of(need)
    _notify(need, people, "need_restored", note=h.event.note)


def placed(h: events.Happened) -> None:
    need = h.need
    if not need.awaiting_follow_up and not need.consultation_id:
        # As for a new need: its new dispatchers hear of it (the follow-up tells them if it
        # has not run yet; a consulting committee keeps it).
        _notify(need, cached.may_dispatch_at(need.owner_node), "need_new", place=need.node.name)


def answered(h: events.Happened) -> None:
    """The resident wrote on the tracking page (an answer to staff's question): the people
    the need waits on hear of it, and whoever asked the last question."""
    if h.event.actor_kind != "resident":
        return
    if isinstance(h.data, events.Commented) and h.data.media_url:
        return  # an Open311 report's photo link, written with the report: nothing new
    need = h.need
    asked = (
        NeedEvent.objects.filter(need=need, action=COMMENT, data__question=True)
        .select_related("actor")
        .order_by("-seq")
        .first()
    )
    asker = [asked.actor] if asked and asked.actor else []
    _notify(need, [*responsible_of(need), *asker], "need_answered")


def reminded(h: events.Happened) -> None:
    assert isinstance(h.data, events.Reminded)
    _notify(h.need, responsible_of(h.need), "need_reminder", due=h.data.due)


def overdue(h: events.Happened) -> None:
    _notify(h.need, responsible_of(h.need), "need_overdue")


# What a notice asked for, and the actions that do it: a notice about something already done
# is marked read, so the bell counts what still waits (issue 14).
ASKING = (
    "need_new",
    "need_available",
    "need_dispatched",
    "need_returned",
    "need_escalated",
    "need_reopened",
    "need_restored",
    "need_reminder",
    "need_overdue",
)
SETTLES: dict[str, tuple[str, ...]] = {
    Action.ACCEPT: ("need_new",),
    Action.DISPATCH: ("need_new", "need_returned", "need_escalated", "need_restored"),
    Action.TAKE: ("need_new", "need_available", "need_dispatched", "need_reopened"),
    Action.RESOLVE: ASKING,
    Action.REJECT: ASKING,
    Action.CONFIRM: ASKING,
    Action.CLOSE_UNRATED: ASKING,
    Action.WITHDRAW: ASKING,
    Action.MERGE: ASKING,
}


def settled(h: events.Happened) -> None:
    kinds = SETTLES.get(h.event.action)
    if kinds:
        settle(_url(h.need), kinds)


def subscribe() -> None:
    events.subscribe(list(SETTLES), settled)
    events.subscribe(events.FOLLOW_UP, new_needs)
    events.subscribe(Action.DISPATCH, dispatched)
    events.subscribe(Action.RETURN, returned)
    events.subscribe(Action.ESCALATE, escalated)
    events.subscribe(Action.REOPEN, reopened)
    events.subscribe(Action.RESTORE, restored)
    events.subscribe(PLACE, placed)
    events.subscribe(COMMENT, answered)
    events.subscribe(REMIND, reminded)
    events.subscribe(OVERDUE, overdue)
