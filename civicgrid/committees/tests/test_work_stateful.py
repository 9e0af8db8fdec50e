"""Tasks under random people, actions and time: a hypothesis state machine gives tasks (some
that work an escalated need), and has random people try random moves at random moments.

After every step:
- each task's events are a valid path through `work.TRANSITIONS` (each event leaves from the
  state the one before reached), and its state is the last event's;
- a refused move changed nothing (state, events);
- a need worked by a task is resolved exactly when its task was verified;
- the committee's counts (`counts.figures`) equal a recount from the tasks' events.

Each example runs in a savepoint that is rolled back, so examples start from the same world.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from civicgrid.committees import counts, work
from civicgrid.committees.models import CommitteeEvent, Task, TaskState
from civicgrid.committees.tests.factories import Board, board, escalated_need
from civicgrid.core.errors import DomainError
from civicgrid.needs.models import Need, State
from civicgrid.needs.workflow import By

pytestmark = pytest.mark.django_db

PEOPLE = ("secretary", "army_contact", "police_contact", "outsider")
ACTIONS = [a.value for a in work.Action]
START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
YEAR = (timezone.make_aware(dt.datetime(2026, 1, 1)), timezone.make_aware(dt.datetime(2027, 1, 1)))


def params(action: str, b: Board, now: dt.datetime) -> dict[str, Any]:
    if action in ("return", "send_back", "cancel"):
        return {"reason": "理由"}
    if action == "done":
        return {"result": "做了"}
    if action == "reassign":
        return {"unit": b.police, "due": now + dt.timedelta(days=4)}
    return {}


class Tasks(RuleBasedStateMachine):
    def __init__(self, b: Board) -> None:
        super().__init__()
        self.b = b
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START
        self.tasks: list[int] = []
        self.steps: set[str] = set()
        # Two tasks to work from the first step: a plain one and one that works a need.
        self.give(5, False)
        self.give(9, True)

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    @rule(days=st.integers(min_value=1, max_value=12), with_need=st.booleans())
    def give(self, days: int, with_need: bool) -> None:
        with time_machine.travel(self.now, tick=False):
            need = escalated_need(self.b) if with_need else None
            created = work.task_create(
                committee=self.b.committee,
                by=By(person=self.b.secretary),
                title="任务",
                unit=self.b.army,
                due=self.now + dt.timedelta(days=days),
                need=need,
                resolves_need=with_need,
            )
        self.tasks.append(created.pk)
        self.steps.add("give")

    @rule(
        which=st.integers(min_value=0, max_value=20),
        who=st.sampled_from(PEOPLE),
        action=st.sampled_from(ACTIONS),
        hours=st.integers(min_value=0, max_value=200),
    )
    def act(self, which: int, who: str, action: str, hours: int) -> None:
        if not self.tasks:
            return
        self.now += dt.timedelta(hours=hours)
        task = Task.objects.get(pk=self.tasks[which % len(self.tasks)])
        before = (task.state, CommitteeEvent.objects.filter(task=task).count())
        person = getattr(self.b, who)
        with time_machine.travel(self.now, tick=False):
            try:
                with transaction.atomic():
                    work.transition(
                        task, action, By(person=person), **params(action, self.b, self.now)
                    )
            except DomainError:
                task.refresh_from_db()
                assert (task.state, CommitteeEvent.objects.filter(task=task).count()) == before
                return
        self.steps.add(action)

    @rule(
        which=st.integers(min_value=0, max_value=20),
        pick=st.integers(min_value=0, max_value=7),
        hours=st.integers(min_value=0, max_value=200),
    )
    def move(self, which: int, pick: int, hours: int) -> None:
        """One of the moves the table allows someone now (random moves rarely are)."""
        if not self.tasks:
            return
        task = Task.objects.get(pk=self.tasks[which % len(self.tasks)])
        allowed = [
            (who, action.value)
            for who in ("secretary", "army_contact", "police_contact")
            for action in work.allowed_actions(task, By(person=getattr(self.b, who)))
        ]
        if allowed:
            who, action = allowed[pick % len(allowed)]
            self.act(which, who, action, hours)

    @rule(which=st.integers(min_value=0, max_value=20), hours=st.integers(0, 100))
    def work_through(self, which: int, hours: int) -> None:
        """The unit accepts and does the task, the committee verifies (as far as it can go)."""
        if not self.tasks:
            return
        unit_person = {self.b.army.pk: "army_contact", self.b.police.pk: "police_contact"}
        for action in ("accept", "done", "verify"):
            task = Task.objects.get(pk=self.tasks[which % len(self.tasks)])
            who = "secretary" if action == "verify" else unit_person[task.unit_id]
            self.act(which, who, action, hours)

    @rule(hours=st.integers(min_value=1, max_value=96))
    def sweep(self, hours: int) -> None:
        self.now += dt.timedelta(hours=hours)
        work.sweep(self.now)
        self.steps.add("sweep")

    @invariant()
    def paths_are_valid(self) -> None:
        for pk in self.tasks:
            task = Task.objects.get(pk=pk)
            state = ""
            for e in CommitteeEvent.objects.filter(task=task).order_by("seq"):
                if e.action in ("remind", "overdue"):
                    assert e.from_state == e.to_state == ""
                    continue
                if e.action == "assign":
                    assert state == "" and e.to_state == TaskState.ASSIGNED
                else:
                    rule_ = work.TRANSITIONS[work.Action(e.action)]
                    assert e.from_state == state and state in rule_.sources
                    assert e.to_state == rule_.target
                state = e.to_state
            assert task.state == state

    @invariant()
    def needs_follow_their_tasks(self) -> None:
        for task in Task.objects.filter(pk__in=self.tasks, resolves_need=True):
            need = Need.objects.get(pk=task.need_id or 0)
            assert (need.state == State.RESOLVED) == (task.state == TaskState.VERIFIED)

    @invariant()
    def counts_equal_a_recount(self) -> None:
        figures = counts.figures(self.b.committee, *YEAR)
        done = Task.objects.filter(
            pk__in=self.tasks, state__in=[TaskState.DONE, TaskState.VERIFIED]
        )
        assert figures.tasks_done == done.count()
        assert figures.tasks_done_on_time == done.filter(done_on_time=True).count()
        resolved = Task.objects.filter(pk__in=self.tasks, state=TaskState.VERIFIED)
        assert (
            figures.helped == resolved.count()
        )  # every verified task here resolved a need or none


def test_tasks_under_random_people_actions_and_time():
    b = board()
    machines: list[Tasks] = []

    def machine() -> Tasks:
        machines.append(Tasks(b))
        return machines[-1]

    run_state_machine_as_test(
        machine,
        settings=hypothesis_settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    steps = set().union(*(m.steps for m in machines))
    assert steps >= {"give", "accept", "done", "verify", "return", "reassign", "sweep"}, steps
