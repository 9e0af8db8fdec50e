"""What works without credentials: raising a need where the resident page allows it, the
categories, locating a point; each limited per address."""

from __future__ import annotations

import pytest
from django.test import override_settings

from civicgrid.api.tests.conftest import assert_error
from civicgrid.needs.models import Category, Channel, Need
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db

ROAD = {
    "category": "roads",
    "description": "路灯坏了",
    "contact_phone": "13912345678",
    "answers": {"passable": "no"},
}


def hidden_category() -> Category | None:
    return Category.objects.filter(is_active=True, shown_to_residents=False).first()


def test_a_resident_raises_a_need_without_an_account(w, anonymous):
    response = anonymous.post("/needs", {**ROAD, "node": w.t["gridA"].pk})
    assert response.status_code == 201, response.content
    body = response.json()
    need = Need.objects.get(number=body["number"])
    assert need.channel == Channel.API
    assert need.submitter is None
    assert "/track/" in body["track_url"] and "k=" in body["track_url"]
    assert body["node_id"] == w.t["gridA"].pk


def test_a_point_is_routed_to_its_grid(w, anonymous):
    response = anonymous.post("/needs", {**ROAD, "lat": 0.5, "lon": 1.5})
    assert response.status_code == 201, response.content
    assert response.json()["node_id"] == w.t["gridB"].pk


def test_a_resident_report_no_grid_holds_waits_unplaced_at_the_top(w, anonymous):
    # Never turned away (issue 11): a resident's app sending a point outside every grid, or
    # no place at all, is accepted into the unplaced queue as on the resident page.
    for where in ({"lat": 50, "lon": 50}, {"address": "乌兰哈达嘎查往北5公里"}):
        response = anonymous.post("/needs", {**ROAD, **where})
        assert response.status_code == 201, response.content
        need = Need.objects.get(number=response.json()["number"])
        assert (need.node, need.unplaced) == (w.t["league"], True)


def test_staff_are_told_to_say_where_instead(w, as_person):
    # Staff enter needs where their role writes: they are asked for the place.
    outside = as_person(w.dispatcher).post("/needs", {**ROAD, "lat": 50, "lon": 50})
    assert_error(outside, 400, "outside_grids")


def test_a_category_hidden_from_residents_is_refused_to_anonymous_callers(w, anonymous, as_person):
    hidden = hidden_category()
    assert hidden is not None
    body = {**ROAD, "category": hidden.code, "answers": {}, "node": w.t["gridA"].pk}
    assert_error(anonymous.post("/needs", body), 400, "bad_category")
    assert Need.objects.count() == 0
    # Staff may enter it (a petition by proxy, 信访代办).
    staff = as_person(w.dispatcher).post("/needs", {**body, "channel": "walk_in",
                                                    "on_behalf_of": "巴特尔"})  # fmt: skip
    assert staff.status_code == 201, staff.content


def test_anonymous_callers_cannot_claim_a_staff_channel(w, anonymous):
    body = {**ROAD, "node": w.t["gridA"].pk, "channel": "phone"}
    response = anonymous.post("/needs", body)
    # The channel is ignored for anonymous callers: it is the API's, never someone's phone call.
    assert response.status_code == 201
    assert Need.objects.get().channel == Channel.API


def test_a_staff_channel_from_outside_the_area_is_forbidden(w, as_person):
    body = {**ROAD, "node": w.t["gridA"].pk, "channel": "phone", "on_behalf_of": "巴特尔"}
    assert_error(as_person(w.stranger).post("/needs", body), 403, "forbidden")


def test_categories_for_residents_and_for_staff(w, anonymous, as_person):
    public = anonymous.get("/categories").json()
    staff = as_person(w.dispatcher).get("/categories").json()
    assert all(c["shown_to_residents"] for c in public)
    assert len(staff) > len(public)
    roads = next(c for c in public if c["code"] == "roads")
    assert {d["priority"] for d in roads["deadlines"]} >= {"urgent", "normal"}
    assert any(q["key"] == "passable" for q in roads["questions"])
    # Tree order: every child right after its parent or a sibling.
    codes = [c["code"] for c in staff]
    for c in staff:
        if c["parent"]:
            assert codes.index(c["parent"]) < codes.index(c["code"])


def test_labels_follow_the_request_language(w, anonymous):
    from civicgrid.api.tests.conftest import Api

    roads_en = next(c for c in anonymous.get("/categories").json() if c["code"] == "roads")
    roads_zh = next(c for c in Api(language="zh-hans").get("/categories").json()
                    if c["code"] == "roads")  # fmt: skip
    assert roads_en["label"] == roads_en["name_en"]
    assert roads_zh["label"] == roads_zh["name"]


def test_locate_a_point(w, anonymous):
    found = anonymous.get("/nodes/locate", {"lat": 0.5, "lon": 0.5})
    assert found.json()["id"] == w.t["gridA"].pk
    assert_error(anonymous.get("/nodes/locate", {"lat": 40, "lon": 40}), 404, "not_found")
    assert_error(anonymous.get("/nodes/locate", {"lat": 91, "lon": 0}), 400, "validation")


@override_settings(API_ANON_CREATES_PER_MINUTE=2, API_ANON_READS_PER_MINUTE=3)
def test_anonymous_callers_are_rate_limited(w, anonymous, as_person):
    body = {**ROAD, "node": w.t["gridA"].pk}
    assert anonymous.post("/needs", body).status_code == 201
    assert anonymous.post("/needs", body).status_code == 201
    third = anonymous.post("/needs", body)
    error = assert_error(third, 429, "rate_limited")
    assert int(third["Retry-After"]) >= 1
    assert error["details"]["retry_after"] == int(third["Retry-After"])
    assert Need.objects.count() == 2
    for _ in range(3):
        assert anonymous.get("/categories").status_code == 200
    assert_error(anonymous.get("/categories"), 429, "rate_limited")
    # A token is not limited by the anonymous counters.
    staff = as_person(w.dispatcher)
    assert staff.get("/categories").status_code == 200
    assert staff.post("/needs", body).status_code == 201


def test_staff_endpoints_need_credentials(w, anonymous):
    need = nf.raise_need(w)
    for path in ("/needs", f"/needs/{need.number}", "/nodes", "/notifications", "/people"):
        response = anonymous.get(path)
        assert_error(response, 401, "unauthenticated")
        assert response["WWW-Authenticate"] == "Bearer"
