"""The need life cycle: the one module that changes `Need.state` and appends events.

    submitted ─accept→ accepted ─dispatch→ dispatched ─take→ taken ─start→ in_progress
        ─resolve→ resolved ─confirm→ closed
    reject (reason): submitted/accepted → rejected
    return (reason): dispatched/taken/in_progress → accepted (back to the dispatcher); the
        consulting committee returns an escalated need to its community with its decision
    escalate (reason): one level up from where the need waits (from its handler to the
        dispatcher's level; from there to the parent node), or to a consultation of the
        joint committee
    reopen (reason; the resident is dissatisfied): resolved → dispatched
    withdraw (the resident): any open state → withdrawn
    restore (reason; staff who may dispatch it): withdrawn → the state it was withdrawn from
    merge: a duplicate → merged, pointing at the need it joins

`TRANSITIONS` says, for each action, the states it leaves from, the state it reaches, who may
take it and whether a reason is required. "Who" is an actor kind worked out per need:
the dispatcher at the level that holds the need, the handler it is dispatched to, a grid worker
of its grid for an undirected order, the committee during a consultation, the resident through
the tracking link, and the system (the worker process).

One keyword-only command per action (`need_dispatch(*, need, by, to)`, `need_take`, …): each
locks the row and checks the table, then its own rules (to whom: `needs.targets`), then moves
the need through the shared core (`_commit`: conditional UPDATE, event, consumers). The event's
data are typed (`needs.events`); what follows an event (rollups, notifications) subscribes to
it, so this module imports nothing above the needs app. `transition(need, action, by, **params)`
runs the command of an action chosen at run time.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.inserts import insert
from civicgrid.core.statements import ModelStatement
from civicgrid.needs import cached, deadlines, events, targets
from civicgrid.needs.models import (
    AWAITING_RESPONSE,
    OPEN_STATES,
    Need,
    NeedEvent,
    NeedPhoto,
    Rating,
    State,
    is_public_reply,
)
from civicgrid.network.models import (
    Membership,
    Node,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
)
from civicgrid.network.scope import holds_role_over

Photos = Sequence[Any]  # uploaded images, already checked (`needs.photos`)


class Action(enum.StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    DISPATCH = "dispatch"
    TAKE = "take"
    START = "start"
    RESOLVE = "resolve"
    RETURN = "return"
    ESCALATE = "escalate"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    MERGE = "merge"
    CLOSE_UNRATED = "close_unrated"
    RESTORE = "restore"  # staff undo a withdrawal, with a reason


# Timeline entries that are not transitions.
RAISE = "raise"
RECORD = "record"  # proactive work, recorded as done
REMIND = "remind"
OVERDUE = "overdue"
COMMENT = "comment"
MERGED_IN = "merged_in"
ANONYMISE = "anonymise"  # personal data removed (privacy/services.need_anonymise)
# Someone without the tracking link tried the last four digits of the phone (staff only).
OWNER_CHECK = "owner_check"
# Staff made the need's text and photos public, or took them back (needs/publication.py).
PUBLISH = "publish"
UNPUBLISH = "unpublish"
PLACE = "place"  # an unplaced need put in its place by a dispatcher (`place` below)
# The holder of the tracking link stopped, or resumed, messages about the need (staff only:
# services.need_stop_messages; what is sent is civicgrid/outreach's).
MESSAGES_STOP = "messages_stop"
MESSAGES_RESUME = "messages_resume"

ACTION_LABELS: dict[str, Any] = {
    Action.ACCEPT: gettext_lazy("Accept"),
    Action.REJECT: gettext_lazy("Reject"),
    Action.DISPATCH: gettext_lazy("Dispatch"),
    Action.TAKE: gettext_lazy("Take"),
    Action.START: gettext_lazy("Start work"),
    Action.RESOLVE: gettext_lazy("Resolve"),
    Action.RETURN: gettext_lazy("Return"),
    Action.ESCALATE: gettext_lazy("Escalate"),
    Action.CONFIRM: gettext_lazy("Confirm and close"),
    Action.REOPEN: gettext_lazy("Reopen"),
    Action.WITHDRAW: gettext_lazy("Withdraw"),
    Action.MERGE: gettext_lazy("Merge into another need"),
    Action.CLOSE_UNRATED: gettext_lazy("Closed without rating"),
    Action.RESTORE: gettext_lazy("Restore"),
    RAISE: gettext_lazy("Raised"),
    RECORD: gettext_lazy("Recorded"),
    REMIND: gettext_lazy("Reminder sent"),
    OVERDUE: gettext_lazy("Marked overdue"),
    COMMENT: gettext_lazy("Comment"),
    MERGED_IN: gettext_lazy("A duplicate was merged in"),
    ANONYMISE: gettext_lazy("Personal data removed"),
    OWNER_CHECK: gettext_lazy("Owner check without the link"),
    PUBLISH: gettext_lazy("Published"),
    UNPUBLISH: gettext_lazy("Unpublished"),
    PLACE: gettext_lazy("Placed"),
    MESSAGES_STOP: gettext_lazy("Messages stopped by the resident"),
    MESSAGES_RESUME: gettext_lazy("Messages resumed by the resident"),
}


class Actor(enum.StrEnum):
    RESIDENT = "resident"  # whoever holds the tracking link
    DISPATCHER = "dispatcher"  # community staff or admin at the level holding the need
    COMMITTEE = "committee"  # a member of the joint committee consulting on the need
    HANDLER = "handler"  # the person or unit the need is dispatched to
    GRID_WORKER = "grid_worker"  # a grid worker of the need's grid, for an undirected order
    SYSTEM = "system"  # the worker process


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]
    reason_required: bool = False


def _rule(
    sources: Iterable[str], target: str, actors: Iterable[Actor], reason: bool = False
) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors), reason)


D, C, H, G, R, S = (
    Actor.DISPATCHER,
    Actor.COMMITTEE,
    Actor.HANDLER,
    Actor.GRID_WORKER,
    Actor.RESIDENT,
    Actor.SYSTEM,
)
St = State

TRANSITIONS: dict[Action, Rule] = {
    Action.ACCEPT: _rule([St.SUBMITTED], St.ACCEPTED, [D, C]),
    Action.REJECT: _rule([St.SUBMITTED, St.ACCEPTED], St.REJECTED, [D, C], reason=True),
    # The system dispatches by a rule kept as data: a need raised at a station in duty hours
    # goes to the person on duty there (services/routing.py).
    Action.DISPATCH: _rule(
        [St.SUBMITTED, St.ACCEPTED, St.DISPATCHED, St.ESCALATED], St.DISPATCHED, [D, C, S]
    ),
    # A grid worker may take a need raised in their grid before anyone dispatches it (接单):
    # the call the 78-year-old made to her grid worker is answered then and there.
    Action.TAKE: _rule([St.SUBMITTED, St.ACCEPTED, St.DISPATCHED], St.TAKEN, [H, G]),
    Action.START: _rule([St.TAKEN], St.IN_PROGRESS, [H]),
    # A consulting committee resolves a need taken by a member unit when it verifies the task
    # that solved it (committees/work.py), and returns a need to its community with the
    # consultation's decision.
    Action.RESOLVE: _rule([St.TAKEN, St.IN_PROGRESS], St.RESOLVED, [H, C]),
    Action.RETURN: _rule(
        [St.DISPATCHED, St.TAKEN, St.IN_PROGRESS, St.ESCALATED], St.ACCEPTED, [H, C], reason=True
    ),
    Action.ESCALATE: _rule(
        [St.SUBMITTED, St.ACCEPTED, St.DISPATCHED, St.TAKEN, St.IN_PROGRESS, St.ESCALATED],
        St.ESCALATED,
        [D, C, H, S],
        reason=True,
    ),
    Action.CONFIRM: _rule([St.RESOLVED], St.CLOSED, [R, D, C]),
    Action.REOPEN: _rule([St.RESOLVED], St.DISPATCHED, [R, D, C], reason=True),
    Action.WITHDRAW: _rule(OPEN_STATES, St.WITHDRAWN, [R]),
    Action.MERGE: _rule(
        [St.SUBMITTED, St.ACCEPTED, St.DISPATCHED, St.ESCALATED], St.MERGED, [D, C]
    ),
    Action.CLOSE_UNRATED: _rule([St.RESOLVED], St.CLOSED, [S]),
    # A withdrawal was not the resident's (or was a mistake): those who may dispatch the need
    # put it back where it was. The target here is nominal: `restore_target` reads the state
    # the withdrawal left from its event.
    Action.RESTORE: _rule([St.WITHDRAWN], St.SUBMITTED, [D, C], reason=True),
}


# Actions that take a free-text note (the reason, where the table requires one).
NOTE_ACTIONS = frozenset(
    {
        Action.ACCEPT,
        Action.REJECT,
        Action.DISPATCH,
        Action.RESOLVE,
        Action.RETURN,
        Action.ESCALATE,
        Action.CONFIRM,
        Action.REOPEN,
        Action.RESTORE,
    }
)


# Staff notes are internal unless sent as a public reply (docs/privacy.md). Not for a
# confirmation: its note is the resident's rating comment, which is never public.
PUBLIC_REPLY_ACTIONS = NOTE_ACTIONS - {Action.CONFIRM}


@dataclass(frozen=True)
class By:
    """Who acts: a person (staff), the resident holding the tracking link, or the system."""

    person: Person | None = None
    resident: bool = False
    system: bool = False

    @property
    def actor_kind(self) -> str:
        return "system" if self.system else "resident" if self.resident else ""


RESIDENT = By(resident=True)
SYSTEM = By(system=True)

DISPATCHER_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)
# States in which a need waits on its handler rather than on a dispatcher. Escalation goes one
# level up from where the need waits: from the handler to the dispatcher's level, from the
# dispatcher's level to its parent.
WITH_HANDLER = frozenset({State.DISPATCHED, State.TAKEN, State.IN_PROGRESS})


def actor_kinds(need: Need, by: By) -> set[Actor]:
    """What `by` is to this need. Costs at most two small queries per call for staff."""
    if by.system:
        return {Actor.SYSTEM}
    if by.resident:
        return {Actor.RESIDENT}
    person = by.person
    if person is None or not person.is_authenticated or not person.is_active:
        return set()
    kinds: set[Actor] = set()
    committee = need.consultation
    if committee is not None:
        if (
            person.is_superuser
            or Membership.objects.filter(organisation=committee, person=person).exists()
            or holds_role_over(person, [Role.COMMITTEE_MEMBER], committee.node)
        ):
            kinds.add(Actor.COMMITTEE)
    elif person.is_superuser or holds_role_over(person, DISPATCHER_ROLES, need.owner_node):
        kinds.add(Actor.DISPATCHER)
    if (need.assignee_id is not None and need.assignee_id == person.pk) or (
        need.assignee_id is None
        and need.assignee_org_id is not None
        and Membership.objects.filter(organisation_id=need.assignee_org_id, person=person).exists()
    ):
        kinds.add(Actor.HANDLER)
    if (
        need.assignee_id is None
        and need.assignee_org_id is None
        and holds_role_over(person, [Role.GRID_WORKER], need.node)
    ):
        kinds.add(Actor.GRID_WORKER)
    return kinds


def allowed_actions(need: Need, by: By) -> list[Action]:
    """The actions `by` may take on the need now, in the table's order."""
    kinds = actor_kinds(need, by)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if need.state in rule.sources and kinds & rule.actors
    ]


