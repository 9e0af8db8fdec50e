"""To whom a need may be dispatched or escalated: the rule the workflow's commands check
(`workflow.need_dispatch`, `workflow.need_escalate`) and the choices the console and the API
offer, one and the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgrid.core.localcache import cached
from civicgrid.needs.cached import TARGETS
from civicgrid.needs.models import Need
from civicgrid.network.models import Node, Organisation, OrgKind, Person, Role, RoleBinding

Choices = list[tuple[Any, Any]]

# Who a need can be dispatched to by name: the people who do the legwork.
DISPATCH_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_STAFF)
UNIT_KINDS = (OrgKind.MEMBER_UNIT, OrgKind.PROVIDER)
UNDIRECTED = "grid"
PARENT = "parent"


ROLE_LABELS = dict(Role.choices)


class Targets:
    """Who a need (or a batch) may be dispatched to: choice values and what they stand for.

    People are kept by id and read as plain values: a subdistrict's dispatch list names every
    worker in it, and building a person and a place per name cost a third of a need's page
    (issue 13). The one chosen is read when the form is sent."""

    def __init__(self) -> None:
        self.people: dict[str, int] = {}
        self.units: dict[str, Organisation] = {}
        self.choices: Choices = [(UNDIRECTED, _("Undirected: any grid worker of its grid"))]

    def add_people(self, label: Any, rows: list[StaffRow]) -> None:
        """A group of people (`staff_rows`), each once in the whole list: in the first group
        that names them."""
        group: Choices = []
        for person_id, name, role, place, _node in rows:
            key = f"person:{person_id}"
            if key not in self.people:
                self.people[key] = person_id
                group.append((key, f"{name} · {ROLE_LABELS[role]} · {place}"))
        if group:
            self.choices.append((label, group))

    def add_units(self, units: Iterable[Organisation], label: Any = None) -> None:
        group: Choices = []
        for org in units:
            key = f"unit:{org.pk}"
            self.units[key] = org
            group.append((key, f"{org.name} · {org.get_kind_display()}"))
        if group:
            self.choices.append((label or _("Member units and providers"), group))

    def chosen(self, value: str) -> Person | Organisation | None:
        """What a choice stands for: a person, a unit, or None (undirected)."""
        if value in self.people:
            return Person.objects.get(pk=self.people[value])
        return self.units.get(value)


StaffRow = tuple[int, str, str, str, int]  # person id and name, role, place name and id


def staff_rows(bindings: QuerySet[RoleBinding]) -> list[StaffRow]:
    return list(bindings.values_list("person_id", "person__name", "role", "node__name", "node_id"))


def staff_bindings(q: Q) -> QuerySet[RoleBinding]:
    return (
        RoleBinding.objects.filter(q, role__in=DISPATCH_ROLES, person__is_active=True)
        .select_related("person", "node")
        .order_by("node__path", "person__name")
    )


def dispatch_targets(need: Need, *, kept: bool = False) -> Targets:
    """The grid workers of the need's grid first, then the staff of the level that holds it,
    then member units and providers around it (member units sit across the tree: those of a
    joint committee at or above the holding level count).

    With `kept`, what is around the holding level is kept a moment per process
    (needs/cached.py: emptied by a save of a place, a role, a person, a unit or a team): the
    console's forms offer it so; the commands check against a fresh read."""
    owner = need.owner_node
    if kept:
        key = ("around", owner.pk, need.consultation_id)
        staff, units, teams = cached(TARGETS, key, lambda: _around(need))
    else:
        staff, units, teams = _around(need)
    targets = Targets()
    grid_ids = set(need.node.ancestor_ids())
    # The grid's workers are among the holding level's staff: read once, listed first.
    targets.add_people(
        _("Grid workers of this grid"),
        [row for row in staff if row[4] in grid_ids and row[2] == Role.GRID_WORKER],
    )
    targets.add_people(_("Staff of %(place)s") % {"place": owner.name}, staff)
    targets.add_units(units)
    targets.add_units(teams, _("Teams"))
    return targets


def _around(need: Need) -> tuple[list[StaffRow], list[Organisation], list[Organisation]]:
    """The holding level's staff, the units near it and its teams: what `dispatch_targets`
    reads (three statements)."""
    owner = need.owner_node
    staff = staff_rows(staff_bindings(Q(node__path__startswith=owner.path)))
    above = owner.ancestor_ids()
    near = (
        Q(node__path__startswith=owner.path)
        | Q(node_id__in=above)
        | Q(committee__node_id__in=above)
    )
    if need.consultation_id:
        near |= Q(committee_id=need.consultation_id)
    units = Organisation.objects.filter(near, kind__in=UNIT_KINDS).select_related("node")
    # Volunteer and party-member teams of the area (at the holding level or below, or above
    # it): any member takes what is dispatched to the team. A team its organisers set inactive
    # (`team.active`, people-who-serve) is offered no more.
    teams = Organisation.objects.filter(
        Q(node__path__startswith=owner.path) | Q(node_id__in=above), kind=OrgKind.TEAM
    ).exclude(team__active=False)
    return staff, list(units), list(teams.select_related("node"))


def escalate_choices(need: Need) -> tuple[Choices, dict[str, Organisation]]:
    """The parent level, or a consultation of a joint committee at or above the holding level."""
    choices: Choices = []
    owner = need.owner_node
    if owner.parent_id is not None:
        parent = Node.objects.only("name").get(pk=owner.parent_id)
        choices.append((PARENT, _("The parent level: %(place)s") % {"place": parent.name}))
    committees = {
        f"committee:{org.pk}": org
        for org in Organisation.objects.filter(
            kind=OrgKind.JOINT_COMMITTEE, node_id__in=owner.ancestor_ids()
        )
    }
    choices.extend(
        (key, _("A consultation of %(committee)s") % {"committee": org.name})
        for key, org in committees.items()
    )
    return choices, committees


def offered_targets(need: Need) -> Targets:
    """`dispatch_targets` as the dispatch form offers them: what is around the holding level
    kept a moment. The command still checks the choice afresh (`may_dispatch_to`)."""
    return dispatch_targets(need, kept=True)


def offered_escalations(need: Need) -> tuple[Choices, dict[str, Organisation]]:
    """`escalate_choices` as the escalation form offers them, kept a moment likewise."""
    key = ("escalate", need.owner_node_id, get_language())
    return cached(TARGETS, key, lambda: escalate_choices(need))


def may_dispatch_to(need: Need, to: Person | Organisation | None) -> bool:
    """Whether `to` is one of the need's dispatch targets (None: undirected, always)."""
    if to is None:
        return True
    targets = dispatch_targets(need)
    if isinstance(to, Person):
        return to.pk in targets.people.values()
    return any(unit.pk == to.pk for unit in targets.units.values())


def may_escalate_to(need: Need, committee: Organisation) -> bool:
    """Whether a consultation of `committee` is one of the need's escalation choices."""
    _choices, committees = escalate_choices(need)
    return any(org.pk == committee.pk for org in committees.values())
