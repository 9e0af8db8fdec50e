"""双报到: every action, from every state, by every kind of actor, as the product says; the move
of a home community; who may decide; races lost to the database's constraints."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.models import AccessChange, Membership, Organisation, OrgKind, Role
from civicgrid.network.models import RoleBinding as RB
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import registrations as regs
from civicgrid.volunteers.models import Registration, RegistrationState, VolunteerEvent
from civicgrid.volunteers.registrations import SYSTEM, Action, By
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages and headings asserted here are the English source strings."""
    with translation.override("en"):
        yield


NEW = "new"
STATES = [NEW, "requested", "approved", "rejected", "withdrawn", "ended"]
# action: (states it leaves from, actor kinds allowed: Member, Staff, sYstem; reason required)
EXPECTED = {
    "request": ([NEW], "MS", False),
    "approve": (["requested"], "S", False),
    "reject": (["requested"], "S", True),
    "withdraw": (["requested"], "M", False),
    "end": (["approved"], "MSY", True),
}
# persona: the actor kinds it is to a registration of `member` with comm1
PERSONAS = {
    "member": "M",  # the registration's own person
    "dispatcher": "S",  # community staff of comm1
    "town_staff": "S",  # community staff of the town above comm1
    "stranger": "",  # community staff of comm2
    "leader": "",  # a read-only leader of the banner
    "other_member": "",  # another party member
    "volunteer": "",  # a volunteer of comm1 (in the team, not staff)
    "system": "Y",
}


def by_of(c: vf.Crew, persona: str) -> By:
    if persona == "system":
        return SYSTEM
    people = {
        "member": c.member,
        "dispatcher": c.w.dispatcher,
        "town_staff": c.w.town_staff,
        "stranger": c.w.stranger,
        "leader": c.w.leader,
        "other_member": c.other_member,
        "volunteer": c.volunteer,
    }
    return By(person=people[persona])


def test_the_expected_table_covers_every_action_and_matches_the_module():
    assert set(EXPECTED) == {a.value for a in Action}
    letters = {"M": regs.Actor.MEMBER, "S": regs.Actor.STAFF, "Y": regs.Actor.SYSTEM}
    for action, (states, actors, reason) in EXPECTED.items():
        rule = regs.TRANSITIONS[Action(action)]
        sources = {regs.NEW if s == NEW else s for s in states}
        assert rule.sources == sources, action
        assert rule.actors == {letters[x] for x in actors}, action
        assert rule.reason_required == reason, action


class Undo(Exception):
    """Raised to roll a combination back, so that the next starts from the same crew."""


def registration_in(c: vf.Crew, state: str) -> Registration:
    return Registration.objects.create(
        person=c.member,
        community=c.w.t["comm1"],
        state=state,
        created_at=timezone.now(),
        decided_at=timezone.now() if state != "requested" else None,
    )


def run(c: vf.Crew, action: str, state: str, by: By) -> Any:
    params: dict[str, Any] = {"reason": "because"} if EXPECTED[action][2] else {}
    if action == "request":
        return regs.registration_request(person=c.member, community=c.w.t["comm1"], by=by)
    reg = registration_in(c, state)
    return regs.transition(reg, action, by, **params)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_every_action_from_every_state_by_every_actor(action: str):
    c = vf.crew()
    states, actors, _reason = EXPECTED[action]
    for state in STATES:
        if (action == "request") != (state == NEW):
            # "request" makes a new registration; the others act on an existing one. What a
            # saved registration offers never includes "request", nor a new one the others.
            if state != NEW:
                for persona in PERSONAS:
                    reg = Registration(person=c.member, community=c.w.t["comm1"], state=state)
                    reg.pk = 10**9
                    assert not regs.may(reg, by_of(c, persona), action), (action, state)
            continue
        for persona, kinds in PERSONAS.items():
            by = by_of(c, persona)
            allowed = state in states and bool(set(kinds) & set(actors))
            where = (action, state, persona)
            try:
                with transaction.atomic():
                    events_before = VolunteerEvent.objects.count()
                    if allowed:
                        done = run(c, action, state, by)
                        target = regs.TRANSITIONS[Action(action)].target
                        assert Registration.objects.get(pk=done.pk).state == target, where
                        event = VolunteerEvent.objects.filter(registration=done).last()
                        assert event is not None and event.action == action, where
                        assert event.to_state == target, where
                    else:
                        expected = Conflict if state not in states else NotAllowed
                        with pytest.raises(expected):
                            run(c, action, state, by)
                        stored = Registration.objects.filter(person=c.member)
                        assert [r.state for r in stored] == ([state] if state != NEW else []), where
                        assert VolunteerEvent.objects.count() == events_before, where
                    raise Undo
            except Undo:
                pass


