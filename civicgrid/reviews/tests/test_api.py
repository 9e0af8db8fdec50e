"""Department reviews through the REST API (`reviews_router`): the public list of open and
published rounds, a round's questionnaire, a department's results (public once published,
comments only when marked; staff in scope read them in full), codes texted to a phone and
responses with them — the code required, one per phone per department, limited — all in the
one error shape."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.test import override_settings

from civicgrid.api.tests.conftest import Api, assert_error, token_of
from civicgrid.reviews import rounds, services
from civicgrid.reviews.models import Answer, Response
from civicgrid.reviews.tests import factories as rf

pytestmark = [pytest.mark.django_db, pytest.mark.urls("civicgrid.reviews.tests.api_urls")]


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()


def body(rv: rf.Reviews, code: str, **extra):
    return {
        "department": rv.dept.pk,
        "phone": rf.PHONE,
        "code": code,
        "answers": [
            {"question": rv.score.pk, "value": "5"},
            {"question": rv.choice.pk, "value": "o2"},
            {"question": rv.comment.pk, "value": "很好"},
        ],
        **extra,
    }


def test_the_public_list_holds_open_and_published_rounds_only():
    rv = rf.opened()
    other = rf.draft(rv.w)
    anon = Api()
    listed = anon.get("/reviews/rounds")
    assert listed.status_code == 200
    ids = [r["id"] for r in listed.json()["items"]]
    assert ids == [rv.round.pk] and other.round.pk not in ids
    detail = anon.get(f"/reviews/rounds/{rv.round.pk}").json()
    assert [q["id"] for q in detail["questions"]] == [rv.score.pk, rv.choice.pk, rv.comment.pk]
    assert detail["questions"][0]["text"] == "Overall"  # English asked, English given
    assert_error(anon.get(f"/reviews/rounds/{other.round.pk}"), 404, "not_found")
    # Staff who may read a draft read it.
    staff = Api(token_of(rv.w.town_staff))
    assert staff.get(f"/reviews/rounds/{other.round.pk}").status_code == 200
    page = anon.get("/reviews/rounds", {"limit": 1, "node": rv.round.node_id}).json()
    assert page["next"] is None and len(page["items"]) == 1
    assert_error(anon.get("/reviews/rounds", {"cursor": "xx"}), 400, "bad_cursor")


def test_a_response_needs_the_texted_code(caplog, django_capture_on_commit_callbacks):
    rv = rf.opened()
    anon = Api()
    assert_error(
        anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, "")), 400, "code_required"
    )
    assert_error(
        anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, "123456")), 400, "code_spent"
    )
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")
    with django_capture_on_commit_callbacks(execute=True):
        sent = anon.post(f"/reviews/rounds/{rv.round.pk}/codes", {"phone": rf.PHONE})
    assert sent.status_code == 200 and sent.json()["phone"] == "139****5678"
    [code] = [
        m.group(1)
        for r in caplog.records
        if r.name == "civicgrid.notifications" and (m := re.search(r": .*?(\d{6})", r.getMessage()))
    ]
    made = anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, code))
    assert made.status_code == 201, made.content
    assert Response.objects.get(pk=made.json()["id"]).department_id == rv.dept.pk
    again = anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, rf.known_code()))
    assert_error(again, 409, "already_answered")
    bad = anon.post(
        f"/reviews/rounds/{rv.round.pk}/responses",
        body(
            rv,
            rf.known_code(),
            department=rv.other.pk,
            answers=[{"question": rv.score.pk, "value": "7"}],
        ),
    )
    err = assert_error(bad, 400, "answers_invalid")
    assert f"q{rv.score.pk}" in err["details"]["fields"]
    assert_error(
        anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, "1", phone="12")),
        400,
        "phone_invalid",
    )
    assert_error(
        anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, "1", department=999999)),
        400,
        "no_department",
    )


def test_no_response_to_a_round_that_is_not_open():
    rv = rf.draft()
    anon = Api()
    assert_error(
        anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, rf.known_code())),
        404,
        "not_found",
    )
    assert_error(
        anon.post(f"/reviews/rounds/{rv.round.pk}/codes", {"phone": rf.PHONE}), 404, "not_found"
    )


@override_settings(API_ANON_CREATES_PER_MINUTE=2)
def test_responses_are_limited_per_address():
    rv = rf.opened()
    anon = Api()
    for _ in range(2):
        anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, ""))
    assert_error(
        anon.post(f"/reviews/rounds/{rv.round.pk}/responses", body(rv, "")), 429, "rate_limited"
    )


def test_results_are_public_once_published_and_full_for_staff():
    rv = rf.opened()
    rf.respond(rv, score=5, comment="公开")
    rf.respond(rv, phone="13800000009", score=3, comment="内部")
    url = f"/reviews/rounds/{rv.round.pk}/departments/{rv.dept.pk}/results"
    anon = Api()
    assert_error(anon.get(url), 404, "not_found")
    staff = Api(token_of(rv.w.town_staff))
    full = staff.get(url).json()
    assert full["responses"] == 2 and full["average"] == 4.0
    comments = [c["text"] for q in full["questions"] for c in q["comments"]]
    assert set(comments) == {"公开", "内部"}
    stranger = Api(token_of(rv.w.stranger))
    assert_error(stranger.get(url), 404, "not_found")
    rounds.round_close(by=rv.w.town_staff, round=rv.round)
    rounds.round_publish(by=rv.w.town_staff, round=rv.round)
    services.comment_mark(
        by=rv.w.town_staff, answer=Answer.objects.get(comment="公开"), public=True
    )
    public = anon.get(url).json()
    assert public["responses"] == 2
    score = next(q for q in public["questions"] if q["kind"] == "score")
    assert score["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert [c["text"] for q in public["questions"] for c in q["comments"]] == ["公开"]
    assert_error(
        anon.get(f"/reviews/rounds/{rv.round.pk}/departments/999999/results"), 404, "not_found"
    )