def may(need: Need, by: By, action: Action) -> bool:
    return action in allowed_actions(need, by)


# --- Who hears about it -------------------------------------------------------------------


def dispatchers_of(node: Node) -> list[Person]:
    """The community staff at the nearest level at or above `node` that has any (cached per
    process for a few seconds, `needs/cached.py`)."""
    return cached.dispatchers_of(node)


def handlers_of(need: Need) -> list[Person]:
    """Who must act next on a dispatched need: the assignee, the unit's members, or the grid
    workers of the need's grid for an undirected order."""
    if need.assignee_id:
        return [need.assignee] if need.assignee else []
    if need.assignee_org_id:
        return list(Person.objects.filter(membership__organisation_id=need.assignee_org_id))
    return [
        b.person
        for b in RoleBinding.objects.filter(
            role=Role.GRID_WORKER, node_id__in=need.node.ancestor_ids()
        ).select_related("person")
    ]


def owners_of(need: Need) -> list[Person]:
    """Who holds the need at its level: the consulting committee's members, else the
    dispatchers of its owner node."""
    if need.consultation_id:
        return list(Person.objects.filter(membership__organisation_id=need.consultation_id))
    return dispatchers_of(need.owner_node)


def responsible_of(need: Need) -> list[Person]:
    """The people a need waits on: its handlers once dispatched, else its owners."""
    if need.state in WITH_HANDLER:
        return handlers_of(need)
    return owners_of(need)


