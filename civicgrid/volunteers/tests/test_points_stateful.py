"""Rebuild equals incremental: a hypothesis state machine appends random credits, corrections,
confirmed wishes and resolved needs across months, in any order of time, for members and a
non-member, and changes the rules now and then (`point_rules_update`, which rebuilds).

After every step the ledger the consumers kept (`MemberMonth`) equals

- a model of the same events kept by the test itself (counts per person and month, points by
  the current rules with their caps), and
- what `points.rebuild` writes from the event log.

Each example runs in a savepoint that is rolled back, so examples start from the same world.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from civicgrid.needs import workflow
from civicgrid.needs.models import Need, State
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Node, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import events, points
from civicgrid.volunteers.models import (
    Activity,
    MemberMonth,
    PointRule,
    PointSource,
    Wish,
    WishState,
)
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
# Times around month ends, out of order on purpose (a late entry for an earlier month).
TIMES = [
    dt.datetime(2026, 2, 1, 0, 10, tzinfo=SH),
    dt.datetime(2026, 1, 31, 23, 50, tzinfo=SH),
    dt.datetime(2026, 2, 14, 9, 0, tzinfo=SH),
    dt.datetime(2026, 12, 31, 23, 59, tzinfo=SH),
    dt.datetime(2027, 1, 1, 0, 1, tzinfo=SH),
]
HOURS = ["0.50", "1.00", "2.00", "3.75", "8.00", "12.00", "25.00"]
PEOPLE = ("member", "volunteer", "other_member", "outsider")
MEMBERS = frozenset({"member", "volunteer", "other_member"})
RULES = [
    (PointSource.ACTIVITY_HOUR, "1", "40"),
    (PointSource.RESOLVED_NEED, "2", "2"),
    (PointSource.ACTIVITY_HOUR, "2", "10"),
    (PointSource.ACTIVITY_HOUR, "0.5", ""),
    (PointSource.RESOLVED_NEED, "2", "20"),
    (PointSource.RESOLVED_NEED, "3", "4"),
    (PointSource.FULFILLED_WISH, "5", "20"),
    (PointSource.FULFILLED_WISH, "7.25", "8"),
]
ACTIVITIES = 3
# The rules each example starts from: caps so small that one event may reach them.
START_RULES: dict[str, tuple[Decimal, Decimal | None]] = {
    PointSource.ACTIVITY_HOUR: (Decimal("1"), Decimal("10")),
    PointSource.RESOLVED_NEED: (Decimal("2"), Decimal("1.5")),
    PointSource.FULFILLED_WISH: (Decimal("5"), Decimal("4")),
}


def month_of(when: dt.datetime) -> dt.date:
    return when.astimezone(SH).date().replace(day=1)


def ledger() -> dict[tuple[int, dt.date], tuple[int, Decimal, int, int, Decimal]]:
    return {
        (row[0], row[1]): tuple(row[2:])  # type: ignore[misc]
        for row in MemberMonth.objects.values_list(
            "person_id",
            "month",
            "activities",
            "hours",
            "needs_resolved",
            "wishes_fulfilled",
            "points",
        )
    }


class Model:
    """The test's own count of what it appended."""

    def __init__(self) -> None:
        self.activities: dict[tuple[int, dt.date], int] = defaultdict(int)
        self.hours: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
        self.needs: dict[tuple[int, dt.date], int] = defaultdict(int)
        self.wishes: dict[tuple[int, dt.date], int] = defaultdict(int)
        self.rules: dict[str, tuple[Decimal, Decimal | None]] = dict(START_RULES)

    def part(self, source: str, quantity: Decimal) -> Decimal:
        each, cap = self.rules[source]
        got = max(quantity, Decimal(0)) * each
        return min(got, cap) if cap is not None else got

    def expected(self) -> dict[tuple[int, dt.date], tuple[int, Decimal, int, int, Decimal]]:
        keys = set(self.activities) | set(self.hours) | set(self.needs) | set(self.wishes)
        out = {}
        for key in keys:
            hours, needs, wishes = self.hours[key], self.needs[key], self.wishes[key]
            total = (
                self.part(PointSource.ACTIVITY_HOUR, hours)
                + self.part(PointSource.RESOLVED_NEED, Decimal(needs))
                + self.part(PointSource.FULFILLED_WISH, Decimal(wishes))
            ).quantize(Decimal("0.01"))
            out[key] = (self.activities[key], hours, needs, wishes, total)
        return out


