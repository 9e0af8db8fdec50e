"""Anonymisation also masks personal data quoted in a need's event notes (issue 11, point 4):
the need's own contact (phone, name, email) and anything shaped like a Chinese mobile number
or an 18-character ID-card number. The rest of each note, and every other field of the event,
stays."""

from __future__ import annotations

import pytest

from civicgrid.needs import workflow
from civicgrid.needs.models import NeedEvent
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By
from civicgrid.privacy import services
from civicgrid.privacy.tests.helpers import closed_need

pytestmark = pytest.mark.django_db


def test_anonymising_masks_contacts_phones_and_id_numbers_in_event_notes():
    w = nf.world()
    need = nf.raise_need(w, description="路灯不亮")
    nf.force(need, contact_email="bater@example.org")
    workflow.note(
        need,
        workflow.COMMENT,
        By(w.dispatcher),
        note="巴特尔来电(13912345678)，邮箱 bater@example.org，邻居13600001111，"
        "身份证11010119900307123X，工单号20261201123456",
    )
    workflow.transition(need, Action.REJECT, By(w.dispatcher), reason="巴特尔说已经修好了")
    before = {e.pk: (e.action, e.seq, e.created_at, e.data) for e in need.events.all()}
    services.need_anonymise(need=need, by=None, reason="居民 13912345678 申请删除", via="command")
    notes = {e.pk: e.note for e in NeedEvent.objects.filter(need=need)}
    text = " ".join(notes.values())
    for secret in (
        "巴特尔",
        "13912345678",
        "bater@example.org",
        "13600001111",
        "11010119900307123X",
    ):
        assert secret not in text, secret
    assert "工单号20261201123456" in text  # 14 digits: neither a mobile nor an ID number
    assert "说已经修好了" in text and "来电" in text
    after = {e.pk: (e.action, e.seq, e.created_at, e.data) for e in need.events.all()}
    assert {pk: after[pk] for pk in before} == before


def test_events_stay_append_only_outside_anonymisation():
    w = nf.world()
    need = closed_need(w)
    with pytest.raises(TypeError):
        NeedEvent.objects.filter(need=need).update(note="")
    event = need.events.first()
    assert event is not None
    event.note = "x"
    with pytest.raises(TypeError):
        event.save()
