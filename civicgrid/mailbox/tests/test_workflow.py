"""The proposals' transition table, by hand: every action × state × actor kind; then each
command with real people (town staff, a community's staff, a leader, a stranger)."""

from __future__ import annotations

import pytest

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.mailbox import events, workflow
from civicgrid.mailbox.models import MailboxEvent, Proposal, ProposalState, ProposerNotice
from civicgrid.mailbox.tests import factories as f
from civicgrid.mailbox.workflow import Action, Actor

pytestmark = pytest.mark.django_db

S = ProposalState
A = Action
# (action, state) → the actor kinds that may; every other pair: nobody. Written by hand.
EXPECTED: dict[tuple[Action, str], set[Actor]] = {
    (A.PUBLISH, S.SUBMITTED): {Actor.STAFF},
    (A.DECLINE, S.SUBMITTED): {Actor.STAFF},
    (A.MERGE, S.SUBMITTED): {Actor.STAFF},
    (A.SELECT, S.PUBLISHED): {Actor.STAFF},
    (A.NOT_SELECT, S.PUBLISHED): {Actor.STAFF, Actor.SYSTEM},
}


def test_the_table_action_by_state_by_actor() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    for state in S.values:
        p.state = state
        for kind in Actor:
            allowed = set(workflow.allowed_actions(kind.value, p))
            for action in Action:
                if action == A.SUBMIT:
                    continue
                expected = kind in EXPECTED.get((action, state), set())
                assert (action in allowed) is expected, (action, state, kind)


def test_submit_is_by_residents_and_staff_only() -> None:
    assert workflow.TRANSITIONS[A.SUBMIT].actors == {Actor.RESIDENT, Actor.STAFF}
    assert workflow.TRANSITIONS[A.SUBMIT].sources == frozenset()


def test_actor_kinds_of_people() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    w = mw.w
    assert workflow.actor_kinds(p, w.town_staff) == {Actor.STAFF}
    assert workflow.actor_kinds(p, w.dispatcher) == set()  # comm1's staff do not serve the town
    assert workflow.actor_kinds(p, w.leader) == set()
    assert workflow.actor_kinds(p, w.stranger) == set()
    assert workflow.actor_kinds(p, workflow.RESIDENT) == {Actor.RESIDENT}


def test_publish_appends_an_event_and_tells_the_proposer() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    workflow.proposal_publish(by=mw.w.town_staff, proposal=p)
    p.refresh_from_db()
    assert p.state == S.PUBLISHED and p.published_at is not None
    actions = list(events.timeline(p).values_list("action", "seq", "actor_kind"))
    assert actions == [("submit", 1, "resident"), ("publish", 2, "staff")]
    assert list(ProposerNotice.objects.values_list("action", flat=True)) == ["publish"]


@pytest.mark.parametrize("who", ["leader", "stranger", "dispatcher"])
def test_others_may_not_screen(who: str) -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    with pytest.raises(NotAllowed) as refused:
        workflow.proposal_publish(by=getattr(mw.w, who), proposal=p)
    assert refused.value.code == "not_allowed"
    p.refresh_from_db()
    assert p.state == S.SUBMITTED
    assert MailboxEvent.objects.filter(action="publish").count() == 0


def test_decline_needs_a_reason() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    with pytest.raises(Invalid) as refused:
        workflow.proposal_decline(by=mw.w.town_staff, proposal=p, reason=" ")
    assert refused.value.code == "reason_required"
    workflow.proposal_decline(by=mw.w.town_staff, proposal=p, reason="不属于街道职责")
    p.refresh_from_db()
    assert (p.state, p.reason) == (S.DECLINED, "不属于街道职责")
    with pytest.raises(Conflict) as again:
        workflow.proposal_publish(by=mw.w.town_staff, proposal=p)
    assert again.value.code == "wrong_state"


def test_merge() -> None:
    mw = f.mworld()
    a, b = f.proposal(mw), f.proposal(mw, title="路灯")
    with pytest.raises(Invalid) as itself:
        workflow.proposal_merge(by=mw.w.town_staff, proposal=b, into=b)
    assert itself.value.code == "merge_self"
    declined = f.proposal(mw, state=S.DECLINED)
    with pytest.raises(Conflict) as target:
        workflow.proposal_merge(by=mw.w.town_staff, proposal=b, into=declined)
    assert target.value.code == "merge_target"
    workflow.proposal_merge(by=mw.w.town_staff, proposal=b, into=a)
    b.refresh_from_db()
    assert (b.state, b.merged_into_id) == (S.MERGED, a.pk)
    event = events.timeline(b).last()
    assert event is not None and events.read(event).into_id == a.pk  # type: ignore[attr-defined]


def test_submit_checks_the_fields_and_the_call() -> None:
    mw = f.mworld()
    for field, code in (("title", "title_required"), ("body", "body_required")):
        with pytest.raises(Invalid) as refused:
            f.proposal(mw, **{field: ""})
        assert refused.value.code == code
    with pytest.raises(Invalid) as outside:
        f.proposal(mw, node=mw.w.t["comm2"])
    assert outside.value.code == "outside_town"
    with pytest.raises(Invalid) as cost:
        f.proposal(mw, estimated_cost="很多")
    assert cost.value.code == "cost_invalid"
    with pytest.raises(Invalid) as phone:
        f.proposal(mw, proposer_phone="123")
    assert phone.value.code == "phone_invalid"
    with pytest.raises(NotAllowed):
        f.proposal(mw, by=mw.w.leader)
    f.close_call(mw)
    with pytest.raises(Conflict) as closed:
        f.proposal(mw)
    assert closed.value.code == "call_closed"
    assert Proposal.objects.count() == 0


def test_staff_may_submit_on_someones_behalf() -> None:
    mw = f.mworld()
    p = f.proposal(mw, by=mw.w.town_staff, proposer_phone="", node=mw.w.t["town1"])
    assert p.state == S.SUBMITTED
    assert events.timeline(p).get().actor_kind == "staff"


def test_events_are_append_only() -> None:
    mw = f.mworld()
    p = f.proposal(mw)
    with pytest.raises(TypeError):
        MailboxEvent.objects.filter(subject_id=p.pk).update(note="x")
    with pytest.raises(TypeError):
        events.timeline(p).get().delete()


def test_subscribers_hear_the_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    from civicgrid.core import timelines

    monkeypatch.setattr(events, "_subscribers", timelines.Subscribers())
    mw = f.mworld()
    p = f.proposal(mw)
    heard: list[str] = []
    events.subscribe("proposal.publish", lambda h: heard.append(h.kind))
    workflow.proposal_publish(by=mw.w.town_staff, proposal=p)
    assert heard == ["proposal.publish"]
