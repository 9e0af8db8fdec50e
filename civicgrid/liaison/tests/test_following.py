"""A message that becomes a need: linked both ways, the representative follows it, and the
need's resolution answers the message."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.core.models import Notification
from civicgrid.liaison import events, workflow
from civicgrid.liaison.models import MessageState
from civicgrid.liaison.tests import factories as lf
from civicgrid.needs import workflow as nw
from civicgrid.needs.models import Channel
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def test_a_message_becomes_a_need_and_its_resolution_answers_it():
    lw = lf.liaison_world()
    m = lf.message(lw, kind="problem")
    # The representative holds no staff role: the need is entered by the place's dispatcher,
    # with the representative as its source.
    need = workflow.message_refer(by=lw.rep_person, message=m, category=nf.category("policy"))
    m.refresh_from_db()
    assert (m.state, m.need) == (MessageState.REFERRED, need)
    assert need.channel == Channel.REPRESENTATIVE
    assert need.source_person == lw.rep_person
    assert need.contact_phone == m.phone and need.node == m.node
    assert list(need.liaison_messages.all()) == [m]

    by, handler = nw.By(lw.w.dispatcher), nw.By(lw.w.handler)
    need = nw.need_accept(need=need, by=by)
    need = nw.need_dispatch(need=need, by=by, to=lw.w.handler)
    need = nw.need_take(need=need, by=handler)
    nw.need_resolve(need=need, by=handler, reason="路灯已修复", public=True)

    m.refresh_from_db()
    assert m.state == MessageState.ANSWERED
    assert m.answered_at is not None and m.answered_by is None
    assert [e.action for e in events.timeline(m)] == ["send", "refer", "resolve"]
    told = Notification.objects.filter(kind=workflow.NOTICE_NEED_DONE)
    assert set(told.values_list("recipient_id", flat=True)) == {
        lw.rep_person.pk,
        lw.station_staff.pk,
    }


def test_the_needs_console_page_shows_the_message():
    lw = lf.liaison_world()
    m = lf.message(lw)
    need = workflow.message_refer(by=lw.station_staff, message=m, category=nf.category("policy"))
    client = Client()
    client.force_login(lw.w.dispatcher)
    page = client.get(f"/console/needs/{need.number}/")
    assert page.status_code == 200
    assert m.number in page.content.decode()


def test_a_stranger_cannot_refer_and_nothing_is_raised():
    from civicgrid.core.errors import NotAllowed
    from civicgrid.needs.models import Need

    lw = lf.liaison_world()
    m = lf.message(lw)
    before = Need.objects.count()
    with pytest.raises(NotAllowed):
        workflow.message_refer(by=lw.w.stranger, message=m, category=nf.category("policy"))
    assert Need.objects.count() == before
