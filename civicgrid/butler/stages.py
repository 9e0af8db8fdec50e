"""A key project's stage: the one module that moves `Project.stage`.

    create → signed ─approve→ approvals ─build→ construction ─produce→ production

Each move is a milestone of the project: it is appended to the project's timeline
(`ProjectEvent`, action "stage") with the stage it left and the one it reached. The table
below is the one statement of who may do what:

- "staff": community staff or an administrator over the project's place;
- "team": the project's party-member cadre or a member of its department.

The district leader's seat and read-only leaders move nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.butler import access, events
from civicgrid.butler.models import Project, Stage, TeamRole
from civicgrid.core.errors import Conflict, NotAllowed


class Action(enum.StrEnum):
    APPROVE = "approve"  # signed: the approvals begin
    BUILD = "build"  # approvals done: construction starts
    PRODUCE = "produce"  # built: production starts


class Actor(enum.StrEnum):
    STAFF = "staff"
    TEAM = "team"


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]


def _rule(sources: Iterable[str], target: str, actors: Iterable[Actor]) -> Rule:
    return Rule(frozenset(sources), target, frozenset(actors))


S = Stage
St, Tm = Actor.STAFF, Actor.TEAM

TRANSITIONS: dict[Action, Rule] = {
    Action.APPROVE: _rule([S.SIGNED], S.APPROVALS, [St, Tm]),
    Action.BUILD: _rule([S.APPROVALS], S.CONSTRUCTION, [St, Tm]),
    Action.PRODUCE: _rule([S.CONSTRUCTION], S.PRODUCTION, [St, Tm]),
}

ACTION_LABELS: dict[Action, Any] = {
    Action.APPROVE: gettext_lazy("Approvals begin"),
    Action.BUILD: gettext_lazy("Construction starts"),
    Action.PRODUCE: gettext_lazy("Production starts"),
}


@events.kind("stage")
@dataclass(frozen=True, kw_only=True)
class Moved(events.EventData):
    from_stage: str
    to_stage: str


@events.kind("create")
@dataclass(frozen=True, kw_only=True)
class Created(events.EventData):
    stage: str


def actor_kinds(project: Project, user: Any) -> set[Actor]:
    person = access.person_of(user)
    if person is None:
        return set()
    kinds: set[Actor] = set()
    if access.may_manage(person, project.node):
        kinds.add(Actor.STAFF)
    if access.seats_of(person, project) & {TeamRole.CADRE, TeamRole.DEPARTMENT}:
        kinds.add(Actor.TEAM)
    return kinds


def allowed_actions(user_or_kind: Any, project: Project) -> list[Action]:
    """The moves a person (or an actor kind, "staff"/"team") may make on the project now."""
    if isinstance(user_or_kind, str):
        kinds = {Actor(user_or_kind)}
    else:
        kinds = actor_kinds(project, user_or_kind)
    return [
        action
        for action, rule in TRANSITIONS.items()
        if project.stage in rule.sources and kinds & rule.actors
    ]


def _kind_of(kinds: set[Actor]) -> str:
    return Actor.STAFF if Actor.STAFF in kinds else Actor.TEAM


@transaction.atomic
def stage_move(
    *,
    project: Project,
    by: Any,
    action: Action | str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Project:
    """Move the project one stage on. Refusals: `not_allowed`, `wrong_stage`."""
    try:
        action = Action(action)
    except ValueError:
        raise Conflict(_("Unknown stage move."), code="bad_action") from None
    now = now or timezone.now()
    locked = (
        Project.objects.select_for_update(of=("self",)).select_related("node").get(pk=project.pk)
    )
    rule = TRANSITIONS[action]
    kinds = actor_kinds(locked, by)
    if not kinds & rule.actors:
        raise NotAllowed(_("Your role may not move this project's stage."), code="not_allowed")
    old = locked.stage
    if old not in rule.sources:
        raise Conflict(
            _("The project is at the stage %(stage)s: it cannot move that way now.")
            % {"stage": locked.get_stage_display()},
            code="wrong_stage",
        )
    changed = Project.objects.filter(pk=locked.pk, stage=old).update(stage=rule.target)
    if not changed:  # pragma: no cover - the row lock makes this unreachable
        raise Conflict(_("The project changed meanwhile; try again."), code="changed")
    locked.stage = rule.target
    events.append(
        locked,
        "stage",
        actor=by,
        actor_kind=_kind_of(kinds),
        note=note,
        data=Moved(from_stage=old, to_stage=rule.target),
        now=now,
    )
    project.stage = rule.target
    return locked
