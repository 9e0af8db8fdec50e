"""The assessment of member units (考核共评): opening, peer scores (no self-scoring, once per
pair, only the committee's units and the community), the table computed from a hand-made
March 2025 (tasks on time, late and returned; needs resolved; attendance; peer scores), the
weights kept from the opening, closing, and the xlsx."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from civicgrid.committees import assessment as service
from civicgrid.committees import work
from civicgrid.committees.models import (
    Assessment,
    AssessmentRow,
    AssessmentState,
    AssessmentWeight,
    Attendance,
    CommitteeEvent,
    Meeting,
    MeetingState,
    PeerScore,
)
from civicgrid.committees.tests.factories import Board, board
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs import workflow
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Organisation, OrgKind, Person, Role
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MARCH = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=TZ)


def gacha(b: Board) -> tuple[Organisation, Person]:
    """A third member unit (a gacha) whose contact is also the grid worker of grid A."""
    unit = Organisation.objects.create(
        name="嘎查", kind=OrgKind.MEMBER_UNIT, node=b.w.t["town1"], committee=b.committee
    )
    contact = nf.person("嘎查书记", roles=[(Role.GRID_WORKER, b.w.t["gridA"])])
    Membership.objects.create(organisation=unit, person=contact)
    return unit, contact


def open_march(b: Board, **kw: object) -> Assessment:
    return service.assessment_open(
        committee=b.committee,
        by=By(person=b.secretary),
        title=str(kw.get("title", "2025年3月")),
        starts_on=MARCH[0],
        ends_on=MARCH[1],
    )


# --- Opening ---------------------------------------------------------------------------------


def test_opening_copies_the_weights_and_refuses_a_bad_or_repeated_period():
    b = board()
    a = open_march(b)
    assert a.state == AssessmentState.SCORING
    assert a.weights == {
        "attendance": "10.00",
        "needs": "15.00",
        "on_time": "20.00",
        "peer": "20.00",
        "returned": "10.00",
        "tasks_done": "25.00",
    }
    event = CommitteeEvent.objects.get(assessment=a)
    assert event.action == "open_period" and event.data["starts_on"] == "2025-03-01"
    with pytest.raises(Invalid) as inverted:
        service.assessment_open(
            committee=b.committee,
            by=By(person=b.secretary),
            title="倒置",
            starts_on=dt.date(2025, 4, 1),
            ends_on=dt.date(2025, 3, 1),
        )
    assert "ends_on" in inverted.value.details["fields"]
    with pytest.raises(Invalid) as again:
        open_march(b, title="再来一次")
    assert "starts_on" in again.value.details["fields"]  # the period is taken


@pytest.mark.parametrize("who", ["police_contact", "army_contact", "outsider"])
def test_only_the_committees_staff_open_an_assessment(who: str):
    b = board()
    with pytest.raises(NotAllowed):
        service.assessment_open(
            committee=b.committee,
            by=By(person=getattr(b, who)),
            title="x",
            starts_on=MARCH[0],
            ends_on=MARCH[1],
        )
    with pytest.raises(NotAllowed):
        service.assessment_open(
            committee=b.committee,
            by=By(person=b.w.leader),
            title="x",
            starts_on=MARCH[0],
            ends_on=MARCH[1],
        )


# --- Peer scores -------------------------------------------------------------------------------


def test_a_unit_scores_each_other_unit_once_and_never_itself():
    b = board()
    a = open_march(b)
    score = service.peer_score(
        assessment=a, by=By(person=b.police_contact), unit=b.army, score=88, by_unit=b.police
    )
    assert (score.by_unit_id, score.unit_id, score.score) == (b.police.pk, b.army.pk, 88)
    event = CommitteeEvent.objects.get(assessment=a, action="score")
    assert event.data == {"unit": b.army.pk, "score": 88, "by_unit": b.police.pk}
    with pytest.raises(Conflict) as twice:
        service.peer_score(
            assessment=a, by=By(person=b.police_contact), unit=b.army, score=90, by_unit=b.police
        )
    assert twice.value.code == "scored"
    with pytest.raises(Invalid) as itself:
        service.peer_score(assessment=a, by=By(person=b.police_contact), unit=b.police, score=100)
    assert itself.value.code == "self_scoring"
    # A person of one unit need not say which: the unit is theirs.
    service.peer_score(assessment=a, by=By(person=b.army_contact), unit=b.police, score=70)
    assert PeerScore.objects.filter(assessment=a, by_unit=b.army, unit=b.police).exists()


@pytest.mark.parametrize("bad", [-1, 101, 50.5, "80", True])
def test_a_score_is_a_whole_number_from_0_to_100(bad: Any):
    b = board()
    a = open_march(b)
    with pytest.raises(Invalid):
        service.peer_score(
            assessment=a, by=By(person=b.police_contact), unit=b.army, score=bad, by_unit=b.police
        )


def test_the_database_refuses_self_scoring_and_a_second_score_of_a_pair():
    b = board()
    a = open_march(b)
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerScore.objects.create(assessment=a, by_unit=b.army, unit=b.army, score=100, at=now)
    PeerScore.objects.create(assessment=a, by_unit=b.police, unit=b.army, score=80, at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerScore.objects.create(assessment=a, by_unit=b.police, unit=b.army, score=90, at=now)
    PeerScore.objects.create(assessment=a, by_unit=None, unit=b.army, score=70, at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerScore.objects.create(assessment=a, by_unit=None, unit=b.army, score=75, at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerScore.objects.create(assessment=a, by_unit=b.police, unit=b.police, score=101, at=now)


def test_a_unit_of_another_committee_and_a_stranger_cannot_score():
    b = board()
    a = open_march(b)
    with pytest.raises(NotAllowed):
        service.peer_score(
            assessment=a,
            by=By(person=b.outsider),
            unit=b.army,
            score=10,
            by_unit=b.outsider_unit,
        )
    with pytest.raises(NotAllowed):
        service.peer_score(assessment=a, by=By(person=b.outsider), unit=b.army, score=10)
    # Nor for a unit of this committee they do not belong to.
    with pytest.raises(NotAllowed):
        service.peer_score(
            assessment=a, by=By(person=b.outsider), unit=b.army, score=10, by_unit=b.police
        )
    # Nor can a unit of this committee score a unit of another one.
    with pytest.raises(Invalid):
        service.peer_score(
            assessment=a,
            by=By(person=b.police_contact),
            unit=b.outsider_unit,
            score=10,
            by_unit=b.police,
        )
    # A read-only leader is no community scorer; community staff of another place neither.
    for who in (b.w.leader, b.w.stranger, b.w.dispatcher):
        with pytest.raises(NotAllowed):
            service.peer_score(assessment=a, by=By(person=who), unit=b.army, score=10)
    assert not PeerScore.objects.exists()


def test_the_community_scores_each_unit_once_through_its_staff():
    b = board()
    a = open_march(b)
    # Community staff over the committee's node (the town), and the committee's staff.
    service.peer_score(assessment=a, by=By(person=b.w.town_staff), unit=b.army, score=75)
    service.peer_score(assessment=a, by=By(person=b.secretary), unit=b.police, score=65)
    with pytest.raises(Conflict):
        service.peer_score(assessment=a, by=By(person=b.secretary), unit=b.army, score=99)
    assert sorted(
        PeerScore.objects.filter(assessment=a, by_unit=None).values_list("unit_id", "score")
    ) == sorted([(b.army.pk, 75), (b.police.pk, 65)])


def test_a_person_of_two_units_says_which_unit_they_score_for():
    b = board()
    Membership.objects.create(organisation=b.army, person=b.police_contact)
    gacha_unit, _contact = gacha(b)
    a = open_march(b)
    with pytest.raises(Invalid) as which:
        service.peer_score(assessment=a, by=By(person=b.police_contact), unit=gacha_unit, score=60)
    assert "by_unit" in which.value.details["fields"]
    service.peer_score(
        assessment=a,
        by=By(person=b.police_contact),
        unit=gacha_unit,
        score=60,
        by_unit=b.army,
    )


def test_no_score_after_closing():
    b = board()
    a = open_march(b)
    service.assessment_close(assessment=a, by=By(person=b.secretary))
    with pytest.raises(Conflict):
        service.peer_score(assessment=a, by=By(person=b.police_contact), unit=b.army, score=80)
    assert not PeerScore.objects.exists()


def test_several_scores_are_all_or_none_and_a_refusal_names_its_field():
    b = board()
    a = open_march(b)
    with pytest.raises(Invalid) as refused:
        service.peer_scores(
            assessment=a,
            by=By(person=b.police_contact),
            scores={b.army: 80, b.police: 90},
            by_unit=b.police,
        )
    assert f"unit_{b.police.pk}" in refused.value.details["fields"]
    assert not PeerScore.objects.exists()


# --- The table of a hand-made March ------------------------------------------------------------


def _resolve(b: Board, when: dt.datetime, *, unit: Organisation | None, person: Person) -> None:
    """A need of grid A resolved at `when`: dispatched to `unit` (then taken by `person`), or
    left to the grid's workers and taken by `person`, a grid worker."""
    with time_machine.travel(when - dt.timedelta(hours=2), tick=False):
        need = needf.raise_need(b.w)
        needf.follow_up()
        need.refresh_from_db()
        workflow.need_dispatch(need=need, by=By(person=b.w.dispatcher), to=unit)
        need.refresh_from_db()
        workflow.need_take(need=need, by=By(person=person))
    with time_machine.travel(when, tick=False):
        need.refresh_from_db()
        workflow.need_resolve(need=need, by=By(person=person), reason="已解决")


