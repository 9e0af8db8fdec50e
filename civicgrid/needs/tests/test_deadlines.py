"""Deadlines in calendar time and in working time on the working-day calendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import override_settings

from civicgrid.needs import deadlines
from civicgrid.needs.models import CalendarDay, CategoryDeadline, Priority
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SH)


def test_working_minutes_skip_lunch_evenings_and_weekends():
    # Friday 2026-11-27 17:00 + 60 working minutes: 30 left on Friday, then Monday 09:30.
    assert deadlines.add_working_minutes(at(2026, 11, 27, 17, 0), 60) == at(2026, 11, 30, 9, 30)
    # Morning 11:50 + 20: 10 before lunch, 10 after 13:30.
    assert deadlines.add_working_minutes(at(2026, 11, 30, 11, 50), 20) == at(2026, 11, 30, 13, 40)
    # Starting at night counts from the next morning.
    assert deadlines.add_working_minutes(at(2026, 11, 30, 22, 0), 30) == at(2026, 12, 1, 9, 30)


def test_holidays_and_make_up_working_days_come_from_the_calendar():
    # National Day 2026: Oct 1-7 off (seeded). Sept 30 17:00 + 60 working minutes: 30 that
    # day, then the next working day is Thursday Oct 8.
    assert deadlines.add_working_minutes(at(2026, 9, 30, 17, 0), 60) == at(2026, 10, 8, 9, 30)
    # Saturday Oct 10 is a make-up working day.
    assert deadlines.add_working_minutes(at(2026, 10, 9, 17, 0), 60) == at(2026, 10, 10, 9, 30)
    # An admin adds a local holiday: Monday Nov 30 becomes a day off.
    CalendarDay.objects.create(date=dt.date(2026, 11, 30), is_working=False, note="那达慕")
    assert deadlines.add_working_minutes(at(2026, 11, 27, 17, 0), 60) == at(2026, 12, 1, 9, 30)


@override_settings(WORKING_HOURS="08:00-12:00")
def test_working_hours_are_a_setting():
    assert deadlines.add_working_minutes(at(2026, 11, 30, 11, 0), 120) == at(2026, 12, 1, 9, 0)


def test_calendar_time_runs_through_nights_and_holidays():
    cat = nf.category("pension")
    assert deadlines.response_due(cat, Priority.URGENT, at(2026, 10, 1, 23, 50)) == at(
        2026, 10, 2, 0, 5
    )


def test_a_category_without_its_own_limits_inherits_its_parents():
    parent = nf.category("infrastructure")
    CategoryDeadline.objects.create(
        category=parent, priority=Priority.NORMAL, response_minutes=7, resolve_minutes=70
    )
    child = parent.children.create(code="bridges", name="桥梁", name_en="Bridges")
    assert deadlines.limits_for(child, Priority.NORMAL).response_minutes == 7


def test_deadlines_are_set_on_receipt_from_category_and_priority():
    w = nf.world()
    with time_machine.travel(at(2026, 11, 30, 10, 0), tick=False):
        need = nf.raise_need(w, category=nf.category("pension"), priority=Priority.URGENT)
    assert need.response_due == at(2026, 11, 30, 10, 15)
    assert need.resolve_due == at(2026, 11, 30, 14, 0)


def test_policy_questions_count_working_time():
    w = nf.world()
    with time_machine.travel(at(2026, 11, 27, 16, 0), tick=False):  # a Friday
        need = nf.raise_need(w, category=nf.category("policy"), answers={})
    # 4 working hours from Friday 16:00: 1.5 h on Friday, 2.5 h on Monday from 09:00.
    assert need.response_due == at(2026, 11, 30, 11, 30)
