"""Teams: the services that write them, the reads of the console, and the monthly rule.

A team is an organisation of kind "team" at a node (its name, place and members, as
`network.Membership`), with a `Team` row beside it (kind, theme, leaders, the monthly rule).
Because its members are an organisation's members, a need dispatched to the team is taken by
any of them (`needs.targets` offers the teams of the need's area).

Who may: staff over the team's node (community staff and admins at it or above) create and
change teams and name leaders; staff and the team's leaders add and remove members. Each
service checks again, whatever surface calls it.

The monthly rule: a team holds at least `monthly_minimum` themed service activities a month
(`models.SERVICE_THEMES`, held or recorded, starting in that month). `tasks.check_team_months`
measures each month once it is over and tells the leaders and the community staff of a miss.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network import scope
from civicgrid.network.models import (
    Membership,
    Node,
    NodeKind,
    Organisation,
    OrgKind,
    Person,
)
from civicgrid.volunteers import access
from civicgrid.volunteers.access import MEMBER_ROLES
from civicgrid.volunteers.models import (
    SERVICE_THEMES,
    ActivityState,
    Team,
    TeamKind,
    TeamMonth,
    Theme,
)

# Activities that count for the monthly rule: held, or held and recorded.
COUNTED_STATES = (ActivityState.HELD, ActivityState.RECORDED)
MAX_MONTHLY_MINIMUM = 31


def _active(person: Any) -> bool:
    return bool(person is not None and person.is_authenticated and person.is_active)


# --- Who may (the rule is `access.py`'s; the services ask it again) -------------------------


def organises(user: Any, node: Node) -> bool:
    """Staff who create and change teams at `node`."""
    return _active(user) and access.organises_place(user, node)


def _check_change(user: Any, team: Team) -> None:
    if not access.may_change_team(user, team):
        raise NotAllowed(
            _("Only the staff of %(place)s may change this team.")
            % {"place": team.organisation.node.name},
            code="not_allowed",
        )


def _check_members(user: Any, team: Team) -> None:
    if not access.may_change_members(user, team):
        raise NotAllowed(
            _("Only the team's leaders and the staff of its place may change its members."),
            code="not_allowed",
        )


# --- Who may join ---------------------------------------------------------------------------


def home_place(node: Node) -> Node:
    """Where a team's members come from: the community at or above the team's node, else the
    node itself (a team of a town)."""
    if node.kind in (NodeKind.BIG_GRID, NodeKind.SMALL_GRID, NodeKind.UNIT):
        community = Node.objects.filter(pk__in=node.ancestor_ids(), kind=NodeKind.COMMUNITY).first()
        if community is not None:
            return community
    return node


def candidates(team: Team) -> QuerySet[Person]:
    """People who may join: active party members and volunteers bound in the team's place."""
    place = home_place(team.organisation.node)
    return (
        Person.objects.filter(
            is_active=True,
            roles__role__in=MEMBER_ROLES,
            roles__node__path__startswith=place.path,
        )
        .distinct()
        .order_by("name", "id")
    )


def _check_candidate(team: Team, person: Person) -> None:
    if not candidates(team).filter(pk=person.pk).exists():
        raise Invalid(
            _(
                "%(name)s is not a party member or volunteer of %(place)s: register them "
                "with the community first."
            )
            % {"name": person.name, "place": home_place(team.organisation.node).name},
            code="not_a_candidate",
        )


# --- The services ---------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        message = _("Give the team a name.")
        raise Invalid(message, code="name_required", fields={"name": [message]})
    return name[:120]


def _clean_choices(kind: str | None, theme: str | None, minimum: int | None) -> None:
    if kind is not None and kind not in TeamKind.values:
        raise Invalid(_("Choose the kind of team."), code="bad_kind")
    if theme is not None and theme not in Theme.values:
        raise Invalid(_("Choose the team's theme."), code="bad_theme")
    if minimum is not None and not 0 <= minimum <= MAX_MONTHLY_MINIMUM:
        message = _("Give a number of activities a month from 0 to %(most)s.") % {
            "most": MAX_MONTHLY_MINIMUM
        }
        raise Invalid(message, code="bad_minimum", fields={"monthly_minimum": [message]})


