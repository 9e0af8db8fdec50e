"""The resident is texted (civicgrid/outreach/liaison.py) when the message is answered, when it
becomes a need and when that need is done: in the page's language, with the keyed link."""

from __future__ import annotations

import pytest

from civicgrid.liaison import publication, workflow
from civicgrid.liaison.models import ResidentText, TextKind, TextState
from civicgrid.liaison.tests import factories as lf
from civicgrid.needs import workflow as nw
from civicgrid.needs.tests import factories as nf
from civicgrid.outreach import liaison as texts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wired():
    # What OutreachConfig.ready() does once the lead wires it (idempotent).
    texts.subscribe()


def test_answered_queues_one_text_and_the_worker_sends_it():
    lw = lf.liaison_world()
    m = lf.message(lw, language="en")
    workflow.message_answer(by=lw.rep_person, message=m, answer="Fixed on Friday")
    row = ResidentText.objects.get(message=m)
    assert (row.kind, row.state, row.language) == (TextKind.ANSWERED, TextState.QUEUED, "en")
    assert texts.send(row.pk) == TextState.SENT
    assert texts.send(row.pk) == ""  # claimed once
    body, values = texts.render(row.kind, m, "en")
    assert publication.tracking_path(m.number) in values["link"]
    assert "Fixed on Friday" not in body and m.phone not in body


def test_no_phone_no_text():
    lw = lf.liaison_world()
    m = lf.message(lw, phone="")
    workflow.message_answer(by=lw.station_staff, message=m, answer="好")
    assert not ResidentText.objects.exists()


def test_referred_and_the_needs_resolution_are_texted():
    lw = lf.liaison_world()
    m = lf.message(lw, kind="problem")
    need = workflow.message_refer(by=lw.rep_person, message=m, category=nf.category("policy"))
    by, handler = nw.By(lw.w.dispatcher), nw.By(lw.w.handler)
    need = nw.need_accept(need=need, by=by)
    need = nw.need_dispatch(need=need, by=by, to=lw.w.handler)
    need = nw.need_take(need=need, by=handler)
    nw.need_resolve(need=need, by=handler, reason="已解决", public=True)
    kinds = set(ResidentText.objects.filter(message=m).values_list("kind", flat=True))
    assert kinds == {TextKind.REFERRED, TextKind.RESOLVED}