# --- The shared core ------------------------------------------------------------------------
# Every command: lock the row (`_lock`), check the table and its own rules (the check part),
# then `_commit` (the do part): a conditional UPDATE, the event, and the event handed to its
# consumers (`events.publish`: the rollups, the notifications).


# Every command's first read: built once (core/statements.py). Called inside the command's
# transaction only (the lock lasts until its commit).
_LOCKED = ModelStatement(
    lambda pk: (
        Need.objects.select_for_update(of=("self",))
        .select_related("node", "owner_node", "category")
        .filter(pk=pk)
    ),
    pk=int,
)


def _lock(need: Need) -> Need:
    """The need's row, locked until the commit and read again after any lock wait. Only the
    need's own row is locked; related rows (who holds it now) are fetched afterwards so that
    they reflect the winner of a race."""
    found = _LOCKED(pk=need.pk)
    if not found:
        raise Need.DoesNotExist(f"need {need.pk}")
    return found[0]


# Timeline entries for staff only: the public timeline leaves them out.
STAFF_ONLY_ACTIONS = (REMIND, OVERDUE, OWNER_CHECK, MESSAGES_STOP, MESSAGES_RESUME)


def _public_marks(event: NeedEvent) -> dict[str, Any]:
    """The need's `public_*` fields once `event` is on its timeline (nothing for staff's own
    entries): what every public read shows of the timeline without reading it."""
    if event.action in STAFF_ONLY_ACTIONS:
        return {}
    marks: dict[str, Any] = {"public_updated_at": event.created_at}
    if event.to_state:
        reply = event.note if is_public_reply(event) else ""
        marks.update(public_changed_at=event.created_at, public_reply=reply)
    return marks


def _event(
    need: Need,
    action: str,
    by: By,
    *,
    data: events.EventData | None = None,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    photos: Sequence[Any] = (),
    at: dt.datetime | None = None,
    first: bool = False,
    public: bool = False,
) -> NeedEvent:
    """The need's next event, not stored yet (`_store`).

    Precondition: the caller holds the need's row lock (`_lock`, `note`, or a conditional
    UPDATE of the row in this transaction). Events are numbered `Max(seq) + 1`: without the
    lock, a comment racing a transition reads the same maximum and hits the unique
    (need, seq) constraint."""
    last = 0 if first else need.events.aggregate(m=Max("seq"))["m"] or 0
    return NeedEvent(
        need=need,
        seq=last + 1,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=by.person,
        actor_kind=by.actor_kind,
        note=note,
        # A public reply is staff's to send: a resident's or the system's note never is.
        public=bool(public and (note or photos) and by.person is not None),
        data=(data or events.Plain()).to_data(),
        created_at=at or timezone.now(),
    )