@transaction.atomic
def team_create(
    *,
    node: Node,
    name: str,
    kind: str,
    theme: str,
    by: Person,
    name_en: str = "",
    name_mn: str = "",
    monthly_minimum: int = 1,
    leaders: Sequence[Person] = (),
) -> Team:
    """A team at `node`, with its organisation; `leaders` join it as members too."""
    if not organises(by, node):
        raise NotAllowed(
            _("Only the staff of %(place)s may create a team there.") % {"place": node.name},
            code="not_allowed",
        )
    name = _clean_name(name)
    _clean_choices(kind, theme, monthly_minimum)
    org = Organisation.objects.create(name=name, kind=OrgKind.TEAM, node=node)
    team = Team.objects.create(
        organisation=org,
        kind=kind,
        theme=theme,
        name_en=(name_en or "").strip()[:150],
        name_mn=(name_mn or "").strip()[:150],
        monthly_minimum=monthly_minimum,
    )
    for leader in leaders:
        _check_candidate(team, leader)
        _join(team, leader, title=_("Leader"))
        team.leaders.add(leader)
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    by: Person,
    name: str | None = None,
    name_en: str | None = None,
    name_mn: str | None = None,
    kind: str | None = None,
    theme: str | None = None,
    monthly_minimum: int | None = None,
    active: bool | None = None,
) -> Team:
    """Change what is given (None leaves a field as it is)."""
    team = _lock(team)
    _check_change(by, team)
    _clean_choices(kind, theme, monthly_minimum)
    fields: dict[str, Any] = {}
    if kind is not None:
        fields["kind"] = kind
    if theme is not None:
        fields["theme"] = theme
    if monthly_minimum is not None:
        fields["monthly_minimum"] = monthly_minimum
    if active is not None:
        fields["active"] = active
    if name_en is not None:
        fields["name_en"] = name_en.strip()[:150]
    if name_mn is not None:
        fields["name_mn"] = name_mn.strip()[:150]
    # Saved, not `.update()`d: a team is offered as a dispatch target, kept a moment per
    # process (needs/targets.offered_targets), and the save is what empties that here.
    if fields:
        for key, value in fields.items():
            setattr(team, key, value)
        team.save(update_fields=list(fields))
    if name is not None:
        org = team.organisation
        org.name = _clean_name(name)
        org.save(update_fields=["name"])
    return team


def _lock(team: Team) -> Team:
    found = (
        Team.objects.select_for_update(of=("self",))
        .select_related("organisation__node")
        .filter(pk=team.pk)
        .first()
    )
    if found is None:
        raise Team.DoesNotExist(f"team {team.pk}")
    return found


def _join(team: Team, person: Person, *, title: str = "") -> bool:
    """Make `person` a member (once); whether they were added."""
    try:
        with transaction.atomic():
            _membership, created = Membership.objects.get_or_create(
                organisation_id=team.organisation_id, person=person, defaults={"title": title}
            )
    except IntegrityError:
        return False  # added by someone else at the same moment
    return created


@transaction.atomic
def team_add_member(*, team: Team, person: Person, by: Person, title: str = "") -> Team:
    team = _lock(team)
    _check_members(by, team)
    _check_candidate(team, person)
    if not _join(team, person, title=(title or "").strip()[:60]):
        raise Conflict(
            _("%(name)s is already a member of this team.") % {"name": person.name},
            code="already_member",
        )
    return team


@transaction.atomic
def team_remove_member(*, team: Team, person: Person, by: Person) -> Team:
    team = _lock(team)
    _check_members(by, team)
    if team.leaders.filter(pk=person.pk).exists():
        raise Conflict(
            _("%(name)s leads this team: the staff must remove them as a leader first.")
            % {"name": person.name},
            code="is_leader",
        )
    removed, _detail = Membership.objects.filter(
        organisation_id=team.organisation_id, person=person
    ).delete()
    if not removed:
        raise Conflict(
            _("%(name)s is not a member of this team.") % {"name": person.name},
            code="not_member",
        )
    return team


