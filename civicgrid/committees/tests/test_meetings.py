"""Joint meetings (联席会议), at the service level: the transition table × actor kinds, the
schedule that creates meetings (idempotent) with their agenda and notice, check-in by the
poster's key, decisions that become tasks (through a consultation when the need has one), and
the record as a real PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db.models.query import QuerySet
from django.utils import timezone

from civicgrid.committees import consultations, meeting_record, meetings
from civicgrid.committees.consultations import TaskSpec
from civicgrid.committees.meetings import Action
from civicgrid.committees.models import (
    AgendaItem,
    AgendaKind,
    Attendance,
    CommitteeEvent,
    Consultation,
    ConsultationState,
    ListedNeed,
    Meeting,
    MeetingSeries,
    MeetingState,
    TaskState,
)
from civicgrid.committees.tests.factories import Board, board, escalated_need, task
from civicgrid.core.errors import Conflict, DomainError, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.needs.models import State
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db

ST = MeetingState
# The meeting's place, and points 1 km and 3 km from it (about 0.009° of latitude per km).
LAT, LON = 46.5, 121.0
NEAR = (LAT + 0.009, LON)
FAR = (LAT + 0.027, LON)


def new_meeting(b: Board, *, starts_in: timedelta = timedelta(minutes=30), **fields: Any):
    starts = timezone.now() + starts_in
    return meetings.meeting_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title=fields.pop("title", "边境党建联席会议"),
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        node=b.w.t["town1"],
        lat=LAT,
        lon=LON,
        **fields,
    )


def force(meeting: Meeting, state: str) -> Meeting:
    """Test set-up only: put a meeting straight into a state (with minutes, so it may be
    sealed)."""
    Meeting.objects.filter(pk=meeting.pk).update(state=state, minutes="会议纪要")
    meeting.refresh_from_db()
    return meeting


# --- The transition table × actor kinds -------------------------------------------------------

ACTORS = ("staff", "unit", "outsider", "leader")


def actor(b: Board, kind: str) -> Person:
    return {
        "staff": b.secretary,
        "unit": b.army_contact,
        "outsider": b.outsider,
        "leader": b.w.leader,
    }[kind]


# Written out by hand: what each actor may do in each state (meetings.allowed_actions).
A = Action
ALLOWED: dict[tuple[str, str], set[Action]] = {
    ("staff", ST.SCHEDULED): {A.HOLD, A.CANCEL, A.NOTIFY, A.AGENDA, A.ATTEND},
    ("staff", ST.HELD): {A.RECORD, A.AGENDA, A.ATTEND, A.MINUTES, A.DECIDE},
    ("staff", ST.RECORDED): set(),
    ("staff", ST.CANCELLED): set(),
    ("unit", ST.SCHEDULED): {A.AGENDA, A.ATTEND},
    ("unit", ST.HELD): {A.AGENDA, A.ATTEND},
    ("unit", ST.RECORDED): set(),
    ("unit", ST.CANCELLED): set(),
    **{(k, s): set() for k in ("outsider", "leader") for s in ST.values},
}

# The state moves: (action, from) → to; everything else is refused.
MOVES = {
    (A.HOLD, ST.SCHEDULED): ST.HELD,
    (A.RECORD, ST.HELD): ST.RECORDED,
    (A.CANCEL, ST.SCHEDULED): ST.CANCELLED,
}

COMMANDS: dict[Action, Callable[..., Meeting]] = {
    A.HOLD: lambda m, by: meetings.meeting_hold(meeting=m, by=by),
    A.RECORD: lambda m, by: meetings.meeting_record(meeting=m, by=by),
    A.CANCEL: lambda m, by: meetings.meeting_cancel(meeting=m, by=by, reason="改期"),
}


@pytest.mark.parametrize("kind", ACTORS)
def test_allowed_actions_follow_the_table(kind):
    b = board()
    meeting = new_meeting(b)
    by = By(person=actor(b, kind))
    for state in ST.values:
        force(meeting, state)
        assert set(meetings.allowed_actions(meeting, by)) == ALLOWED[(kind, state)], state


def test_the_system_notifies_and_builds_the_agenda_only():
    b = board()
    meeting = new_meeting(b)
    assert set(meetings.allowed_actions(meeting, meetings.SYSTEM)) == {A.NOTIFY, A.AGENDA}


@pytest.mark.parametrize("kind", ACTORS)
@pytest.mark.parametrize("action", list(COMMANDS))
def test_each_move_from_each_state(kind, action):
    b = board()
    by = By(person=actor(b, kind))
    for state in ST.values:
        meeting = force(new_meeting(b), state)
        events_before = CommitteeEvent.objects.filter(meeting=meeting).count()
        target = MOVES.get((action, state)) if kind == "staff" else None
        if target is None:
            expected = NotAllowed if kind != "staff" else Conflict
            with pytest.raises(expected):
                COMMANDS[action](meeting, by)
            meeting.refresh_from_db()
            assert meeting.state == state, (action, state, kind)
            assert CommitteeEvent.objects.filter(meeting=meeting).count() == events_before
        else:
            COMMANDS[action](meeting, by)
            meeting.refresh_from_db()
            assert meeting.state == target
            last = CommitteeEvent.objects.filter(meeting=meeting).latest("seq")
            assert (last.action, last.from_state, last.to_state) == (str(action), state, target)
            assert last.actor_id == b.secretary.pk


def test_holding_waits_for_the_meeting_and_cancelling_needs_a_reason():
    b = board()
    meeting = new_meeting(b, starts_in=timedelta(days=3))
    staff = By(person=b.secretary)
    with pytest.raises(Conflict) as refused:
        meetings.meeting_hold(meeting=meeting, by=staff)
    assert refused.value.code == "too_early"
    meetings.meeting_hold(meeting=meeting, by=staff, now=meeting.starts_at - timedelta(minutes=5))
    other = new_meeting(b)
    with pytest.raises(Invalid):
        meetings.meeting_cancel(meeting=other, by=staff, reason="  ")


def test_sealing_needs_minutes_and_ends_minutes_and_decisions():
    b = board()
    meeting = new_meeting(b)
    staff = By(person=b.secretary)
    meetings.meeting_hold(meeting=meeting, by=staff)
    with pytest.raises(Invalid):
        meetings.meeting_record(meeting=meeting, by=staff)
    meetings.meeting_minutes(meeting=meeting, by=staff, minutes="一、通报情况。")
    meetings.meeting_record(meeting=meeting, by=staff)
    with pytest.raises(Conflict):
        meetings.meeting_minutes(meeting=meeting, by=staff, minutes="改")
    spec = TaskSpec(unit=b.army, title="修路", due=timezone.now() + timedelta(days=5))
    with pytest.raises(Conflict):
        meetings.meeting_decide(meeting=meeting, by=staff, text="决定", tasks=[spec])


def test_only_staff_create_meetings_in_the_committees_area():
    b = board()
    starts = timezone.now() + timedelta(days=2)
    common = {
        "committee": b.committee,
        "title": "会",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
    }
    for who in (b.army_contact, b.outsider, b.w.leader):
        with pytest.raises(NotAllowed):
            meetings.meeting_create(by=By(person=who), node=b.w.t["town1"], **common)
    with pytest.raises(Invalid) as outside:
        meetings.meeting_create(by=By(person=b.secretary), node=b.w.t["town2"], **common)
    assert "node" in outside.value.details["fields"]
    with pytest.raises(Invalid):
        meetings.meeting_create(
            by=By(person=b.secretary), node=b.w.t["town1"], **{**common, "ends_at": starts}
        )
    meeting = meetings.meeting_create(by=By(person=b.secretary), node=b.w.t["comm1"], **common)
    assert len(meeting.checkin_key) >= 20 and meeting.state == ST.SCHEDULED


# --- Schedules, the agenda and the notice -----------------------------------------------------


def local(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def test_schedule_is_idempotent_and_draws_the_agenda():
    b = board()
    escalated = escalated_need(b)
    overdue = needf.force(needf.raise_need(b.w), overdue_at=timezone.now())
    far_away = needf.force(needf.raise_need(b.w, node=b.w.t["gridC"]), overdue_at=timezone.now())
    on_time = needf.raise_need(b.w)
    asked = needf.raise_need(b.w)
    ListedNeed.objects.create(committee=b.committee, need=asked, unit=b.police, by=b.police_contact)
    open_task = task(b, title="巡边")
    meetings.series_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title="月度边境党建联席会议",
        day_of_month=10,
        time=dt.time(9, 0),
        node=b.w.t["town1"],
        lead_days=14,
    )
    now = local(2030, 3, 1, 8, 0)
    assert meetings.schedule(now - timedelta(days=10)) == 0  # 10 March is 19 days away
    assert meetings.schedule(now) == 1
    assert meetings.schedule(now) == 0
    assert meetings.schedule(now + timedelta(hours=5)) == 0
    meeting = Meeting.objects.get()
    assert meeting.starts_at == local(2030, 3, 10, 9, 0)
    assert meeting.ends_at == local(2030, 3, 10, 11, 0)
    agenda = list(AgendaItem.objects.filter(meeting=meeting))
    needs = [i.need_id for i in agenda if i.kind == AgendaKind.NEED]
    assert needs[0] == escalated.pk  # escalated first
    assert set(needs) == {escalated.pk, overdue.pk, asked.pk}
    assert far_away.pk not in needs and on_time.pk not in needs
    assert next(i.unit_id for i in agenda if i.need_id == asked.pk) == b.police.pk
    assert [i.task_id for i in agenda if i.kind == AgendaKind.TASK] == [open_task.pk]
    # The notice went to the member units' people and the committee's members, once.
    meeting.refresh_from_db()
    assert meeting.noticed_at is not None
    told = set(
        Notification.objects.filter(kind="meeting_notice").values_list("recipient_id", flat=True)
    )
    assert told == {
        b.secretary.pk,
        b.w.committee_member.pk,
        b.police_contact.pk,
        b.army_contact.pk,
    }
    note = Notification.objects.filter(kind="meeting_notice").first()
    assert note is not None and note.data["title"] == "月度边境党建联席会议"
    assert note.url == f"/console/committees/meetings/{meeting.pk}/"
    # The next month's meeting comes when it is within the lead time.
    assert meetings.schedule(local(2030, 3, 27, 9, 0)) == 1
    assert Meeting.objects.filter(starts_at=local(2030, 4, 10, 9, 0)).exists()


def test_two_workers_create_a_series_meeting_once():
    """The second worker's existence check saw nothing; its insert fails on the unique
    constraint in a savepoint and is skipped."""
    b = board()
    meetings.series_create(
        committee=b.committee,
        by=By(person=b.secretary),
        title="月度会",
        day_of_month=10,
        time=dt.time(9, 0),
        node=b.w.t["town1"],
    )
    now = local(2030, 3, 1, 8, 0)
    assert meetings.schedule(now) == 1
    with mock.patch.object(QuerySet, "exists", return_value=False):
        assert meetings.schedule(now) == 0
    assert Meeting.objects.count() == 1
    assert Notification.objects.filter(kind="meeting_notice").count() == 4


def test_a_stopped_schedule_creates_nothing_and_bad_schedules_are_refused():
    b = board()
    staff = By(person=b.secretary)
    common = {"committee": b.committee, "title": "会", "time": dt.time(9, 0)}
    with pytest.raises(Invalid):
        meetings.series_create(by=staff, day_of_month=31, node=b.w.t["town1"], **common)
    with pytest.raises(Invalid):
        meetings.series_create(by=staff, day_of_month=5, node=b.w.t["town2"], **common)
    with pytest.raises(NotAllowed):
        meetings.series_create(
            by=By(person=b.army_contact), day_of_month=5, node=b.w.t["town1"], **common
        )
    series = meetings.series_create(by=staff, day_of_month=5, node=b.w.t["town1"], **common)
    meetings.series_set_active(series=series, by=staff, active=False)
    assert not MeetingSeries.objects.get().active
    assert meetings.schedule(local(2030, 3, 1, 8, 0)) == 0


def test_rebuilding_the_agenda_adds_only_what_is_new():
    b = board()
    first = escalated_need(b)
    meeting = new_meeting(b, starts_in=timedelta(days=3))
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1
    assert meetings.agenda_build(meeting) == 0
    second = escalated_need(b)
    made = task(b)
    assert meetings.agenda_build(meeting, by=By(person=b.secretary)) == 2
    assert meetings.agenda_build(meeting) == 0
    ids = list(AgendaItem.objects.filter(meeting=meeting).values_list("need_id", "task_id"))
    assert ids == [(first.pk, None), (second.pk, None), (None, made.pk)]
    with pytest.raises(NotAllowed):
        meetings.agenda_build(meeting, by=By(person=b.army_contact))


def test_agenda_items_from_members_for_their_own_unit():
    b = board()
    meeting = new_meeting(b)
    item = meetings.agenda_add(meeting=meeting, by=By(person=b.army_contact), text="冬季巡逻")
    assert item.unit_id == b.army.pk and item.kind == AgendaKind.ITEM
    with pytest.raises(NotAllowed):
        meetings.agenda_add(
            meeting=meeting, by=By(person=b.army_contact), text="替别人说", unit=b.police
        )
    for who in (b.outsider, b.w.leader):
        with pytest.raises(NotAllowed):
            meetings.agenda_add(meeting=meeting, by=By(person=who), text="x")
    with pytest.raises(Invalid):
        meetings.agenda_add(
            meeting=meeting, by=By(person=b.secretary), text="x", unit=b.outsider_unit
        )
    staff_item = meetings.agenda_add(meeting=meeting, by=By(person=b.secretary), text="通报")
    assert staff_item.unit_id is None


def test_the_notice_is_sent_once_unless_forced():
    b = board()
    meeting = new_meeting(b)
    staff = By(person=b.secretary)
    assert meetings.meeting_notify(meeting=meeting, by=staff) == 4
    with pytest.raises(Conflict) as again:
        meetings.meeting_notify(meeting=meeting, by=staff)
    assert again.value.code == "already_noticed"
    assert meetings.meeting_notify(meeting=meeting, by=staff, force=True) == 4
    assert Notification.objects.filter(kind="meeting_notice").count() == 8
    with pytest.raises(NotAllowed):
        meetings.meeting_notify(meeting=meeting, by=By(person=b.army_contact), force=True)
    # Cancelling a noticed meeting tells them again.
    meetings.meeting_cancel(meeting=meeting, by=staff, reason="暴雪")
    assert Notification.objects.filter(kind="meeting_cancelled").count() == 4


# --- Check-in ---------------------------------------------------------------------------------


def test_check_in_by_key_time_distance_and_once():
    b = board()
    meeting = new_meeting(b, starts_in=timedelta(days=1))
    key = meeting.checkin_key
    start, end = meeting.starts_at, meeting.ends_at
    army = b.army_contact

    def check_in(**kw: Any) -> Attendance:
        args = {"meeting": meeting, "person": army, "key": key, "now": start, **kw}
        return meetings.meeting_check_in(**args)

    cases: list[tuple[dict[str, Any], type[DomainError], str]] = [
        ({"key": "guessed-key-000000000"}, NotAllowed, "bad_key"),
        ({"key": ""}, NotAllowed, "bad_key"),
        ({"now": start - timedelta(minutes=61)}, Conflict, "too_early"),
        ({"now": end + timedelta(minutes=61)}, Conflict, "too_late"),
        ({"lat": FAR[0], "lon": FAR[1]}, Invalid, "too_far"),
        ({"lat": 95.0, "lon": 0.0}, Invalid, "bad_point"),
        ({"person": b.outsider}, NotAllowed, "not_a_member"),
        ({"person": b.w.leader}, NotAllowed, "not_a_member"),
    ]
    for params, error, code in cases:
        with pytest.raises(error) as refused:
            check_in(**params)
        assert refused.value.code == code, params
    assert not Attendance.objects.exists()
    came = check_in(lat=NEAR[0], lon=NEAR[1], now=start - timedelta(minutes=59))
    assert came.unit_id == b.army.pk and came.by_qr and 900 < came.distance_m < 1100
    with pytest.raises(Conflict) as twice:
        check_in(now=start + timedelta(minutes=10))
    assert twice.value.code == "already_checked_in"
    # Without a point from the phone, no distance check; the committee's staff need no unit.
    staff = check_in(person=b.secretary, now=end + timedelta(minutes=59))
    assert staff.unit_id is None and staff.distance_m is None
    event = CommitteeEvent.objects.filter(meeting=meeting, action="check_in").first()
    assert event is not None and event.unit_id == b.army.pk
    # A cancelled meeting takes no check-in.
    force(meeting, ST.CANCELLED)
    with pytest.raises(Conflict):
        check_in(person=b.police_contact)


def test_staff_enter_attendance_for_a_unit_its_people_belong_to():
    b = board()
    meeting = new_meeting(b)
    staff = By(person=b.secretary)
    with pytest.raises(Invalid):
        meetings.attendance_record(meeting=meeting, by=staff, person=b.army_contact, unit=b.police)
    with pytest.raises(Invalid):
        meetings.attendance_record(meeting=meeting, by=staff, person=b.army_contact, unit=None)
    with pytest.raises(NotAllowed):
        meetings.attendance_record(
            meeting=meeting, by=By(person=b.army_contact), person=b.army_contact, unit=b.army
        )
    row = meetings.attendance_record(meeting=meeting, by=staff, person=b.army_contact, unit=b.army)
    assert not row.by_qr and row.unit_id == b.army.pk
    with pytest.raises(Conflict):
        meetings.attendance_record(meeting=meeting, by=staff, person=b.army_contact, unit=b.army)
    meetings.attendance_record(meeting=meeting, by=staff, person=b.secretary, unit=None)


# --- Decisions --------------------------------------------------------------------------------


def held_meeting(b: Board) -> Meeting:
    meeting = new_meeting(b)
    return meetings.meeting_hold(meeting=meeting, by=By(person=b.secretary))


def test_a_decision_on_a_need_under_consultation_decides_it_and_tasks_the_army():
    b = board()
    need = escalated_need(b)
    consultation = Consultation.objects.get(need=need)
    meeting = held_meeting(b)
    assert AgendaItem.objects.filter(meeting=meeting, need=need).exists()
    decision = meetings.meeting_decide(
        meeting=meeting,
        by=By(person=b.secretary),
        text="驻地部队出动机械修通乃林郭勒道路",
        need=need,
        tasks=[
            TaskSpec(
                unit=b.army,
                title="出动机械修路",
                due=timezone.now() + timedelta(days=10),
                resolves_need=True,
            )
        ],
    )
    assert decision.meeting_id == meeting.pk and decision.consultation_id == consultation.pk
    consultation.refresh_from_db()
    assert consultation.state == ConsultationState.DECIDED
    made = decision.tasks.get()
    assert (made.unit_id, made.need_id, made.resolves_need) == (b.army.pk, need.pk, True)
    assert made.state == TaskState.ASSIGNED
    need.refresh_from_db()
    assert need.state == State.DISPATCHED and need.assignee_org_id == b.army.pk
    event = CommitteeEvent.objects.filter(meeting=meeting, action="decision").get()
    assert event.data == {"decision": decision.pk, "tasks": [made.pk]}
    assert consultations.live_for(need) == consultation


def test_a_decision_without_a_consultation_gives_its_tasks():
    b = board()
    meeting = held_meeting(b)
    due = timezone.now() + timedelta(days=7)
    decision = meetings.meeting_decide(
        meeting=meeting,
        by=By(person=b.secretary),
        text="冬季联合巡逻",
        tasks=[
            TaskSpec(unit=b.police, title="排班", due=due),
            TaskSpec(unit=b.army, title="出车", due=due),
        ],
    )
    assert decision.consultation_id is None and decision.meeting_id == meeting.pk
    assert sorted(decision.tasks.values_list("unit_id", flat=True)) == sorted(
        [b.police.pk, b.army.pk]
    )


def test_bad_decisions_are_refused_and_change_nothing():
    b = board()
    meeting = held_meeting(b)
    staff = By(person=b.secretary)
    due = timezone.now() + timedelta(days=7)
    plain = needf.raise_need(b.w)  # neither on the agenda nor consulted on
    cases: list[tuple[By, dict[str, Any], type[DomainError]]] = [
        (staff, {"text": "", "tasks": [TaskSpec(unit=b.army, title="x", due=due)]}, Invalid),
        (staff, {"text": "决定", "tasks": []}, Invalid),
        (
            staff,
            {
                "text": "决定",
                "tasks": [TaskSpec(unit=b.army, title="x", due=due, resolves_need=True)],
            },
            Invalid,
        ),
        (
            staff,
            {"text": "决定", "need": plain, "tasks": [TaskSpec(unit=b.army, title="x", due=due)]},
            Invalid,
        ),
        (
            staff,
            {"text": "决定", "tasks": [TaskSpec(unit=b.outsider_unit, title="x", due=due)]},
            Invalid,
        ),
        (
            staff,
            {"text": "决定", "tasks": [TaskSpec(unit=b.army, title="x", due=timezone.now())]},
            Invalid,
        ),
        (
            By(person=b.army_contact),
            {"text": "决定", "tasks": [TaskSpec(unit=b.army, title="x", due=due)]},
            NotAllowed,
        ),
        (
            By(person=b.w.leader),
            {"text": "决定", "tasks": [TaskSpec(unit=b.army, title="x", due=due)]},
            NotAllowed,
        ),
    ]
    for by, params, error in cases:
        with pytest.raises(error):
            meetings.meeting_decide(meeting=meeting, by=by, **params)
    assert not meeting.decisions.exists()
    assert not CommitteeEvent.objects.filter(meeting=meeting, action="decision").exists()


# --- The record -------------------------------------------------------------------------------


def test_the_record_is_a_real_pdf_with_what_happened():
    b = board()
    need = escalated_need(b)
    meeting = held_meeting(b)
    staff = By(person=b.secretary)
    meetings.attendance_record(meeting=meeting, by=staff, person=b.army_contact, unit=b.army)
    meetings.meeting_minutes(meeting=meeting, by=staff, minutes="一、乃林郭勒道路问题。")
    meetings.meeting_decide(
        meeting=meeting,
        by=staff,
        text="部队修路",
        need=need,
        tasks=[TaskSpec(unit=b.army, title="修通道路", due=timezone.now() + timedelta(days=9))],
    )
    meeting = meetings.meeting_record(meeting=meeting, by=staff)
    html = meeting_record.render_html(meeting, b.secretary)
    for text in (
        "边境党建联席会议",
        "驻地部队",
        "连指导员",
        "乃林郭勒道路问题",
        "修通道路",
        need.number,
    ):
        assert text in html, text
    assert "边境派出所" in html  # listed as not present
    document = meeting_record.render(meeting, b.secretary)
    assert document.startswith(b"%PDF")
    assert meeting_record.filename(meeting).endswith(".pdf")


def test_a_schedule_gone_wrong_does_not_stop_the_others():
    b = board()
    common = {"committee": b.committee, "by": By(person=b.secretary), "time": dt.time(9, 0)}
    broken = meetings.series_create(title="坏", day_of_month=10, node=b.w.t["town1"], **common)
    MeetingSeries.objects.filter(pk=broken.pk).update(node=b.w.t["town2"])  # out of the area
    meetings.series_create(title="好", day_of_month=12, node=b.w.t["town1"], **common)
    assert meetings.schedule(local(2030, 3, 1, 8, 0)) == 1
    assert list(Meeting.objects.values_list("title", flat=True)) == ["好"]