def test_allowed_actions_follow_the_table_for_each_persona():
    c = vf.crew()
    reg = registration_in(c, "requested")
    assert regs.allowed_actions(reg, By(person=c.member)) == [Action.WITHDRAW]
    assert regs.allowed_actions(reg, By(person=c.w.dispatcher)) == [Action.APPROVE, Action.REJECT]
    assert regs.allowed_actions(reg, By(person=c.w.leader)) == []
    assert regs.allowed_actions(reg, By(person=c.w.stranger)) == []


def test_a_reason_is_required_to_reject_and_to_end():
    c = vf.crew()
    reg = registration_in(c, "requested")
    with pytest.raises(Invalid):
        regs.registration_reject(registration=reg, by=By(person=c.w.dispatcher), reason="  ")
    reg.refresh_from_db()
    assert reg.state == "requested"
    done = regs.registration_reject(
        registration=reg, by=By(person=c.w.dispatcher), reason="不在本社区"
    )
    assert done.reason == "不在本社区" and done.decided_by == c.w.dispatcher


# --- The move of a home community -----------------------------------------------------------


def test_approving_a_move_ends_the_old_home_and_moves_the_party_member_role():
    c = vf.crew()
    t = c.w.t
    first = regs.registration_request(person=c.member, community=t["comm1"], by=By(c.member))
    regs.registration_approve(registration=first, by=By(person=c.w.dispatcher))
    assert RB.objects.filter(person=c.member, role=Role.PARTY_MEMBER, node=t["comm1"]).exists()

    move = regs.registration_request(
        person=c.member, community=t["comm2"], by=By(c.member), skills="修水管"
    )
    # Registered at comm1 and waiting to move to comm2: both at once.
    assert set(Registration.objects.filter(person=c.member).values_list("state", flat=True)) == {
        "approved",
        "requested",
    }
    regs.registration_approve(registration=move, by=By(person=c.w.stranger))  # comm2's staff

    first.refresh_from_db()
    move.refresh_from_db()
    assert first.state == "ended" and first.ended_at is not None
    assert move.state == "approved" and move.decided_by == c.w.stranger
    end = VolunteerEvent.objects.filter(registration=first).last()
    assert end is not None and (end.action, end.note) == ("end", regs.MOVED)
    roles = RB.objects.filter(person=c.member, role=Role.PARTY_MEMBER)
    assert list(roles.values_list("node", flat=True)) == [t["comm2"].pk]
    log = list(AccessChange.objects.filter(person=c.member).values_list("what", flat=True))
    assert any("role unbound" in line and t["comm1"].name in line for line in log)
    assert any("role bound" in line and t["comm2"].name in line for line in log)
    assert regs.home_of(c.member) == move


def test_a_refused_approval_changes_nothing_of_the_old_home():
    c = vf.crew()
    t = c.w.t
    first = regs.registration_request(person=c.member, community=t["comm1"], by=By(c.member))
    regs.registration_approve(registration=first, by=By(person=c.w.dispatcher))
    move = regs.registration_request(person=c.member, community=t["comm2"], by=By(c.member))
    with pytest.raises(NotAllowed):
        regs.registration_approve(registration=move, by=By(person=c.w.dispatcher))  # comm1 staff
    first.refresh_from_db()
    assert first.state == "approved"
    assert RB.objects.filter(person=c.member, role=Role.PARTY_MEMBER, node=t["comm1"]).exists()


def test_ending_a_registration_takes_the_role_bound_there():
    c = vf.crew()
    reg = regs.registration_request(person=c.member, community=c.w.t["comm1"], by=By(c.member))
    regs.registration_approve(registration=reg, by=By(person=c.w.dispatcher))
    regs.registration_end(registration=reg, by=By(person=c.member), reason="搬走了")
    assert not RB.objects.filter(person=c.member, role=Role.PARTY_MEMBER).exists()


# --- Who may ask, for whom, where -----------------------------------------------------------


