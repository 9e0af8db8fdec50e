"""The REST façade: representatives and stations with public fields (anyone reads the
published; never a person's phone), receptions for staff of the place, created by staff with
a token (a reader 403, a room clash 409), errors in the one shape."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from civicgrid.api.tests.conftest import Api, assert_error, token_of
from civicgrid.representatives.models import Reception
from civicgrid.representatives.tests import factories as rf
from civicgrid.services import rooms

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicgrid.representatives.tests.api_urls")]


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def test_anyone_reads_published_representatives_and_stations_without_phones() -> None:
    r = rf.reps()
    api = Api()
    listed = api.get("/representatives")
    assert listed.status_code == 200, listed.content
    names = {item["name"] for item in listed.json()["items"]}
    assert names == {"陈代表", "王代表"}
    assert rf.REP_MOBILE not in listed.content.decode()
    one = api.get(f"/representatives/{r.deputy.pk}").json()
    assert (one["body"], one["level"], one["station_id"]) == (
        "peoples_congress",
        "banner",
        r.station.pk,
    )
    assert_error(api.get(f"/representatives/{r.hidden.pk}"), 404, "not_found")
    stations = api.get("/liaison-stations").json()["items"]
    assert [(s["id"], s["phone"]) for s in stations] == [(r.station.pk, rf.STATION_PHONE)]
    assert stations[0]["times"][0]["weekday"] == 1
    assert all(slot["starts"] == "09:00" for slot in stations[0]["upcoming"])
    # Staff of the place see the unpublished one too.
    staff = Api(token_of(r.w.dispatcher)).get("/representatives").json()["items"]
    assert {item["name"] for item in staff} == {"陈代表", "王代表", "隐代表"}


def test_staff_record_receptions_a_reader_cannot_and_a_clash_is_409() -> None:
    r = rf.reps()
    staff = Api(token_of(r.w.dispatcher))
    past = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    body = {
        "station": r.station.pk,
        "day": past,
        "starts": "09:00",
        "ends": "11:00",
        "representatives": [r.deputy.pk, r.delegate.pk],
        "topic": "读书日",
        "attendance": 14,
        "matters": [{"summary": "路灯不亮", "raised_by": "张大娘"}],
    }
    made = staff.post("/receptions", body)
    assert made.status_code == 201, made.content
    out = made.json()
    assert out["attendance"] == 14 and out["representative_ids"] == sorted(
        [r.deputy.pk, r.delegate.pk]
    )
    assert out["matters"][0]["raised_by"] == "张**"
    assert "张大娘" not in json.dumps(staff.get("/receptions").json(), ensure_ascii=False)
    assert staff.get(f"/receptions/{out['id']}").status_code == 200
    assert_error(Api(token_of(r.w.leader)).post("/receptions", body), 403, "forbidden")
    assert_error(Api(token_of(r.w.stranger)).post("/receptions", body), 404, "not_found")
    assert_error(Api(token_of(r.w.stranger)).get(f"/receptions/{out['id']}"), 404, "not_found")
    assert Api(token_of(r.w.stranger)).get("/receptions").json()["items"] == []
    assert_error(Api().get("/receptions"), 401, "unauthenticated")
    bad = staff.post("/receptions", {**body, "ends": "08:00"})
    assert assert_error(bad, 400, "end_before_start")["details"]["fields"] == {
        "ends": [bad.json()["error"]["message"]]
    }
    day = timezone.localdate() + dt.timedelta(days=2)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    rooms.room_book(
        room=r.room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        title="合唱",
        by=rooms.By(person=r.w.dispatcher),
    )
    assert_error(staff.post("/receptions", {**body, "day": day.isoformat()}), 409, "room_taken")
    assert Reception.objects.count() == 1