def _store(need: Need, event: NeedEvent, photos: Sequence[Any] = ()) -> NeedEvent:
    event.need = need  # a need inserted after its first event was built gets its id here
    insert(event)
    for photo in photos:
        NeedPhoto.objects.create(need=need, event=event, image=photo)
    return event


def _append(
    need: Need, action: str, by: By, *, photos: Sequence[Any] = (), **fields: Any
) -> NeedEvent:
    """Append the need's next event (`_event`'s fields) for a command that changes nothing
    else on the row: the need's `public_*` marks follow in an UPDATE of their own. Commands
    that write the row anyway put the marks in that write (`_commit`, intake)."""
    event = _event(need, action, by, photos=photos, **fields)
    marks = _public_marks(event)
    if marks:
        Need.objects.filter(pk=need.pk).update(**marks)
        for name, value in marks.items():
            setattr(need, name, value)
    return _store(need, event, photos)


def _publish(
    need: Need, event: NeedEvent, data: events.EventData, before: Need | None = None
) -> None:
    events.publish(event.action, events.Happened(need=need, event=event, data=data, before=before))


def _check(locked: Need, action: Action, by: By, reason: str = "") -> str:
    """The table's part of every check: the state, then the actor, then the reason (returned
    stripped)."""
    rule = TRANSITIONS[action]
    if locked.state not in rule.sources:
        raise Conflict(
            _("This need is %(state)s now; it cannot be changed by “%(action)s”.")
            % {"state": locked.get_state_display(), "action": ACTION_LABELS[action]},
            code="wrong_state",
            state=locked.state,
        )
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(
            _("You may not %(action)s this need.") % {"action": str(ACTION_LABELS[action]).lower()},
            code="not_allowed",
        )
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        raise Invalid(_("Give a reason."), code="reason_required")
    return reason


def _begin(need: Need, action: Action, by: By, reason: str = "") -> tuple[Need, str]:
    """Lock the row and check the table; returns the locked need and the stripped reason."""
    locked = _lock(need)
    return locked, _check(locked, action, by, reason)


def _commit(
    locked: Need,
    action: Action,
    by: By,
    fields: dict[str, Any],
    data: events.EventData,
    *,
    now: dt.datetime,
    reason: str = "",
    photos: Sequence[Any] = (),
    public: bool = False,
    to_state: str | None = None,
) -> Need:
    """Move the locked need to `to_state` (the table's target by default) with `fields`,
    append the event and hand it to its consumers."""
    old = locked.state
    to_state = to_state or TRANSITIONS[action].target
    before = copy.copy(locked)  # what the consumers compare against (the rollups' delta)
    event = _event(
        locked,
        action,
        by,
        from_state=old,
        to_state=to_state,
        note=reason,
        data=data,
        photos=photos,
        at=now,
        public=public,
    )
    fields = {"state": to_state, "updated_at": now, **fields, **_public_marks(event)}
    if to_state not in OPEN_STATES:
        # Only open needs are overdue: overdue_at set means "open and overdue now", which is
        # what the overdue lists' partial index holds.
        fields["overdue_at"] = None
    # Conditional UPDATE: belt and braces on top of the row lock (and the only guard on
    # databases that ignore FOR UPDATE).
    changed = Need.objects.filter(pk=locked.pk, state=old).update(**fields)
    if changed != 1:
        raise Conflict(_("Someone changed this need at the same moment; reload and try again."))
    for name, value in fields.items():
        setattr(locked, name, value)
    _store(locked, event, photos)
    _publish(locked, event, data, before)
    return locked


def _first_response(need: Need, now: dt.datetime) -> dict[str, Any]:
    """The first take, rejection or resolution answers the need: was it within the deadline?"""
    if need.responded_at is not None:
        return {}
    return {
        "responded_at": now,
        "responded_on_time": need.response_due is None or now <= need.response_due,
    }


def _new_response_clock(need: Need, now: dt.datetime) -> dict[str, Any]:
    """A handover (dispatch, return, escalation, reopening) starts a new response deadline."""
    return {
        "response_due": deadlines.response_due(need.category, need.priority, now),
        "reminded_at": None,
        "overdue_at": None,
    }


# --- Intake, comments, placing --------------------------------------------------------------


# Called inside the caller's transaction or savepoint (need_raise, proactive_record): no
# savepoint of its own, a failure undoes the caller's block.
@transaction.atomic(savepoint=False)
def open_need(need: Need, by: By, *, photos: Sequence[Any] = (), record: bool = False) -> Need:
    """Save a new need and write its first event. `record=True` is for proactive work that
    is recorded when already done: it starts and stays closed.

    A raised need is then followed up (its dispatchers told, the rollups counted) here or by
    the worker a moment later, as `INTAKE_FOLLOW_UP` says."""
    now = timezone.now()
    need.state = State.CLOSED if record else State.SUBMITTED
    if record:
        need.closed_at = need.resolved_at = need.responded_at = now
        need.responded_on_time = need.resolved_on_time = True
    later = not record and settings.INTAKE_FOLLOW_UP == "worker"
    need.awaiting_follow_up = later
    data = events.Raised(channel=need.channel)
    event = _event(
        need,
        RECORD if record else RAISE,
        by,
        to_state=need.state,
        data=data,
        photos=photos,
        at=now,
        first=True,  # a new need has no events yet
    )
    for name, value in _public_marks(event).items():  # written with the need
        setattr(need, name, value)
    insert(need)
    _store(need, event, photos)
    _publish(need, event, data)
    if not record and not later:
        follow_up([need])
    return need


