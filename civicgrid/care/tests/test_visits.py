"""Care visits: plans with their default rhythm, a visit recorded as proactive work that moves
the next visit on, an urgent finding raising a need, visits refused outside the visitor's
place, and a missed visit reminded once per due date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.care import register, tasks, visits
from civicgrid.care.models import CareKind, CareVisit, Finding, VisitPlan
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_visits as vf
from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.core.scheduler import enqueue_due
from civicgrid.needs.models import Channel, Kind, Need, Priority

pytestmark = pytest.mark.django_db


def test_fact_orphans_are_visited_monthly_and_people_living_alone_weekly() -> None:
    c = cf.care()
    assert visits.default_every(c.orphan) == 30
    assert visits.default_every(c.aged_86) == 7
    assert visits.default_every(c.aged_70) is None
    both = cf.person(
        c.w.t["gridA"], "独居孤儿", 14, lives_alone=True, kinds=(CareKind.FACT_ORPHAN,)
    )
    assert visits.default_every(both) == 7


def test_a_plan_is_one_per_person_and_changes_in_place() -> None:
    c = cf.care()
    today = timezone.localdate()
    plan = visits.plan_save(by=c.w.dispatcher, person=c.orphan, every_days=30)
    assert plan.next_due == today and plan.visitor is None
    again = visits.plan_save(
        by=c.w.dispatcher, person=c.orphan, every_days=14, visitor=c.w.grid_worker
    )
    assert again.pk == plan.pk and again.every_days == 14 and again.visitor == c.w.grid_worker
    assert VisitPlan.objects.filter(person=c.orphan, active=True).count() == 1
    with pytest.raises(Invalid) as elsewhere:
        visits.plan_save(
            by=c.w.dispatcher, person=c.orphan, every_days=14, visitor=c.w.other_grid_worker
        )
    assert elsewhere.value.code == "visitor_elsewhere"
    with pytest.raises(Invalid) as never:
        visits.plan_save(by=c.w.dispatcher, person=c.orphan, every_days=0)
    assert never.value.code == "bad_every"
    with pytest.raises(NotAllowed):
        visits.plan_save(by=c.w.leader, person=c.orphan, every_days=7)


def test_a_visit_is_proactive_work_and_moves_the_next_visit_on() -> None:
    c = cf.care()
    today = timezone.localdate()
    plan = vf.plan(c.orphan, every=30, next_due=today - dt.timedelta(days=3))
    visit = visits.visit_record(
        by=c.w.grid_worker, person=c.orphan, finding=Finding.WELL, note="学习生活正常"
    )
    assert visit.record is not None
    record = Need.objects.get(pk=visit.record.pk)
    assert (record.kind, record.channel, record.category.code) == (
        Kind.VISIT,
        Channel.PROACTIVE,
        "care_visits",
    )
    assert record.node == c.w.t["gridA"] and record.assignee == c.w.grid_worker
    assert "学习生活正常" in record.description
    assert visit.plan == plan and visit.raised_need is None
    plan.refresh_from_db()
    assert plan.next_due == today + dt.timedelta(days=30)


def test_a_visit_entered_late_does_not_move_the_plan_back() -> None:
    c = cf.care()
    today = timezone.localdate()
    plan = vf.plan(c.aged_86, every=7, next_due=today)
    visits.visit_record(by=c.w.other_grid_worker, person=c.aged_86, finding="well", note="")
    older = timezone.now() - dt.timedelta(days=5)
    visits.visit_record(
        by=c.w.other_grid_worker, person=c.aged_86, finding="well", note="补录", when=older
    )
    plan.refresh_from_db()
    assert plan.next_due == today + dt.timedelta(days=7)
    assert CareVisit.objects.filter(person=c.aged_86).count() == 2


def test_an_urgent_finding_raises_an_urgent_welfare_check() -> None:
    c = cf.care()
    visit = visits.visit_record(
        by=c.w.other_grid_worker, person=c.aged_86, finding=Finding.URGENT, note="摔倒在家"
    )
    need = visit.raised_need
    assert need is not None
    assert (need.category.code, need.priority, need.channel) == (
        "welfare_check",
        Priority.URGENT,
        Channel.VISIT,
    )
    assert need.entered_by == c.w.other_grid_worker and need.node == c.w.t["gridB"]
    assert need.contact_phone == "13800000086" and need.on_behalf_of == "王奶奶"


def test_a_visitor_may_raise_a_need_for_a_concern() -> None:
    c = cf.care()
    plain = visits.visit_record(by=c.w.grid_worker, person=c.aged_70, finding="concern", note="")
    assert plain.raised_need is None
    raised = visits.visit_record(
        by=c.w.grid_worker, person=c.aged_70, finding="concern", note="屋顶漏雨", raise_need=True
    )
    assert raised.raised_need is not None
    assert raised.raised_need.priority == Priority.NORMAL


def test_a_visit_by_someone_who_may_not_change_the_place_is_refused() -> None:
    c = cf.care()
    for outsider in (c.w.stranger, c.w.leader, c.w.other_grid_worker):
        with pytest.raises(NotAllowed) as refused:
            visits.visit_record(by=outsider, person=c.orphan, finding="well", note="")
        assert refused.value.code == "outside_area"
    assert not CareVisit.objects.exists()
    assert not Need.objects.filter(kind=Kind.VISIT).exists()


def test_no_visit_to_someone_who_left_nor_ahead_of_time() -> None:
    c = cf.care()
    with pytest.raises(Invalid) as ahead:
        visits.visit_record(
            by=c.w.grid_worker,
            person=c.aged_70,
            finding="well",
            note="",
            when=timezone.now() + dt.timedelta(days=1),
        )
    assert ahead.value.code == "visit_in_future"
    register.cared_leave(by=c.w.dispatcher, person=c.aged_70, reason="搬走")
    with pytest.raises(Conflict) as left:
        visits.visit_record(by=c.w.grid_worker, person=c.aged_70, finding="well", note="")
    assert left.value.code == "not_on_register"


def _reminders() -> list[tuple[int, dict]]:
    rows = Notification.objects.filter(kind=visits.REMINDER_KIND).order_by("pk")
    return [(n.recipient_id, n.data) for n in rows]


def test_a_missed_visit_is_reminded_once_per_due_date() -> None:
    c = cf.care()
    today = timezone.localdate()
    late = today - dt.timedelta(days=2)
    plan = vf.plan(c.orphan, every=30, next_due=late, visitor=c.w.grid_worker)
    vf.plan(c.aged_70, every=7, next_due=today)  # due today: not missed yet
    assert visits.remind_missed() == 1
    assert _reminders() == [
        (c.w.grid_worker.pk, {"place": "A网格", "due": late.isoformat(), "days": 2})
    ]
    assert visits.remind_missed() == 0  # claimed: a second run (or worker) sends nothing
    assert VisitPlan.objects.get(pk=plan.pk).reminded_for == late
    # Visited, then missed again: a new due date is reminded again.
    visits.visit_record(by=c.w.grid_worker, person=c.orphan, finding="well", note="")
    VisitPlan.objects.filter(pk=plan.pk).update(next_due=today - dt.timedelta(days=1))
    assert visits.remind_missed() == 1
    assert len(_reminders()) == 2


def test_a_reminder_claimed_by_another_worker_is_not_sent_again() -> None:
    c = cf.care()
    today = timezone.localdate()
    vf.plan(c.orphan, every=30, next_due=today - dt.timedelta(days=1))
    read = visits.due_reminders(today)  # this worker reads the plan…
    assert visits.remind_missed(today=today) == 1  # …another claims and sends it…
    assert [visits.remind_one(plan, today) for plan in read] == [False]  # …this one does not
    assert len(_reminders()) == 1


def test_without_a_visitor_the_grids_workers_are_reminded() -> None:
    c = cf.care()
    late = timezone.localdate() - dt.timedelta(days=1)
    vf.plan(c.aged_86, every=7, next_due=late)
    # A person at the community itself has no grid: its staff hear of it.
    at_community = cf.person(c.w.t["comm1"], "社区老人", 90)
    vf.plan(at_community, every=7, next_due=late)
    result = tasks.remind_missed_visits.call()
    assert result == {"reminded": 2}
    recipients = {recipient for recipient, _data in _reminders()}
    assert recipients == {c.w.other_grid_worker.pk, c.w.handler.pk, c.w.dispatcher.pk}


def test_the_worker_runs_the_reminder_with_everyones_periodic_work() -> None:
    c = cf.care()
    vf.plan(c.orphan, every=30, next_due=timezone.localdate() - dt.timedelta(days=1))
    assert "care.remind_missed_visits" in enqueue_due()
    assert len(_reminders()) == 1


def test_plans_of_people_who_left_or_stopped_are_not_reminded() -> None:
    c = cf.care()
    late = timezone.localdate() - dt.timedelta(days=1)
    vf.plan(c.orphan, every=30, next_due=late)
    stopped = vf.plan(c.aged_86, every=7, next_due=late)
    visits.plan_stop(by=c.w.dispatcher, plan=stopped)
    register.cared_leave(by=c.w.dispatcher, person=c.orphan, reason="随父母迁出")
    assert visits.remind_missed() == 0
