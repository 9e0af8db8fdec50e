"""REST: the answerer's list and detail, answering, the resident-style intake."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from civicgrid.api.tests.conftest import Api, assert_error, token_of
from civicgrid.liaison.models import Message, MessageState
from civicgrid.liaison.tests import factories as lf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("civicgrid.liaison.tests.api_urls"),
]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_create_with_an_idempotency_key_makes_one_message():
    lw = lf.liaison_world()
    api = Api()
    body = {
        "representative": lw.rep.pk,
        "kind": "suggestion",
        "text": "多装几个路灯",
        "phone": "13912345678",
    }
    first = api.post("/liaison/messages", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.content
    again = api.post("/liaison/messages", body, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert Message.objects.count() == 1
    assert "/liaison/t/" in first.json()["tracking_url"]


def test_create_refusals_use_the_error_shape():
    lw = lf.liaison_world()
    api = Api()
    both = api.post(
        "/liaison/messages",
        {"representative": lw.rep.pk, "station": lw.station.pk, "kind": "question", "text": "x"},
    )
    assert_error(both, 400, "one_addressee")
    bad = api.post("/liaison/messages", {"station": lw.station.pk, "kind": "rant", "text": "x"})
    assert bad.status_code in (400, 422)
    assert not Message.objects.exists()


def test_the_answerer_lists_reads_and_answers():
    lw = lf.liaison_world()
    m = lf.message(lw)
    lf.message(lw, representative=lw.other_rep)
    # A representative holds no staff role, so no token: the session (the phone's browser).
    rep = Api()
    rep.client.force_login(lw.rep_person)
    page = rep.get("/liaison/messages")
    assert page.status_code == 200
    items = page.json()["items"]
    assert [i["number"] for i in items] == [m.number]
    assert items[0]["phone"] == "139****5678"
    detail = rep.get(f"/liaison/messages/{m.number}")
    assert detail.json()["allowed"] == ["answer", "refer"]
    done = rep.post(f"/liaison/messages/{m.number}/answer", {"answer": "已转物业"})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == MessageState.ANSWERED


def test_a_stranger_gets_404_and_a_leader_403():
    lw = lf.liaison_world()
    m = lf.message(lw)
    stranger = Api(token_of(lw.w.stranger))
    assert stranger.get(f"/liaison/messages/{m.number}").status_code == 404
    assert stranger.post(f"/liaison/messages/{m.number}/answer", {"answer": "x"}).status_code == 404
    leader = Api(token_of(lw.w.leader))
    assert leader.get(f"/liaison/messages/{m.number}").status_code == 200
    assert leader.post(f"/liaison/messages/{m.number}/answer", {"answer": "x"}).status_code == 403
    m.refresh_from_db()
    assert m.state == MessageState.RECEIVED
