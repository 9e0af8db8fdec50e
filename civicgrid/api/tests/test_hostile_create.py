"""Hostile input to the REST API's create (POST /api/v1/needs, open to anonymous callers):
oversized, malformed, wrong-type and script-bearing bodies. Each is refused in the one error
shape with a message that says which field, or stored as plain text and given back as a JSON
string; none is a server error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings

from civicgrid.api.tests.conftest import Api, assert_error, token_of
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def body(w: nf.World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "roads",
        "description": "路灯坏了",
        "node": w.t["gridA"].pk,
        "contact_phone": "13912345678",
        "contact_name": "巴特尔",
        "answers": {"passable": "no"},
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def fields_of(error: dict[str, Any]) -> str:
    return json.dumps(error["details"], ensure_ascii=False)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": "x" * 1024 * 1024}, "description"),
        ({"contact_name": "名" * 10_000}, "contact_name"),
        ({"address": "x" * 10_000}, "address"),
        ({"description": ["a", "b"]}, "description"),
        ({"lat": "north", "lon": "east", "node": None}, "lat"),
        ({"lat": [1, 2], "node": None}, "lat"),
        ({"node": -1}, "node"),
        ({"node": 2**70}, "node"),
        ({"node": "1; DROP TABLE needs"}, "node"),
        ({"anonymous": {"x": 1}}, "anonymous"),
        ({"category": "roads\x00"}, "category"),
        ({"description": "路\x00灯"}, "description"),
        ({"contact_name": "巴\x00"}, "contact_name"),
        ({"answers": ["no"]}, "answers"),
    ],
)
def test_bad_fields_are_validation_errors_that_name_the_field(w, anonymous, overrides, field):
    error = assert_error(anonymous.post("/needs", body(w, **overrides)), 400, "validation")
    assert field in fields_of(error)
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("lat", "lon"),
    [("NaN", "NaN"), ("Infinity", "0.5"), ("0.5", "-Infinity"), ("1e400", "0.5"), (91, 0.5)],
)
def test_a_point_that_is_not_on_earth_is_refused(w, anonymous, lat, lon):
    # Python's JSON reader takes NaN and Infinity; the intake refuses them as a location.
    raw = json.dumps(body(w, node=None, lat="LAT", lon="LON"))
    raw = raw.replace('"LAT"', str(lat)).replace('"LON"', str(lon))
    response = anonymous.client.post("/api/v1/needs", raw, content_type="application/json")
    assert_error(response, 400, "bad_location")
    assert not Need.objects.exists()


def test_unknown_category_and_node_are_refused(w, anonymous):
    assert_error(anonymous.post("/needs", body(w, category="no-such")), 400, "bad_category")
    assert_error(anonymous.post("/needs", body(w, node=2**62)), 400, "bad_node")


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xfe{not utf-8}",
        b'{"category": "roads", "description": "\xe8\xb7\xff"}',
        b"[" * 100_000,
        b'{"a": ' * 50_000,
        b"",
        b"null",
        b"[]",
    ],
    ids=["bytes", "bad-utf8-in-string", "deep-arrays", "deep-objects", "empty", "null", "list"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(w, anonymous, raw):
    response = anonymous.client.post("/api/v1/needs", raw, content_type="application/json")
    assert_error(response, 400, "validation")
    assert not Need.objects.exists()


def test_wrong_content_types_are_400s(w, anonymous):
    as_form = anonymous.client.post("/api/v1/needs", body(w))  # multipart
    assert_error(as_form, 400, "validation")
    garbage = anonymous.client.post(
        "/api/v1/needs", b"--x\r\n\x00\xff", content_type="multipart/form-data; boundary=x"
    )
    assert_error(garbage, 400, "validation")
    no_boundary = anonymous.client.post("/api/v1/needs", b"x", content_type="multipart/form-data")
    assert_error(no_boundary, 400, "validation")
    assert not Need.objects.exists()


def test_a_body_too_large_to_read_is_a_413_in_the_error_shape(w, anonymous):
    big = json.dumps(body(w, description="x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    response = anonymous.client.post("/api/v1/needs", big, content_type="application/json")
    assert_error(response, 413, "too_large")
    assert not Need.objects.exists()


def test_script_bearing_text_is_stored_as_typed_and_given_back_as_json_text(w, anonymous):
    description = f"{SCRIPT} {IMG} javascript:alert(1)"
    created = anonymous.post("/needs", body(w, description=description, contact_name=IMG[:60]))
    assert created.status_code == 201, created.content
    need = Need.objects.get()
    assert need.description == description and need.contact_name == IMG[:60]
    staff = Api(token=token_of(w.dispatcher))
    detail = staff.get(f"/needs/{need.number}")
    assert detail["Content-Type"].startswith("application/json")
    assert detail["X-Content-Type-Options"] == "nosniff"
    assert detail.json()["description"] == description
