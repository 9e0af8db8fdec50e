"""What a committee counts (帮助解决实际问题N件, meetings held, decisions made, tasks done on
time), per committee and per area, on a hand-made history around March 2025."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.committees import consultations, counts, work
from civicgrid.committees.models import (
    Consultation,
    ConsultationState,
    Decision,
    Meeting,
    MeetingState,
)
from civicgrid.committees.tests.factories import Board, board, escalated_need
from civicgrid.needs import workflow
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Organisation, OrgKind, Person
from civicgrid.network.tests import factories as nf

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2025, 3, 1, tzinfo=TZ)
END = dt.datetime(2025, 4, 1, tzinfo=TZ)


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=TZ)


def travel(when: dt.datetime) -> time_machine.travel:
    return time_machine.travel(when, tick=False)


def resolved(b: Board, when: dt.datetime, unit: Organisation, person: Person) -> Need:
    """A need of grid A dispatched to a member unit and resolved by its person at `when`."""
    with travel(when - dt.timedelta(hours=3)):
        need = needf.raise_need(b.w)
        needf.follow_up()
        need.refresh_from_db()
        workflow.need_dispatch(need=need, by=By(person=b.w.dispatcher), to=unit)
        need.refresh_from_db()
        workflow.need_take(need=need, by=By(person=person))
    with travel(when):
        need.refresh_from_db()
        return workflow.need_resolve(need=need, by=By(person=person), reason="已解决")


def meeting(committee: Organisation, when: dt.datetime, state: str, node) -> Meeting:
    return Meeting.objects.create(
        committee=committee,
        title="联席会议",
        starts_at=when,
        ends_at=when + dt.timedelta(hours=2),
        node=node,
        state=state,
        checkin_key="k" * 32,
    )


def task_done(b: Board, *, due: dt.datetime, done: dt.datetime, verify: dt.datetime | None):
    with travel(at(2, 1)):
        t = work.task_create(
            committee=b.committee,
            by=By(person=b.secretary),
            title="独立任务",
            unit=b.army,
            due=due,
        )
        work.task_accept(task=t, by=By(person=b.army_contact))
    with travel(done):
        work.task_done(task=t, by=By(person=b.army_contact), result="完成")
    if verify is not None:
        with travel(verify):
            work.task_verify(task=t, by=By(person=b.secretary))
    return t


def history(b: Board) -> dict[str, Organisation]:
    t = b.w.t
    # Needs resolved by member units: two in March (one of them twice), one in April, one in
    # February.
    n1 = resolved(b, at(3, 6), b.army, b.army_contact)
    with travel(at(3, 7)):
        workflow.need_reopen(need=n1, by=By(person=b.w.dispatcher), reason="没修好")
        n1.refresh_from_db()
        workflow.need_take(need=n1, by=By(person=b.army_contact))
    with travel(at(3, 8)):
        n1.refresh_from_db()
        workflow.need_resolve(need=n1, by=By(person=b.army_contact), reason="修好了")
    n2 = resolved(b, at(3, 9), b.police, b.police_contact)
    resolved(b, at(4, 2), b.police, b.police_contact)
    resolved(b, at(2, 20), b.police, b.police_contact)
    # A consultation decides; its task (the army's, on time) resolves the need in March.
    with travel(at(2, 25)):
        n5 = escalated_need(b)
        c5 = Consultation.objects.get(need=n5)
        consultations.consultation_decide(
            consultation=c5,
            by=By(person=b.secretary),
            text="部队修路",
            tasks=[
                consultations.TaskSpec(unit=b.army, title="修路", due=at(3, 20), resolves_need=True)
            ],
        )
    task5 = c5.decisions.get().tasks.get()
    with travel(at(3, 2)):
        work.task_accept(task=task5, by=By(person=b.army_contact))
    with travel(at(3, 10)):
        work.task_done(task=task5, by=By(person=b.army_contact), result="修通")
        work.task_verify(task=task5, by=By(person=b.secretary))
    # A consultation's need dispatched by the committee to the grid's workers and resolved by
    # one of them: counted through the consultation only.
    with travel(at(3, 11)):
        n6 = escalated_need(b, description="桥坏了")
        workflow.need_dispatch(need=n6, by=By(person=b.secretary), to=None)
        n6.refresh_from_db()
        workflow.need_take(need=n6, by=By(person=b.w.grid_worker))
    with travel(at(3, 12)):
        n6.refresh_from_db()
        workflow.need_resolve(need=n6, by=By(person=b.w.grid_worker), reason="修好")
    # Tasks from no need: verified in March (helped), done but not verified, done in March and
    # verified in April, done late.
    task_done(b, due=at(3, 15), done=at(3, 14), verify=at(3, 16))
    task_done(b, due=at(3, 15), done=at(3, 14), verify=None)
    task_done(b, due=at(3, 31), done=at(3, 30), verify=at(4, 3))
    task_done(b, due=at(3, 10), done=at(3, 12), verify=None)
    # Meetings: two held or recorded in March; scheduled, cancelled and April ones not.
    m1 = meeting(b.committee, at(3, 4), MeetingState.HELD, t["town1"])
    meeting(b.committee, at(3, 18), MeetingState.RECORDED, t["town1"])
    meeting(b.committee, at(3, 25), MeetingState.SCHEDULED, t["town1"])
    meeting(b.committee, at(3, 26), MeetingState.CANCELLED, t["town1"])
    meeting(b.committee, at(4, 4), MeetingState.HELD, t["town1"])
    Decision.objects.create(committee=b.committee, meeting=m1, text="决定一", created_at=at(3, 4))
    Decision.objects.create(committee=b.committee, meeting=m1, text="决定二", created_at=at(4, 4))
    # The other committee of the town: a meeting, a task alone, and a consultation of its own
    # on n2 (which the police resolved): n2 counts for both committees, once for the area.
    other = b.outsider_unit.committee
    assert other is not None
    other_secretary = nf.person("二镇书记")
    Membership.objects.create(organisation=other, person=other_secretary)
    meeting(other, at(3, 5), MeetingState.HELD, t["town1"])
    with travel(at(2, 1)):
        ot = work.task_create(
            committee=other,
            by=By(person=other_secretary),
            title="外任务",
            unit=b.outsider_unit,
            due=at(3, 9),
        )
        work.task_accept(task=ot, by=By(person=b.outsider))
    with travel(at(3, 8)):
        work.task_done(task=ot, by=By(person=b.outsider), result="完成")
        work.task_verify(task=ot, by=By(person=other_secretary))
    Consultation.objects.create(
        committee=other, need=n2, state=ConsultationState.RESOLVED, opened_at=at(3, 1)
    )
    # A committee of the second town, with a meeting.
    far = Organisation.objects.create(
        name="二镇另一联合党委", kind=OrgKind.JOINT_COMMITTEE, node=t["town2"]
    )
    meeting(far, at(3, 6), MeetingState.HELD, t["town2"])
    return {"other": other, "far": far}


def test_the_figures_of_a_hand_made_march(django_assert_max_num_queries):
    b = board()
    made = history(b)
    assert Consultation.objects.filter(committee=b.committee, state="resolved").count() == 2
    with django_assert_max_num_queries(5):
        mine = counts.figures(b.committee, START, END)
    # Needs n1 (twice resolved, once counted), n2, n5 (by the army, through a consultation),
    # n6 (through a consultation only), and one task verified alone.
    assert mine == counts.Figures(
        helped=5, meetings_held=2, decisions_made=1, tasks_done=5, tasks_done_on_time=4
    )
    assert counts.helped(b.committee, START, END) == 5
    assert counts.meetings_held(b.committee, START, END) == 2
    assert (
        counts.decisions_made(b.committee, START, END) == 1
    )  # the consultation decided in February
    assert counts.tasks_done(b.committee, START, END) == 5
    assert counts.tasks_done_on_time(b.committee, START, END) == 4
    other = counts.figures(made["other"], START, END)
    assert other == counts.Figures(
        helped=2, meetings_held=1, decisions_made=0, tasks_done=1, tasks_done_on_time=1
    )
    # The town: n2 counts once although two committees helped with it.
    town = counts.for_area(b.w.t["town1"], START, END)
    assert town == counts.Figures(
        helped=6, meetings_held=3, decisions_made=1, tasks_done=6, tasks_done_on_time=5
    )
    banner = counts.for_area(b.w.t["banner"], START, END)
    assert banner == counts.Figures(
        helped=6, meetings_held=4, decisions_made=1, tasks_done=6, tasks_done_on_time=5
    )
    assert counts.for_area(b.w.t["town2"], START, END) == counts.Figures(meetings_held=1)
    assert counts.for_area(b.w.t["comm1"], START, END) == counts.Figures()
    listed = {c.pk: f for c, f in counts.by_committee(b.w.t["banner"], START, END)}
    assert listed == {
        b.committee.pk: mine,
        made["other"].pk: other,
        made["far"].pk: counts.Figures(meetings_held=1),
    }


def test_a_period_with_nothing_counts_nothing():
    b = board()
    assert counts.figures(b.committee, START, END) == counts.Figures()
    assert counts.by_committee(b.w.t["comm2"], START, END) == []


def test_the_period_is_half_open():
    b = board()
    meeting(b.committee, START, MeetingState.HELD, b.w.t["town1"])
    meeting(b.committee, END, MeetingState.HELD, b.w.t["town1"])
    assert counts.meetings_held(b.committee, START, END) == 1
    assert counts.meetings_held(b.committee, END, END + dt.timedelta(days=30)) == 1
