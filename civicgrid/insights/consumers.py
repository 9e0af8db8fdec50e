"""The rollups as a consumer of the workflow's events (`needs.events`), subscribed in
`InsightsConfig.ready()`. Every handler runs inside the workflow's transaction: the counters
move with the state they describe, and a refused move undoes them with the rest."""

from __future__ import annotations

from civicgrid.insights import rollups
from civicgrid.needs import events
from civicgrid.needs.workflow import PLACE, RECORD, Action


def moved(h: events.Happened) -> None:
    """A transition: what it changed in the need's facts, and its handler's counters."""
    assert h.before is not None
    rollups.record_change(h.need, rollups.facts(h.before))
    data = h.data
    if isinstance(data, events.Resolved):
        rollups.record_handler(h.need, resolved=1, on_time=int(bool(data.resolved_on_time)))
    elif isinstance(data, events.Rated) and data.rating in rollups.RATED:
        rollups.record_handler(h.need, rated=1, satisfied=int(data.rating in rollups.SATISFIED))


def recorded(h: events.Happened) -> None:
    """Proactive work, recorded when done."""
    rollups.record_new(h.need)


def followed_up(done: events.FollowedUp) -> None:
    """What the raise of each need adds: three statements for the batch."""
    rollups.record_raised(done.needs)


def placed(h: events.Happened) -> None:
    """What the old place counted of the need moves to the new one: all of it, but what the
    raise adds if the follow-up has not run yet (it will count that at the new place)."""
    before = h.before
    assert before is not None
    counted = rollups.facts(before)
    if before.awaiting_follow_up:
        counted = rollups.difference(rollups.raised_facts(before), counted)
    rollups.record_move(h.need, before.node, counted)


def subscribe() -> None:
    events.subscribe([str(action) for action in Action], moved)
    events.subscribe(RECORD, recorded)
    # After the notifications' handler (the needs app is ready first): the ancestors' rollup
    # rows are shared by every intake, and their locks are held until the commit.
    events.subscribe(events.FOLLOW_UP, followed_up)
    events.subscribe(PLACE, placed)