def test_a_member_may_not_ask_for_someone_else_and_staff_may_enter_it():
    c = vf.crew()
    comm1 = c.w.t["comm1"]
    with pytest.raises(NotAllowed):
        regs.registration_request(person=c.other_member, community=comm1, by=By(c.member))
    with pytest.raises(NotAllowed):  # comm2's staff for comm1
        regs.registration_request(person=c.member, community=comm1, by=By(c.w.stranger))
    done = regs.registration_request(person=c.member, community=comm1, by=By(c.w.dispatcher))
    assert done.state == "requested"


def test_only_a_community_may_be_asked_for():
    c = vf.crew()
    for place in ("town1", "gridA", "big1"):
        with pytest.raises(Invalid):
            regs.registration_request(person=c.member, community=c.w.t[place], by=By(c.member))
    assert not Registration.objects.exists()


def test_one_request_at_a_time_and_not_twice_for_the_home_community():
    c = vf.crew()
    t = c.w.t
    reg = regs.registration_request(person=c.member, community=t["comm1"], by=By(c.member))
    with pytest.raises(Conflict, match="withdraw it first"):
        regs.registration_request(person=c.member, community=t["comm2"], by=By(c.member))
    regs.registration_approve(registration=reg, by=By(c.w.dispatcher))
    with pytest.raises(Conflict, match="already registered"):
        regs.registration_request(person=c.member, community=t["comm1"], by=By(c.member))


def test_a_unit_registers_with_several_communities_one_live_each_its_contact_acts():
    c = vf.crew()
    t = c.w.t
    unit = c.w.unit
    contact = c.w.unit_member  # a Membership of the unit
    one = regs.registration_request(unit=unit, community=t["comm1"], by=By(contact))
    regs.registration_request(unit=unit, community=t["comm2"], by=By(contact))
    with pytest.raises(Conflict):
        regs.registration_request(unit=unit, community=t["comm1"], by=By(contact))
    with pytest.raises(NotAllowed):
        regs.registration_request(unit=unit, community=t["comm1"], by=By(c.member))
    team_org = c.team.organisation
    with pytest.raises(Invalid):
        regs.registration_request(unit=team_org, community=t["comm1"], by=By(c.w.dispatcher))
    regs.registration_withdraw(registration=one, by=By(contact))
    again = regs.registration_request(unit=unit, community=t["comm1"], by=By(contact))
    done = regs.registration_approve(registration=again, by=By(c.w.dispatcher))
    assert done.state == "approved"
    assert not RB.objects.filter(role=Role.PARTY_MEMBER, person=contact).exists()


@pytest.mark.parametrize("who", ["person", "unit"])
def test_a_race_lost_to_a_constraint_is_a_conflict_that_says_what_to_do(monkeypatch, who):
    """Two requests passing the friendly check at the same moment: the database's partial
    unique index refuses the second, which is a Conflict, never a 500."""
    c = vf.crew()
    monkeypatch.setattr(regs, "_live_conflict", lambda **kw: None)
    comm1 = c.w.t["comm1"]
    if who == "person":
        ask: dict[str, Any] = {"person": c.member, "by": By(c.member)}
    else:
        ask = {"unit": c.w.unit, "by": By(c.w.unit_member)}
    regs.registration_request(community=comm1, **ask)
    with pytest.raises(Conflict) as caught:
        regs.registration_request(community=comm1 if who == "unit" else c.w.t["comm2"], **ask)
    assert caught.value.code == "race"
    assert "already" in caught.value.message
    # The transaction is usable after the refusal (a savepoint took the error).
    assert Registration.objects.filter(state="requested").count() == 1


def test_approving_at_the_same_moment_as_another_approval_is_a_conflict(monkeypatch):
    """The old home found by the approval is gone (another approval won): the one-home index
    refuses the second approved row, a Conflict."""
    c = vf.crew()
    t = c.w.t
    Registration.objects.create(
        person=c.member, community=t["comm1"], state="approved", created_at=timezone.now()
    )
    move = Registration.objects.create(
        person=c.member, community=t["comm2"], state="requested", created_at=timezone.now()
    )
    # The lookup of the old home sees none (as if it were approved just after it looked).
    monkeypatch.setattr(regs, "_old_home", lambda locked: None)
    with pytest.raises(Conflict) as caught:
        regs.registration_approve(registration=move, by=By(c.w.stranger))
    assert caught.value.code == "race"


# --- Pages ----------------------------------------------------------------------------------


