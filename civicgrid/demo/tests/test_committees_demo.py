"""The demo's joint committee at work (`demo/committees.py`): Mandubaolige's committee with its
units and pledges, a year of monthly joint meetings, the 乃林郭勒 road as a consultation, and
the assessment of the last half-year; built the same way twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.committees import access, counts, goals, meetings, needlist
from civicgrid.committees.models import (
    AgendaKind,
    Assessment,
    AssessmentState,
    Attendance,
    CommitteeEvent,
    Consultation,
    ConsultationState,
    Contribution,
    Decision,
    Goal,
    GoalMeasure,
    Meeting,
    MeetingState,
    PeerScore,
    Pledge,
    Task,
    TaskState,
)
from civicgrid.core.models import Notification
from civicgrid.demo.committees import ROAD, WELL, build_demo_committees
from civicgrid.demo.region import COMMITTEE_NAME, DEMO_LOGINS, build_demo_region
from civicgrid.needs.models import Need, Rating, State
from civicgrid.network.models import Organisation, OrgKind, Person, Role, UnitKind

pytestmark = pytest.mark.django_db


def _end() -> dt.datetime:
    """A fixed end, so that what the year holds does not depend on the day the tests run (the
    demo commands build up to now: test_demo.py)."""
    return timezone.make_aware(dt.datetime(2026, 11, 20, 10, 15))


@pytest.fixture
def region() -> Organisation:
    build_demo_region()
    return Organisation.objects.get(kind=OrgKind.JOINT_COMMITTEE, name=COMMITTEE_NAME)


def _login(role: str) -> Person:
    return Person.objects.get(mobile=next(x.mobile for x in DEMO_LOGINS if x.role == role))


def test_the_committee_lives_a_year(region: Organisation) -> None:
    committee = region
    end = _end()
    built = build_demo_committees(end=end)

    # The committee with its member units, each with its contacts and its resource list.
    units = list(Organisation.objects.filter(committee=committee))
    kinds = Counter(u.unit_kind for u in units)
    assert kinds[UnitKind.POLICE] == kinds[UnitKind.ARMY] == 1
    assert kinds[UnitKind.GACHA] == 4 and kinds[UnitKind.ENTERPRISE] == 2
    for unit in units:
        assert unit.membership_set.exists(), unit.name
        assert Pledge.objects.filter(unit=unit).exists(), unit.name
    assert built.pledges == Pledge.objects.count() >= 20
    assert set(Pledge.objects.values_list("kind", flat=True)) >= {
        "people",
        "vehicle",
        "equipment",
        "skill",
    }
    # Every set-up change is an event on the committee's own timeline.
    changes = CommitteeEvent.objects.filter(committee=committee, action="change")
    assert changes.count() == built.pledges + built.goals + 2  # + the schedule, the figure
    # The demo logins: the committee member sees its pages as staff; the police post's contact
    # works the post's tasks.
    member = _login(Role.COMMITTEE_MEMBER)
    assert access.is_committee_staff(member, committee)
    contact = _login(Role.MEMBER_UNIT_CONTACT)
    police = Organisation.objects.get(committee=committee, unit_kind=UnitKind.POLICE)
    assert access.unit_ids(contact, committee) == {police.pk}
    assert Task.objects.filter(unit=police, owner=contact).count() >= 5

    # The goals of the year, with their figures counted from what happened.
    year = timezone.localtime(end).year
    by_measure = {p.goal.measure: p for p in goals.goals_of(committee, year, now=end)}
    assert by_measure[GoalMeasure.HELPED].goal.target == 60
    assert by_measure[GoalMeasure.MEETINGS_HELD].goal.target == 12
    assert by_measure[GoalMeasure.TYPED].value > 0
    first = timezone.make_aware(dt.datetime(year, 1, 1))
    assert by_measure[GoalMeasure.HELPED].value == counts.helped(committee, first, end)

    # Twelve monthly joint meetings in the past, each with attendance by unit, minutes and
    # decisions that became tasks; the next one scheduled.
    past = Meeting.objects.filter(committee=committee, state=MeetingState.RECORDED)
    assert past.count() >= 12 and built.meetings == past.count()
    for meeting in past:
        assert meeting.starts_at < end and meeting.series_id is not None
        assert "边境党建联席会议" in meeting.minutes
        assert Attendance.objects.filter(meeting=meeting, unit__isnull=False).count() >= 6
        assert meeting.decisions.count() >= 2
        assert Task.objects.filter(decision__meeting=meeting).count() >= 2
        assert meeting.agenda.filter(kind=AgendaKind.ITEM).exists()
    assert Attendance.objects.filter(by_qr=True).exists()
    assert Attendance.objects.filter(by_qr=False).exists()
    states = Counter(Task.objects.values_list("state", flat=True))
    assert states[TaskState.VERIFIED] >= 30
    on_time = Counter(
        Task.objects.exclude(done_on_time=None).values_list("done_on_time", flat=True)
    )
    assert on_time[True] > on_time[False] > 0
    actions = Counter(CommitteeEvent.objects.values_list("action", flat=True))
    assert actions["return"] == 2 and actions["reassign"] == 2 and actions["send_back"] == 1
    assert actions["remind"] > 0 and actions["overdue"] > 0
    assert actions["notify"] >= 13 and actions["check_in"] >= 12 * 6
    upcoming = Meeting.objects.get(committee=committee, state=MeetingState.SCHEDULED)
    assert upcoming.starts_at > end and upcoming.noticed_at is not None

    # The road: raised by a herder, brought to the committee, a consultation of the units
    # involved, its decision the army unit's task, verified, the need resolved and rated.
    road = Need.objects.get(description=ROAD)
    assert road.state == State.CLOSED and road.rating == Rating.SATISFIED
    consultation = Consultation.objects.get(need=road)
    assert consultation.state == ConsultationState.RESOLVED and consultation.outcome
    assert consultation.units.count() >= 3
    assert (
        Contribution.objects.filter(consultation=consultation).values("unit").distinct().count()
        >= 3
    )
    army_task = Task.objects.get(decision__consultation=consultation, resolves_need=True)
    assert army_task.unit.unit_kind == UnitKind.ARMY and army_task.state == TaskState.VERIFIED
    assert road.assignee_org_id == army_task.unit_id
    assert road.resolved_at and army_task.done_at
    assert road.resolved_at >= army_task.done_at  # resolved by the verification
    # A need still with the committee: on its needs list and the next meeting's agenda.
    well = Need.objects.get(description=WELL)
    assert well.consultation_id == committee.pk and well.state in (State.ESCALATED,)
    assert Consultation.objects.get(need=well).state == ConsultationState.OPEN
    assert upcoming.agenda.filter(need=well).exists()
    listed = [i.need.pk for t in needlist.needs_list(committee, member) for i in t.items]
    assert well.pk in listed

    # The assessment of the last half-year: every unit scored by each other unit and by the
    # community, never by itself; closed, with a ranked row per unit.
    assessment = Assessment.objects.get(committee=committee)
    assert assessment.state == AssessmentState.CLOSED
    assert assessment.ends_on < timezone.localtime(end).date()
    assert (assessment.ends_on - assessment.starts_on).days > 170
    scores = PeerScore.objects.filter(assessment=assessment)
    assert scores.count() == len(units) * len(units)  # (n - 1) units and the community each
    assert scores.filter(by_unit__isnull=True).count() == len(units)  # the community's
    assert not scores.filter(by_unit=F("unit")).exists()
    rows = list(assessment.rows.order_by("rank"))
    assert len(rows) == len(units) == built.ranked
    assert rows[0].rank == 1 and rows[0].score >= rows[-1].score
    assert all(r.peer_count == len(units) and r.meetings >= 5 for r in rows)

    # Each record's timeline reads in time order, and nothing is dated after the end.
    last: dict[tuple[str, int], dt.datetime] = {}
    for event in CommitteeEvent.objects.order_by("id"):
        key = _record_of(event)
        assert event.created_at <= end
        assert event.created_at >= last.get(key, event.created_at)
        last[key] = event.created_at
    # Notices of the past are read; those about what still waits are not.
    unread = Notification.objects.filter(read_at__isnull=True)
    waiting = [meetings.meeting_url(upcoming)] + [
        f"/console/committees/tasks/{pk}/"
        for pk in Task.objects.open().values_list("pk", flat=True)
    ]
    assert unread.filter(url=waiting[0]).exists()
    assert (
        not unread.filter(created_at__lt=end - dt.timedelta(days=2))
        .exclude(url__in=waiting)
        .exists()
    )


def _record_of(event: CommitteeEvent) -> tuple[str, int]:
    for name in ("task", "meeting", "consultation", "assessment"):
        if pk := getattr(event, f"{name}_id"):
            return name, pk
    return "committee", event.committee_id


def _rel(moment: dt.datetime | None, end: dt.datetime) -> float | None:
    return None if moment is None else (moment - end).total_seconds()


def snapshot(end: dt.datetime) -> dict[str, Any]:
    """What must not change between builds: everything but database ids and need numbers."""
    r = _rel
    return {
        "pledges": sorted(
            Pledge.objects.values_list("unit__name", "kind", "description", "quantity")
        ),
        "goals": sorted(
            Goal.objects.values_list("title", "measure", "target", "typed_value", "year")
        ),
        "meetings": [
            (
                r(m.starts_at, end),
                m.state,
                m.minutes,
                m.checkin_key,
                r(m.noticed_at, end),
                [
                    (
                        a.kind,
                        a.need.description if a.need else "",
                        a.task.title if a.task else "",
                        a.text,
                        a.unit.name if a.unit else "",
                    )
                    for a in m.agenda.select_related("need", "task", "unit")
                ],
                sorted(
                    (
                        a.person.mobile,
                        a.unit.name if a.unit else "",
                        a.by_qr,
                        a.distance_m,
                        r(a.at, end),
                    )
                    for a in m.attendance.select_related("person", "unit")
                ),
            )
            for m in Meeting.objects.order_by("starts_at")
        ],
        "decisions": [
            (d.text, d.need.description if d.need else "", r(d.created_at, end))
            for d in Decision.objects.select_related("need").order_by("id")
        ],
        "tasks": [
            (
                t.title,
                t.unit.name,
                t.owner.mobile if t.owner else "",
                t.state,
                t.done_on_time,
                t.result,
                t.return_reason,
                r(t.due, end),
                r(t.done_at, end),
                r(t.verified_at, end),
            )
            for t in Task.objects.select_related("unit", "owner").order_by("id")
        ],
        "events": [
            (
                e.action,
                e.seq,
                e.from_state,
                e.to_state,
                e.note,
                r(e.created_at, end),
                e.actor.mobile if e.actor else "",
                e.unit.name if e.unit else "",
            )
            for e in CommitteeEvent.objects.select_related("actor", "unit").order_by("id")
        ],
        "consultations": [
            (
                c.state,
                c.need.description,
                c.outcome,
                c.held_on and (c.held_on - end.date()).days,
                sorted(c.units.values_list("name", flat=True)),
                list(c.contributions.values_list("unit__name", "text")),
            )
            for c in Consultation.objects.select_related("need").order_by("id")
        ],
        "needs": sorted(
            Need.objects.filter(description__in=[ROAD, WELL]).values_list(
                "description", "state", "rating", "assignee_org__name"
            )
        ),
        "scores": sorted(
            PeerScore.objects.values_list("by_unit__name", "unit__name", "score", "by__mobile"),
            key=str,
        ),
        "rows": list(
            Assessment.objects.get()
            .rows.order_by("rank", "unit__name")
            .values_list("unit__name", "tasks_due", "tasks_done", "tasks_on_time", "tasks_returned")
        )
        + list(Assessment.objects.get().rows.values_list("score", "rank").order_by("rank")),
        "unread": sorted(
            Notification.objects.filter(read_at__isnull=True)
            .values_list("recipient__mobile", "kind")
            .order_by()
        ),
    }


class _Undo(Exception):
    pass


def test_building_twice_gives_the_same_year(region: Organisation) -> None:
    end = _end()
    shots = []
    for _i in range(2):
        try:
            with transaction.atomic():
                build_demo_committees(days=200, end=end)
                shots.append(snapshot(end))
                raise _Undo
        except _Undo:
            pass
    assert shots[0]["meetings"] and shots[0]["tasks"] and shots[0]["events"]
    for part in shots[0]:
        assert shots[0][part] == shots[1][part], part


def test_a_short_history_builds_what_fits(region: Organisation) -> None:
    built = build_demo_committees(days=42, end=_end())
    assert 1 <= built.meetings <= 2 and built.pledges > 0
    assert Need.objects.filter(description=ROAD, state=State.CLOSED).exists()


def test_without_the_committee_nothing_is_built() -> None:
    assert build_demo_committees(end=_end()).meetings == 0
    assert not Meeting.objects.exists()
