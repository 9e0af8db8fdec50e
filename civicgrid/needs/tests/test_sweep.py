"""The deadline sweep: remind, mark overdue, escalate, close unrated; idempotent."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import override_settings

from civicgrid.core.models import Notification, Schedule
from civicgrid.core.scheduler import enqueue_due, periodic_tasks
from civicgrid.needs import workflow
from civicgrid.needs.models import Need, NeedEvent, Priority, Rating, State
from civicgrid.needs.tasks import sweep
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def later(minutes: float) -> dt.datetime:
    return START + dt.timedelta(minutes=minutes)


def dispatched_pension_need(w: nf.World) -> Need:
    with time_machine.travel(START, tick=False):
        need = nf.raise_need(
            w, category=nf.category("pension"), priority=Priority.URGENT, answers={}
        )
        return workflow.transition(need, Action.DISPATCH, By(w.dispatcher))


def actions(need: Need) -> list[str]:
    return list(
        NeedEvent.objects.filter(need=need).order_by("seq").values_list("action", flat=True)
    )


@override_settings(NEED_REMIND_BEFORE_MINUTES=5, NEED_ESCALATE_AFTER_MINUTES=30)
def test_an_untaken_need_is_reminded_then_marked_overdue_then_escalated():
    w = nf.world()
    need = dispatched_pension_need(w)  # response due at 10:15
    with time_machine.travel(later(5), tick=False):
        assert sweep()["reminded"] == 0
    with time_machine.travel(later(11), tick=False):
        assert sweep()["reminded"] == 1
    assert w.grid_worker.notifications.filter(kind="need_reminder").count() == 1
    with time_machine.travel(later(16), tick=False):
        assert sweep()["overdue"] == 1
    assert Need.objects.get(pk=need.pk).is_overdue
    with time_machine.travel(later(47), tick=False):
        counts = sweep()
    assert counts["escalated"] == 1
    need.refresh_from_db()
    # Untaken in the grid: it goes up to the community that dispatched it.
    assert need.state == State.ESCALATED and need.owner_node == w.t["comm1"]
    assert need.assignee is None
    assert actions(need)[-4:] == ["dispatch", "remind", "overdue", "escalate"]
    assert need.events.last().actor_kind == "system"
    assert w.dispatcher.notifications.filter(kind="need_escalated").exists()
    # Left unanswered at the community too, it goes on up to the town.
    with time_machine.travel(later(47 + 15 + 31), tick=False):
        assert sweep()["overdue"] == 1
    with time_machine.travel(later(47 + 15 + 31 + 31), tick=False):
        assert sweep()["escalated"] == 1
    need.refresh_from_db()
    assert need.owner_node == w.t["town1"]
    assert w.town_staff.notifications.filter(kind="need_escalated").exists()


@override_settings(NEED_REMIND_BEFORE_MINUTES=5, NEED_ESCALATE_AFTER_MINUTES=30)
def test_a_sweep_run_twice_changes_nothing_the_second_time():
    w = nf.world()
    need = dispatched_pension_need(w)
    for minutes in (11, 16, 47):
        with time_machine.travel(later(minutes), tick=False):
            first = sweep()
            events = NeedEvent.objects.count()
            notes = Notification.objects.count()
            state = Need.objects.values_list(
                "state", "owner_node", "overdue_at", "reminded_at"
            ).get(pk=need.pk)
            second = sweep()
        assert sum(first.values()) >= 1
        assert second == {"reminded": 0, "overdue": 0, "escalated": 0, "closed_unrated": 0}
        assert NeedEvent.objects.count() == events and Notification.objects.count() == notes
        assert (
            Need.objects.values_list("state", "owner_node", "overdue_at", "reminded_at").get(
                pk=need.pk
            )
            == state
        )


def test_a_need_taken_in_time_is_not_reminded_and_counts_as_responded_on_time():
    w = nf.world()
    need = dispatched_pension_need(w)
    with time_machine.travel(later(9), tick=False):
        need = workflow.transition(need, Action.TAKE, By(w.grid_worker))
    with time_machine.travel(later(20), tick=False):
        assert sweep() == {"reminded": 0, "overdue": 0, "escalated": 0, "closed_unrated": 0}
    assert need.responded_on_time is True


@override_settings(NEED_RATING_DAYS=7)
def test_a_resolved_need_left_unrated_closes_as_not_rated():
    w = nf.world()
    need = dispatched_pension_need(w)
    with time_machine.travel(later(5), tick=False):
        need = workflow.transition(need, Action.TAKE, By(w.grid_worker))
        need = workflow.transition(need, Action.RESOLVE, By(w.grid_worker))
    with time_machine.travel(later(6 * 24 * 60), tick=False):
        assert sweep()["closed_unrated"] == 0
    with time_machine.travel(later(7 * 24 * 60 + 10), tick=False):
        assert sweep()["closed_unrated"] == 1
        assert sweep()["closed_unrated"] == 0
    need.refresh_from_db()
    assert need.state == State.CLOSED and need.rating == Rating.NOT_RATED


def test_a_resolve_deadline_passing_while_taken_marks_overdue_once():
    w = nf.world()
    need = dispatched_pension_need(w)
    with time_machine.travel(later(5), tick=False):
        workflow.transition(need, Action.TAKE, By(w.grid_worker))
    with time_machine.travel(later(5 * 60), tick=False):  # resolve due after 4 hours
        assert sweep()["overdue"] == 1
        assert sweep()["overdue"] == 0
    assert NeedEvent.objects.filter(need=need, action="overdue").get().data == {
        "deadline": "resolve"
    }


# The outreach's look for due messages (every 30 s by default) is slowed down here: this test
# follows the sweep's own period.
@override_settings(SWEEP_INTERVAL_SECONDS=60, OUTREACH_POLL_SECONDS=3600)
def test_the_periodic_sweep_is_enqueued_once_per_period_however_many_workers():
    with time_machine.travel(START, tick=False):
        assert "needs.sweep_deadlines" in enqueue_due()  # with the daily retention run
        assert enqueue_due() == []  # a second worker at the same moment
    with time_machine.travel(later(1.5), tick=False):
        assert enqueue_due() == ["needs.sweep_deadlines"]
    assert Schedule.objects.count() == len(periodic_tasks())