def follow_up(needs: Sequence[Need]) -> None:
    """What raising a need sets off, for several needs at once: a "new need" message to the
    dispatchers of each, and their counts in the rollups (its consumers answer a batch with a
    few statements; the rollups subscribe last: the ancestors' rollup rows are shared by every
    intake, and their row locks are held until the commit, docs/performance.md)."""
    events.publish(events.FOLLOW_UP, events.FollowedUp(needs))


def follow_up_pending(batch: int = 500, *, after: int = 0) -> int:
    """Follow up the needs raised since the last call (`civicgrid worker` calls this on every
    poll); returns how many. Each batch is one transaction that follows its needs up and
    clears their mark, so a crash redoes the whole batch or none of it. Several workers may
    run at once: a need another one holds is skipped (`skip_locked`), never done twice.
    `after`: only needs with a greater id (a caller that knows none below it is pending)."""
    done = 0
    while True:
        with transaction.atomic():
            needs = list(
                Need.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("node", "owner_node")
                .filter(awaiting_follow_up=True, pk__gt=after)
                .order_by("pk")[:batch]
            )
            if needs:
                follow_up(needs)
                Need.objects.filter(pk__in=[n.pk for n in needs]).update(awaiting_follow_up=False)
        done += len(needs)
        if len(needs) < batch:
            return done


@transaction.atomic
def note(
    need: Need,
    action: str,
    by: By,
    *,
    note: str = "",
    data: events.EventData | None = None,
    photos: Sequence[Any] = (),
    public: bool = False,
) -> NeedEvent:
    """Append a timeline entry that changes no state (a comment, an owner check, publishing).
    `public`: staff's note is a public reply (docs/privacy.md), else it stays internal.

    It takes the need's row lock as the commands do, so that it numbers its event after a
    transition in flight, never alongside it."""
    list(Need.objects.select_for_update().filter(pk=need.pk).values_list("pk", flat=True))
    data = data or events.Plain()
    event = _append(need, action, by, note=note, data=data, photos=photos, public=public)
    _publish(need, event, data)
    return event


def may_place(need: Need, by: By) -> bool:
    """The dispatchers holding the need (or its consulting committee) place it."""
    return bool({Actor.DISPATCHER, Actor.COMMITTEE} & actor_kinds(need, by))


# The states in which an unplaced need may be placed: open, and never resolved (the handler
# counters of a resolution stay where they were counted; see `place`).
PLACEABLE = OPEN_STATES


@transaction.atomic
def place(
    need: Need,
    by: By,
    *,
    node: Node,
    lat: float | None = None,
    lon: float | None = None,
    owner: Node,
) -> Need:
    """Put an unplaced need (raised at its jurisdiction: no place, or a point outside every
    grid) where it is: `node`, held by `owner` (the normal routing, `services.owner_for`).
    Only the dispatchers holding the need (or its consulting committee) may; the state does not
    change. Its consumers move its counters from the jurisdiction to the new place (so every
    figure stays exact, and equal to a rebuild from the event log, which counts at `node`) and
    tell its new dispatchers."""
    locked = _lock(need)
    if not locked.unplaced:
        raise Conflict(_("This need has already been placed."), code="already_placed")
    if not may_place(locked, by):
        raise NotAllowed(_("You may not place this need."), code="not_allowed")
    if locked.state not in PLACEABLE or locked.events.filter(action=Action.RESOLVE).exists():
        # A resolution counted its handler at the old place (HandlerStat): it stays there.
        raise Conflict(_("Only a need still being handled can be placed."), code="wrong_state")
    now = timezone.now()
    before = copy.copy(locked)
    fields: dict[str, Any] = {
        "node": node,
        "owner_node": owner if not locked.consultation_id else locked.owner_node,
        "unplaced": False,
        "updated_at": now,
    }
    if lat is not None and lon is not None:
        fields.update(lat=lat, lon=lon)
    changed = Need.objects.filter(pk=locked.pk, unplaced=True).update(**fields)
    if changed != 1:
        raise Conflict(_("Someone changed this need at the same moment; reload and try again."))
    for name, value in fields.items():
        setattr(locked, name, value)
    data = events.Placed(from_=before.node.name, to=node.name)
    event = _append(locked, PLACE, by, data=data, at=now)
    _publish(locked, event, data, before)
    return locked


def restore_target(need: Need) -> str:
    """Where a withdrawn need goes back to: the state its last withdrawal left, else submitted."""
    left = (
        need.events.filter(action=Action.WITHDRAW)
        .order_by("-seq")
        .values_list("from_state", flat=True)
        .first()
    )
    return left if left in OPEN_STATES else State.SUBMITTED


