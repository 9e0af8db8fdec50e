"""Every transition, from every state, by every kind of actor: allowed or refused as the
product says (DESIGN.md section 3). The expected table is written out here by hand, apart from
workflow.TRANSITIONS, so that a change to either one shows."""

from __future__ import annotations

import pytest

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs import workflow
from civicgrid.needs.models import Need, NeedEvent, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By

pytestmark = pytest.mark.django_db

OPEN = ["submitted", "accepted", "dispatched", "taken", "in_progress", "escalated"]
# action: (states it leaves from, actor kinds allowed, reason required)
EXPECTED = {
    "accept": (["submitted"], "DC", False),
    "reject": (["submitted", "accepted"], "DC", True),
    "dispatch": (["submitted", "accepted", "dispatched", "escalated"], "DCS", False),
    "take": (["submitted", "accepted", "dispatched"], "HG", False),
    "start": (["taken"], "H", False),
    "resolve": (["taken", "in_progress"], "HC", False),
    "return": (["dispatched", "taken", "in_progress", "escalated"], "HC", True),
    "escalate": (
        ["submitted", "accepted", "dispatched", "taken", "in_progress", "escalated"],
        "DCHS",
        True,
    ),
    "confirm": (["resolved"], "RDC", False),
    "reopen": (["resolved"], "RDC", True),
    "withdraw": (OPEN, "R", False),
    "merge": (["submitted", "accepted", "dispatched", "escalated"], "DC", False),
    "close_unrated": (["resolved"], "S", False),
    "restore": (["withdrawn"], "DC", True),
}
# persona: the actor kind it is (blank: none at all)
PERSONAS = {
    "dispatcher": "D",
    "town_staff": "D",
    "committee_member": "C",
    "handler": "H",
    "unit_member": "H",
    "grid_worker": "G",
    "other_grid_worker": "",
    "leader": "",
    "stranger": "",
    "resident": "R",
    "system": "S",
}


def test_the_expected_table_covers_every_action_of_the_workflow():
    assert set(EXPECTED) == {a.value for a in Action}
    for action, (states, _actors, reason) in EXPECTED.items():
        rule = workflow.TRANSITIONS[Action(action)]
        assert set(states) == set(rule.sources), action
        assert rule.reason_required == reason, action


def setup_need(w: nf.World, persona: str, state: str) -> tuple[Need, By]:
    need = nf.raise_need(w)
    assign: dict = {"state": state}
    if persona == "handler":
        assign["assignee"] = w.handler
    elif persona == "unit_member":
        assign["assignee_org"] = w.unit
    elif persona == "committee_member":
        assign["consultation"] = w.committee
    elif persona in ("dispatcher", "town_staff", "resident", "system", "leader", "stranger"):
        assign["assignee"] = w.handler  # a dispatched need has a handler; they are not it
    if state in ("resolved",):
        assign["resolved_at"] = need.created_at
    need = nf.force(need, **assign)
    if persona == "resident":
        return need, workflow.RESIDENT
    if persona == "system":
        return need, workflow.SYSTEM
    return need, By(person=getattr(w, persona))


CASES = [
    (action, state, persona)
    for action in EXPECTED
    for state in [s.value for s in State]
    for persona in PERSONAS
]


@pytest.mark.parametrize(("action", "state", "persona"), CASES)
def test_transition_is_allowed_exactly_as_the_table_says(action, state, persona):
    w = nf.world()
    need, by = setup_need(w, persona, state)
    states, actors, reason_required = EXPECTED[action]
    allowed = state in states and PERSONAS[persona] != "" and PERSONAS[persona] in actors
    params: dict = {}
    if action == "merge":
        params["into"] = nf.raise_need(w)
    if action == "escalate" and persona == "committee_member":
        params["to"] = w.committee
    events_before = NeedEvent.objects.filter(need=need).count()

    if not allowed:
        with pytest.raises((Conflict, NotAllowed)):
            workflow.transition(need, action, by, reason="理由", **params)
        fresh = Need.objects.get(pk=need.pk)
        assert fresh.state == state
        assert NeedEvent.objects.filter(need=need).count() == events_before
        return

    assert action in workflow.allowed_actions(Need.objects.get(pk=need.pk), by)
    if reason_required:
        with pytest.raises(Invalid):
            workflow.transition(need, action, by, reason="  ", **params)
    moved = workflow.transition(need, action, by, reason="理由", **params)
    rule = workflow.TRANSITIONS[Action(action)]
    assert moved.state == rule.target == Need.objects.get(pk=need.pk).state
    last = NeedEvent.objects.filter(need=need).order_by("-seq").first()
    assert (last.action, last.from_state, last.to_state) == (action, state, rule.target)
    assert last.seq == events_before + 1