def _task(b: Board, unit: Organisation, due: dt.datetime, title: str):
    with time_machine.travel(at(2, 20), tick=False):
        return work.task_create(
            committee=b.committee, by=By(person=b.secretary), title=title, unit=unit, due=due
        )


def _meeting(b: Board, start: dt.datetime, state: str = MeetingState.HELD) -> Meeting:
    return Meeting.objects.create(
        committee=b.committee,
        title=f"联席会议 {start:%m-%d}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        node=b.w.t["town1"],
        state=state,
        checkin_key="k" * 32,
    )


def _attend(meeting: Meeting, person: Person, unit: Organisation) -> None:
    Attendance.objects.create(meeting=meeting, person=person, unit=unit, at=meeting.starts_at)


def march(b: Board) -> tuple[Assessment, Organisation, Person]:
    """The hand-made history (see the expected table in the test below)."""
    g, g_contact = gacha(b)
    army, police = By(person=b.army_contact), By(person=b.police_contact)
    # The army: T1 on time and verified, T2 late, T3 returned, T4 accepted and not done.
    t1 = _task(b, b.army, at(3, 10), "T1")
    t2 = _task(b, b.army, at(3, 20), "T2")
    t3 = _task(b, b.army, at(3, 15), "T3")
    t4 = _task(b, b.army, at(3, 28), "T4")
    with time_machine.travel(at(3, 1), tick=False):
        for t in (t1, t2, t4):
            work.task_accept(task=t, by=army)
    with time_machine.travel(at(3, 5), tick=False):
        work.task_return(task=t3, by=army, reason="无此能力")
    with time_machine.travel(at(3, 8), tick=False):
        work.task_done(task=t1, by=army, result="完成")
        work.task_verify(task=t1, by=By(person=b.secretary))
    with time_machine.travel(at(3, 25), tick=False):
        work.task_done(task=t2, by=army, result="晚了")
    # The police: T5 on time; T6 (due in April) returned in March; T7 cancelled.
    t5 = _task(b, b.police, at(3, 12), "T5")
    t6 = _task(b, b.police, at(4, 5), "T6")
    t7 = _task(b, b.police, at(3, 18), "T7")
    with time_machine.travel(at(3, 3), tick=False):
        work.task_return(task=t6, by=police, reason="不归我们管")
        work.task_cancel(task=t7, by=By(person=b.secretary), reason="不再需要")
        work.task_accept(task=t5, by=police)
    with time_machine.travel(at(3, 11), tick=False):
        work.task_done(task=t5, by=police, result="完成")
    # A task of the army due in February: not this period's.
    t0 = _task(b, b.army, at(2, 25), "T0")
    with time_machine.travel(at(2, 24), tick=False):
        work.task_accept(task=t0, by=army)
        work.task_done(task=t0, by=army, result="完成")
    # Needs: the army resolves two, the police one in March and one in April; the gacha's
    # contact, as grid worker, one (no unit handles it: the resolver's unit is credited).
    _resolve(b, at(3, 6), unit=b.army, person=b.army_contact)
    _resolve(b, at(3, 16), unit=b.army, person=b.army_contact)
    _resolve(b, at(3, 9), unit=b.police, person=b.police_contact)
    _resolve(b, at(4, 2), unit=b.police, person=b.police_contact)
    _resolve(b, at(3, 21), unit=None, person=g_contact)
    # Meetings: three held or recorded in March, one only scheduled, one held in April.
    m1, m2, m3 = _meeting(b, at(3, 4)), _meeting(b, at(3, 14)), _meeting(b, at(3, 24))
    Meeting.objects.filter(pk=m3.pk).update(state=MeetingState.RECORDED)
    _meeting(b, at(3, 30), MeetingState.SCHEDULED)
    april = _meeting(b, at(4, 8))
    for m in (m1, m2, m3):
        _attend(m, b.army_contact, b.army)
    _attend(m1, b.police_contact, b.police)
    _attend(m2, b.police_contact, b.police)
    _attend(m3, g_contact, g)
    _attend(april, g_contact, g)
    a = open_march(b)
    scores = [
        (b.police_contact, b.police, b.army, 90),
        (g_contact, g, b.army, 80),
        (b.w.town_staff, None, b.army, 70),
        (b.army_contact, b.army, b.police, 60),
        (g_contact, g, b.police, 70),
        (b.army_contact, b.army, g, 50),
        (b.police_contact, b.police, g, 40),
        (b.secretary, None, g, 60),
    ]
    for who, for_unit, unit, score in scores:
        service.peer_score(
            assessment=a, by=By(person=who), unit=unit, score=score, by_unit=for_unit
        )
    return a, g, g_contact


