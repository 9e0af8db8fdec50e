"""Whatever goes wrong, the answer has the one error shape, never a server error."""

from __future__ import annotations

import pytest

from civicgrid.api.tests.conftest import Api, assert_error
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def test_bad_json_is_a_validation_error(w, as_person):
    api = as_person(w.dispatcher)
    response = api.client.post("/api/v1/needs", "{not json", content_type="application/json")
    assert_error(response, 400, "validation")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"category": 12, "description": "x"},
        {"category": "roads", "description": "x", "node": "here"},
        {"category": "roads", "description": "x", "node": 2**70},
        {"category": "roads", "description": "x", "priority": "whenever"},
        {"category": "roads\x00", "description": "x"},
        [1, 2, 3],
    ],
)
def test_wrong_types_are_validation_errors(w, as_person, body):
    error = assert_error(as_person(w.dispatcher).post("/needs", body), 400, "validation")
    assert error["details"]["fields"]
    assert Need.objects.count() == 0


def test_field_errors_say_where(w, as_person):
    error = assert_error(
        as_person(w.dispatcher).post("/needs", {"category": "roads"}), 400, "validation"
    )
    assert ["body", "body", "description"] in [f["loc"] for f in error["details"]["fields"]]


def test_domain_errors_keep_their_code_and_details(w, as_person):
    response = as_person(w.dispatcher).post(
        "/needs", {"category": "roads", "description": "坑", "node": w.t["gridA"].pk}
    )
    error = assert_error(response, 400, "answer_required")
    assert error["details"]["question"] == "passable"


def test_messages_are_in_the_request_language(w):
    from civicgrid.api.tests.conftest import token_of

    need = nf.raise_need(w)
    token = token_of(w.dispatcher)
    en = Api(token, language="en").post(f"/needs/{need.number}/actions/reject", {})
    zh = Api(token, language="zh-hans").post(f"/needs/{need.number}/actions/reject", {})
    assert assert_error(en, 400, "reason_required")["message"] == "Give a reason."
    assert assert_error(zh, 400, "reason_required")["message"] != "Give a reason."


def test_unknown_paths_and_ids(w, as_person):
    api = as_person(w.dispatcher)
    assert_error(api.get("/nodes/999999999"), 404, "not_found")
    assert_error(api.get("/nodes/99999999999999999999999"), 400, "validation")
    assert_error(api.get("/needs/%00"), 400, "validation")
    assert_error(api.get("/needs", {"since": "0001-01-01"}), 400, "validation")
    assert_error(api.get("/needs", {"q": "a\x00b"}), 400, "validation")
