"""Answer deadlines on the working-day calendar; the sweep reminds once, marks overdue once and
closes answered messages nobody confirmed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from civicgrid.core.models import Notification
from civicgrid.liaison import deadlines, events, tasks, workflow
from civicgrid.liaison.models import MessageState
from civicgrid.liaison.tests import factories as lf
from civicgrid.liaison.tests.factories import at
from civicgrid.needs.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_five_working_days_skip_the_weekend():
    # Wednesday Dec 2 10:00: Thu, Fri, Mon, Tue, Wed → due Wednesday Dec 9 at 17:30; the
    # reminder on Tuesday Dec 8 at 09:00.
    due, remind = deadlines.answer_due(at(2026, 12, 2, 10, 0))
    assert due == at(2026, 12, 9, 17, 30)
    assert remind == at(2026, 12, 8, 9, 0)


def test_a_message_on_a_friday_before_a_holiday():
    # Friday Dec 4 evening; Monday Dec 7 and Tuesday Dec 8 are local holidays.
    CalendarDay.objects.create(date=dt.date(2026, 12, 7), is_working=False, note="假日")
    CalendarDay.objects.create(date=dt.date(2026, 12, 8), is_working=False, note="假日")
    due, remind = deadlines.answer_due(at(2026, 12, 4, 20, 0))
    # Wed 9, Thu 10, Fri 11, Mon 14, Tue 15.
    assert due == at(2026, 12, 15, 17, 30)
    assert remind == at(2026, 12, 14, 9, 0)


def test_national_day_from_the_seeded_calendar():
    # Wednesday Sept 30: Oct 1-7 off, Saturday Oct 10 a make-up working day.
    due, _remind = deadlines.answer_due(at(2026, 9, 30, 11, 0))
    # Thu 8, Fri 9, Sat 10 (make-up), Mon 12, Tue 13.
    assert due == at(2026, 10, 13, 17, 30)


@override_settings(LIAISON_ANSWER_WORKING_DAYS=1)
def test_the_number_of_days_is_a_setting():
    due, remind = deadlines.answer_due(at(2026, 12, 2, 10, 0))
    assert due == at(2026, 12, 3, 17, 30)
    assert remind == at(2026, 12, 2, 10, 0)


def test_the_sweep_reminds_once_and_marks_overdue_once():
    lw = lf.liaison_world()
    m = lf.message(lw)  # due Dec 9 17:30, reminder Dec 8 09:00
    assert tasks.sweep_once(now=at(2026, 12, 8, 8, 59)) == {
        "reminded": 0,
        "overdue": 0,
        "closed": 0,
    }
    assert tasks.sweep_once(now=at(2026, 12, 8, 9, 0))["reminded"] == 1
    assert tasks.sweep_once(now=at(2026, 12, 8, 10, 0))["reminded"] == 0
    assert tasks.sweep_once(now=at(2026, 12, 9, 17, 30))["overdue"] == 1
    assert tasks.sweep_once(now=at(2026, 12, 10, 9, 0))["overdue"] == 0
    m.refresh_from_db()
    assert m.reminded_at == at(2026, 12, 8, 9, 0)
    assert m.overdue_at == at(2026, 12, 9, 17, 30)
    assert [e.action for e in events.timeline(m)] == ["send", "remind", "overdue"]
    reminded = Notification.objects.filter(kind=workflow.NOTICE_REMIND)
    assert set(reminded.values_list("recipient_id", flat=True)) == {
        lw.rep_person.pk,
        lw.station_staff.pk,
    }
    assert Notification.objects.filter(kind=workflow.NOTICE_OVERDUE).count() == 2


def test_an_answered_message_is_neither_reminded_nor_overdue_and_closes_itself():
    lw = lf.liaison_world()
    m = lf.message(lw)
    workflow.message_answer(by=lw.rep_person, message=m, answer="好的", now=at(2026, 12, 3, 9, 0))
    assert tasks.sweep_once(now=at(2026, 12, 9, 18, 0)) == {
        "reminded": 0,
        "overdue": 0,
        "closed": 0,
    }
    assert tasks.sweep_once(now=at(2026, 12, 10, 9, 0))["closed"] == 1
    m.refresh_from_db()
    assert m.state == MessageState.CLOSED
    assert events.timeline(m).last().actor_kind == "system"


def test_the_sweep_is_registered():
    from civicgrid.core.scheduler import periodic_tasks

    assert "liaison.sweep" in periodic_tasks()
