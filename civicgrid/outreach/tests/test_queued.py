"""Which events make a message to the resident, in which language, and none for proactive
work or a need without a phone."""

from __future__ import annotations

import pytest

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Channel
from civicgrid.needs.models import Kind as NeedKind
from civicgrid.needs.tests import factories as nf
from civicgrid.outreach.models import Kind, MessageState, ResidentMessage

pytestmark = pytest.mark.django_db


def kinds(need) -> list[str]:
    rows = ResidentMessage.objects.filter(need=need).order_by("event_seq")
    return list(rows.values_list("kind", flat=True))


def test_each_kind_comes_from_its_event_once(w):
    need = nf.raise_need(w)
    assert kinds(need) == [Kind.RECEIVED]
    workflow.need_take(need=need, by=workflow.By(w.grid_worker))
    by = workflow.By(w.grid_worker)
    services.need_comment(need=need, by=by, text="内部备注")  # internal: the resident hears nothing
    services.need_comment(need=need, by=by, text="明天上午去修", public=True)
    services.need_comment(need=need, by=by, text="坑有多深？", question=True)
    workflow.need_resolve(need=need, by=by)
    assert kinds(need) == [Kind.RECEIVED, Kind.TAKEN, Kind.ANSWERED, Kind.MORE_INFO, Kind.RESOLVED]
    rows = ResidentMessage.objects.filter(need=need)
    assert {r.state for r in rows} == {MessageState.QUEUED}
    # Each row names the event that made it: the unique (need, kind, event) holds.
    seqs = dict(need.events.values_list("action", "seq"))
    assert rows.get(kind=Kind.TAKEN).event_seq == seqs["take"]


def test_proactive_records_and_needs_without_a_phone_get_nothing(w):
    record = services.proactive_record(
        by=workflow.By(w.grid_worker),
        kind=NeedKind.VISIT,
        category=nf.category(),
        node=w.t["gridA"],
        note="走访独居老人",
    )
    silent = nf.raise_need(w, channel=Channel.OPEN311, contact_phone="", contact_email="a@b.org")
    workflow.need_take(need=silent, by=workflow.By(w.grid_worker))
    assert not ResidentMessage.objects.filter(need__in=[record, silent]).exists()


def test_staff_entries_are_not_received_but_hear_later(w):
    need = nf.raise_need(w, by=workflow.By(w.dispatcher), channel=Channel.PHONE)
    assert kinds(need) == []
    workflow.need_take(need=need, by=workflow.By(w.grid_worker))
    assert kinds(need) == [Kind.TAKEN]


def test_the_language_follows_the_need(w, client, settings):
    need = nf.raise_need(w, language="mn-mong")
    assert ResidentMessage.objects.get(need=need).language == "mn-mong"
    plain = nf.raise_need(w)  # the API, Open311 and staff leave it blank: the site's
    assert ResidentMessage.objects.get(need=plain).language == settings.LANGUAGE_CODE
    unknown = nf.raise_need(w, language="xx")
    assert unknown.language == ""


def test_the_resident_page_records_its_language(w, client):
    client.cookies["django_language"] = "en"
    form = {
        "description": "路灯坏了",
        "answer_passable": "no",
        "place": w.t["gridA"].code,
        "contact_phone": "13912345678",
    }
    response = client.post("/raise/roads/", form)
    assert response.status_code == 302, response.content[:500]
    message = ResidentMessage.objects.get()
    assert message.need.language == "en" and message.language == "en"


def test_a_stopped_need_gets_its_rows_stopped(w):
    need = nf.raise_need(w)
    services.need_stop_messages(need=need)
    assert ResidentMessage.objects.get(need=need, kind=Kind.RECEIVED).state == MessageState.STOPPED
    workflow.need_take(need=need, by=workflow.By(w.grid_worker))
    assert ResidentMessage.objects.get(need=need, kind=Kind.TAKEN).state == MessageState.STOPPED


def test_a_resident_whose_need_was_joined_hears_of_the_join_and_of_the_solution(w):
    """Merged into another need about the same problem, a need makes no more events of its
    own: its resident is told of the join, and when the need it joined is reported solved."""
    by = workflow.By(w.dispatcher)
    target = nf.raise_need(w, contact_phone="13800000001")
    joined = nf.raise_need(w, contact_phone="13800000002")
    silent = nf.raise_need(w, channel=Channel.OPEN311, contact_phone="", contact_email="a@b.org")
    stopped = nf.raise_need(w, contact_phone="13800000003")
    services.need_stop_messages(need=stopped)
    for need in (joined, silent, stopped):
        workflow.need_merge(need=need, by=by, into=target, reason="同一个坑")
    assert kinds(joined) == [Kind.RECEIVED, Kind.JOINED]
    assert kinds(silent) == []

    workflow.need_take(need=target, by=workflow.By(w.grid_worker))
    workflow.need_resolve(need=target, by=workflow.By(w.grid_worker))
    assert kinds(joined) == [Kind.RECEIVED, Kind.JOINED, Kind.JOINED_DONE]
    done = ResidentMessage.objects.get(need=joined, kind=Kind.JOINED_DONE)
    assert done.event_seq == target.events.get(action="resolve").seq  # the solving event's
    assert ResidentMessage.objects.get(need=stopped, kind=Kind.JOINED_DONE).state == (
        MessageState.STOPPED
    )
    assert kinds(target)[-1] == Kind.RESOLVED  # and the target's own resident as before