# --- The commands, one per action -----------------------------------------------------------
# Keyword-only, each with its own parameters. Each raises NotAllowed, Invalid or Conflict and
# then changes nothing. `reason` is the event's note (required where the table says so);
# `public`: staff's note is a public reply (docs/privacy.md), else it stays internal.


@transaction.atomic
def need_accept(
    *, need: Need, by: By, reason: str = "", photos: Photos = (), public: bool = False
) -> Need:
    locked, reason = _begin(need, Action.ACCEPT, by, reason)
    now = timezone.now()
    return _commit(
        locked,
        Action.ACCEPT,
        by,
        {},
        events.Plain(),
        now=now,
        reason=reason,
        photos=photos,
        public=public,
    )


@transaction.atomic
def need_reject(
    *, need: Need, by: By, reason: str = "", photos: Photos = (), public: bool = False
) -> Need:
    locked, reason = _begin(need, Action.REJECT, by, reason)
    now = timezone.now()
    fields = {"closed_at": now, **_first_response(locked, now)}
    data = events.Plain(responded_on_time=fields.get("responded_on_time"))
    return _commit(
        locked,
        Action.REJECT,
        by,
        fields,
        data,
        now=now,
        reason=reason,
        photos=photos,
        public=public,
    )


def _dispatch_target_check(need: Need, to: Person | Organisation | None) -> None:
    """To whom: a person or unit of the need's dispatch targets (`targets.dispatch_targets`),
    or nobody (undirected: any grid worker of its grid)."""
    if isinstance(to, Organisation) and to.kind == OrgKind.JOINT_COMMITTEE:
        raise Invalid(_("Dispatch to a member unit or team, not to the committee itself."))
    if not targets.may_dispatch_to(need, to):
        message = _("This need cannot be dispatched there.")
        raise Invalid(message, code="validation", fields={"target": [message]})


@transaction.atomic
def need_dispatch(
    *,
    need: Need,
    by: By,
    to: Person | Organisation | None = None,
    reason: str = "",
    photos: Photos = (),
    public: bool = False,
) -> Need:
    """Dispatch to a person, a unit, or nobody (`to=None`: any grid worker of the grid)."""
    locked, reason = _begin(need, Action.DISPATCH, by, reason)
    _dispatch_target_check(locked, to)
    now = timezone.now()
    person = to if isinstance(to, Person) else None
    unit = to if isinstance(to, Organisation) else None
    fields: dict[str, Any] = {"assignee": person, "assignee_org": unit}
    if locked.state != State.SUBMITTED or locked.events.filter(action=Action.DISPATCH).exists():
        fields.update(_new_response_clock(locked, now))
    data = events.Dispatched(
        assignee=person.name if person else "", assignee_org=unit.name if unit else ""
    )
    return _commit(
        locked,
        Action.DISPATCH,
        by,
        fields,
        data,
        now=now,
        reason=reason,
        photos=photos,
        public=public,
    )


@transaction.atomic
def need_take(*, need: Need, by: By, reason: str = "") -> Need:
    """Take the order. Of two takers at the same moment the second waits for the lock, then
    finds it taken and is told by whom."""
    locked = _lock(need)
    if (
        locked.state not in TRANSITIONS[Action.TAKE].sources
        and locked.assignee is not None
        and locked.state != State.DISPATCHED
    ):
        raise Conflict(
            _("Already taken by %(name)s.") % {"name": locked.assignee.name},
            code="already_taken",
            holder=locked.assignee.name,
        )
    reason = _check(locked, Action.TAKE, by, reason)
    now = timezone.now()
    # The response deadline is met; the resolve one runs.
    fields = {"assignee": by.person, "overdue_at": None, **_first_response(locked, now)}
    data = events.Taken(
        handler=by.person.name if by.person else "",
        responded_on_time=fields.get("responded_on_time"),
    )
    return _commit(locked, Action.TAKE, by, fields, data, now=now, reason=reason)


@transaction.atomic
def need_start(*, need: Need, by: By, reason: str = "") -> Need:
    locked, reason = _begin(need, Action.START, by, reason)
    return _commit(locked, Action.START, by, {}, events.Plain(), now=timezone.now(), reason=reason)


@transaction.atomic
def need_resolve(
    *, need: Need, by: By, reason: str = "", photos: Photos = (), public: bool = False
) -> Need:
    locked, reason = _begin(need, Action.RESOLVE, by, reason)
    now = timezone.now()
    on_time = locked.resolve_due is None or now <= locked.resolve_due
    fields = {
        "resolved_at": now,
        "resolved_on_time": on_time,
        "overdue_at": None,
        **_first_response(locked, now),
    }
    data = events.Resolved(
        resolved_on_time=on_time, responded_on_time=fields.get("responded_on_time")
    )
    return _commit(
        locked,
        Action.RESOLVE,
        by,
        fields,
        data,
        now=now,
        reason=reason,
        photos=photos,
        public=public,
    )


