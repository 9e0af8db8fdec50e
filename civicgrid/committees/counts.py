"""What a joint committee counts (the issue's point 6), per committee and per area, for a
period: from `start` (included) to `end` (not included), both aware datetimes.

- **helped** (帮助解决实际问题N件): the distinct needs resolved in the period (a "resolve"
  event of the need in it) either by one of the committee's member units (the need's handling
  unit, `Need.assignee_org`, is a member unit of the committee) or through one of its
  consultations (a `Consultation` of the committee for that need, ended "resolved"); plus the
  committee's tasks verified in the period that came from no need (a problem solved by a task
  alone). A task that came from a need is not counted again: its need is counted when it
  resolves. A need resolved twice in the period counts once.
- **meetings_held**: the committee's joint meetings held or recorded, started in the period.
- **decisions_made**: the decisions of its meetings and consultations made in the period.
- **tasks_done**: its tasks done in the period (`done_at` in it) and still done or verified
  (a task sent back is no longer done); **tasks_done_on_time**: those done by their deadline.

`figures(committee, …)` answers for one committee (`helped`, `meetings_held`,
`decisions_made`, `tasks_done`, `tasks_done_on_time` each one figure of it, reading only what
that figure needs); `by_committee(node, …)` for each committee
at or under a node; `for_area(node, …)` for all of them together, where a need that two
committees helped with counts once (so the area's figure may be less than the sum of the
committees'). Each reads a fixed handful of aggregate queries, whatever the number of
committees or needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q

from civicgrid.committees.models import (
    Consultation,
    ConsultationState,
    Decision,
    Meeting,
    MeetingState,
    Task,
    TaskState,
)
from civicgrid.needs import workflow as need_workflow
from civicgrid.needs.models import NeedEvent
from civicgrid.network import scope
from civicgrid.network.models import Node, Organisation, OrgKind

HELD = (MeetingState.HELD, MeetingState.RECORDED)
DONE_STATES = (TaskState.DONE, TaskState.VERIFIED)


@dataclass(frozen=True)
class Figures:
    helped: int = 0
    meetings_held: int = 0
    decisions_made: int = 0
    tasks_done: int = 0
    tasks_done_on_time: int = 0


@dataclass
class _Acc:
    needs: set[int] = field(default_factory=set)
    tasks_alone: int = 0
    meetings_held: int = 0
    decisions_made: int = 0
    tasks_done: int = 0
    tasks_done_on_time: int = 0

    def figures(self) -> Figures:
        return Figures(
            helped=len(self.needs) + self.tasks_alone,
            meetings_held=self.meetings_held,
            decisions_made=self.decisions_made,
            tasks_done=self.tasks_done,
            tasks_done_on_time=self.tasks_done_on_time,
        )


HELPED, TASKS, MEETINGS, DECISIONS = "helped", "tasks", "meetings", "decisions"
EVERYTHING = frozenset({HELPED, TASKS, MEETINGS, DECISIONS})


def _collect(
    ids: list[int], start: dt.datetime, end: dt.datetime, parts: frozenset[str] = EVERYTHING
) -> dict[int, _Acc]:
    """Each committee's counts (committee id → accumulator): at most five queries, fewer for
    fewer `parts`."""
    acc = {pk: _Acc() for pk in ids}
    if not ids:
        return acc
    if HELPED in parts:
        _needs_helped(acc, ids, start, end)
    if HELPED in parts or TASKS in parts:
        _tasks(acc, ids, start, end)
    if MEETINGS in parts:
        _meetings(acc, ids, start, end)
    if DECISIONS in parts:
        _decisions(acc, ids, start, end)
    return acc


def _needs_helped(
    acc: dict[int, _Acc], ids: list[int], start: dt.datetime, end: dt.datetime
) -> None:
    window = {"created_at__gte": start, "created_at__lt": end}
    consulted = Consultation.objects.filter(
        committee_id__in=ids, state=ConsultationState.RESOLVED
    ).values("need_id")
    resolved = (
        NeedEvent.objects.filter(action=str(need_workflow.Action.RESOLVE), **window)
        .filter(Q(need__assignee_org__committee_id__in=ids) | Q(need_id__in=consulted))
        .values_list("need_id", "need__assignee_org__committee_id")
        .distinct()
    )
    need_ids: set[int] = set()
    for need_id, committee_id in resolved:
        need_ids.add(need_id)
        if committee_id in acc:
            acc[committee_id].needs.add(need_id)
    if need_ids:
        for need_id, committee_id in Consultation.objects.filter(
            committee_id__in=ids, state=ConsultationState.RESOLVED, need_id__in=need_ids
        ).values_list("need_id", "committee_id"):
            acc[committee_id].needs.add(need_id)


def _tasks(acc: dict[int, _Acc], ids: list[int], start: dt.datetime, end: dt.datetime) -> None:
    done = Q(state__in=DONE_STATES, done_at__gte=start, done_at__lt=end)
    tasks = (
        Task.objects.filter(committee_id__in=ids)
        .values("committee_id")
        .annotate(
            done=Count("pk", filter=done),
            on_time=Count("pk", filter=done & Q(done_on_time=True)),
            alone=Count(
                "pk",
                filter=Q(
                    state=TaskState.VERIFIED,
                    need__isnull=True,
                    verified_at__gte=start,
                    verified_at__lt=end,
                ),
            ),
        )
        .order_by()
    )
    for row in tasks:
        a = acc[row["committee_id"]]
        a.tasks_done = row["done"]
        a.tasks_done_on_time = row["on_time"]
        a.tasks_alone = row["alone"]


def _meetings(acc: dict[int, _Acc], ids: list[int], start: dt.datetime, end: dt.datetime) -> None:
    meetings = (
        Meeting.objects.filter(
            committee_id__in=ids, state__in=HELD, starts_at__gte=start, starts_at__lt=end
        )
        .values("committee_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in meetings:
        acc[row["committee_id"]].meetings_held = row["n"]


def _decisions(acc: dict[int, _Acc], ids: list[int], start: dt.datetime, end: dt.datetime) -> None:
    decisions = (
        Decision.objects.filter(committee_id__in=ids, created_at__gte=start, created_at__lt=end)
        .values("committee_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in decisions:
        acc[row["committee_id"]].decisions_made = row["n"]


def figures(committee: Organisation, start: dt.datetime, end: dt.datetime) -> Figures:
    """One committee's figures for the period."""
    return _collect([committee.pk], start, end)[committee.pk].figures()


