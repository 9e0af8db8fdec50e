"""Proposals (民生实事): the one module that makes and moves a `Proposal`.

    submit → submitted ─publish→    published     (screened in: on the public page)
             submitted ─decline→    declined      (screened out, the reason given)
             submitted ─merge→      merged        (joined to another proposal of the call)
             published ─select→     selected      (at the yearly selection: a project is made)
             published ─not_select→ not_selected  (at the yearly selection, the rest)

`TRANSITIONS` says who may take each action:

- "resident": someone with a phone proven by a one-time code (no account); only submits;
- "staff": staff who serve the mailbox's town (`access.serves`); a read-only leader is none;
- "system": the machine (the selection closing: the rest become not selected).

Each command locks the row, checks the table, updates under the lock with the old state in
the WHERE, appends an event (`proposal.<action>`) and records what the proposer should be
told (`ProposerNotice`, for outreach; or subscribe to `events`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.mailbox import access, events, publication
from civicgrid.mailbox.models import Call, Proposal, ProposalState, ProposerNotice
from civicgrid.needs.services import clean_phone
from civicgrid.network.models import Node, Person


class Action(enum.StrEnum):
    SUBMIT = "submit"
    PUBLISH = "publish"
    DECLINE = "decline"
    MERGE = "merge"
    SELECT = "select"
    NOT_SELECT = "not_select"


class Actor(enum.StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]


def _rule(sources: Iterable[str], target: str, actors: Iterable[Actor]) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors))


S = ProposalState
R, St, Sy = Actor.RESIDENT, Actor.STAFF, Actor.SYSTEM

TRANSITIONS: dict[Action, Rule] = {
    # Submitting makes the proposal: it has no source state.
    Action.SUBMIT: _rule([], S.SUBMITTED, [R, St]),
    Action.PUBLISH: _rule([S.SUBMITTED], S.PUBLISHED, [St]),
    Action.DECLINE: _rule([S.SUBMITTED], S.DECLINED, [St]),
    Action.MERGE: _rule([S.SUBMITTED], S.MERGED, [St]),
    Action.SELECT: _rule([S.PUBLISHED], S.SELECTED, [St]),
    Action.NOT_SELECT: _rule([S.PUBLISHED], S.NOT_SELECTED, [St, Sy]),
}

ACTION_LABELS: dict[str, Any] = {
    Action.SUBMIT: gettext_lazy("Proposed"),
    Action.PUBLISH: gettext_lazy("Published"),
    Action.DECLINE: gettext_lazy("Declined"),
    Action.MERGE: gettext_lazy("Merged into another proposal"),
    Action.SELECT: gettext_lazy("Selected"),
    Action.NOT_SELECT: gettext_lazy("Not selected"),
    "create": gettext_lazy("Project made"),
    "update": gettext_lazy("Project changed"),
    "milestone_add": gettext_lazy("Milestone added"),
    "milestone_done": gettext_lazy("Milestone done"),
    "finish": gettext_lazy("Project done"),
}
SCREENING = (Action.PUBLISH, Action.DECLINE, Action.MERGE)

# The moves the proposer is told of (ProposerNotice rows, and the events to subscribe to).
TELL_PROPOSER = (Action.PUBLISH, Action.DECLINE, Action.MERGE, Action.SELECT, Action.NOT_SELECT)


@events.kind("proposal.submit")
@dataclass(frozen=True, kw_only=True)
class Submitted(events.EventData):
    node_id: int
    title: str


@events.kind("proposal.publish")
@events.kind("proposal.decline")
@events.kind("proposal.select")
@events.kind("proposal.not_select")
@dataclass(frozen=True, kw_only=True)
class Moved(events.EventData):
    from_state: str
    to_state: str


@events.kind("proposal.merge")
@dataclass(frozen=True, kw_only=True)
class Merged(events.EventData):
    from_state: str
    to_state: str
    into_id: int


# --- Who acts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class By:
    person: Person | None = None
    resident: bool = False
    system: bool = False


RESIDENT = By(resident=True)
SYSTEM = By(system=True)


def as_by(by: By | Person | None) -> By:
    if isinstance(by, By):
        return by
    return By(person=access.person_of(by))


def actor_kinds(proposal: Proposal, by: By | Person | None) -> set[Actor]:
    who = as_by(by)
    if who.system:
        return {Actor.SYSTEM}
    if who.resident:
        return {Actor.RESIDENT}
    if who.person is not None and access.serves(who.person, proposal.call.mailbox.node):
        return {Actor.STAFF}
    return set()


def allowed_actions(
    user_or_kind: By | Person | Actor | str | None, proposal: Proposal
) -> list[Action]:
    """The moves `user_or_kind` may make on `proposal` now (a person, a `By` or an actor kind)."""
    if isinstance(user_or_kind, str):
        kinds = {Actor(user_or_kind)}
    else:
        kinds = actor_kinds(proposal, user_or_kind)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if proposal.state in rule.sources and kinds & rule.actors
    ]


def may(by: By | Person | Actor | str | None, proposal: Proposal, action: Action) -> bool:
    return action in allowed_actions(by, proposal)


def _kind_of(by: By) -> Actor:
    if by.system:
        return Actor.SYSTEM
    if by.resident:
        return Actor.RESIDENT
    return Actor.STAFF


# --- The shared core --------------------------------------------------------------------------


def _lock(proposal: Proposal | int) -> Proposal:
    pk = proposal if isinstance(proposal, int) else proposal.pk
    found = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("call__mailbox__node", "node")
        .filter(pk=pk, forgotten_at__isnull=True)
        .first()
    )
    if found is None:
        raise Invalid(_("No such proposal."), code="no_proposal")
    return found


def _begin(proposal: Proposal | int, action: Action, by: By) -> Proposal:
    locked = _lock(proposal)
    rule = TRANSITIONS[action]
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(_("You may not do this to the proposal."), code="not_allowed")
    if locked.state not in rule.sources:
        raise Conflict(
            _("The proposal is %(state)s: it cannot be changed that way now.")
            % {"state": locked.get_state_display()},
            code="wrong_state",
        )
    return locked


def _move(
    locked: Proposal,
    action: Action,
    by: By,
    *,
    note: str = "",
    now: dt.datetime,
    data: events.EventData | None = None,
    **fields: Any,
) -> Proposal:
    target = TRANSITIONS[action].target
    old = locked.state
    changed = Proposal.objects.filter(pk=locked.pk, state=old).update(state=target, **fields)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The proposal changed meanwhile; try again."), code="changed")
    locked.state = target
    for name, value in fields.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action.value,
        actor=by.person,
        actor_kind=_kind_of(by),
        note=note,
        data=data or Moved(from_state=old, to_state=target),
        now=now,
    )
    if action in TELL_PROPOSER and locked.proposer_phone:
        ProposerNotice.objects.create(proposal=locked, action=action.value, created_at=now)
    return locked


# --- Submitting -------------------------------------------------------------------------------


def clean_cost(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        cost = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        cost = Decimal(-1)
    if not cost.is_finite() or cost < 0 or cost >= Decimal("1e10"):
        message = _("Write the cost in yuan, as a number, or leave it blank.")
        raise Invalid(message, code="cost_invalid", fields={"estimated_cost": [message]})
    return cost.quantize(Decimal("0.01"))


def communities_of(call: Call) -> list[Node]:
    """Where a proposal of the call may be: the town itself or one of its communities."""
    town = call.mailbox.node
    return [town, *Node.objects.filter(parent=town).order_by("code")]


def check_submission(
    *, call: Call, node: Node, title: str, body: str, estimated_cost: Any
) -> tuple[str, str, Decimal | None]:
    """The proposal's own fields, cleaned; refusals `title_required`, `body_required`,
    `outside_town`, `cost_invalid` (asked before a resident's code is spent)."""
    title = (title or "").strip()[:80]
    body = (body or "").strip()[:1000]
    if not title:
        message = _("Give the project a short title.")
        raise Invalid(message, code="title_required", fields={"title": [message]})
    if not body:
        message = _("Say what should be done and why.")
        raise Invalid(message, code="body_required", fields={"body": [message]})
    if node.pk not in {n.pk for n in communities_of(call)}:
        message = _("Choose a community of this town.")
        raise Invalid(message, code="outside_town", fields={"node": [message]})
    return title, body, clean_cost(estimated_cost)


def proposal_submit(
    *,
    by: By | Person | None,
    call: Call,
    node: Node,
    title: str,
    body: str,
    place: str = "",
    estimated_cost: Any = None,
    proposer_name: str = "",
    proposer_phone: str = "",
    now: dt.datetime | None = None,
) -> Proposal:
    """A resident (`RESIDENT`, the phone already proven by the caller) or staff on their
    behalf proposes a project while the call is open.

    Refusals: `not_allowed`, `call_closed`, `title_required`, `body_required`,
    `outside_town`, `cost_invalid`, `phone_required`, `phone_invalid`."""
    who = as_by(by)
    now = now or timezone.now()
    if not who.resident and not (who.person and access.serves(who.person, call.mailbox.node)):
        raise NotAllowed(_("You may not propose for this mailbox."), code="not_allowed")
    if not publication.is_open(call, timezone.localdate(now)):
        raise Conflict(_("The call for proposals is closed."), code="call_closed")
    title, body, cost = check_submission(
        call=call, node=node, title=title, body=body, estimated_cost=estimated_cost
    )
    try:
        phone = clean_phone(proposer_phone, required=who.resident)
    except Invalid as failure:
        raise Invalid(
            failure.message, code=failure.code, fields={"phone": [failure.message]}
        ) from failure
    with transaction.atomic():
        proposal = Proposal.objects.create(
            call=call,
            node=node,
            title=title,
            body=body,
            place=(place or "").strip()[:120],
            estimated_cost=cost,
            proposer_name=(proposer_name or "").strip()[:40],
            proposer_phone=phone,
            created_at=now,
        )
        events.append(
            proposal,
            Action.SUBMIT.value,
            actor=who.person,
            actor_kind=_kind_of(who),
            data=Submitted(node_id=node.pk, title=title),
            now=now,
        )
    return proposal


# --- Screening --------------------------------------------------------------------------------


def proposal_publish(
    *, by: By | Person | None, proposal: Proposal | int, now: dt.datetime | None = None
) -> Proposal:
    """Screened in: the proposal goes on the public page and may gather supports."""
    who, now = as_by(by), now or timezone.now()
    with transaction.atomic():
        locked = _begin(proposal, Action.PUBLISH, who)
        return _move(locked, Action.PUBLISH, who, now=now, published_at=now)


def proposal_decline(
    *, by: By | Person | None, proposal: Proposal | int, reason: str, now: dt.datetime | None = None
) -> Proposal:
    """Screened out, with the reason the proposer is told (`reason_required`)."""
    who, now = as_by(by), now or timezone.now()
    reason = (reason or "").strip()[:300]
    if not reason:
        message = _("Say why the proposal is declined.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    with transaction.atomic():
        locked = _begin(proposal, Action.DECLINE, who)
        return _move(
            locked, Action.DECLINE, who, note=reason, now=now, reason=reason, decided_at=now
        )


def proposal_merge(
    *,
    by: By | Person | None,
    proposal: Proposal | int,
    into: Proposal | int,
    now: dt.datetime | None = None,
) -> Proposal:
    """The same project proposed twice: this one joins `into` (another proposal of the same
    call, submitted or published, not merged). Refusals: `merge_self`, `merge_other_call`,
    `merge_target`."""
    who, now = as_by(by), now or timezone.now()
    with transaction.atomic():
        locked = _begin(proposal, Action.MERGE, who)
        into_pk = into if isinstance(into, int) else into.pk
        if into_pk == locked.pk:
            raise Invalid(_("A proposal cannot be merged into itself."), code="merge_self")
        target = Proposal.objects.filter(pk=into_pk, forgotten_at__isnull=True).first()
        if target is None or target.call_id != locked.call_id:
            raise Invalid(_("Choose a proposal of the same year's call."), code="merge_other_call")
        if target.state not in (S.SUBMITTED, S.PUBLISHED):
            raise Conflict(
                _("Merge into a proposal that is submitted or published."), code="merge_target"
            )
        return _move(
            locked,
            Action.MERGE,
            who,
            now=now,
            data=Merged(from_state=locked.state, to_state=S.MERGED, into_id=target.pk),
            merged_into=target,
            decided_at=now,
        )


def proposal_select(
    *, by: By | Person | None, proposal: Proposal | int, reason: str, now: dt.datetime | None = None
) -> Proposal:
    """At the yearly selection (`selection.py` calls it and makes the project)."""
    who, now = as_by(by), now or timezone.now()
    with transaction.atomic():
        locked = _begin(proposal, Action.SELECT, who)
        return _move(
            locked, Action.SELECT, who, note=reason, now=now, reason=reason[:300], decided_at=now
        )


def proposal_not_select(
    *,
    by: By | Person | None,
    proposal: Proposal | int,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Proposal:
    who, now = as_by(by), now or timezone.now()
    with transaction.atomic():
        locked = _begin(proposal, Action.NOT_SELECT, who)
        return _move(
            locked,
            Action.NOT_SELECT,
            who,
            note=reason,
            now=now,
            reason=reason[:300],
            decided_at=now,
        )
