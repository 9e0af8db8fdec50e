"""A need raised at a station in duty hours goes to the person on duty, through the need's own
dispatch command, when the station is set so.

The need's table (`needs.workflow.TRANSITIONS`) lets the system dispatch; where it would not,
the routing leaves every need with its dispatchers (first test)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from civicgrid.core.models import Notification
from civicgrid.insights.tests import checks
from civicgrid.needs import workflow
from civicgrid.needs.models import State
from civicgrid.needs.tests import factories as needf
from civicgrid.services import rota, routing

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 1, 7)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def system_may_not_dispatch(monkeypatch):
    rule = workflow.TRANSITIONS[workflow.Action.DISPATCH]
    monkeypatch.setitem(
        workflow.TRANSITIONS,
        workflow.Action.DISPATCH,
        dataclasses.replace(rule, actors=rule.actors - {workflow.Actor.SYSTEM}),
    )


@pytest.fixture
def desk():
    """Grid A's station, routing on: its grid worker sits on Mondays 9–17."""
    w = needf.world()
    station = rota.station_set(
        node=w.t["gridA"], phone="0482-8212345", route_to_duty=True, by=w.dispatcher
    )
    rota.shift_add(
        station=station,
        person=w.grid_worker,
        weekday=0,
        starts=dt.time(9),
        ends=dt.time(17),
        by=w.dispatcher,
    )
    return w, station


def raised_at(w, when: dt.datetime, **extra):
    with time_machine.travel(when, tick=False):
        return needf.raise_need(w, **extra)


def test_where_the_system_may_not_dispatch_nothing_is_routed(desk, system_may_not_dispatch):
    w, _station = desk
    need = raised_at(w, at(MONDAY, 10))
    # Who would get it is known; the table does not let the system hand it over.
    assert routing.duty_targets([need]) == {need.pk: w.grid_worker}
    assert needf.follow_up() == 1
    need.refresh_from_db()
    assert need.state == State.SUBMITTED and need.assignee_id is None


def test_a_need_raised_in_duty_hours_goes_to_the_person_on_duty(desk):
    w, _station = desk
    need = raised_at(w, at(MONDAY, 10))
    with time_machine.travel(at(MONDAY, 10, 1), tick=False):
        assert needf.follow_up() == 1
    need.refresh_from_db()
    assert need.state == State.DISPATCHED
    assert need.assignee_id == w.grid_worker.pk
    event = need.events.get(action="dispatch")
    assert event.actor_id is None and event.actor_kind == "system"
    assert w.grid_worker.name in event.note
    # The dispatchers were told of the new need, the person on duty of the order.
    assert Notification.objects.filter(recipient=w.dispatcher, kind="need_new").exists()
    assert Notification.objects.filter(recipient=w.grid_worker, kind="need_dispatched").exists()
    # Dispatched inside the follow-up, before the rollups counted the raise: still exact.
    assert checks.actual_rollups() == checks.expected_rollups()


def test_the_time_that_counts_is_when_the_need_was_raised(desk):
    w, _station = desk
    need = raised_at(w, at(MONDAY, 16, 59))
    with time_machine.travel(at(MONDAY, 17, 30), tick=False):  # followed up after duty ended
        needf.follow_up()
    need.refresh_from_db()
    assert need.assignee_id == w.grid_worker.pk


def test_a_need_raised_out_of_duty_hours_waits_for_its_dispatcher(desk):
    w, station = desk
    evening = raised_at(w, at(MONDAY, 20))
    tuesday = raised_at(w, at(MONDAY + dt.timedelta(days=1), 10))
    with time_machine.travel(at(dt.date(2030, 1, 1), 9), tick=False):
        rota.change_add(
            station=station, day=MONDAY + dt.timedelta(days=7), kind="closed", by=w.dispatcher
        )
    closed = raised_at(w, at(MONDAY + dt.timedelta(days=7), 10))
    needf.follow_up()
    for need in (evening, tuesday, closed):
        need.refresh_from_db()
        assert need.state == State.SUBMITTED and need.assignee_id is None


def test_a_station_with_routing_off_routes_nothing(desk):
    w, _station = desk
    rota.station_set(node=w.t["gridA"], phone="0482-8212345", route_to_duty=False, by=w.dispatcher)
    need = raised_at(w, at(MONDAY, 10))
    needf.follow_up()
    need.refresh_from_db()
    assert need.state == State.SUBMITTED and need.assignee_id is None


def test_a_need_elsewhere_is_not_routed_to_the_station(desk):
    w, _station = desk
    need = raised_at(w, at(MONDAY, 10), node=w.t["gridB"])
    needf.follow_up()
    need.refresh_from_db()
    assert need.state == State.SUBMITTED


def test_a_need_moved_before_its_follow_up_is_left_alone(desk):
    w, _station = desk
    need = raised_at(w, at(MONDAY, 10))
    workflow.need_dispatch(need=need, by=workflow.By(w.dispatcher), to=w.handler)
    needf.follow_up()
    need.refresh_from_db()
    assert need.assignee_id == w.handler.pk
    assert need.events.filter(action="dispatch").count() == 1


def test_a_batch_costs_one_query_when_no_need_is_at_a_routing_station(
    desk, django_assert_num_queries
):
    w, _station = desk
    needs = [raised_at(w, at(MONDAY, 10), node=w.t["gridB"]) for _ in range(3)]
    with django_assert_num_queries(1):
        assert routing.duty_targets(needs) == {}


def test_routed_at_intake_when_the_follow_up_is_inline(desk, settings):
    settings.INTAKE_FOLLOW_UP = "inline"
    w, _station = desk
    need = raised_at(w, at(MONDAY, 10))
    need.refresh_from_db()
    assert need.state == State.DISPATCHED and need.assignee_id == w.grid_worker.pk
