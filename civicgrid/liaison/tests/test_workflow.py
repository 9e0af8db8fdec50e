"""The transition table, action × state × actor kind written out by hand, and the commands."""

from __future__ import annotations

import pytest

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.liaison import events, workflow
from civicgrid.liaison.models import Message, MessageEvent, MessageState
from civicgrid.liaison.tests import factories as lf
from civicgrid.liaison.workflow import Action, Actor

pytestmark = pytest.mark.django_db

S = MessageState
# state → actor kind → the actions allowed, written out by hand.
EXPECTED: dict[str, dict[str, set[str]]] = {
    S.RECEIVED: {
        "resident": {"withdraw"},
        "representative": {"answer", "refer"},
        "station": {"answer", "refer"},
        "place": {"reassign"},
        "system": set(),
    },
    S.ANSWERED: {
        "resident": {"close"},
        "representative": {"refer"},
        "station": {"refer"},
        "place": set(),
        "system": {"close"},
    },
    S.REFERRED: {
        "resident": set(),
        "representative": set(),
        "station": set(),
        "place": set(),
        "system": {"resolve"},
    },
    S.CLOSED: {k: set() for k in ("resident", "representative", "station", "place", "system")},
    S.WITHDRAWN: {k: set() for k in ("resident", "representative", "station", "place", "system")},
}


@pytest.mark.parametrize("state", list(EXPECTED))
@pytest.mark.parametrize("kind", [a.value for a in Actor])
def test_the_transition_table(state, kind):
    message = Message(state=state)
    assert {a.value for a in workflow.allowed_actions(kind, message)} == EXPECTED[state][kind]


def test_every_action_is_in_the_table_and_send_makes_the_message():
    assert set(workflow.TRANSITIONS) == set(Action)
    assert workflow.TRANSITIONS[Action.SEND].sources == frozenset()


def test_who_is_which_actor():
    lw = lf.liaison_world()
    to_rep = lf.message(lw)
    to_station = lf.message(lw, to_station=True)
    assert workflow.actor_kinds(to_rep, lw.rep_person) == {Actor.REPRESENTATIVE}
    # The representative's station's staff answer for them too.
    assert workflow.actor_kinds(to_rep, lw.station_staff) == {Actor.STATION}
    assert workflow.actor_kinds(to_station, lw.station_staff) == {Actor.STATION}
    assert workflow.actor_kinds(to_station, lw.rep_person) == set()
    assert workflow.actor_kinds(to_rep, lw.w.dispatcher) == {Actor.PLACE}
    assert workflow.actor_kinds(to_rep, lw.w.town_staff) == {Actor.PLACE}
    for nobody in (lw.w.stranger, lw.w.leader, lw.other_person, lw.w.grid_worker):
        assert workflow.actor_kinds(to_rep, nobody) == set()


def test_answer_then_the_resident_closes():
    lw = lf.liaison_world()
    m = lf.message(lw)
    assert m.state == S.RECEIVED and m.node == lw.w.t["comm1"]
    workflow.message_answer(by=lw.rep_person, message=m, answer="已联系物业，本周修好", now=lf.NOW)
    m.refresh_from_db()
    assert (m.state, m.answered_by, m.answered_at) == (S.ANSWERED, lw.rep_person, lf.NOW)
    workflow.message_close(message=m, now=lf.NOW)
    m.refresh_from_db()
    assert m.state == S.CLOSED
    assert [e.action for e in events.timeline(m)] == ["send", "answer", "close"]
    assert [e.actor_kind for e in events.timeline(m)] == ["resident", "representative", "resident"]


def test_refusals_change_nothing():
    lw = lf.liaison_world()
    m = lf.message(lw)
    with pytest.raises(NotAllowed) as stranger:
        workflow.message_answer(by=lw.w.stranger, message=m, answer="x")
    assert stranger.value.code == "not_allowed"
    with pytest.raises(NotAllowed):
        workflow.message_answer(by=lw.w.leader, message=m, answer="x")
    with pytest.raises(NotAllowed):
        workflow.message_answer(by=lw.other_person, message=m, answer="x")
    # Staff of the place reassign, they do not answer in someone's name.
    with pytest.raises(NotAllowed):
        workflow.message_answer(by=lw.w.dispatcher, message=m, answer="x")
    with pytest.raises(Invalid) as empty:
        workflow.message_answer(by=lw.rep_person, message=m, answer="  ")
    assert empty.value.code == "answer_required"
    with pytest.raises(Conflict) as closed:
        workflow.message_close(message=m)
    assert closed.value.code == "wrong_state"
    m.refresh_from_db()
    assert m.state == S.RECEIVED
    assert MessageEvent.objects.filter(message=m).count() == 1


def test_withdraw_and_reassign():
    lw = lf.liaison_world()
    m = lf.message(lw)
    moved = workflow.message_reassign(by=lw.w.dispatcher, message=m, station=lw.station)
    assert (moved.representative_id, moved.station_id, moved.state) == (
        None,
        lw.station.pk,
        S.RECEIVED,
    )
    with pytest.raises(NotAllowed):
        workflow.message_reassign(by=lw.rep_person, message=m, representative=lw.rep)
    workflow.message_withdraw(message=m)
    m.refresh_from_db()
    assert m.state == S.WITHDRAWN


def test_send_refusals():
    lw = lf.liaison_world()
    with pytest.raises(Invalid) as both:
        lf.message(lw, station=lw.station)
    assert both.value.code == "one_addressee"
    with pytest.raises(Invalid) as bad_phone:
        lf.message(lw, phone="12345")
    assert bad_phone.value.code == "phone_invalid"
    with pytest.raises(Invalid) as kind:
        lf.message(lw, kind="rant")
    assert kind.value.code == "bad_kind"
    lw.rep.active = False
    lw.rep.save()
    with pytest.raises(Invalid) as gone:
        lf.message(lw)
    assert gone.value.code == "not_serving"
    assert not Message.objects.exists()


def test_a_phone_is_optional_and_the_answerers_are_notified():
    from civicgrid.core.models import Notification

    lw = lf.liaison_world()
    m = lf.message(lw, phone="", name="")
    assert m.phone == ""
    told = set(
        Notification.objects.filter(kind=workflow.NOTICE_NEW).values_list("recipient_id", flat=True)
    )
    assert told == {lw.rep_person.pk, lw.station_staff.pk}
