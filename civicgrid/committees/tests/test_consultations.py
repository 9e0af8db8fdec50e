"""Consultations on hard needs: opened by the need's escalation, moved by the committee's
commands (table-driven over who acts), ended with the need; what the resident reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.committees import consultations, work
from civicgrid.committees.models import Consultation, ConsultationState, Contribution
from civicgrid.committees.tests.factories import Board, board, escalated_need
from civicgrid.core.errors import Conflict, NotAllowed
from civicgrid.needs import workflow
from civicgrid.needs.models import State
from civicgrid.needs.tracking import tracking_url
from civicgrid.needs.workflow import By

pytestmark = pytest.mark.django_db


def _spec(b: Board, *, resolves: bool = True) -> consultations.TaskSpec:
    return consultations.TaskSpec(
        unit=b.army,
        title="出动机械修路",
        due=timezone.now() + timedelta(days=10),
        resolves_need=resolves,
    )


def test_an_escalation_to_the_committee_opens_one_consultation():
    b = board()
    need = escalated_need(b)
    opened = Consultation.objects.get(need=need)
    assert (opened.state, opened.committee_id) == (ConsultationState.OPEN, b.committee.pk)
    # Escalated again to the same committee while it consults: still one.
    workflow.need_escalate(need=need, by=By(person=b.secretary), reason="再议", to=b.committee)
    assert Consultation.objects.filter(need=need).count() == 1


def test_an_escalation_one_level_up_opens_nothing():
    from civicgrid.needs.tests import factories as needf

    b = board()
    need = needf.raise_need(b.w)
    needf.follow_up()
    workflow.need_escalate(need=need, by=By(person=b.w.dispatcher), reason="上报")
    assert not Consultation.objects.exists()


# command: who may (staff: the committee's; unit: a person of a member unit; others refused)
COMMANDS = ["arrange", "contribute", "decide", "return"]
PEOPLE = ["secretary", "army_contact", "outsider", "leader", "dispatcher"]
ALLOWED = {
    "arrange": {"secretary"},
    "contribute": {"secretary", "army_contact"},
    "decide": {"secretary"},
    "return": {"secretary"},
}


def _run(command: str, consultation: Consultation, b: Board, who):
    by = By(person=who)
    if command == "arrange":
        return consultations.consultation_arrange(
            consultation=consultation, by=by, units=[b.army, b.police], held_on=timezone.localdate()
        )
    if command == "contribute":
        return consultations.consultation_contribute(
            consultation=consultation, by=by, unit=b.army, text="可出动两台机械"
        )
    if command == "decide":
        return consultations.consultation_decide(
            consultation=consultation,
            by=by,
            text="部队修路",
            tasks=[_spec(b)],
            outcome="部队负责修路",
        )
    return consultations.consultation_return(consultation=consultation, by=by, outcome="社区协调")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("persona", PEOPLE)
def test_who_may_move_a_consultation(command, persona):
    b = board()
    need = escalated_need(b)
    consultation = Consultation.objects.get(need=need)
    who = {"leader": b.w.leader, "dispatcher": b.w.dispatcher}.get(persona) or getattr(b, persona)
    if persona in ALLOWED[command]:
        _run(command, consultation, b, who)
    else:
        with pytest.raises(NotAllowed):
            _run(command, consultation, b, who)
        consultation.refresh_from_db()
        assert consultation.state == ConsultationState.OPEN
        assert not consultation.decisions.exists() and not Contribution.objects.exists()


def test_a_unit_speaks_only_for_itself():
    b = board()
    consultation = Consultation.objects.get(need=escalated_need(b))
    with pytest.raises(NotAllowed):
        consultations.consultation_contribute(
            consultation=consultation, by=By(person=b.police_contact), unit=b.army, text="冒充"
        )


# how the need ends → the consultation's end
@pytest.mark.parametrize(
    ("ending", "expected"),
    [
        ("resolved", ConsultationState.RESOLVED),
        ("returned", ConsultationState.RETURNED),
        ("withdrawn", ConsultationState.CLOSED),
        ("escalated_up", ConsultationState.CLOSED),
    ],
)
def test_the_consultation_ends_with_its_need(ending, expected):
    b = board()
    need = escalated_need(b)
    consultation = Consultation.objects.get(need=need)
    sec = By(person=b.secretary)
    if ending == "resolved":
        decision = consultations.consultation_decide(
            consultation=consultation,
            by=sec,
            text="修路",
            tasks=[_spec(b)],
            outcome="已协调部队修路",
        )
        task = decision.tasks.get()
        work.task_accept(task=task, by=By(person=b.army_contact))
        work.task_done(task=task, by=By(person=b.army_contact), result="修通")
        work.task_verify(task=task, by=sec)
    elif ending == "returned":
        consultations.consultation_return(consultation=consultation, by=sec, outcome="由社区协调")
    elif ending == "withdrawn":
        workflow.need_withdraw(need=need, by=workflow.RESIDENT)
    else:
        workflow.need_escalate(need=need, by=sec, reason="报旗里")
    consultation.refresh_from_db()
    assert consultation.state == expected
    assert consultation.closed_at is not None
    with pytest.raises(Conflict):
        consultations.consultation_decide(
            consultation=consultation, by=sec, text="再决定", tasks=[_spec(b, resolves=False)]
        )


def test_the_resident_reads_consulting_then_the_outcome(client):
    b = board()
    need = escalated_need(b)
    page = client.get(tracking_url(need.number)).content.decode()
    assert "联合党委会商中" in page
    assert "需要联合党委会商" not in page  # the staff's reason for escalating stays theirs
    consultation = Consultation.objects.get(need=need)
    decision = consultations.consultation_decide(
        consultation=consultation,
        by=By(person=b.secretary),
        text="内部讨论：部队出机械",
        tasks=[_spec(b)],
        outcome="联合党委会商决定由驻地部队修通道路。",
    )
    task = decision.tasks.get()
    work.task_accept(task=task, by=By(person=b.army_contact))
    work.task_done(task=task, by=By(person=b.army_contact), result="内部记录")
    work.task_verify(task=task, by=By(person=b.secretary))
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    page = client.get(tracking_url(need.number)).content.decode()
    assert "联合党委会商中" not in page
    assert "联合党委会商决定由驻地部队修通道路。" in page
    assert "内部讨论" not in page and "内部记录" not in page


def test_a_returned_need_tells_the_resident_the_decision(client):
    b = board()
    need = escalated_need(b)
    consultations.consultation_return(
        consultation=Consultation.objects.get(need=need),
        by=By(person=b.secretary),
        outcome="会商决定：由嘎查协调解决，社区跟进。",
    )
    need.refresh_from_db()
    assert need.state == State.ACCEPTED and need.consultation_id is None
    page = client.get(tracking_url(need.number)).content.decode()
    assert "会商决定：由嘎查协调解决，社区跟进。" in page
    # The community dispatches it again as usual.
    assert workflow.may(need, By(person=b.w.dispatcher), workflow.Action.DISPATCH)
