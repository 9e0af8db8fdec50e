"""The resident's pages (message, tracking), the publication rule, the inbox and the console."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from civicgrid.core.models import RevealLog
from civicgrid.liaison import publication, workflow
from civicgrid.liaison.models import Message, MessageState
from civicgrid.liaison.tests import factories as lf
from civicgrid.liaison.views import public as public_views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _post(client: Client, url: str, **overrides: str):
    data = {
        "once": "k" * 32,
        "kind": "suggestion",
        "text": "建议在小区门口加装减速带",
        "name": "赵先生",
        "phone": "13812345678",
        "consent": "on",
    }
    data.update(overrides)
    return client.post(url, data)


def test_a_resident_writes_and_a_double_send_makes_one_message():
    lw = lf.liaison_world()
    client = Client()
    url = f"/liaison/r/{lw.rep.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="once"' in page.content.decode()
    first = _post(client, url)
    assert first.status_code == 302
    again = _post(client, url)
    assert again.status_code == 302
    m = Message.objects.get()
    assert first["Location"].startswith(publication.tracking_path(m.number))
    assert again["Location"] == publication.tracking_path(m.number)
    assert (m.representative, m.kind, m.phone, m.node) == (
        lw.rep,
        "suggestion",
        "13812345678",
        lw.w.t["comm1"],
    )


def test_consent_and_bad_phones_are_asked_again_and_nothing_is_saved():
    lw = lf.liaison_world()
    client = Client()
    no_consent = _post(client, f"/liaison/s/{lw.station.pk}/", consent="")
    assert no_consent.status_code == 400
    bad_phone = _post(client, f"/liaison/s/{lw.station.pk}/", once="b" * 32, phone="123")
    assert bad_phone.status_code == 400
    assert not Message.objects.exists()
    # No phone is fine: the answer is on the tracking page.
    ok = _post(client, f"/liaison/s/{lw.station.pk}/", once="c" * 32, phone="")
    assert ok.status_code == 302
    assert Message.objects.get().station == lw.station


def test_rate_limited_per_address_and_per_phone(monkeypatch):
    lw = lf.liaison_world()
    monkeypatch.setattr(public_views, "PER_PHONE", (2, 3600))
    client = Client()
    url = f"/liaison/r/{lw.rep.pk}/"
    codes = [_post(client, url, once=f"{i}" * 32).status_code for i in range(1, 4)]
    assert codes == [302, 302, 429]
    assert Message.objects.count() == 2
    monkeypatch.setattr(public_views, "PER_IP", (1, 3600))
    cache.clear()
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert _post(other, url, once="x" * 32, phone="").status_code == 302
    assert _post(other, url, once="y" * 32, phone="").status_code == 429


def test_unknown_or_inactive_addressees_are_404():
    lw = lf.liaison_world()
    client = Client()
    assert client.get("/liaison/r/999999/").status_code == 404
    lw.station.active = False
    lw.station.save()
    assert client.get(f"/liaison/s/{lw.station.pk}/").status_code == 404


def test_the_tracking_page_shows_the_answer_by_public_name_and_no_phone():
    lw = lf.liaison_world()
    lw.station.phone = "04715550000"
    lw.station.save()
    m = lf.message(lw, to_station=True)
    workflow.message_answer(by=lw.station_staff, message=m, answer="已安排维修")
    client = Client()
    page = client.get(publication.tracking_path(m.number))
    text = page.content.decode()
    assert page.status_code == 200
    assert "已安排维修" in text and lw.station.name in text
    # Neither the staff member's name, nor any phone.
    assert lw.station_staff.name not in text
    for phone in (lw.station_staff.mobile, lw.rep_person.mobile, lw.station.phone, m.phone):
        assert phone not in text


def test_nothing_is_public_without_the_key():
    lw = lf.liaison_world()
    m = lf.message(lw)
    client = Client()
    assert client.get(f"/liaison/t/{m.number}/wrongkey12/").status_code == 404
    assert (
        client.get(f"/liaison/t/NOSUCH23/{publication.message_key('NOSUCH23')}/").status_code == 404
    )
    assert (
        client.post(f"/liaison/t/{m.number}/wrongkey12/", {"action": "withdraw"}).status_code == 404
    )
    m.refresh_from_db()
    assert m.state == MessageState.RECEIVED


def test_the_resident_confirms_or_withdraws_on_the_tracking_page():
    lw = lf.liaison_world()
    m = lf.message(lw)
    client = Client()
    url = publication.tracking_path(m.number)
    assert client.post(url, {"action": "close"}).status_code == 409
    workflow.message_answer(by=lw.rep_person, message=m, answer="好")
    assert client.post(url, {"action": "close"}).status_code == 302
    m.refresh_from_db()
    assert m.state == MessageState.CLOSED
    other = lf.message(lw)
    assert (
        client.post(publication.tracking_path(other.number), {"action": "withdraw"}).status_code
        == 302
    )
    other.refresh_from_db()
    assert other.state == MessageState.WITHDRAWN


def test_the_representatives_inbox_and_answer_without_a_staff_role():
    lw = lf.liaison_world()
    m = lf.message(lw)
    lf.message(lw, representative=lw.other_rep)
    client = Client()
    client.force_login(lw.rep_person)
    inbox = client.get("/console/liaison/")
    assert inbox.status_code == 200
    text = inbox.content.decode()
    assert m.number in text and "139****5678" in text
    assert Message.objects.exclude(pk=m.pk).get().number not in text
    detail = client.get(f"/console/liaison/m/{m.number}/")
    assert detail.status_code == 200
    answered = client.post(
        f"/console/liaison/m/{m.number}/answer/",
        {"answer": "收到，下周答复"},
        HTTP_HX_REQUEST="true",
    )
    assert answered.status_code == 200
    m.refresh_from_db()
    assert (m.state, m.answered_by) == (MessageState.ANSWERED, lw.rep_person)


def test_who_may_not():
    lw = lf.liaison_world()
    m = lf.message(lw)
    nobody = Client()
    nobody.force_login(lw.other_person)  # a representative, not this message's
    assert nobody.get(f"/console/liaison/m/{m.number}/").status_code == 404
    stranger = Client()
    stranger.force_login(lw.w.stranger)
    assert stranger.get(f"/console/liaison/m/{m.number}/").status_code == 404
    assert (
        stranger.post(f"/console/liaison/m/{m.number}/answer/", {"answer": "x"}).status_code == 404
    )
    leader = Client()
    leader.force_login(lw.w.leader)
    assert leader.get(f"/console/liaison/m/{m.number}/").status_code == 200
    for action in ("answer", "refer", "reassign"):
        assert leader.post(f"/console/liaison/m/{m.number}/{action}/", {}).status_code == 403
    # Staff of the place reassign but do not answer.
    staff = Client()
    staff.force_login(lw.w.dispatcher)
    staff.post(f"/console/liaison/m/{m.number}/answer/", {"answer": "x"})
    m.refresh_from_db()
    assert m.state == MessageState.RECEIVED
    resident = Client()
    assert resident.get("/console/liaison/").status_code == 302  # to the login


def test_the_phone_is_revealed_on_a_button_and_logged():
    lw = lf.liaison_world()
    m = lf.message(lw)
    client = Client()
    client.force_login(lw.w.dispatcher)
    page = client.get(f"/console/liaison/m/{m.number}/").content.decode()
    assert m.phone not in page
    shown = client.post(f"/console/liaison/m/{m.number}/reveal/", HTTP_HX_REQUEST="true")
    assert m.phone in shown.content.decode()
    assert (
        RevealLog.objects.filter(actor=lw.w.dispatcher, subject=f"liaison:{m.number}").count() == 1
    )
    leader = Client()
    leader.force_login(lw.w.leader)
    assert leader.post(f"/console/liaison/m/{m.number}/reveal/").status_code == 403


def test_counts_ledger_and_posters():
    lw = lf.liaison_world()
    m = lf.message(lw)
    workflow.message_answer(by=lw.rep_person, message=m, answer="好", now=lf.NOW)
    client = Client()
    client.force_login(lw.w.dispatcher)
    counts = client.get(
        f"/console/liaison/counts/?node={lw.w.t['comm1'].pk}&start=2026-12-01&end=2026-12-31"
    )
    assert counts.status_code == 200
    f = counts.context["f"]
    assert (f["received"], f["answered"], f["on_time"], f["suggestions_handled"]) == (1, 1, 1, 1)
    assert counts.context["receptions"] is not None
    assert client.get("/console/liaison/counts/?start=bad").status_code == 400
    ledger = client.get(
        f"/console/liaison/counts/ledger.xlsx?node={lw.w.t['comm1'].pk}&start=2026-12-01&end=2026-12-31"
    )
    assert ledger.status_code == 200 and ledger.content[:2] == b"PK"
    assert client.get(f"/console/liaison/posters/station/{lw.station.pk}/").status_code == 200
    assert (
        client.get(f"/console/liaison/posters/representative/{lw.rep.pk}/qr.png").content[:4]
        == b"\x89PNG"
    )
    assert client.get(f"/console/liaison/posters/station/{lw.station.pk}/qr.gif").status_code == 404
    rep = Client()
    rep.force_login(lw.rep_person)
    assert rep.get(f"/console/liaison/posters/representative/{lw.rep.pk}/").status_code == 200
    stranger = Client()
    stranger.force_login(lw.w.stranger)
    assert stranger.get(f"/console/liaison/posters/station/{lw.station.pk}/").status_code == 403
