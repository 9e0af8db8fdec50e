"""Invariants under random use: a hypothesis state machine raises a few needs on a small
network and drives the workflow with random actors (the unauthorised and the system
included), random actions, with or without reasons, while time passes and the sweep runs.

After every step it checks: each need's events form a valid path through the transition
table, its state is the last event's target, a closed need changes no more, a refused move
changes nothing at all, and the rollups equal a recount from the event log and the raw needs.
Each example runs in a savepoint that is rolled back, so examples start from the same world.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.insights.kpis import Period
from civicgrid.insights.tests.checks import ROLLUP_MODELS, assert_rollups_equal_a_recount, table
from civicgrid.needs import tasks, workflow
from civicgrid.needs.models import FINAL_STATES, Channel, Need, NeedEvent, Priority, Rating
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import RAISE, TRANSITIONS, Action, By
from civicgrid.network.models import Role

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 2, 8, 0, tzinfo=SH)  # a Monday morning
PERIOD = Period(dt.date(2026, 10, 1), dt.date(2027, 3, 31))  # wider than any run goes
REFUSALS = (Conflict, Invalid, NotAllowed)
MAX_NEEDS = 6  # per example: a few needs, many moves
# Minutes that pass before a move, and whether the deadline sweep runs then.
PAUSES = st.tuples(st.sampled_from([0, 3, 20, 90, 600, 2 * 1440, 8 * 1440]), st.booleans())

ACTORS = (
    "dispatcher",  # community staff of comm1 (town1: grids A and B)
    "town_staff",  # community staff bound to town1
    "comm2_staff",  # community staff of comm2 (town2: grid C), a stranger to town1
    "banner_admin",  # an administrator of the banner, above both towns
    "grid_worker_a",
    "grid_worker_b",
    "handler",  # another grid worker of grid B, the usual assignee
    "grid_worker_c",
    "unit_member",
    "committee_member",
    "leader",  # reads the banner, changes nothing
    "outsider",  # a person without any role
    "resident",
    "system",
)
NEVER_ACT = frozenset({"leader", "outsider"})
# The offered moves in the order they are preferred (small draws are the likeliest): the
# furthest forward first, so that needs get as far as resolved, rated and reopened.
PREFERRED = (
    Action.RESOLVE,
    Action.START,
    Action.TAKE,
    Action.REOPEN,
    Action.CONFIRM,
    Action.CLOSE_UNRATED,
    Action.DISPATCH,
    Action.ACCEPT,
    Action.RETURN,
    Action.ESCALATE,
    Action.REJECT,
    Action.MERGE,
    Action.WITHDRAW,
    Action.RESTORE,
)
FORWARD = frozenset(PREFERRED[:8])


def actors_of(w: nf.World) -> dict[str, By]:
    banner_admin = nf.nf.person("旗管理员", roles=[(Role.ADMIN, w.t["banner"])])
    grid_worker_c = nf.nf.person("C网格员", roles=[(Role.GRID_WORKER, w.t["gridC"])])
    outsider = nf.nf.person("路人")
    return {
        "dispatcher": By(w.dispatcher),
        "town_staff": By(w.town_staff),
        "comm2_staff": By(w.stranger),
        "banner_admin": By(banner_admin),
        "grid_worker_a": By(w.grid_worker),
        "grid_worker_b": By(w.other_grid_worker),
        "handler": By(w.handler),
        "grid_worker_c": By(grid_worker_c),
        "unit_member": By(w.unit_member),
        "committee_member": By(w.committee_member),
        "leader": By(w.leader),
        "outsider": By(outsider),
        "resident": workflow.RESIDENT,
        "system": workflow.SYSTEM,
    }


# --- What the database holds ---------------------------------------------------------------


def snapshot() -> dict[str, Any]:
    return {
        "needs": table(Need),
        "events": NeedEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "rollups": [table(model) for model in ROLLUP_MODELS],
    }


# --- The machine ---------------------------------------------------------------------------


class NeedWorkflow(RuleBasedStateMachine):
    needs = Bundle("needs")

    def __init__(self, w: nf.World, actors: dict[str, By]) -> None:
        super().__init__()
        self.w = w
        self.actors = actors
        # One savepoint per example, rolled back in teardown: every example starts from the
        # same world, on either database.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(START, tick=False)
        self.traveller = self.clock.start()
        self.closed: dict[int, tuple[dict[str, Any], int]] = {}  # final needs as first seen
        self.raised = 0
        self.done: set[str] = set()  # the actions that went through, for the reach check

    def teardown(self) -> None:
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- Rules -------------------------------------------------------------------------------

    @initialize(target=needs)
    def first_need(self) -> int:
        self.raised += 1
        return nf.raise_need(self.w).pk

    @precondition(lambda self: self.raised < MAX_NEEDS)
    @rule(
        target=needs,
        place=st.sampled_from(["gridA", "gridB", "gridC", "comm1"]),
        priority=st.sampled_from([Priority.URGENT, Priority.NORMAL, Priority.LOW]),
        code=st.sampled_from(["roads", "pension", "disputes"]),
        by=st.sampled_from(["resident", "dispatcher", "comm2_staff"]),
    )
    def raise_need(self, place: str, priority: str, code: str, by: str) -> int:
        self.raised += 1
        staff = by != "resident"
        # Staff raise only where they may write (needs/access.check_may_raise, issue 11).
        if by == "comm2_staff":
            place = "gridC"
        elif by == "dispatcher" and place == "gridC":
            place = "gridA"
        need = nf.raise_need(
            self.w,
            by=self.actors[by],
            node=self.w.t[place],
            priority=priority,
            category=nf.category(code),
            answers={"passable": "partly"} if code == "roads" else {},
            channel=Channel.API if staff else Channel.WEB,
        )
        return need.pk

    @rule(
        need_id=needs,
        other_id=needs,
        offered=st.sampled_from([True, True, True, False]),
        pick=st.integers(0, 1000),
        action=st.sampled_from(list(Action)),
        actor=st.sampled_from(ACTORS),
        reason=st.sampled_from(["理由", "理由", "", "  "]),
        option=st.integers(0, 5),
        pause=PAUSES,
    )
    def act(
        self,
        need_id: int,
        other_id: int,
        offered: bool,
        pick: int,
        action: Action,
        actor: str,
        reason: str,
        option: int,
        pause: tuple[int, bool],
    ) -> None:
        """Mostly one of the moves someone is offered now (random moves alone rarely get
        far), else anyone trying anything. One rule for both: hypothesis's swarm testing
        switches whole rules off in some runs."""
        self.wait(*pause)
        if offered:
            need = Need.objects.get(pk=need_id)
            choices = [
                (who, what)
                for who in ACTORS
                for what in workflow.allowed_actions(need, self.actors[who])
            ]
            # Mostly forward; an action first, then one of those offered it (dispatchers are
            # many, takers few).
            forward = [(who, what) for who, what in choices if what in FORWARD]
            choices = forward if forward and pick % 4 else choices
            if not choices:
                return
            actions = sorted({what for _who, what in choices}, key=PREFERRED.index)
            action = actions[pick % len(actions)]
            takers = [who for who, what in choices if what == action]
            actor = takers[pick // len(actions) % len(takers)]
            option %= 4  # the options that are right, mostly
        self.attempt(need_id, other_id, action, actor, reason, option)

    def wait(self, minutes: int, sweep: bool) -> None:
        """Time passes (not a rule of its own, which swarm testing could leave alone)."""
        self.traveller.shift(dt.timedelta(minutes=minutes))
        if sweep:
            tasks.sweep()  # the system's reminders, overdue marks, escalations, unrated closing
            # The worker's other job (INTAKE_FOLLOW_UP="worker"): a no-op when it is "inline".
            workflow.follow_up_pending()

    def attempt(
        self, need_id: int, other_id: int, action: Action, actor: str, reason: str, option: int
    ) -> None:
        by = self.actors[actor]
        need = Need.objects.get(pk=need_id)
        allowed = workflow.allowed_actions(need, by)
        before = snapshot()
        try:
            workflow.transition(
                need, action, by, reason=reason, **self.options(action, option, other_id)
            )
        except REFUSALS as exc:
            # A refused move changes nothing: no state, no event, no figure, no message.
            assert snapshot() == before, (action, actor, exc)
            if action not in allowed:
                return
            # The buttons offered it: only a missing reason, a bad option or a merge target
            # that is closed may refuse it.
            assert isinstance(exc, Invalid) or exc.code == "target_closed", (action, actor, exc)
            return
        # What went through was offered to this actor in that state (the console's buttons
        # and the workflow agree), and never to someone who may change nothing.
        assert action in allowed, (action, actor, need.state)
        if action == Action.RESTORE:
            self.closed.pop(need_id, None)  # a withdrawn need restored: it is open again
        assert actor not in NEVER_ACT
        self.done.add(action)

    def options(self, action: Action, option: int, other_id: int) -> dict[str, Any]:
        """The extra arguments of an action, sometimes wrong on purpose."""
        w = self.w
        if action == Action.DISPATCH:
            dispatches: list[dict[str, Any]] = [
                {},
                {"to": w.handler},
                {"to": w.grid_worker},
                {"to": w.unit},
                {"to": w.stranger},  # not one of its dispatch targets: refused
                {"to": w.committee},  # the committee itself: refused
            ]
            return dispatches[option]
        if action == Action.ESCALATE:
            if option == 3:
                return {"to": w.committee}
            if option == 4:
                return {"to": w.unit}  # not a joint committee: refused
            return {}
        if action == Action.CONFIRM:
            ratings = ["", Rating.SATISFIED, Rating.FAIR, Rating.DISSATISFIED, Rating.NOT_RATED]
            return {"rating": ratings[option % len(ratings)]}
        if action == Action.MERGE:
            return {} if option == 0 else {"into": Need.objects.get(pk=other_id)}
        return {}

    # --- Invariants -------------------------------------------------------------------------

    @invariant()
    def events_form_a_valid_path(self) -> None:
        timelines: dict[int, list[NeedEvent]] = defaultdict(list)
        for event in NeedEvent.objects.order_by("need_id", "seq"):
            timelines[event.need_id].append(event)
        states = dict(Need.objects.values_list("pk", "state"))
        assert set(timelines) == set(states)
        for need_id, events in timelines.items():
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            first = events[0]
            assert (first.action, first.from_state, first.to_state) == (RAISE, "", "submitted")
            state = first.to_state
            for event in events[1:]:
                if not event.to_state:
                    assert not event.from_state, event  # a note: no move
                    continue
                rule_ = TRANSITIONS[Action(event.action)]
                assert event.from_state == state, (need_id, event)
                assert event.from_state in rule_.sources, (need_id, event)
                if event.action == Action.RESTORE:
                    # Back to where the withdrawal left from (submitted if unknown).
                    left = [
                        e.from_state
                        for e in events
                        if e.action == Action.WITHDRAW and e.seq < event.seq
                    ]
                    assert event.to_state == (left[-1] if left else "submitted"), event
                else:
                    assert event.to_state == rule_.target, (need_id, event)
                state = event.to_state
            assert states[need_id] == state, (need_id, states[need_id], state)

    @invariant()
    def a_closed_need_changes_no_more(self) -> None:
        events = dict(
            NeedEvent.objects.filter(need__state__in=FINAL_STATES)
            .values_list("need_id")
            .annotate(n=Count("id"))
        )
        for row in table(Need):
            row.pop("awaiting_follow_up")  # the worker's bookkeeping, not the need
            if row["state"] in FINAL_STATES:
                now = (row, events[row["id"]])
                assert self.closed.setdefault(row["id"], now) == now, row["number"]

    @invariant()
    def rollups_equal_a_recount(self) -> None:
        assert_rollups_equal_a_recount(self.w.t["banner"], PERIOD)


# "worker": a need is told to its dispatchers and counted only when the worker follows it up,
# which here happens whenever the sweep runs, so moves happen before and after it.
@pytest.mark.parametrize("follow_up", ["inline", "worker"])
def test_the_workflow_keeps_its_invariants_under_random_use(follow_up, settings):
    settings.INTAKE_FOLLOW_UP = follow_up
    w = nf.world()
    actors = actors_of(w)
    machines: list[NeedWorkflow] = []

    def machine() -> NeedWorkflow:
        machines.append(NeedWorkflow(w, actors))
        return machines[-1]

    run_state_machine_as_test(
        machine,
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            derandomize=True,  # the same runs every time: CI is reproducible
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    # The runs were not all refusals: needs got as far as resolved, rated and reopened.
    done = set().union(*(m.done for m in machines))
    assert done >= {Action.DISPATCH, Action.TAKE, Action.RESOLVE}, done
    assert done & {Action.CONFIRM, Action.REOPEN}, done
