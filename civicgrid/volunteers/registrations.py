"""双报到: the life cycle of a registration, the one module that changes `Registration.state`.

    (new) ─request→ requested ─approve→ approved ─end (reason)→ ended
    reject (reason): requested → rejected
    withdraw: requested → withdrawn

A party member registers with the community where they live (their home community) and may
ask to move while registered: approving the move ends the old registration in the same
transaction (event "end", note "moved") and moves the member's Role.PARTY_MEMBER binding from
the old community to the new one, through `network.services` (so the access log holds it). A
unit (a member unit or party organisation) registers with each community it pairs with, one
live registration per community.

`TRANSITIONS` says, for each action, the states it leaves from, the state it reaches, which
actor kinds may take it and whether a reason is required. Actor kinds are worked out per
registration (`actor_kinds`): the MEMBER (the registration's person, or a contact of the unit:
a `Membership` of its organisation), the STAFF of its community (community staff and admins
bound at or above it; a leader only reads), and the SYSTEM. One keyword-only command per
action: each locks the row, checks the table and its own rules, then moves the registration by
a conditional UPDATE and appends its event (`events.append`). A race lost to a database
constraint (two requests at once) is a `Conflict` that says what to do, never a 500.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network import scope
from civicgrid.network import services as network_services
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
    Role,
    RoleBinding,
    node_label,
)
from civicgrid.volunteers import events
from civicgrid.volunteers.models import LIVE_REGISTRATION, Registration, RegistrationState

St = RegistrationState
NEW = ""  # the state of a registration not yet requested (the source of "request")

# Organisations that register with the communities they pair with ("双报到"单位).
UNIT_KINDS = (OrgKind.MEMBER_UNIT, OrgKind.PARTY_ORG)
# Who approves at a community: its staff and admins (at it or above). A leader reads only.
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)
MOVED = "moved"  # the note of the end of a registration left for a new home community


class Action(enum.StrEnum):
    REQUEST = "request"
    APPROVE = "approve"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    END = "end"


ACTION_LABELS: dict[str, Any] = {
    Action.REQUEST: gettext_lazy("Ask to register"),
    Action.APPROVE: gettext_lazy("Approve"),
    Action.REJECT: gettext_lazy("Reject"),
    Action.WITHDRAW: gettext_lazy("Withdraw"),
    Action.END: gettext_lazy("End the registration"),
}


class Actor(enum.StrEnum):
    MEMBER = "member"  # the registration's person, or a contact of its unit
    STAFF = "staff"  # community staff or an admin over its community
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


M, S, Y = Actor.MEMBER, Actor.STAFF, Actor.SYSTEM

TRANSITIONS: dict[Action, Rule] = {
    # Staff may enter a registration from a paper form on the member's behalf.
    Action.REQUEST: _rule([NEW], St.REQUESTED, [M, S]),
    Action.APPROVE: _rule([St.REQUESTED], St.APPROVED, [S]),
    Action.REJECT: _rule([St.REQUESTED], St.REJECTED, [S], reason=True),
    Action.WITHDRAW: _rule([St.REQUESTED], St.WITHDRAWN, [M]),
    Action.END: _rule([St.APPROVED], St.ENDED, [M, S, Y], reason=True),
}


@dataclass(frozen=True)
class By:
    """Who acts: a person (the member, a unit's contact, staff) or the system."""

    person: Person | None = None
    system: bool = False


SYSTEM = By(system=True)


def _active(person: Any) -> bool:
    return bool(person is not None and person.is_authenticated and person.is_active)


def is_staff_over(person: Any, community: Node) -> bool:
    """Community staff or an admin bound at or above `community` (or a superuser)."""
    if not _active(person):
        return False
    return bool(person.is_superuser) or scope.holds_role_over(person, STAFF_ROLES, community)


def actor_kinds(registration: Registration, by: By) -> set[Actor]:
    """What `by` is to this registration (saved or about to be requested)."""
    if by.system:
        return {Actor.SYSTEM}
    person = by.person
    if not _active(person):
        return set()
    assert person is not None
    kinds: set[Actor] = set()
    if registration.person_id is not None and registration.person_id == person.pk:
        kinds.add(Actor.MEMBER)
    if (
        registration.unit_id is not None
        and Membership.objects.filter(organisation_id=registration.unit_id, person=person).exists()
    ):
        kinds.add(Actor.MEMBER)
    if is_staff_over(person, registration.community):
        kinds.add(Actor.STAFF)
    return kinds


def allowed_actions(registration: Registration, by: By) -> list[Action]:
    """The actions `by` may take on the registration now, in the table's order."""
    kinds = actor_kinds(registration, by)
    state = registration.state if registration.pk else NEW
    return [a for a, rule in TRANSITIONS.items() if state in rule.sources and kinds & rule.actors]


def may(registration: Registration, by: By, action: Action | str) -> bool:
    return Action(action) in allowed_actions(registration, by)


# --- The shared core ------------------------------------------------------------------------


def _lock(registration: Registration) -> Registration:
    """The registration's row, locked until the commit and read again after any lock wait."""
    found = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("community", "person", "unit")
        .filter(pk=registration.pk)
        .first()
    )
    if found is None:
        raise Registration.DoesNotExist(f"registration {registration.pk}")
    return found