def test_staff_of_another_community_cannot_approve_and_a_leader_cannot_either(client: Client):
    c = vf.crew()
    reg = regs.registration_request(person=c.member, community=c.w.t["comm1"], by=By(c.member))
    url = f"/console/serve/registrations/{reg.pk}/approve/"
    client.force_login(c.w.stranger)
    assert client.post(url).status_code == 404
    assert client.get("/console/serve/registrations/").content.decode().count(c.member.name) == 0
    client.force_login(c.w.leader)
    assert client.post(url).status_code == 403
    assert (
        client.post(f"/console/serve/registrations/{reg.pk}/reject/", {"reason": "x"}).status_code
        == 403
    )
    page = client.get("/console/serve/registrations/").content.decode()
    assert c.member.name in page and f"/registrations/{reg.pk}/approve/" not in page
    reg.refresh_from_db()
    assert reg.state == "requested"
    with pytest.raises(NotAllowed):
        regs.registration_approve(registration=reg, by=By(c.w.leader))


def test_staff_approve_and_reject_from_the_console(client: Client):
    c = vf.crew()
    reg = regs.registration_request(person=c.member, community=c.w.t["comm1"], by=By(c.member))
    other = regs.registration_request(
        person=c.volunteer, community=c.w.t["comm1"], by=By(c.volunteer)
    )
    client.force_login(c.w.dispatcher)
    page = client.get("/console/serve/registrations/")
    assert page.status_code == 200 and c.member.name in page.content.decode()
    row = client.post(
        f"/console/serve/registrations/{reg.pk}/approve/", headers={"HX-Request": "true"}
    )
    assert row.status_code == 200 and f'id="reg-{reg.pk}"' in row.content.decode()
    reg.refresh_from_db()
    assert reg.state == "approved"
    again = client.post(
        f"/console/serve/registrations/{reg.pk}/approve/", headers={"HX-Request": "true"}
    )
    assert again.status_code == 409
    bad = client.post(f"/console/serve/registrations/{other.pk}/reject/", {"reason": ""})
    assert bad.status_code in (302, 400)
    other.refresh_from_db()
    assert other.state == "requested"
    done = client.post(f"/console/serve/registrations/{other.pk}/reject/", {"reason": "重复"})
    assert done.status_code == 302
    other.refresh_from_db()
    assert (other.state, other.reason) == ("rejected", "重复")
    history = client.get(f"/console/serve/people/{c.member.pk}/registrations/")
    assert history.status_code == 200 and c.w.t["comm1"].name in history.content.decode()
    client.force_login(c.w.stranger)
    assert client.get(f"/console/serve/people/{c.member.pk}/registrations/").status_code == 404


def test_the_member_page_asks_finds_withdraws(client: Client):
    c = vf.crew()
    anonymous = client.get("/serve/register/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/console/login/?next=/serve/register/")
    newcomer = nf.person("新党员")  # no role yet
    client.force_login(newcomer)
    page = client.get("/serve/register/")
    assert page.status_code == 200
    assert c.w.t["comm2"].name not in page.content.decode()  # nothing listed before a search
    found = client.get("/serve/register/", {"q": "二社"}, headers={"HX-Request": "true"})
    assert c.w.t["comm2"].name in found.content.decode()
    assert c.w.t["comm1"].name not in found.content.decode()
    grid = client.post("/serve/register/", {"community": c.w.t["gridA"].pk})
    assert grid.status_code == 400
    sent = client.post("/serve/register/", {"community": c.w.t["comm2"].pk, "skills": "理发"})
    assert sent.status_code == 302
    reg = Registration.objects.get(person=newcomer)
    assert (reg.state, reg.skills, reg.community) == ("requested", "理发", c.w.t["comm2"])
    twice = client.post("/serve/register/", {"community": c.w.t["comm1"].pk})
    assert twice.status_code == 409
    assert client.post("/serve/register/withdraw/").status_code == 302
    reg.refresh_from_db()
    assert reg.state == RegistrationState.WITHDRAWN
    assert client.post("/serve/register/withdraw/").status_code == 404
    history = client.get("/serve/register/").content.decode()
    assert c.w.t["comm2"].name in history


def test_a_contact_of_a_unit_is_a_member_actor_only_of_their_unit():
    c = vf.crew()
    other_unit = Organisation.objects.create(
        name="另一单位", kind=OrgKind.MEMBER_UNIT, node=c.w.t["town1"]
    )
    Membership.objects.create(organisation=other_unit, person=c.volunteer)
    reg = regs.registration_request(unit=c.w.unit, community=c.w.t["comm1"], by=By(c.w.unit_member))
    with pytest.raises(NotAllowed):
        regs.registration_withdraw(registration=reg, by=By(c.volunteer))
