"""Builders for the people-who-serve tests: a community with its staff, members and a team."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Membership, Organisation, OrgKind, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers.models import Activity, Team, TeamKind, Theme


@dataclass
class Crew:
    w: needf.World  # the needs tests' world: region t, dispatcher (comm1 staff), leader…
    member: Person  # a party member living in comm1
    volunteer: Person  # a volunteer of comm1
    other_member: Person  # a party member of comm2
    team: Team  # a volunteer team of comm1, `leader` leads it, `volunteer` is in it
    leader: Person


def crew() -> Crew:
    w = needf.world()
    t = w.t
    member = nf.person("马党员", roles=[(Role.PARTY_MEMBER, t["comm1"])])
    volunteer = nf.person("志愿者", roles=[(Role.VOLUNTEER, t["comm1"])])
    other = nf.person("二社区党员", roles=[(Role.PARTY_MEMBER, t["comm2"])])
    leader = nf.person("队长", roles=[(Role.VOLUNTEER, t["comm1"])])
    org = Organisation.objects.create(name="帮帮团", kind=OrgKind.TEAM, node=t["comm1"])
    team = Team.objects.create(organisation=org, kind=TeamKind.VOLUNTEER, theme=Theme.NEIGHBOURS)
    team.leaders.add(leader)
    Membership.objects.create(organisation=org, person=leader, title="队长")
    Membership.objects.create(organisation=org, person=volunteer)
    return Crew(
        w=w, member=member, volunteer=volunteer, other_member=other, team=team, leader=leader
    )


def activity(c: Crew, **overrides: Any) -> Activity:
    """An activity of the crew's team in comm1, tomorrow at nine for two hours, 10 places."""
    start = (timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    fields: dict[str, Any] = {
        "title": "清扫小区",
        "theme": Theme.ENVIRONMENT,
        "team": c.team,
        "node": c.w.t["comm1"],
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 10,
        "checkin_key": secrets.token_urlsafe(16),
        "created_by": c.leader,
    }
    fields.update(overrides)
    return Activity.objects.create(**fields)