def _check(locked: Registration, action: Action, by: By, reason: str = "") -> str:
    """The table's part of every check: the state, then the actor, then the reason (returned
    stripped)."""
    rule = TRANSITIONS[action]
    state = locked.state if locked.pk else NEW
    if state not in rule.sources:
        raise Conflict(
            _("This registration is “%(state)s” now; it cannot be changed by “%(action)s”.")
            % {"state": locked.get_state_display(), "action": ACTION_LABELS[action]},
            code="wrong_state",
            state=state,
        )
    if not actor_kinds(locked, by) & rule.actors:
        raise NotAllowed(
            _("You may not do “%(action)s” on this registration.")
            % {"action": ACTION_LABELS[action]},
            code="not_allowed",
        )
    reason = (reason or "").strip()
    if rule.reason_required and not reason:
        message = _("Give a reason.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    return reason


def _race(error: IntegrityError, action: Action | None = None) -> Conflict:
    """A database constraint that refused a move someone else made at the same moment (named
    by PostgreSQL; SQLite names the columns only, so the action tells which)."""
    text = str(error)
    if "registration_one_home_per_person" in text or action == Action.APPROVE:
        message = _("This member was registered with a community at the same moment; reload.")
    elif "registration_one_request_per_person" in text:
        message = _(
            "A request of this member is already waiting for approval; withdraw it first, "
            "or wait for the community to decide."
        )
    elif "registration_one_live_per_unit_community" in text:
        message = _("This unit already has a registration with that community.")
    else:
        message = _("Someone changed this registration at the same moment; reload and try again.")
    return Conflict(message, code="race")


def _move(
    locked: Registration,
    action: Action,
    by: By,
    *,
    fields: dict[str, Any] | None = None,
    note: str = "",
    now: Any,
) -> Registration:
    """Move the locked registration to the table's target with `fields` and append the event."""
    old = locked.state
    target = TRANSITIONS[action].target
    values = {"state": target, **(fields or {})}
    try:
        with transaction.atomic():  # a savepoint: a constraint refused leaves the rest usable
            changed = Registration.objects.filter(pk=locked.pk, state=old).update(**values)
    except IntegrityError as error:
        raise _race(error, action) from error
    if changed != 1:
        raise Conflict(
            _("Someone changed this registration at the same moment; reload and try again."),
            code="race",
        )
    for name, value in values.items():
        setattr(locked, name, value)
    events.append(
        locked,
        action.value,
        actor=by.person,
        from_state=old,
        to_state=target,
        note=note,
        now=now,
    )
    return locked


def _unbind_party_member(person: Person, community: Node, by: By) -> None:
    for binding in RoleBinding.objects.filter(
        person=person, role=Role.PARTY_MEMBER, node=community
    ).select_related("person", "node"):
        network_services.role_unbind(binding=binding, by=by.person)


# --- The commands, one per action -----------------------------------------------------------


def _community(community: Node) -> Node:
    if community is None or community.kind != NodeKind.COMMUNITY:
        message = _("Choose a community (嘎查 or 社区), not another level of the network.")
        raise Invalid(message, code="not_a_community", fields={"community": [message]})
    return community


def _live_refusal(
    *, person: Person | None, unit: Organisation | None, community: Node
) -> Conflict | None:
    """What the database's constraints on live registrations would refuse, said plainly."""
    if person is not None:
        live = list(
            Registration.objects.filter(person=person, state__in=LIVE_REGISTRATION)
            .select_related("community")
            .only("state", "community__name", "community__name_en", "community__name_mn")
        )
        for reg in live:
            if reg.state == St.REQUESTED:
                return Conflict(
                    _(
                        "A request to register with %(community)s is already waiting; "
                        "withdraw it first to ask for another community."
                    )
                    % {"community": node_label(reg.community)},
                    code="request_waiting",
                )
            if reg.community_id == community.pk:
                return Conflict(
                    _("You are already registered with %(community)s.")
                    % {"community": node_label(community)},
                    code="already_registered",
                )
    elif Registration.objects.filter(
        unit=unit, community=community, state__in=LIVE_REGISTRATION
    ).exists():
        return Conflict(
            _("This unit already has a registration with %(community)s, waiting or approved.")
            % {"community": node_label(community)},
            code="already_registered",
        )
    return None


def _live_conflict(*, person: Person | None, unit: Organisation | None, community: Node) -> None:
    """A friendly refusal before the database's constraints would refuse the same."""
    refusal = _live_refusal(person=person, unit=unit, community=community)
    if refusal is not None:
        raise refusal


@transaction.atomic
def registration_request(
    *,
    community: Node,
    by: By,
    person: Person | None = None,
    unit: Organisation | None = None,
    party_org_name: str = "",
    work_unit: str = "",
    skills: str = "",
) -> Registration:
    """A person (or a unit) asks to register with a community."""
    if (person is None) == (unit is None):
        raise Invalid(_("Register either a person or a unit."), code="person_or_unit")
    if unit is not None and unit.kind not in UNIT_KINDS:
        raise Invalid(
            _("Only a member unit or a party organisation registers with a community."),
            code="not_a_unit",
        )
    if person is not None and not person.is_active:
        raise Invalid(_("This person's account is not active."), code="inactive")
    community = _community(community)
    now = timezone.now()
    registration = Registration(
        person=person,
        unit=unit,
        community=community,
        party_org_name=(party_org_name or "").strip()[:120],
        work_unit=(work_unit or "").strip()[:120],
        skills=(skills or "").strip()[:300],
        state=NEW,
        created_at=now,
    )
    _check(registration, Action.REQUEST, by)
    _live_conflict(person=person, unit=unit, community=community)
    registration.state = St.REQUESTED
    try:
        with transaction.atomic():
            registration.save(force_insert=True)
    except IntegrityError as error:
        # Another request passed the check above at the same moment: say what it was.
        refusal = _live_refusal(person=person, unit=unit, community=community)
        raise (Conflict(refusal.message, code="race") if refusal else _race(error)) from error
    data = events.Requested(community=community.pk, unit=unit.pk if unit else None)
    events.append(
        registration,
        Action.REQUEST.value,
        actor=by.person,
        to_state=St.REQUESTED,
        data=data,
        now=now,
    )
    return registration


def _old_home(locked: Registration) -> Registration | None:
    """The person's approved registration the approval of `locked` ends, locked (after the
    request's own row: every command locks in that order)."""
    if locked.person_id is None:
        return None
    return (
        Registration.objects.select_for_update(of=("self",))
        .select_related("community")
        .filter(person_id=locked.person_id, state=St.APPROVED)
        .exclude(pk=locked.pk)
        .first()
    )


@transaction.atomic
def registration_approve(*, registration: Registration, by: By) -> Registration:
    """Approve a request. For a person: their registration with another community ends in the
    same transaction ("moved") and their party-member role moves to the new community."""
    locked = _lock(registration)
    _check(locked, Action.APPROVE, by)
    now = timezone.now()
    old = _old_home(locked)
    if old is not None:
        # Ended first: the database holds one approved registration per person.
        _move(old, Action.END, by, fields={"ended_at": now}, note=MOVED, now=now)
    approved = _move(
        locked,
        Action.APPROVE,
        by,
        fields={"decided_by": by.person, "decided_at": now, "reason": ""},
        now=now,
    )
    if approved.person is not None:
        if old is not None and old.community_id != approved.community_id:
            _unbind_party_member(approved.person, old.community, by)
        network_services.role_bind(
            person=approved.person, role=Role.PARTY_MEMBER, node=approved.community, by=by.person
        )
    return approved


@transaction.atomic
def registration_reject(*, registration: Registration, by: By, reason: str) -> Registration:
    locked = _lock(registration)
    reason = _check(locked, Action.REJECT, by, reason)
    now = timezone.now()
    fields = {"decided_by": by.person, "decided_at": now, "reason": reason[:300]}
    return _move(locked, Action.REJECT, by, fields=fields, note=reason, now=now)


@transaction.atomic
def registration_withdraw(*, registration: Registration, by: By) -> Registration:
    locked = _lock(registration)
    _check(locked, Action.WITHDRAW, by)
    return _move(locked, Action.WITHDRAW, by, now=timezone.now())


@transaction.atomic
def registration_end(*, registration: Registration, by: By, reason: str) -> Registration:
    """End an approved registration (the member left, or staff found it wrong): the member
    loses the party-member role bound at that community."""
    locked = _lock(registration)
    reason = _check(locked, Action.END, by, reason)
    now = timezone.now()
    fields = {"ended_at": now, "reason": reason[:300]}
    ended = _move(locked, Action.END, by, fields=fields, note=reason, now=now)
    if ended.person is not None:
        _unbind_party_member(ended.person, ended.community, by)
    return ended


COMMANDS: dict[Action, Callable[..., Registration]] = {
    Action.APPROVE: registration_approve,
    Action.REJECT: registration_reject,
    Action.WITHDRAW: registration_withdraw,
    Action.END: registration_end,
}


def transition(
    registration: Registration, action: Action | str, by: By, **params: Any
) -> Registration:
    """Run the command of `action` (not "request", which makes a new registration)."""
    return COMMANDS[Action(action)](registration=registration, by=by, **params)


# --- Reads ----------------------------------------------------------------------------------


def visible_registrations(user: Any) -> QuerySet[Registration]:
    """Registrations of the communities in the user's sight (staff scope; leaders read)."""
    return scope.within_scope(Registration.objects.all(), user, node_field="community")


def decidable(user: Any) -> QuerySet[Registration]:
    """Registrations at the communities the user decides on (as staff or admin over them)."""
    if not _active(user):
        return Registration.objects.none()
    paths = scope.role_scope_paths(user, STAFF_ROLES)
    if paths is None:
        return Registration.objects.all()
    return Registration.objects.filter(scope.paths_q(paths, node_field="community"))


def waiting_for(user: Any) -> QuerySet[Registration]:
    """Requests the user may decide, oldest first."""
    return decidable(user).filter(state=St.REQUESTED).order_by("created_at", "id")


def home_of(person: Person) -> Registration | None:
    """The person's approved registration (their home community), if any."""
    return (
        Registration.objects.filter(person=person, state=St.APPROVED)
        .select_related("community")
        .first()
    )


def home_community(person: Person) -> Node | None:
    """Where the member belongs: their approved registration's community, else the place of
    their party-member or volunteer role (its community when the role is bound below one)."""
    registration = home_of(person)
    if registration is not None:
        return registration.community
    binding = (
        RoleBinding.objects.filter(person=person, role__in=(Role.PARTY_MEMBER, Role.VOLUNTEER))
        .select_related("node")
        .order_by("node__depth", "id")
        .first()
    )
    if binding is None:
        return None
    node = binding.node
    if node.kind in (NodeKind.BIG_GRID, NodeKind.SMALL_GRID, NodeKind.UNIT):
        community = Node.objects.filter(pk__in=node.ancestor_ids(), kind=NodeKind.COMMUNITY)
        return community.first() or node
    return node


def history_of(person: Person) -> QuerySet[Registration]:
    return Registration.objects.filter(person=person).select_related("community", "decided_by")