EXPECTED = [
    # unit, due, done, on time, returned, needs, meetings, attended, peer, peers, score, rank
    # police: 25·1 + 20·1 + 10·(1 − 1/2) + 15·(1/2) + 10·(2/3) + 20·0.65 = 77.17
    ("边境派出所", 1, 1, 1, 1, 1, 3, 2, Decimal("65.0"), 2, Decimal("77.2"), 1),
    # army: 25·0.5 + 20·0.25 + 10·0.75 + 15·1 + 10·1 + 20·0.8 = 66
    ("驻地部队", 4, 2, 1, 1, 2, 3, 3, Decimal("80.0"), 3, Decimal("66.0"), 2),
    # gacha, no task: (15·(1/2) + 10·(1/3) + 20·0.5) / 45 · 100 = 46.30
    ("嘎查", 0, 0, 0, 0, 1, 3, 1, Decimal("50.0"), 3, Decimal("46.3"), 3),
]


def _as_tuples(rows: list[AssessmentRow]) -> list[tuple[object, ...]]:
    return [
        (
            r.unit.name,
            r.tasks_due,
            r.tasks_done,
            r.tasks_on_time,
            r.tasks_returned,
            r.needs_resolved,
            r.meetings,
            r.meetings_attended,
            r.peer_score,
            r.peer_count,
            r.score,
            r.rank,
        )
        for r in rows
    ]


