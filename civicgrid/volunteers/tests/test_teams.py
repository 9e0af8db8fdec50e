"""Teams: who creates and changes them, who adds members, and a need dispatched to a team,
taken and resolved by one of its members."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs import targets, workflow
from civicgrid.needs.models import State
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Membership, OrgKind
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import teams
from civicgrid.volunteers.models import Team, TeamKind, Theme
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db


def members_of(team: Team) -> set[int]:
    return set(
        Membership.objects.filter(organisation_id=team.organisation_id).values_list(
            "person_id", flat=True
        )
    )


def test_staff_over_the_place_create_a_team_others_may_not():
    c = vf.crew()
    comm1 = c.w.t["comm1"]
    common = {"node": comm1, "name": "理发队", "kind": TeamKind.PARTY, "theme": Theme.REPAIRS}
    for outsider in (c.w.stranger, c.w.leader, c.leader, c.member, c.w.grid_worker):
        with pytest.raises(NotAllowed):
            teams.team_create(by=outsider, **common)
    team = teams.team_create(by=c.w.town_staff, leaders=[c.member], monthly_minimum=2, **common)
    assert team.organisation.kind == OrgKind.TEAM and team.organisation.node == comm1
    assert list(team.leaders.all()) == [c.member]
    assert members_of(team) == {c.member.pk}
    with pytest.raises(Invalid):
        teams.team_create(by=c.w.dispatcher, **{**common, "name": "  "})
    with pytest.raises(Invalid):
        teams.team_create(by=c.w.dispatcher, **{**common, "theme": "nonsense"})


def test_only_staff_change_a_team_its_leader_may_not():
    c = vf.crew()
    with pytest.raises(NotAllowed):
        teams.team_update(team=c.team, by=c.leader, monthly_minimum=0)
    with pytest.raises(NotAllowed):
        teams.team_update(team=c.team, by=c.w.stranger, active=False)
    with pytest.raises(NotAllowed):
        teams.team_add_leader(team=c.team, person=c.volunteer, by=c.leader)
    teams.team_update(team=c.team, by=c.w.dispatcher, name="新名字", monthly_minimum=3)
    c.team.refresh_from_db()
    assert (c.team.organisation.name, c.team.monthly_minimum) == ("新名字", 3)
    with pytest.raises(Invalid):
        teams.team_update(team=c.team, by=c.w.dispatcher, monthly_minimum=99)


def test_leaders_and_staff_add_and_remove_members_of_the_place_only():
    c = vf.crew()
    teams.team_add_member(team=c.team, person=c.member, by=c.leader)
    assert c.member.pk in members_of(c.team)
    with pytest.raises(Conflict):
        teams.team_add_member(team=c.team, person=c.member, by=c.leader)
    # A member who does not lead may not; a party member of another community may not join.
    with pytest.raises(NotAllowed):
        teams.team_remove_member(team=c.team, person=c.member, by=c.volunteer)
    with pytest.raises(Invalid):
        teams.team_add_member(team=c.team, person=c.other_member, by=c.w.dispatcher)
    stranger_staff = c.w.stranger
    with pytest.raises(NotAllowed):
        teams.team_add_member(team=c.team, person=c.member, by=stranger_staff)
    # Someone with no role at all (a guessed id) may not be added either.
    nobody = nf.person("路人")
    with pytest.raises(Invalid):
        teams.team_add_member(team=c.team, person=nobody, by=c.leader)
    teams.team_remove_member(team=c.team, person=c.member, by=c.w.dispatcher)
    assert c.member.pk not in members_of(c.team)
    with pytest.raises(Conflict):
        teams.team_remove_member(team=c.team, person=c.leader, by=c.w.dispatcher)  # a leader


def test_naming_and_unnaming_a_leader():
    c = vf.crew()
    teams.team_add_leader(team=c.team, person=c.member, by=c.w.dispatcher)
    assert set(c.team.leaders.values_list("pk", flat=True)) == {c.leader.pk, c.member.pk}
    assert c.member.pk in members_of(c.team)
    teams.team_remove_leader(team=c.team, person=c.member, by=c.w.dispatcher)
    assert c.member.pk in members_of(c.team)  # still a member
    teams.team_remove_member(team=c.team, person=c.member, by=c.leader)


def test_team_pages_by_who_asks(client: Client):
    c = vf.crew()
    url = f"/console/serve/teams/{c.team.pk}/"
    client.force_login(c.w.stranger)
    assert client.get(url).status_code == 404
    assert c.team.organisation.name not in client.get("/console/serve/teams/").content.decode()
    assert client.post(f"{url}edit/", {"name": "x"}).status_code == 404
    client.force_login(c.w.leader)  # the banner's leader reads
    assert client.get(url).status_code == 200
    assert client.get("/console/serve/teams/new/").status_code == 404
    assert client.post(f"{url}edit/", {"name": "x"}).status_code == 403
    assert client.post(f"{url}members/add/", {"person": c.member.pk}).status_code == 403
    client.force_login(c.leader)  # the team's leader: members yes, settings no
    page = client.get(url)
    assert page.status_code == 200 and c.member.name in page.content.decode()  # a candidate
    assert client.post(f"{url}edit/", {"name": "x"}).status_code == 403
    added = client.post(f"{url}members/add/", {"person": c.member.pk, "title": "队员"})
    assert added.status_code == 302 and c.member.pk in members_of(c.team)
    removed = client.post(f"{url}members/{c.member.pk}/remove/")
    assert removed.status_code == 302 and c.member.pk not in members_of(c.team)
    refused = client.post(f"{url}members/add/", {"person": c.other_member.pk})
    assert refused.status_code == 400 and c.other_member.pk not in members_of(c.team)
    client.force_login(c.w.dispatcher)
    form = {
        "name": "帮帮团",
        "kind": TeamKind.VOLUNTEER,
        "theme": Theme.NEIGHBOURS,
        "monthly_minimum": 2,
    }
    assert client.post(f"{url}edit/", form).status_code == 302
    c.team.refresh_from_db()
    assert (c.team.monthly_minimum, c.team.active) == (2, False)  # unticked: inactive
    assert client.get("/console/serve/teams/new/").status_code == 200
    new = client.post("/console/serve/teams/new/", {**form, "node": c.w.t["comm1"].pk})

    assert new.status_code == 302
    outside = client.post("/console/serve/teams/new/", {**form, "node": c.w.t["comm2"].pk})
    assert outside.status_code == 400
    assert Team.objects.filter(organisation__node=c.w.t["comm2"]).count() == 0
    listing = client.get("/console/serve/teams/").content.decode()
    assert "帮帮团" in listing


def test_a_need_dispatched_to_a_team_is_taken_and_resolved_by_a_member():
    c = vf.crew()
    need = needf.raise_need(c.w)  # in gridA, held by comm1
    needf.follow_up()
    offered = targets.dispatch_targets(need)
    key = f"unit:{c.team.organisation_id}"
    assert key in offered.units
    by_staff = workflow.By(person=c.w.dispatcher)
    workflow.need_dispatch(need=need, by=by_staff, to=c.team.organisation)
    need.refresh_from_db()
    assert need.assignee_org_id == c.team.organisation_id
    # Someone outside the team may not take it.
    with pytest.raises(NotAllowed):
        workflow.need_take(need=need, by=workflow.By(person=c.member))
    taken = workflow.need_take(need=need, by=workflow.By(person=c.volunteer))
    assert taken.state == State.TAKEN and taken.assignee_id == c.volunteer.pk
    resolved = workflow.need_resolve(need=taken, by=workflow.By(person=c.volunteer))
    assert resolved.state == State.RESOLVED


def test_an_inactive_team_or_another_areas_team_is_no_dispatch_target():
    c = vf.crew()
    far = teams.team_create(
        node=c.w.t["comm2"],
        name="二社区队",
        kind=TeamKind.VOLUNTEER,
        theme=Theme.VISITS,
        by=c.w.stranger,
    )
    need = needf.raise_need(c.w)
    assert f"unit:{far.organisation_id}" not in targets.dispatch_targets(need).units
    assert not targets.may_dispatch_to(need, far.organisation)
    assert f"unit:{c.team.organisation_id}" in targets.offered_targets(need).units
    teams.team_update(team=c.team, by=c.w.dispatcher, active=False)
    assert not targets.may_dispatch_to(need, c.team.organisation)
    # The dispatch form's choices are kept a moment per process, and forgotten at once here.
    assert f"unit:{c.team.organisation_id}" not in targets.offered_targets(need).units


def test_a_team_member_with_no_staff_role_sees_their_team_only():
    c = vf.crew()
    other = teams.team_create(
        node=c.w.t["comm2"], name="别队", kind=TeamKind.PARTY, theme=Theme.POLICY, by=c.w.stranger
    )
    seen = set(teams.visible_teams(c.volunteer).values_list("pk", flat=True))
    assert seen == {c.team.pk}
    assert other.pk not in set(teams.visible_teams(c.w.dispatcher).values_list("pk", flat=True))


def test_a_batch_of_needs_may_be_dispatched_to_a_team_of_the_area():
    """The bulk dispatch offers the area's active teams, as a single need's dispatch does."""
    from civicgrid.needs.forms_console import bulk_targets

    c = vf.crew()
    key = f"unit:{c.team.organisation_id}"
    assert key in bulk_targets(c.w.dispatcher).units
    assert key not in bulk_targets(c.w.stranger).units  # another community's staff
    Team.objects.filter(pk=c.team.pk).update(active=False)
    assert key not in bulk_targets(c.w.dispatcher).units
