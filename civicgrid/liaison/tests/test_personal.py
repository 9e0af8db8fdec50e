"""What the module keeps about a resident: export, removal by phone, retention."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.liaison import personal, workflow
from civicgrid.liaison.models import Message
from civicgrid.liaison.tests import factories as lf

pytestmark = pytest.mark.django_db


def test_export_and_forget_by_phone_within_reach():
    lw = lf.liaison_world()
    m = lf.message(lw)
    lf.message(lw, phone="13700000000")
    assert personal.personal_export(phone=m.phone, by=lw.w.stranger) == {"messages": []}
    rows = personal.personal_export(phone=m.phone, by=lw.w.dispatcher)["messages"]
    assert [r["number"] for r in rows] == [m.number]
    assert personal.phone_forget(phone=m.phone, by=lw.w.stranger) == 0
    assert personal.phone_forget(phone=m.phone, by=lw.w.dispatcher) == 1
    m.refresh_from_db()
    assert (m.phone, m.name, m.text) == ("", "", "") and m.forgotten_at is not None
    assert Message.objects.filter(phone="13700000000").count() == 1


def test_retention_forgets_old_messages_no_longer_waiting():
    lw = lf.liaison_world()
    answered = lf.message(lw)
    workflow.message_answer(by=lw.rep_person, message=answered, answer="好", now=lf.NOW)
    waiting = lf.message(lw)
    later = lf.NOW + dt.timedelta(days=personal.DEFAULT_RETENTION_DAYS + 1)
    assert personal.retention(now=later) == 1
    answered.refresh_from_db()
    waiting.refresh_from_db()
    assert answered.phone == "" and waiting.phone != ""