def _one(committee: Organisation, start: dt.datetime, end: dt.datetime, part: str) -> Figures:
    return _collect([committee.pk], start, end, frozenset({part}))[committee.pk].figures()


def helped(committee: Organisation, start: dt.datetime, end: dt.datetime) -> int:
    """帮助解决实际问题N件: distinct needs resolved by member units or through consultations,
    plus tasks verified that came from no need (two queries)."""
    return _one(committee, start, end, HELPED).helped


def meetings_held(committee: Organisation, start: dt.datetime, end: dt.datetime) -> int:
    return _one(committee, start, end, MEETINGS).meetings_held


def decisions_made(committee: Organisation, start: dt.datetime, end: dt.datetime) -> int:
    return _one(committee, start, end, DECISIONS).decisions_made


def tasks_done(committee: Organisation, start: dt.datetime, end: dt.datetime) -> int:
    return _one(committee, start, end, TASKS).tasks_done


def tasks_done_on_time(committee: Organisation, start: dt.datetime, end: dt.datetime) -> int:
    return _one(committee, start, end, TASKS).tasks_done_on_time


def committees_under(node: Node) -> list[Organisation]:
    """The joint committees at the node or under it."""
    return list(
        Organisation.objects.filter(
            scope.paths_q([node.path], node_field="node"), kind=OrgKind.JOINT_COMMITTEE
        ).order_by("name", "id")
    )


def by_committee(
    node: Node, start: dt.datetime, end: dt.datetime
) -> list[tuple[Organisation, Figures]]:
    """Each committee at or under the node with its figures, by name."""
    committees = committees_under(node)
    acc = _collect([c.pk for c in committees], start, end)
    return [(c, acc[c.pk].figures()) for c in committees]


def for_area(node: Node, start: dt.datetime, end: dt.datetime) -> Figures:
    """The committees at or under the node together; a need counts once however many of
    them helped with it."""
    return _together(_collect([c.pk for c in committees_under(node)], start, end).values())


def area_and_committees(
    node: Node, start: dt.datetime, end: dt.datetime
) -> tuple[Figures, list[tuple[Organisation, Figures]]]:
    """`for_area` and `by_committee` from one read (the dashboard shows both)."""
    committees = committees_under(node)
    acc = _collect([c.pk for c in committees], start, end)
    return _together(acc.values()), [(c, acc[c.pk].figures()) for c in committees]


def _together(accs: Iterable[_Acc]) -> Figures:
    acc = list(accs)
    needs: set[int] = set()
    for a in acc:
        needs |= a.needs
    return Figures(
        helped=len(needs) + sum(a.tasks_alone for a in acc),
        meetings_held=sum(a.meetings_held for a in acc),
        decisions_made=sum(a.decisions_made for a in acc),
        tasks_done=sum(a.tasks_done for a in acc),
        tasks_done_on_time=sum(a.tasks_done_on_time for a in acc),
    )