def test_events_can_be_neither_edited_nor_deleted():
    w = nf.world()
    need = nf.raise_need(w)
    event = need.events.get()
    event.note = "changed"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        NeedEvent.objects.filter(need=need).update(note="x")
    with pytest.raises(TypeError):
        NeedEvent.objects.filter(need=need).delete()


def test_escalation_goes_to_the_parent_node_and_its_dispatchers_take_over():
    w = nf.world()
    need = nf.raise_need(w)
    assert need.owner_node == w.t["comm1"]
    workflow.transition(need, Action.ACCEPT, By(w.dispatcher))
    need = workflow.transition(need, Action.ESCALATE, By(w.dispatcher), reason="需要镇里协调")
    assert need.owner_node == w.t["town1"] and need.state == State.ESCALATED
    assert not workflow.may(
        need, By(Need.objects.get(pk=need.pk) and w.dispatcher), Action.DISPATCH
    )
    assert workflow.may(need, By(w.town_staff), Action.DISPATCH)
    assert w.town_staff.notifications.filter(kind="need_escalated").exists()


def test_escalation_to_a_consultation_of_the_joint_committee():
    w = nf.world()
    need = nf.raise_need(w)
    need = workflow.transition(
        need, Action.ESCALATE, By(w.dispatcher), reason="需要会商", to=w.committee
    )
    assert need.consultation == w.committee
    assert workflow.may(need, By(w.committee_member), Action.DISPATCH)
    assert not workflow.may(need, By(w.dispatcher), Action.DISPATCH)
    need = workflow.transition(need, Action.DISPATCH, By(w.committee_member), to=w.unit)
    assert workflow.may(need, By(w.unit_member), Action.TAKE)


def test_an_undirected_order_is_taken_by_any_grid_worker_of_that_grid_only():
    w = nf.world()
    need = workflow.transition(nf.raise_need(w), Action.DISPATCH, By(w.dispatcher))
    assert w.grid_worker.notifications.filter(kind="need_available").exists()
    assert not workflow.may(need, By(w.other_grid_worker), Action.TAKE)
    need = workflow.transition(need, Action.TAKE, By(w.grid_worker))
    assert need.assignee == w.grid_worker and need.state == State.TAKEN


def test_second_taker_is_told_who_has_it():
    w = nf.world()
    need = workflow.transition(nf.raise_need(w), Action.DISPATCH, By(w.dispatcher))
    second = nf.nf.person("A网格员二", roles=[("grid_worker", w.t["gridA"])])
    workflow.transition(need, Action.TAKE, By(w.grid_worker))
    with pytest.raises(Conflict) as exc:
        workflow.transition(need, Action.TAKE, By(second))
    assert exc.value.code == "already_taken"
    assert "A网格员" in exc.value.message


def test_merged_needs_point_at_the_need_they_joined_and_both_timelines_say_so():
    w = nf.world()
    first = nf.raise_need(w)
    dup = nf.raise_need(w, contact_phone="13800001111")
    dup = workflow.transition(dup, Action.MERGE, By(w.dispatcher), into=first)
    assert dup.state == State.MERGED and dup.merged_into == first
    assert first.events.filter(action=workflow.MERGED_IN).exists()
    with pytest.raises(Invalid):
        workflow.transition(nf.raise_need(w), Action.MERGE, By(w.dispatcher))


def test_dispatching_to_someone_outside_the_dispatch_targets_is_refused():
    w = nf.world()
    need = nf.raise_need(w)
    with pytest.raises(Invalid) as refused:
        workflow.need_dispatch(need=need, by=By(w.dispatcher), to=w.stranger)
    assert "target" in refused.value.details["fields"]
    assert Need.objects.get(pk=need.pk).state == State.SUBMITTED


def test_escalating_at_the_top_of_the_network_says_to_use_a_consultation():
    w = nf.world()
    need = nf.force(nf.raise_need(w), owner_node=w.t["league"])
    root_admin = nf.nf.person("盟管理员", roles=[("admin", w.t["league"])])
    with pytest.raises(Invalid) as exc:
        workflow.transition(need, Action.ESCALATE, By(root_admin), reason="x")
    assert exc.value.code == "no_parent"
