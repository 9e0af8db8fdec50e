"""The work list's state machine, table-driven: every action × state × who acts, against the
table written out by hand; then the moves' own rules, the need a task works, and the sweep."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.committees import work
from civicgrid.committees.models import CommitteeEvent, Task, TaskState
from civicgrid.committees.tests.factories import Board, board, escalated_need, task
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.needs.models import State
from civicgrid.needs.workflow import SYSTEM, By
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db

# action: (states it leaves from, who may: U the task's unit, C the committee's staff)
EXPECTED = {
    "accept": (["assigned"], "U"),
    "return": (["assigned", "accepted"], "U"),
    "done": (["accepted"], "U"),
    "verify": (["done"], "C"),
    "send_back": (["done"], "C"),
    "reassign": (["assigned", "accepted", "returned"], "C"),
    "cancel": (["assigned", "accepted", "returned"], "C"),
}
TARGET = {
    "accept": "accepted",
    "return": "returned",
    "done": "done",
    "verify": "verified",
    "send_back": "accepted",
    "reassign": "assigned",
    "cancel": "cancelled",
}
PERSONAS = {
    "U": "army_contact",  # the task's unit
    "C": "secretary",  # the committee's staff
    "other_unit": "police_contact",  # another unit of the same committee
    "outsider": "outsider",  # a unit of another committee
    "leader": None,  # a read-only leader over the banner
}


def test_the_table_is_the_one_written_here():
    assert {
        a.value: (sorted(r.sources), "".join(sorted(k.value[0].upper() for k in r.actors)))
        for a, r in work.TRANSITIONS.items()
    } == {a: (sorted(states), who) for a, (states, who) in EXPECTED.items()}
    assert {a.value: r.target for a, r in work.TRANSITIONS.items()} == TARGET


def _params(action: str, b: Board) -> dict:
    if action in ("return", "send_back", "cancel"):
        return {"reason": "人手不够"}
    if action == "done":
        return {"result": "已完成"}
    if action == "reassign":
        return {"unit": b.police, "due": timezone.now() + timedelta(days=3)}
    return {}


def _by(b: Board, persona: str) -> By:
    if persona == "leader":
        return By(person=b.w.leader)
    return By(person=getattr(b, PERSONAS[persona] or ""))


CASES = [
    (action, state, persona)
    for action in EXPECTED
    for state in [s.value for s in TaskState]
    for persona in PERSONAS
]


@pytest.mark.parametrize(("action", "state", "persona"), CASES)
def test_every_action_state_and_persona(action, state, persona):
    b = board()
    t = task(b)
    Task.objects.filter(pk=t.pk).update(state=state)
    t.refresh_from_db()
    sources, who = EXPECTED[action]
    allowed = state in sources and persona in who
    before_events = CommitteeEvent.objects.filter(task=t).count()
    if allowed:
        moved = work.transition(t, action, _by(b, persona), **_params(action, b))
        assert moved.state == TARGET[action]
        assert Task.objects.get(pk=t.pk).state == TARGET[action]
        last = CommitteeEvent.objects.filter(task=t).order_by("-seq").first()
        assert (last.action, last.from_state, last.to_state) == (action, state, TARGET[action])
    else:
        with pytest.raises((NotAllowed, Conflict)):
            work.transition(t, action, _by(b, persona), **_params(action, b))
        assert Task.objects.get(pk=t.pk).state == state
        assert CommitteeEvent.objects.filter(task=t).count() == before_events


def test_only_the_committee_staff_give_tasks_and_only_to_its_own_units():
    b = board()
    for who in (b.army_contact, b.outsider, b.w.leader, b.w.dispatcher):
        with pytest.raises(NotAllowed):
            work.task_create(
                committee=b.committee,
                by=By(person=who),
                title="x",
                unit=b.army,
                due=timezone.now() + timedelta(days=1),
            )
    with pytest.raises(Invalid) as refused:
        task(b, unit=b.outsider_unit)
    assert "unit" in refused.value.details["fields"]
    with pytest.raises(Invalid) as refused:
        task(b, owner=b.police_contact)  # not one of the army unit's people
    assert "owner" in refused.value.details["fields"]
    with pytest.raises(Invalid):
        task(b, days=-1)


def test_a_task_resolves_only_a_need_the_committee_is_consulting_on():
    b = board()
    from civicgrid.needs.tests import factories as needf

    plain = needf.raise_need(b.w)
    with pytest.raises(Invalid) as refused:
        task(b, need=plain, resolves_need=True)
    assert "resolves_need" in refused.value.details["fields"]
    linked = task(b, need=plain)  # linked, informational
    assert linked.need_id == plain.pk and not linked.resolves_need


def test_reasons_are_required_where_the_table_says():
    b = board()
    t = task(b)
    with pytest.raises(Invalid) as refused:
        work.task_return(task=t, by=By(person=b.army_contact), reason="  ")
    assert refused.value.code == "reason_required"
    work.task_accept(task=t, by=By(person=b.army_contact))
    with pytest.raises(Invalid):
        work.task_done(task=t, by=By(person=b.army_contact), result="")


def test_done_late_is_recorded_and_the_unit_and_committee_hear():
    b = board()
    t = task(b)
    assert Notification.objects.filter(recipient=b.army_contact, kind="task_assigned").exists()
    work.task_accept(task=t, by=By(person=b.army_contact))
    Task.objects.filter(pk=t.pk).update(due=timezone.now() - timedelta(hours=1))
    done = work.task_done(task=t, by=By(person=b.army_contact), result="修好了")
    assert done.done_on_time is False
    assert Notification.objects.filter(recipient=b.secretary, kind="task_done").exists()


def test_the_need_moves_with_its_task_and_a_send_back_keeps_it_open():
    b = board()
    need = escalated_need(b)
    t = task(b, need=need, resolves_need=True)
    need.refresh_from_db()
    assert need.state == State.DISPATCHED and need.assignee_org_id == b.army.pk
    work.task_accept(task=t, by=By(person=b.army_contact))
    work.task_done(task=t, by=By(person=b.army_contact), result="修了一半")
    work.task_send_back(task=t, by=By(person=b.secretary), reason="还没修通")
    need.refresh_from_db()
    assert need.state == State.TAKEN  # not resolved by a send-back
    work.task_done(task=t, by=By(person=b.army_contact), result="已修通")
    work.task_verify(task=t, by=By(person=b.secretary), public_reply="道路已修通，欢迎监督。")
    need.refresh_from_db()
    assert need.state == State.RESOLVED
    assert need.public_reply == "道路已修通，欢迎监督。"


def test_the_sweep_reminds_once_and_marks_overdue_once():
    b = board()
    soon = task(b, days=1)
    Task.objects.filter(pk=soon.pk).update(due=timezone.now() + timedelta(hours=5))
    late = task(b, title="已过期")
    Task.objects.filter(pk=late.pk).update(due=timezone.now() - timedelta(hours=1))
    now = timezone.now()
    assert work.sweep(now) == (1, 1)
    assert work.sweep(now) == (0, 0)
    assert Notification.objects.filter(kind="task_reminder").count() == 1
    assert Notification.objects.filter(kind="task_overdue", recipient=b.secretary).count() == 1
    late.refresh_from_db()
    assert late.overdue_at is not None
    # Done clears the overdue mark; a task done waits on the committee, never swept again.
    work.task_accept(task=late, by=By(person=b.army_contact))
    work.task_done(task=late, by=By(person=b.army_contact), result="补做完成")
    late.refresh_from_db()
    assert late.overdue_at is None
    # Three days on, only the task due soon is late; the done one is never marked.
    assert work.sweep(now + dt.timedelta(days=3)) == (0, 1)
    assert Task.objects.filter(overdue_at__isnull=False).get().pk == soon.pk


def test_the_system_moves_no_task_through_the_table():
    b = board()
    t = task(b)
    with pytest.raises(NotAllowed):
        work.task_accept(task=t, by=SYSTEM)


def test_a_person_of_another_committees_unit_is_not_the_unit_even_with_a_role():
    b = board()
    stranger = nf.person("冒名者", roles=[(Role.MEMBER_UNIT_CONTACT, b.w.t["town1"])])
    t = task(b)
    with pytest.raises(NotAllowed):
        work.task_accept(task=t, by=By(person=stranger))
