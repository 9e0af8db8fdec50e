"""The need life cycle: the one module that changes `Need.state` and appends events.

    submitted ─accept→ accepted ─dispatch→ dispatched ─take→ taken ─start→ in_progress
        ─resolve→ resolved ─confirm→ closed
    reject (reason): submitted/accepted → rejected
    return (reason): dispatched/taken/in_progress → accepted (back to the dispatcher)
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
the tracking link, and the system (the worker process). `transition()` locks the row, checks
all of that, changes the state with a conditional UPDATE, appends the event and notifies.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
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
from civicgrid.core.notifications import notify_many
from civicgrid.insights import rollups
from civicgrid.needs import cached, deadlines
from civicgrid.needs.models import (
    AWAITING_RESPONSE,
    OPEN_STATES,
    Need,
    NeedEvent,
    NeedPhoto,
    Rating,
    State,
    format_number,
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
    Action.DISPATCH: _rule(
        [St.SUBMITTED, St.ACCEPTED, St.DISPATCHED, St.ESCALATED], St.DISPATCHED, [D, C]
    ),
    # A grid worker may take a need raised in their grid before anyone dispatches it (接单):
    # the call the 78-year-old made to her grid worker is answered then and there.
    Action.TAKE: _rule([St.SUBMITTED, St.ACCEPTED, St.DISPATCHED], St.TAKEN, [H, G]),
    Action.START: _rule([St.TAKEN], St.IN_PROGRESS, [H]),
    Action.RESOLVE: _rule([St.TAKEN, St.IN_PROGRESS], St.RESOLVED, [H]),
    Action.RETURN: _rule([St.DISPATCHED, St.TAKEN, St.IN_PROGRESS], St.ACCEPTED, [H], reason=True),
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


def _message(
    need: Need, people: Iterable[Person], kind: str, **data: Any
) -> tuple[Iterable[Person], str, dict[str, Any], str]:
    url = f"/console/needs/{need.number}/"
    return people, kind, {"number": format_number(need.number), **data}, url


def _notify(need: Need, people: Iterable[Person], kind: str, **data: Any) -> None:
    notify_many([_message(need, people, kind, **data)])


# --- Writing ------------------------------------------------------------------------------


def _append(
    need: Need,
    action: str,
    by: By,
    *,
    from_state: str = "",
    to_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    photos: Sequence[Any] = (),
    at: dt.datetime | None = None,
    first: bool = False,
    public: bool = False,
) -> NeedEvent:
    last = 0 if first else need.events.aggregate(m=Max("seq"))["m"] or 0
    event = NeedEvent(
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
        data=data or {},
        created_at=at or timezone.now(),
    )
    insert(event)
    for photo in photos:
        NeedPhoto.objects.create(need=need, event=event, image=photo)
    return event


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
    insert(need)
    _append(
        need,
        RECORD if record else RAISE,
        by,
        to_state=need.state,
        data={"channel": need.channel},
        photos=photos,
        at=now,
        first=True,  # a need just saved has no events yet
    )
    if record:
        rollups.record_new(need)
    elif not later:
        follow_up([need])
    return need


def follow_up(needs: Sequence[Need]) -> None:
    """What raising a need sets off, for several needs at once: a "new need" message to all
    who may accept each (`cached.may_dispatch_at`), and their counts in the rollups (a few
    statements for the batch)."""
    notify_many(
        _message(need, cached.may_dispatch_at(need.owner_node), "need_new", place=need.node.name)
        for need in needs
    )
    # Last: the ancestors' rollup rows are shared by every intake, and their row locks are
    # held until the commit (docs/performance.md).
    rollups.record_raised(needs)


def follow_up_pending(batch: int = 500) -> int:
    """Follow up the needs raised since the last call (`civicgrid worker` calls this on every
    poll); returns how many. Each batch is one transaction that follows its needs up and
    clears their mark, so a crash redoes the whole batch or none of it. Several workers may
    run at once: a need another one holds is skipped (`skip_locked`), never done twice."""
    done = 0
    while True:
        with transaction.atomic():
            needs = list(
                Need.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("node", "owner_node")
                .filter(awaiting_follow_up=True)
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
    data: dict[str, Any] | None = None,
    photos: Sequence[Any] = (),
    public: bool = False,
) -> NeedEvent:
    """Append a timeline entry that changes no state (a comment, a reminder, overdue).
    `public`: staff's note is a public reply (docs/privacy.md), else it stays internal."""
    return _append(need, action, by, note=note, data=data, photos=photos, public=public)


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
    change. Its counters move with it from the jurisdiction to the new place, so every
    figure stays exact (and equal to a rebuild from the event log, which counts at `node`)."""
    locked = (
        Need.objects.select_for_update(of=("self",))
        .select_related("node", "owner_node", "category")
        .get(pk=need.pk)
    )
    if not locked.unplaced:
        raise Conflict(_("This need has already been placed."), code="already_placed")
    if not may_place(locked, by):
        raise NotAllowed(_("You may not place this need."), code="not_allowed")
    if locked.state not in PLACEABLE or locked.events.filter(action=Action.RESOLVE).exists():
        # A resolution counted its handler at the old place (HandlerStat): it stays there.
        raise Conflict(_("Only a need still being handled can be placed."), code="wrong_state")
    now = timezone.now()
    old_node = locked.node
    # What the old place counts of this need: all of it, but what the raise adds if the
    # follow-up has not run yet (it will count that at the new place).
    counted = rollups.facts(locked)
    if locked.awaiting_follow_up:
        counted = rollups.difference(rollups.raised_facts(locked), counted)
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
    rollups.record_move(locked, old_node, counted)
    _append(
        locked,
        PLACE,
        by,
        data={"from": old_node.name, "to": node.name},
        at=now,
    )
    if not locked.awaiting_follow_up and not locked.consultation_id:
        # As for a new need: its new dispatchers hear of it (the follow-up tells them if it
        # has not run yet).
        _notify(locked, cached.may_dispatch_at(locked.owner_node), "need_new", place=node.name)
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


def _first_response(fields: dict[str, Any], need: Need, now: dt.datetime) -> None:
    """The first take, rejection or resolution answers the need: was it within the deadline?"""
    if need.responded_at is None:
        fields["responded_at"] = now
        fields["responded_on_time"] = need.response_due is None or now <= need.response_due


def _reset_response_clock(fields: dict[str, Any], need: Need, now: dt.datetime) -> None:
    """A handover (dispatch, return, escalation, reopening) starts a new response deadline."""
    fields["response_due"] = deadlines.response_due(need.category, need.priority, now)
    fields["reminded_at"] = None
    fields["overdue_at"] = None


@transaction.atomic
def transition(
    need: Need,
    action: Action | str,
    by: By,
    *,
    reason: str = "",
    photos: Sequence[Any] = (),
    assignee: Person | None = None,
    assignee_org: Organisation | None = None,
    consultation: Organisation | None = None,
    target: Need | None = None,
    rating: str = "",
    public: bool = False,
) -> Need:
    """Move the need by `action`. Raises NotAllowed, Invalid or Conflict; changes nothing then.
    `public`: staff's reason is a public reply (docs/privacy.md), else it stays internal.

    The row is locked first (`select_for_update`): of two handlers taking the same order at
    the same moment, the second waits, then finds it taken and is told by whom.
    """
    action = Action(action)
    rule = TRANSITIONS[action]
    # Only the need's own row is locked and re-read after a lock wait; related rows (who holds
    # it now) are fetched afterwards so that they reflect the winner of a race.
    locked = (
        Need.objects.select_for_update(of=("self",))
        .select_related("node", "owner_node", "category")
        .get(pk=need.pk)
    )
    if locked.state not in rule.sources:
        if (
            action == Action.TAKE
            and locked.assignee is not None
            and locked.state != State.DISPATCHED
        ):
            raise Conflict(
                _("Already taken by %(name)s.") % {"name": locked.assignee.name},
                code="already_taken",
                holder=locked.assignee.name,
            )
        raise Conflict(
            _("This need is %(state)s now; it cannot be changed by “%(action)s”.")
            % {"state": locked.get_state_display(), "action": ACTION_LABELS[action]},
            code="wrong_state",
            state=locked.state,
        )
    kinds = actor_kinds(locked, by)
    if not kinds & rule.actors:
        raise NotAllowed(
            _("You may not %(action)s this need.") % {"action": str(ACTION_LABELS[action]).lower()},
            code="not_allowed",
        )
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        raise Invalid(_("Give a reason."), code="reason_required")

    now = timezone.now()
    old = locked.state
    counted = rollups.facts(locked)
    to_state = restore_target(locked) if action == Action.RESTORE else rule.target
    fields: dict[str, Any] = {"state": to_state, "updated_at": now}
    data: dict[str, Any] = {}
    after: list[tuple[list[Person], str, dict[str, Any]]] = []

    if action == Action.DISPATCH:
        if assignee is not None and assignee_org is not None:
            raise Invalid(_("Dispatch to a person or to a unit, not both."), code="two_assignees")
        if assignee_org is not None and assignee_org.kind == OrgKind.JOINT_COMMITTEE:
            raise Invalid(_("Dispatch to a member unit or team, not to the committee itself."))
        fields.update(assignee=assignee, assignee_org=assignee_org)
        if old != State.SUBMITTED or locked.events.filter(action=Action.DISPATCH).exists():
            _reset_response_clock(fields, locked, now)
        data = {
            "assignee": assignee.name if assignee else "",
            "assignee_org": assignee_org.name if assignee_org else "",
        }
    elif action == Action.TAKE:
        holder = by.person
        fields["assignee"] = holder
        fields["overdue_at"] = None  # the response deadline is met; the resolve one runs
        _first_response(fields, locked, now)
        data = {"handler": holder.name if holder else ""}
    elif action == Action.RESOLVE:
        fields["resolved_at"] = now
        fields["resolved_on_time"] = locked.resolve_due is None or now <= locked.resolve_due
        fields["overdue_at"] = None
        _first_response(fields, locked, now)
    elif action == Action.REJECT:
        fields["closed_at"] = now
        _first_response(fields, locked, now)
    elif action == Action.RETURN:
        fields.update(assignee=None, assignee_org=None)
        _reset_response_clock(fields, locked, now)
        after.append((owners_of(locked), "need_returned", {"note": reason}))
    elif action == Action.ESCALATE:
        if consultation is not None:
            if consultation.kind != OrgKind.JOINT_COMMITTEE:
                raise Invalid(_("A consultation is held by a joint committee."))
            fields["consultation"] = consultation
            data = {"to": consultation.name, "consultation": True}
            recipients = list(Person.objects.filter(membership__organisation=consultation))
        elif old in WITH_HANDLER and not locked.consultation_id:
            # Stuck with a handler (a grid, a unit): one level up is the dispatcher's level.
            data = {"to": locked.owner_node.name, "from_handler": True}
            recipients = dispatchers_of(locked.owner_node)
        else:
            parent = locked.owner_node.parent
            if parent is None:
                raise Invalid(
                    _("%(node)s is the top of the network: escalate to a consultation instead.")
                    % {"node": locked.owner_node.name},
                    code="no_parent",
                )
            fields.update(owner_node=parent, consultation=None)
            data = {"to": parent.name, "from": locked.owner_node.name}
            recipients = dispatchers_of(parent)
        fields.update(assignee=None, assignee_org=None)
        _reset_response_clock(fields, locked, now)
        after.append((recipients, "need_escalated", {"note": reason}))
    elif action in (Action.CONFIRM, Action.CLOSE_UNRATED):
        if action == Action.CLOSE_UNRATED:
            rating = Rating.NOT_RATED
        elif rating not in ("", Rating.SATISFIED, Rating.FAIR):
            raise Invalid(_("A dissatisfied rating reopens the need instead."), code="bad_rating")
        fields.update(
            closed_at=now, rating=rating, rating_comment=reason, rated_at=now if rating else None
        )
        data = {"rating": rating}
    elif action == Action.REOPEN:
        fields.update(resolved_at=None, resolved_on_time=None)
        if by.resident:
            fields.update(rating=Rating.DISSATISFIED, rating_comment=reason, rated_at=now)
            data = {"rating": Rating.DISSATISFIED}
        _reset_response_clock(fields, locked, now)
        people = dispatchers_of(locked.owner_node) + ([locked.assignee] if locked.assignee else [])
        after.append((people, "need_reopened", {"note": reason}))
    elif action == Action.WITHDRAW:
        fields["closed_at"] = now
    elif action == Action.RESTORE:
        if locked.anonymised_at is not None:
            raise Conflict(
                _("Its personal data was removed: this need cannot be restored."),
                code="anonymised",
            )
        fields["closed_at"] = None
        _reset_response_clock(fields, locked, now)
        people = handlers_of(locked) if to_state in WITH_HANDLER else owners_of(locked)
        after.append((people, "need_restored", {"note": reason}))
    elif action == Action.MERGE:
        if target is None or target.pk == locked.pk:
            raise Invalid(_("Choose the need to merge this one into."), code="no_target")
        target = Need.objects.select_for_update().get(pk=target.pk)
        if target.state not in OPEN_STATES or target.merged_into_id:
            raise Conflict(_("Merge only into an open need."), code="target_closed")
        fields.update(merged_into=target, closed_at=now)
        data = {"into": target.number}

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
    # The event log is the source of every figure: it records what the counters are built from.
    if "responded_on_time" in fields:
        data["responded_on_time"] = fields["responded_on_time"]
    if action == Action.RESOLVE:
        data["resolved_on_time"] = fields["resolved_on_time"]
    rollups.record_change(locked, counted)
    if action == Action.RESOLVE:
        rollups.record_handler(locked, resolved=1, on_time=int(fields["resolved_on_time"]))
    elif data.get("rating") in rollups.RATED:
        rollups.record_handler(locked, rated=1, satisfied=int(data["rating"] in rollups.SATISFIED))
    _append(
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
    if action == Action.MERGE and target is not None:
        _append(target, MERGED_IN, by, data={"from": locked.number}, at=now)
    if action in (Action.DISPATCH, Action.REOPEN) and to_state == State.DISPATCHED:
        kind = (
            "need_dispatched"
            if (locked.assignee_id or locked.assignee_org_id)
            else "need_available"
        )
        if action == Action.DISPATCH:
            _notify(locked, handlers_of(locked), kind)
    for people, kind, extra in after:
        _notify(locked, people, kind, **extra)
    return locked


# --- The sweep's steps, one need at a time (see needs/tasks.py) ------------------------------
# Each step claims its mark with a conditional UPDATE in the same transaction as its event, so
# a sweep run twice, or killed half-way and run again, never reminds or escalates twice.
# The sweep runs them inside its batch transaction: remind and mark_overdue take no savepoint
# (any error there is a database error that aborts the batch), escalation and closing go
# through `transition`, whose savepoint undoes a refused move alone.


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
    _append(need, REMIND, SYSTEM, data={"due": due}, at=now)
    _notify(need, responsible_of(need), "need_reminder", due=due)
    return True


@transaction.atomic(savepoint=False)
def mark_overdue(need_id: int, now: dt.datetime) -> bool:
    claimed = Need.objects.filter(
        pk=need_id, state__in=OPEN_STATES, overdue_at__isnull=True
    ).update(overdue_at=now)
    if not claimed:
        return False
    need = Need.objects.select_related("node", "owner_node", "assignee").get(pk=need_id)
    which = "response" if need.state in AWAITING_RESPONSE else "resolve"
    _append(need, OVERDUE, SYSTEM, data={"deadline": which}, at=now)
    _notify(need, responsible_of(need), "need_overdue")
    return True


def escalate_overdue(need_id: int, now: dt.datetime) -> bool:
    """Escalate a need that stayed overdue past the grace period to its parent level."""
    need = Need.objects.select_related("owner_node").get(pk=need_id)
    top = need.owner_node.parent_id is None and need.state not in WITH_HANDLER
    if top or need.consultation_id:
        return False  # nowhere higher to go; it stays flagged overdue
    try:
        transition(
            need,
            Action.ESCALATE,
            SYSTEM,
            reason=str(gettext_lazy("Overdue: escalated automatically")),
        )
    except (Conflict, NotAllowed, Invalid):
        return False  # another worker or a person moved it first
    return True


def close_unrated(need_id: int) -> bool:
    need = Need.objects.get(pk=need_id)
    try:
        transition(need, Action.CLOSE_UNRATED, SYSTEM)
    except (Conflict, NotAllowed):
        return False
    return True