@transaction.atomic
def need_return(
    *, need: Need, by: By, reason: str = "", photos: Photos = (), public: bool = False
) -> Need:
    """Back to the dispatcher, with a reason. A handler returns it to whoever dispatched it (the
    consulting committee, during a consultation); the committee returns it to the community
    with its decision, which ends the consultation."""
    locked, reason = _begin(need, Action.RETURN, by, reason)
    now = timezone.now()
    fields = {"assignee": None, "assignee_org": None, **_new_response_clock(locked, now)}
    if locked.consultation_id and Actor.HANDLER not in actor_kinds(locked, by):
        fields["consultation"] = None
    return _commit(
        locked,
        Action.RETURN,
        by,
        fields,
        events.Plain(),
        now=now,
        reason=reason,
        photos=photos,
        public=public,
    )


def _escalation(need: Need, to: Organisation | None) -> tuple[dict[str, Any], events.Escalated]:
    """Where an escalation goes: a consultation of `to` (a joint committee at or above the
    holding level), else one level up from where the need waits."""
    if to is not None:
        if to.kind != OrgKind.JOINT_COMMITTEE:
            raise Invalid(_("A consultation is held by a joint committee."))
        if not targets.may_escalate_to(need, to):
            message = _("This need cannot be escalated to that committee.")
            raise Invalid(message, code="validation", fields={"target": [message]})
        return {"consultation": to}, events.Escalated(to=to.name, consultation=True)
    if need.state in WITH_HANDLER and not need.consultation_id:
        # Stuck with a handler (a grid, a unit): one level up is the dispatcher's level.
        return {}, events.Escalated(to=need.owner_node.name, from_handler=True)
    parent = need.owner_node.parent
    if parent is None:
        raise Invalid(
            _("%(node)s is the top of the network: escalate to a consultation instead.")
            % {"node": need.owner_node.name},
            code="no_parent",
        )
    fields = {"owner_node": parent, "consultation": None}
    return fields, events.Escalated(to=parent.name, from_=need.owner_node.name)


@transaction.atomic
def need_escalate(
    *,
    need: Need,
    by: By,
    reason: str = "",
    to: Organisation | None = None,
    photos: Photos = (),
    public: bool = False,
) -> Need:
    """One level up, or (`to`) to a consultation of a joint committee."""
    locked, reason = _begin(need, Action.ESCALATE, by, reason)
    fields, data = _escalation(locked, to)
    now = timezone.now()
    fields.update(assignee=None, assignee_org=None, **_new_response_clock(locked, now))
    return _commit(
        locked,
        Action.ESCALATE,
        by,
        fields,
        data,
        now=now,
        reason=reason,
        photos=photos,
        public=public,
    )


def _close_rated(
    locked: Need, action: Action, by: By, rating: str, reason: str, photos: Photos
) -> Need:
    now = timezone.now()
    fields = {
        "closed_at": now,
        "rating": rating,
        "rating_comment": reason,
        "rated_at": now if rating else None,
    }
    data = events.Rated(rating=rating)
    return _commit(locked, action, by, fields, data, now=now, reason=reason, photos=photos)


@transaction.atomic
def need_confirm(
    *, need: Need, by: By, rating: str = "", reason: str = "", photos: Photos = ()
) -> Need:
    """Confirm and close, with the resident's rating (satisfied, fair, or none) and comment;
    a dissatisfied resident reopens instead."""
    locked, reason = _begin(need, Action.CONFIRM, by, reason)
    if rating not in ("", Rating.SATISFIED, Rating.FAIR):
        raise Invalid(_("A dissatisfied rating reopens the need instead."), code="bad_rating")
    return _close_rated(locked, Action.CONFIRM, by, rating, reason, photos)


@transaction.atomic
def need_close_unrated(*, need: Need, by: By = SYSTEM, reason: str = "") -> Need:
    """The system closes a resolved need left unrated."""
    locked, reason = _begin(need, Action.CLOSE_UNRATED, by, reason)
    return _close_rated(locked, Action.CLOSE_UNRATED, by, Rating.NOT_RATED, reason, ())


@transaction.atomic
def need_reopen(
    *, need: Need, by: By, reason: str = "", photos: Photos = (), public: bool = False
) -> Need:
    """Back to dispatched; from the resident, it is a dissatisfied rating."""
    locked, reason = _begin(need, Action.REOPEN, by, reason)
    now = timezone.now()
    fields: dict[str, Any] = {"resolved_at": None, "resolved_on_time": None}
    data = events.Rated()
    if by.resident:
        fields.update(rating=Rating.DISSATISFIED, rating_comment=reason, rated_at=now)
        data = events.Rated(rating=Rating.DISSATISFIED)
    fields.update(_new_response_clock(locked, now))
    return _commit(
        locked,
        Action.REOPEN,
        by,
        fields,
        data,
        now=now,
        reason=reason,
        photos=photos,
        public=public,
    )


@transaction.atomic
def need_withdraw(*, need: Need, by: By, reason: str = "") -> Need:
    locked, reason = _begin(need, Action.WITHDRAW, by, reason)
    now = timezone.now()
    return _commit(
        locked, Action.WITHDRAW, by, {"closed_at": now}, events.Plain(), now=now, reason=reason
    )


