"""The goals list (目标清单): yearly goals with measurable targets, each tracked by a figure —
a count the system keeps (needs resolved in the committee's area, problems the committee helped
solve, its tasks done, its meetings held) or a number its staff type in — and shown against
time: how far the figure is toward the target, and how far the year is."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.committees import access, counts, events
from civicgrid.committees.models import Goal, GoalMeasure, Meeting, MeetingState, Task, TaskState
from civicgrid.core.errors import Invalid
from civicgrid.needs.models import NeedEvent
from civicgrid.needs.workflow import Action, By
from civicgrid.network import scope
from civicgrid.network.models import Node, Organisation


def _decimal(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or number >= Decimal("1e10"):
        message = _("Write a number, such as 60 or 12.5.")
        raise Invalid(message, code="validation", fields={field: [message]})
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def goal_create(
    *,
    committee: Organisation,
    by: By,
    year: int,
    title: str,
    measure: str,
    target: object,
    unit_label: str = "",
) -> Goal:
    locked = Organisation.objects.select_for_update(of=("self",)).get(pk=committee.pk)
    access.check_staff(by.person, locked)
    title = (title or "").strip()
    if not title:
        message = _("Write the goal.")
        raise Invalid(message, code="validation", fields={"title": [message]})
    if measure not in GoalMeasure.values:
        message = _("Choose the figure that tracks the goal.")
        raise Invalid(message, code="validation", fields={"measure": [message]})
    if not 2000 <= int(year) <= 2100:
        message = _("Write the year, such as 2026.")
        raise Invalid(message, code="validation", fields={"year": [message]})
    amount = _decimal(target, "target")
    if amount <= 0:
        message = _("The target must be more than zero.")
        raise Invalid(message, code="validation", fields={"target": [message]})
    goal = Goal.objects.create(
        committee=locked,
        year=year,
        title=title[:160],
        measure=measure,
        target=amount,
        unit_label=(unit_label or "").strip()[:16],
        created_by=by.person,
    )
    events.append(
        locked,
        "change",
        actor=by.person,
        data=events.Changed(thing="goal", ref=goal.pk, after=f"{year} {goal.title}: {amount}"),
    )
    return goal


@transaction.atomic
def goal_set_figure(*, goal: Goal, by: By, value: object) -> Goal:
    """The latest figure of a goal tracked by a number typed in."""
    committee = Organisation.objects.select_for_update(of=("self",)).get(pk=goal.committee_id)
    access.check_staff(by.person, committee)
    if goal.measure != GoalMeasure.TYPED:
        raise Invalid(_("This goal's figure is counted by the system."), code="validation")
    amount = _decimal(value, "value")
    before = goal.typed_value
    Goal.objects.filter(pk=goal.pk).update(typed_value=amount)
    goal.typed_value = amount
    events.append(
        committee,
        "change",
        actor=by.person,
        data=events.Changed(
            thing="figure",
            ref=goal.pk,
            before=None if before is None else str(before),
            after=str(amount),
        ),
    )
    return goal


# --- Progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    goal: Goal
    value: Decimal
    share: float  # of the target, 0…1 (may pass 1)
    elapsed: float  # of the year, 0…1
    behind: bool  # further behind the year than a tenth of the target

    @property
    def percent(self) -> int:
        return round(self.share * 100)

    @property
    def elapsed_percent(self) -> int:
        return round(self.elapsed * 100)

    @property
    def bar_percent(self) -> int:
        return min(100, self.percent)


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def area_resolved(node: Node, start: dt.datetime, end: dt.datetime) -> int:
    """Needs of the area resolved in the period (each need once)."""
    return (
        NeedEvent.objects.filter(
            action=Action.RESOLVE,
            created_at__gte=start,
            created_at__lt=end,
        )
        .filter(scope.paths_q([node.path], node_field="need__node"))
        .values("need_id")
        .distinct()
        .count()
    )


def _figures(committee: Organisation, year: int, goals: list[Goal]) -> dict[int, Decimal]:
    """Each goal's figure, every measure read once for all the year's goals (a handful of
    queries however many goals there are)."""
    start, end = _year_bounds(year)
    measures = {g.measure for g in goals}
    shared: dict[str, Decimal] = {}
    if GoalMeasure.NEEDS_RESOLVED in measures:
        shared[GoalMeasure.NEEDS_RESOLVED] = Decimal(area_resolved(committee.node, start, end))
    if GoalMeasure.HELPED in measures:
        shared[GoalMeasure.HELPED] = Decimal(counts.helped(committee, start, end))
    if GoalMeasure.MEETINGS_HELD in measures:
        shared[GoalMeasure.MEETINGS_HELD] = Decimal(
            Meeting.objects.filter(
                committee=committee,
                state__in=[MeetingState.HELD, MeetingState.RECORDED],
                starts_at__gte=start,
                starts_at__lt=end,
            ).count()
        )
    done_by_goal: dict[int | None, int] = {}
    tied: set[int] = set()
    if GoalMeasure.TASKS_DONE in measures:
        # Tasks done in the year, by the goal they came from; a goal with tasks tied to it
        # counts those, a goal without counts all the committee's.
        for goal_id, n in (
            Task.objects.filter(
                committee=committee,
                state__in=[TaskState.DONE, TaskState.VERIFIED],
                done_at__gte=start,
                done_at__lt=end,
            )
            .values_list("goal_id")
            .annotate(n=Count("id"))
        ):
            done_by_goal[goal_id] = n
        tied = set(Task.objects.filter(goal__in=goals).values_list("goal_id", flat=True).distinct())
    found: dict[int, Decimal] = {}
    for goal in goals:
        if goal.measure == GoalMeasure.TYPED:
            found[goal.pk] = goal.typed_value or Decimal(0)
        elif goal.measure == GoalMeasure.TASKS_DONE:
            n = done_by_goal.get(goal.pk, 0) if goal.pk in tied else sum(done_by_goal.values())
            found[goal.pk] = Decimal(n)
        else:
            found[goal.pk] = shared[goal.measure]
    return found


def _progress(goal: Goal, value: Decimal, now: dt.datetime) -> Progress:
    start, end = _year_bounds(goal.year)
    elapsed = min(1.0, max(0.0, (now - start) / (end - start)))
    share = float(value / goal.target) if goal.target else 0.0
    return Progress(
        goal=goal, value=value, share=share, elapsed=elapsed, behind=share + 0.1 < elapsed
    )


def goals_of(
    committee: Organisation, year: int, *, now: dt.datetime | None = None
) -> list[Progress]:
    """The year's goals with their progress against the year."""
    now = now or timezone.now()
    goals = list(Goal.objects.filter(committee=committee, year=year))
    values = _figures(committee, year, goals)
    return [_progress(goal, values[goal.pk], now) for goal in goals]