def test_the_table_of_a_hand_made_march():
    b = board()
    a, _g, _contact = march(b)
    rows = service.compute(a)
    assert _as_tuples(rows) == EXPECTED
    assert _as_tuples(service.table(a)) == EXPECTED
    a.refresh_from_db()
    assert a.computed_at is not None
    # Recomputed from the same history, the same table (the rows are replaced, not added).
    service.recompute(a)
    assert AssessmentRow.objects.filter(assessment=a).count() == 3
    assert _as_tuples(service.table(a)) == EXPECTED
    # Closing computes it one last time.
    closed = service.assessment_close(assessment=a, by=By(person=b.secretary))
    assert closed.state == AssessmentState.CLOSED
    assert _as_tuples(service.table(a)) == EXPECTED
    assert (
        list(CommitteeEvent.objects.filter(assessment=a).values_list("action", flat=True)).count(
            "close"
        )
        == 1
    )
    with pytest.raises(Conflict):
        service.assessment_recompute(assessment=a, by=By(person=b.secretary))


def test_the_xlsx_holds_the_weights_and_the_ranked_rows():
    b = board()
    a, _g, _contact = march(b)
    service.compute(a)
    with translation.override("en"):
        content = service.workbook(a, service.table(a))
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "一镇联合党委" in values[0][0]
    assert values[1][0] == "Measure" and len([v for v in values[1] if v]) == 7
    assert values[2][1:7] == [25, 20, 10, 15, 10, 20]
    assert values[4][:2] == ["Rank", "Member unit"]
    body = [r[:12] for r in values[5:8]]
    assert body == [
        [1, "边境派出所", 1, 1, 1, 1, 1, 3, 2, 65, 2, 77.2],
        [2, "驻地部队", 4, 2, 1, 1, 2, 3, 3, 80, 3, 66],
        [3, "嘎查", 0, 0, 0, 0, 1, 3, 1, 50, 3, 46.3],
    ]