@transaction.atomic
def need_restore(
    *, need: Need, by: By, reason: str = "", photos: Photos = (), public: bool = False
) -> Need:
    """Undo a withdrawal: back to the state it was withdrawn from."""
    locked, reason = _begin(need, Action.RESTORE, by, reason)
    if locked.anonymised_at is not None:
        raise Conflict(
            _("Its personal data was removed: this need cannot be restored."), code="anonymised"
        )
    now = timezone.now()
    fields = {"closed_at": None, **_new_response_clock(locked, now)}
    return _commit(
        locked,
        Action.RESTORE,
        by,
        fields,
        events.Plain(),
        now=now,
        reason=reason,
        photos=photos,
        public=public,
        to_state=restore_target(locked),
    )


@transaction.atomic
def need_merge(*, need: Need, by: By, into: Need | None = None, reason: str = "") -> Need:
    """Close a duplicate into the open need `into`, whose timeline records it."""
    locked, reason = _begin(need, Action.MERGE, by, reason)
    if into is None or into.pk == locked.pk:
        raise Invalid(_("Choose the need to merge this one into."), code="no_target")
    target = Need.objects.select_for_update().get(pk=into.pk)
    if target.state not in OPEN_STATES or target.merged_into_id:
        raise Conflict(_("Merge only into an open need."), code="target_closed")
    now = timezone.now()
    fields = {"merged_into": target, "closed_at": now}
    merged = _commit(
        locked, Action.MERGE, by, fields, events.Merged(into=target.number), now=now, reason=reason
    )
    data = events.MergedIn(from_=locked.number)
    _publish(target, _append(target, MERGED_IN, by, data=data, at=now), data)
    return merged


COMMANDS: dict[Action, Callable[..., Need]] = {
    Action.ACCEPT: need_accept,
    Action.REJECT: need_reject,
    Action.DISPATCH: need_dispatch,
    Action.TAKE: need_take,
    Action.START: need_start,
    Action.RESOLVE: need_resolve,
    Action.RETURN: need_return,
    Action.ESCALATE: need_escalate,
    Action.CONFIRM: need_confirm,
    Action.REOPEN: need_reopen,
    Action.WITHDRAW: need_withdraw,
    Action.MERGE: need_merge,
    Action.CLOSE_UNRATED: need_close_unrated,
    Action.RESTORE: need_restore,
}


def transition(need: Need, action: Action | str, by: By, **params: Any) -> Need:
    """Run the command of `action` with its own `params`: for callers that pick the action at
    run time (the console's and the API's action endpoints, table-driven tests)."""
    return COMMANDS[Action(action)](need=need, by=by, **params)


# --- The sweep's steps, one need at a time (see needs/tasks.py) ------------------------------
# Each step claims its mark with a conditional UPDATE in the same transaction as its event, so
# a sweep run twice, or killed half-way and run again, never reminds or escalates twice (the
# UPDATE also holds the row lock `_append` needs). The sweep runs them inside its batch
# transaction: remind and mark_overdue take no savepoint (any error there is a database error
# that aborts the batch), escalation and closing are commands, whose savepoint undoes a
# refused move alone.


@transaction.atomic(savepoint=False)
def remind(need_id: int, now: dt.datetime) -> bool:
    claimed = Need.objects.filter(
        pk=need_id, state__in=AWAITING_RESPONSE, reminded_at__isnull=True
    ).update(reminded_at=now)
    if not claimed:
        return False
    need = Need.objects.select_related("node", "owner_node", "assignee").get(pk=need_id)
    due = (
        timezone.localtime(need.response_due).strftime("%Y-%m-%d %H:%M")
        if need.response_due
        else ""
    )
    data = events.Reminded(due=due)
    _publish(need, _append(need, REMIND, SYSTEM, data=data, at=now), data)
    return True


@transaction.atomic(savepoint=False)
def mark_overdue(need_id: int, now: dt.datetime) -> bool:
    claimed = Need.objects.open().filter(pk=need_id, overdue_at__isnull=True).update(overdue_at=now)
    if not claimed:
        return False
    need = Need.objects.select_related("node", "owner_node", "assignee").get(pk=need_id)
    which = "response" if need.state in AWAITING_RESPONSE else "resolve"
    data = events.MarkedOverdue(deadline=which)
    _publish(need, _append(need, OVERDUE, SYSTEM, data=data, at=now), data)
    return True


def escalate_overdue(need_id: int, now: dt.datetime) -> bool:
    """Escalate a need that stayed overdue past the grace period to its parent level."""
    need = Need.objects.select_related("owner_node").get(pk=need_id)
    top = need.owner_node.parent_id is None and need.state not in WITH_HANDLER
    if top or need.consultation_id:
        return False  # nowhere higher to go; it stays flagged overdue
    try:
        need_escalate(
            need=need, by=SYSTEM, reason=str(gettext_lazy("Overdue: escalated automatically"))
        )
    except (Conflict, NotAllowed, Invalid):
        return False  # another worker or a person moved it first
    return True


def close_unrated(need_id: int) -> bool:
    need = Need.objects.get(pk=need_id)
    try:
        need_close_unrated(need=need, by=SYSTEM)
    except (Conflict, NotAllowed):
        return False
    return True
