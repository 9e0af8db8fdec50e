"""The path the issue's journey takes, at the service level: an escalated need opens a
consultation; its decision gives the army unit a task; the unit accepts (taking the need) and
does it; the committee verifies, which resolves the need; the resident confirms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.committees import consultations, work
from civicgrid.committees.models import Consultation, ConsultationState, TaskState
from civicgrid.committees.tests.factories import board, escalated_need
from civicgrid.needs import workflow
from civicgrid.needs.models import State
from civicgrid.needs.workflow import By

pytestmark = pytest.mark.django_db


def test_a_consultation_decides_and_its_task_resolves_the_need():
    b = board()
    need = escalated_need(b)
    consultation = Consultation.objects.get(need=need)
    assert consultation.state == ConsultationState.OPEN
    decision = consultations.consultation_decide(
        consultation=consultation,
        by=By(person=b.secretary),
        text="部队出机械修路",
        outcome="联合党委会商决定：驻地部队出动机械修通道路。",
        tasks=[
            consultations.TaskSpec(
                unit=b.army,
                title="出动机械修通乃林郭勒道路",
                due=timezone.now() + timedelta(days=10),
                resolves_need=True,
            )
        ],
    )
    task = decision.tasks.get()
    need.refresh_from_db()
    assert need.state == State.DISPATCHED and need.assignee_org_id == b.army.pk
    work.task_accept(task=task, by=By(person=b.army_contact))
    need.refresh_from_db()
    assert need.state == State.TAKEN
    work.task_done(task=task, by=By(person=b.army_contact), result="道路已修通")
    task = work.task_verify(task=task, by=By(person=b.secretary))
    assert task.state == TaskState.VERIFIED
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    consultation.refresh_from_db()
    assert consultation.state == ConsultationState.RESOLVED
    workflow.need_confirm(need=need, by=workflow.RESIDENT, rating="satisfied")


def test_returning_the_need_hands_it_to_the_community_with_the_decision():
    b = board()
    need = escalated_need(b)
    consultation = Consultation.objects.get(need=need)
    consultations.consultation_return(
        consultation=consultation, by=By(person=b.secretary), outcome="由社区协调解决"
    )
    need.refresh_from_db()
    consultation.refresh_from_db()
    assert need.state == State.ACCEPTED and need.consultation_id is None
    assert consultation.state == ConsultationState.RETURNED