class Points(RuleBasedStateMachine):
    def __init__(self, c: vf.Crew, people: dict[str, Person], boss: Person) -> None:
        super().__init__()
        self.c, self.people, self.boss = c, people, boss
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.model = Model()
        self.activities = [vf.activity(c) for _ in range(ACTIVITIES)]
        # (activity index, person) → (hours credited now, the credit's month)
        self.credited: dict[tuple[int, str], tuple[Decimal, dt.date]] = {}
        self.needs: dict[str, Need] = {}
        self.steps: set[str] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- Rules -------------------------------------------------------------------------------

    @rule(
        index=st.integers(0, ACTIVITIES - 1),
        who=st.sampled_from(PEOPLE),
        hours=st.sampled_from(HOURS),
        when=st.sampled_from(TIMES),
    )
    def credit(self, index: int, who: str, hours: str, when: dt.datetime) -> None:
        person = self.people[who]
        with transaction.atomic():
            locked = Activity.objects.select_for_update().get(pk=self.activities[index].pk)
            events.append(
                locked, "credit", person=person, data=events.Credited(hours=hours), now=when
            )
        key = (person.pk, month_of(when))
        self.model.activities[key] += 1
        self.model.hours[key] += Decimal(hours)
        self.credited[(index, who)] = (Decimal(hours), month_of(when))
        self.steps.add("credit")

    @rule(
        pick=st.integers(0, 100),
        hours=st.sampled_from(["0.00", *HOURS]),
        when=st.sampled_from(TIMES),
    )
    def correct(self, pick: int, hours: str, when: dt.datetime) -> None:
        if not self.credited:
            return
        index, who = sorted(self.credited)[pick % len(self.credited)]
        was, credit_month = self.credited[(index, who)]
        person = self.people[who]
        with transaction.atomic():
            locked = Activity.objects.select_for_update().get(pk=self.activities[index].pk)
            events.append(
                locked,
                "correct",
                person=person,
                note="更正",
                data=events.Credited(hours=hours, was=str(was)),
                now=when,
            )
        # The difference goes to the month of the credit, whenever the correction is made.
        self.model.hours[(person.pk, credit_month)] += Decimal(hours) - was
        self.credited[(index, who)] = (Decimal(hours), credit_month)
        self.steps.add("correct")

    @rule(who=st.sampled_from(PEOPLE), when=st.sampled_from(TIMES))
    def confirm_wish(self, who: str, when: dt.datetime) -> None:
        person = self.people[who]
        wish = Wish.objects.create(
            community=self.c.w.t["comm1"],
            title="轮椅",
            public_name="一位老人",
            needed_by=dt.date(2027, 6, 1),
            state=WishState.FULFILLED,
            claimed_by=person,
            created_at=when,
        )
        with transaction.atomic():
            events.append(
                Wish.objects.select_for_update().get(pk=wish.pk), "confirm", person=person, now=when
            )
        self.model.wishes[(person.pk, month_of(when))] += 1
        self.steps.add("confirm")

    @rule(who=st.sampled_from(PEOPLE), when=st.sampled_from(TIMES))
    def resolve_need(self, who: str, when: dt.datetime) -> None:
        """The person takes and resolves a need through the workflow (one need each, put
        back to taken for the next time)."""
        person = self.people[who]
        with time_machine.travel(when, tick=False):
            need = self.needs.get(who)
            if need is None:
                need = self.needs[who] = needf.raise_need(self.c.w)
            needf.force(need, state=State.TAKEN, assignee=person)
            workflow.need_resolve(need=need, by=By(person))
        if who in MEMBERS:
            self.model.needs[(person.pk, month_of(when))] += 1
        self.steps.add("resolve")

    @rule(choice=st.sampled_from(RULES))
    def change_rule(self, choice: tuple[str, str, str]) -> None:
        source, each, cap = choice
        points.point_rules_update(by=self.boss, source=source, points=each, monthly_cap=cap)
        self.model.rules[source] = (Decimal(each), Decimal(cap) if cap else None)
        self.steps.add("rule")

    # --- Invariants -------------------------------------------------------------------------

    @invariant()
    def the_ledger_is_the_models_count(self) -> None:
        assert ledger() == self.model.expected()

    @invariant()
    def rebuild_equals_incremental(self) -> None:
        kept = ledger()
        with transaction.atomic():
            points.rebuild()
            rebuilt = ledger()
            transaction.set_rollback(True)
        assert rebuilt == kept
        assert ledger() == kept

    @invariant()
    def no_outsider_is_counted_for_needs(self) -> None:
        outsider = self.people["outsider"]
        assert not MemberMonth.objects.filter(person=outsider, needs_resolved__gt=0).exists()


def test_rebuild_equals_what_the_consumers_kept_under_random_events():
    c = vf.crew()
    PointRule.objects.all().delete()
    for source, (each, cap) in START_RULES.items():
        PointRule.objects.create(source=source, points=each, monthly_cap=cap)
    people: dict[str, Any] = {
        "member": c.member,
        "volunteer": c.volunteer,
        "other_member": c.other_member,
        # Credited hours count for anyone the activities module credits; only needs ask for
        # membership, so the outsider is a grid worker who also resolves needs.
        "outsider": c.w.handler,
    }
    assert people["outsider"].roles.filter(role=Role.GRID_WORKER).exists()
    boss = nf.person("盟管理员", roles=[(Role.ADMIN, Node.objects.get(parent__isnull=True))])
    machines: list[Points] = []

    def machine() -> Points:
        machines.append(Points(c, people, boss))
        return machines[-1]

    run_state_machine_as_test(
        machine,
        settings=hypothesis_settings(
            max_examples=12,
            stateful_step_count=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    steps = set().union(*(m.steps for m in machines))
    assert steps >= {"credit", "correct", "confirm", "resolve", "rule"}, steps
