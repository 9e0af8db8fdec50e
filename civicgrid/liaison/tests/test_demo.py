"""The demo's messages: made from the representatives and stations in the database."""

from __future__ import annotations

import datetime as dt

import pytest

from civicgrid.demo.liaison import build_liaison
from civicgrid.liaison.models import Message, MessageState
from civicgrid.liaison.tests import factories as lf
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def test_nothing_without_hongxing_or_its_representatives():
    nf.world()
    assert build_liaison(days=30).messages == 0
    assert not Message.objects.exists()


def test_a_few_months_of_messages_with_new_ones_for_the_login():
    lw = lf.liaison_world()
    # The test region's town plays Hongxing; the representative is the demo login.
    town = lw.w.t["town1"]
    town.code = "150502003"
    town.save(update_fields=["code"])
    lw.rep_person.mobile = "19900000008"
    lw.rep_person.save(update_fields=["mobile"])
    built = build_liaison(days=60, end=lf.NOW)
    assert built.messages == Message.objects.count() >= 10
    assert Message.objects.filter(state__in=[MessageState.ANSWERED, MessageState.CLOSED]).exists()
    new = Message.objects.filter(representative=lw.rep, state=MessageState.RECEIVED)
    assert new.filter(created_at__gte=lf.NOW - dt.timedelta(days=2)).count() >= 1
    # Run again: nothing more.
    assert build_liaison(days=60, end=lf.NOW).messages == 0