@transaction.atomic
def team_add_leader(*, team: Team, person: Person, by: Person) -> Team:
    """Name a leader (staff only); they join the team if they were not in it."""
    team = _lock(team)
    _check_change(by, team)
    if team.leaders.filter(pk=person.pk).exists():
        raise Conflict(
            _("%(name)s already leads this team.") % {"name": person.name}, code="already_leader"
        )
    is_member = Membership.objects.filter(
        organisation_id=team.organisation_id, person=person
    ).exists()
    if not is_member:
        _check_candidate(team, person)
        _join(team, person, title=_("Leader"))
    team.leaders.add(person)
    return team


@transaction.atomic
def team_remove_leader(*, team: Team, person: Person, by: Person) -> Team:
    """No longer a leader (staff only); they stay a member."""
    team = _lock(team)
    _check_change(by, team)
    if not team.leaders.filter(pk=person.pk).exists():
        raise Conflict(
            _("%(name)s does not lead this team.") % {"name": person.name}, code="not_leader"
        )
    team.leaders.remove(person)
    return team


# --- Reads ----------------------------------------------------------------------------------


def visible_teams(user: Any) -> QuerySet[Team]:
    """Teams at nodes in the user's sight, and the teams the user belongs to."""
    if not _active(user):
        return Team.objects.none()
    mine = Q(organisation__membership__person=user)
    q = scope.scope_q(user, node_field="organisation__node")
    if q is None:
        qs = Team.objects.all()
    else:
        qs = Team.objects.filter(q | Q(pk__in=Team.objects.filter(mine).values("pk")))
    return qs.select_related("organisation__node")


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    return first_of_month(first_of_month(day) - dt.timedelta(days=1))


def months_back(day: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` months before the month of `day`, oldest first."""
    months: list[dt.date] = []
    month = first_of_month(day)
    for _i in range(count):
        month = previous_month(month)
        months.append(month)
    return list(reversed(months))


@dataclass(frozen=True)
class MonthMark:
    month: dt.date
    held: int | None  # None: not checked
    required: int | None
    missed: bool


def month_marks(teams: Iterable[Team], *, count: int = 6, today: dt.date | None = None) -> dict:
    """team id → the last `count` checked months (oldest first) as `MonthMark`s: one query."""
    today = today or timezone.localdate()
    months = months_back(today, count)
    team_ids = [t.pk for t in teams]
    rows = TeamMonth.objects.filter(team_id__in=team_ids, month__gte=months[0]).values_list(
        "team_id", "month", "held", "required", "missed"
    )
    found = {(tid, month): (held, req, missed) for tid, month, held, req, missed in rows}
    marks: dict[int, list[MonthMark]] = {}
    for tid in team_ids:
        marks[tid] = [
            MonthMark(m, *found[(tid, m)]) if (tid, m) in found else MonthMark(m, None, None, False)
            for m in months
        ]
    return marks


def flagged_teams(user: Any) -> QuerySet[Team]:
    """Active teams in the user's scope whose last checked month was missed (the dashboard's
    and the console's flag)."""
    last = TeamMonth.objects.filter(team=OuterRef("pk")).order_by("-month")
    return (
        visible_teams(user)
        .filter(active=True)
        .annotate(last_missed=Subquery(last.values("missed")[:1]))
        .filter(last_missed=True)
        .order_by("organisation__name", "id")
    )


def counted_activities(team: Team, month: dt.date) -> int:
    """Themed service activities of the team held (or recorded) that started in `month`
    (local time)."""
    start = _local_midnight(month)
    end = _local_midnight(first_of_month(month + dt.timedelta(days=32)))
    return team.activities.filter(
        theme__in=SERVICE_THEMES,
        state__in=COUNTED_STATES,
        starts_at__gte=start,
        starts_at__lt=end,
    ).count()


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
