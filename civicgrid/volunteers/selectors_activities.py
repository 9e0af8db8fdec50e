"""Reads for the activity pages: the organiser's month, an activity's sign-ups, the public list.

Every console read starts from `visible_activities(user)`: the activities at places the user's
scope sees (the scope rule, `network/scope.py`), and those of the teams they lead. The public
list starts from `public_activities`: open activities, filtered by who may see them
(`access.may_see_activity`, written as a query here).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from civicgrid.network import scope
from civicgrid.network.models import Membership, Node, NodeKind, OrgKind, Role
from civicgrid.volunteers import access
from civicgrid.volunteers.activities import ACTION_LABELS
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Audience,
    SignUp,
    SignUpState,
    Team,
)

ORGANISER_ROLES = (Role.COMMUNITY_STAFF, Role.ADMIN)
# The places an activity may be planned at (not a league or a banner: too wide to gather).
PLACE_KINDS = (NodeKind.TOWN, NodeKind.COMMUNITY, NodeKind.BIG_GRID, NodeKind.SMALL_GRID)
MAX_PLACE_CHOICES = 400


def led_team_ids(user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Team.leaders.through.objects.filter(person_id=user.pk).values_list("team_id", flat=True)
    )


def visible_activities(user: Any) -> QuerySet[Activity]:
    """The activities the console shows the user: at places their scope sees, or of a team they
    lead."""
    q = scope.scope_q(user, node_field="node")
    if q is None:
        return Activity.objects.all()
    teams = led_team_ids(user)
    if teams:
        q |= Q(team_id__in=teams)
    return Activity.objects.filter(q)


def organiser_places(user: Any) -> QuerySet[Node]:
    """Where the user may plan activities: the places under their community-staff or admin
    roles, and the places of the teams they lead (and below)."""
    paths = scope.role_scope_paths(user, ORGANISER_ROLES)
    places = Node.objects.filter(kind__in=PLACE_KINDS)
    if paths is None:
        return places
    team_paths = list(
        Team.objects.filter(pk__in=led_team_ids(user)).values_list(
            "organisation__node__path", flat=True
        )
    )
    return places.filter(scope.paths_q([*paths, *team_paths]))


def organiser_teams(user: Any) -> QuerySet[Team]:
    """The active teams the user may plan for: those at places they organise, those they
    lead."""
    teams = Team.objects.filter(active=True).select_related("organisation")
    paths = scope.role_scope_paths(user, ORGANISER_ROLES)
    if paths is None:
        return teams
    q = Q(pk__in=led_team_ids(user))
    if paths:
        q |= scope.paths_q(paths, node_field="organisation__node")
    return teams.filter(q)


def month_places(user: Any) -> list[Node]:
    """The places whose month the user may open: communities (and towns) their scope sees,
    and their teams' places."""
    nodes = scope.within_scope(
        Node.objects.filter(kind__in=(NodeKind.TOWN, NodeKind.COMMUNITY)), user
    )
    team_nodes = Node.objects.filter(
        pk__in=Team.objects.filter(pk__in=led_team_ids(user)).values("organisation__node")
    )
    return list((nodes | team_nodes).distinct().order_by("path")[:MAX_PLACE_CHOICES])


def may_open_month(user: Any, node: Node) -> bool:
    if scope.can_see(user, node):
        return True
    return Team.objects.filter(pk__in=led_team_ids(user), organisation__node=node).exists()


# --- The organiser's month ------------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    in_month: bool
    today: bool
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Month:
    first: dt.date
    weeks: list[list[Day]]
    previous: dt.date
    next: dt.date
    count: int
    by_state: dict[str, int]