def test_weights_changed_after_opening_do_not_change_the_assessment():
    b = board()
    a = open_march(b)
    service.peer_score(assessment=a, by=By(person=b.army_contact), unit=b.police, score=70)
    service.peer_score(assessment=a, by=By(person=b.police_contact), unit=b.army, score=40)
    AssessmentWeight.objects.filter(measure="peer").update(weight=0)
    AssessmentWeight.objects.filter(measure="attendance").update(weight=90)
    rows = {r.unit_id: r for r in service.compute(a)}
    # Nothing else happened in March: the score is the peer average alone, at the old weights.
    assert (rows[b.police.pk].score, rows[b.police.pk].rank) == (Decimal("70.0"), 1)
    assert (rows[b.army.pk].score, rows[b.army.pk].rank) == (Decimal("40.0"), 2)
    a.refresh_from_db()
    assert a.weights["peer"] == "20.00"
    # A new assessment takes the new weights.
    later = service.assessment_open(
        committee=b.committee,
        by=By(person=b.secretary),
        title="4月",
        starts_on=dt.date(2025, 4, 1),
        ends_on=dt.date(2025, 4, 30),
    )
    assert later.weights["peer"] == "0.00" and later.weights["attendance"] == "90.00"


@pytest.mark.parametrize(
    ("scores", "ranks"),
    [
        ([Decimal("80"), Decimal("70"), Decimal("60")], [1, 2, 3]),
        ([Decimal("80"), Decimal("80"), Decimal("60")], [1, 1, 3]),
        ([Decimal("50"), Decimal("90"), Decimal("50")], [2, 1, 2]),
        ([Decimal("0"), Decimal("0"), Decimal("0")], [1, 1, 1]),
    ],
)
def test_equal_scores_share_a_rank(scores: list[Decimal], ranks: list[int]):
    units = [Organisation(pk=i + 1, name=f"单位{i}") for i in range(3)]
    rows = [AssessmentRow(unit=u, score=s) for u, s in zip(units, scores, strict=True)]
    service.rank(rows)
    assert [r.rank for r in sorted(rows, key=lambda r: r.unit_id)] == ranks


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        ({}, Decimal("0")),
        ({"peer": Decimal("0.5")}, Decimal("50.0")),
        ({"tasks_done": Decimal("1"), "peer": Decimal("0")}, Decimal("55.6")),  # 25/45
        ({m: Decimal("1") for m in service.MEASURES}, Decimal("100.0")),
    ],
)
def test_the_score_is_scaled_by_the_weights_of_the_measures_present(measured, expected):
    weights = {
        "tasks_done": Decimal(25),
        "on_time": Decimal(20),
        "returned": Decimal(10),
        "needs": Decimal(15),
        "attendance": Decimal(10),
        "peer": Decimal(20),
    }
    assert service.score_of(measured, weights) == expected
