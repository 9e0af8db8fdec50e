"""What the reviews module keeps about a phone (personal.py): its reviews exported by the
digest of the phone, forgotten (the digest and its comments removed, the scores still
counted), and digests dropped a year after a round closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from civicgrid.reviews import personal, results, rounds
from civicgrid.reviews.models import Answer, Response
from civicgrid.reviews.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()


def test_a_phone_exports_and_forgets_its_reviews():
    rv = rf.opened()
    rf.respond(rv, score=2, comment="我的意见")
    rf.respond(rv, phone="13800000009", score=5)
    data = personal.personal_export(phone=rf.PHONE, by=None)
    assert [r["department"] for r in data["reviews"]] == ["城管局"]
    assert {a["comment"] for a in data["reviews"][0]["answers"]} >= {"我的意见"}
    # A leader's reach holds no write role: nothing is handed out or forgotten by them.
    assert personal.personal_export(phone=rf.PHONE, by=rv.w.leader)["reviews"] == []
    before = results.tally(rv.round)[0].average
    gone = personal.phone_forget(phone=rf.PHONE, by=rv.w.town_staff)
    assert gone.responses == 1 and gone.comments == 1
    assert not Answer.objects.filter(comment="我的意见").exists()
    assert results.tally(rv.round)[0].average == before
    assert personal.personal_export(phone=rf.PHONE, by=None)["reviews"] == []


def test_digests_go_a_year_after_the_round_closed():
    rv = rf.opened()
    rf.respond(rv)
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    assert personal.retention(now=timezone.now()).responses == 0
    later = timezone.now() + dt.timedelta(days=personal.RETENTION_DAYS + 1)
    assert personal.retention(now=later).responses == 1
    assert Response.objects.get().phone_digest == ""