def month_start(value: str | None, today: dt.date) -> dt.date:
    """The first day of the month written as YYYY-MM (this month when unreadable)."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def month(user: Any, node: Node, first: dt.date, *, team_id: int | None = None) -> Month:
    """The month's grid (Monday first, whole weeks) with the activities at `node` and below
    that the user sees, each as a row of strings: time, title, state, places."""
    cal = calendar.Calendar(firstweekday=0)
    dates = list(cal.itermonthdates(first.year, first.month))
    today = timezone.localdate()
    days = {d: Day(date=d, in_month=d.month == first.month, today=d == today) for d in dates}
    rows = (
        visible_activities(user)
        .filter(scope.paths_q([node.path], node_field="node"))
        .filter(
            starts_at__gte=_aware(dates[0]), starts_at__lt=_aware(dates[-1] + dt.timedelta(days=1))
        )
    )
    if team_id:
        rows = rows.filter(team_id=team_id)
    values = list(
        rows.order_by("starts_at", "id").values(
            "id",
            "title",
            "title_en",
            "title_mn",
            "state",
            "theme",
            "starts_at",
            "ends_at",
            "capacity",
            "confirmed_count",
            "team_id",
            "team__organisation__name",
            "node__name",
        )
    )
    waiting = dict(
        SignUp.objects.filter(activity_id__in=[v["id"] for v in values], state=SignUpState.WAITING)
        .values("activity_id")
        .annotate(n=Count("id"))
        .values_list("activity_id", "n")
    )
    states = {value: str(label) for value, label in ActivityState.choices}
    by_state: dict[str, int] = defaultdict(int)
    count = 0
    for v in values:
        start = timezone.localtime(v["starts_at"])
        end = timezone.localtime(v["ends_at"])
        label = Activity(title=v["title"], title_en=v["title_en"], title_mn=v["title_mn"]).label
        if start.date().month == first.month:
            by_state[v["state"]] += 1
            count += 1
        capacity = v["capacity"]
        days[start.date()].items.append(
            {
                "id": v["id"],
                "title": label,
                "state": v["state"],
                "state_label": states.get(v["state"], v["state"]),
                "time": f"{start:%H:%M}–{end:%H:%M}",
                "places": f"{v['confirmed_count']}/{capacity}"
                if capacity
                else str(v["confirmed_count"]),
                "full": bool(capacity and v["confirmed_count"] >= capacity),
                "waiting": waiting.get(v["id"], 0),
                "team": v["team__organisation__name"] or "",
                "place": v["node__name"],
                "url": reverse("volunteers:activity_detail", args=[v["id"]]),
            }
        )
    weeks = [[days[d] for d in dates[i : i + 7]] for i in range(0, len(dates), 7)]
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return Month(
        first=first,
        weeks=weeks,
        previous=previous,
        next=following,
        count=count,
        by_state={states[s]: by_state[s] for s in ActivityState.values if by_state.get(s)},
    )


def month_teams(user: Any, node: Node) -> list[tuple[int, str]]:
    """The teams whose activities the month may be filtered by: teams at the place or below."""
    teams = Team.objects.filter(scope.paths_q([node.path], node_field="organisation__node"))
    return [(t.pk, t.label) for t in teams.select_related("organisation")[:100]]


# --- One activity ---------------------------------------------------------------------------


def signup_rows(activity: Activity) -> dict[str, list[dict[str, Any]]]:
    """The activity's sign-ups: confirmed (with check-in and hours), the waiting list in its
    order, and those who left."""
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in SignUpState.values}
    for s in (
        SignUp.objects.filter(activity=activity)
        .select_related("person")
        .order_by("created_at", "id")
    ):
        groups[s.state].append(
            {
                "person_id": s.person_id,
                "name": s.person.name,
                "mobile": s.person.masked_mobile,
                "signed_up": timezone.localtime(s.created_at).strftime("%m-%d %H:%M"),
                "checked_in": (
                    timezone.localtime(s.checked_in_at).strftime("%H:%M") if s.checked_in_at else ""
                ),
                "distance": s.checkin_distance_m,
                "hours": s.hours,
            }
        )
    return groups


def timeline(activity: Activity) -> list[dict[str, Any]]:
    rows = []
    for e in activity.events.select_related("actor", "person").order_by("seq"):
        rows.append(
            {
                "when": timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"),
                "what": ACTION_LABELS.get(e.action, e.action),
                "actor": e.actor.name if e.actor else "",
                "person": e.person.name if e.person and e.person_id != e.actor_id else "",
                "note": e.note,
            }
        )
    return rows


# --- The public list ------------------------------------------------------------------------


def audience_q(user: Any) -> Q:
    """The activities' audiences the user may see (the query form of
    `access.may_see_activity` for activities that are not planned)."""
    q = Q(audience=Audience.PUBLIC)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return q
    if access.serves(user):
        q |= Q(audience=Audience.MEMBERS)
    team_orgs = Membership.objects.filter(
        person_id=user.pk, organisation__kind=OrgKind.TEAM
    ).values("organisation_id")
    q |= Q(audience=Audience.TEAM, team__organisation_id__in=team_orgs)
    q |= Q(audience=Audience.TEAM, team_id__in=led_team_ids(user))
    q |= Q(pk__in=SignUp.objects.filter(person_id=user.pk).values("activity_id"))
    return q


def public_activities(user: Any, *, near: Node | None = None, limit: int = 50) -> list[Activity]:
    """Open activities that have not ended, soonest first, that the user may see; at `near`
    and below when given."""
    rows = Activity.objects.filter(state=ActivityState.OPEN, ends_at__gte=timezone.now()).filter(
        audience_q(user)
    )
    if near is not None:
        rows = rows.filter(scope.paths_q([near.path], node_field="node"))
    return list(
        rows.select_related("node", "team", "team__organisation").order_by("starts_at", "id")[
            :limit
        ]
    )


def my_signup(user: Any, activity: Activity) -> SignUp | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return SignUp.objects.filter(activity=activity, person_id=user.pk).first()
