"""POST Service Request (spec §3): urlencoded, api_key required, the need raised through the
same intake service as the resident page, every error in the spec's shape."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client, override_settings

from civicgrid.needs import services as needs_services
from civicgrid.needs import workflow
from civicgrid.needs.models import Channel, Need, NeedEvent, State
from civicgrid.needs.tracking import tracking_key
from civicgrid.open311.models import Application
from civicgrid.open311.services import DEMO_KEY, application_create
from civicgrid.open311.tests.helpers import FORMATS, KEY, error_of, parse, rows, url

pytestmark = pytest.mark.django_db


def form(**overrides: Any) -> dict[str, Any]:
    """The spec's example request, moved into grid A (a 1°x1° square at 0,0)."""
    data: dict[str, Any] = {
        "api_key": KEY,
        "jurisdiction_id": "civicgrid.demo",
        "service_code": "roads",
        "lat": "0.5",
        "long": "0.5",
        "address_string": "1234 5th street",
        "email": "smit333@sfgov.edu",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "john",
        "last_name": "smith",
        "phone": "13912345678",
        "description": "A large sinkhole is destroying the street",
        "attribute[passable]": "no",
        "attribute[length_m]": "12",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, fmt: str, data: dict[str, Any]) -> Any:
    return client.post(
        url(f"requests.{fmt}"),
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_a_request_raises_a_need_and_returns_its_id(w, app, fmt):
    # A client has no CSRF token: the api_key is the authentication.
    client = Client(enforce_csrf_checks=True)
    body = parse(post(client, fmt, form()), fmt)
    [row] = rows(body, fmt, "service_requests", "request")
    need = Need.objects.get()
    if fmt == "xml":
        assert [c.tag for c in body[0]] == ["service_request_id", "service_notice", "account_id"]
    else:
        assert list(row) == ["service_request_id", "service_notice", "account_id"]
    assert "token" not in row
    assert row["service_request_id"] == need.number
    assert row["account_id"] == "123456"
    # The notice is the resident's receipt: the tracking link that allows rating.
    assert f"/track/{need.number}/?k={tracking_key(need.number)}" in row["service_notice"]
    assert need.channel == Channel.OPEN311
    assert need.state == State.SUBMITTED
    assert need.node == w.t["gridA"]
    assert (need.lat, need.lon) == (0.5, 0.5)
    assert need.address == "1234 5th street"
    assert need.answers == {"passable": "no", "length_m": 12.0}
    assert (need.contact_phone, need.contact_name) == ("13912345678", "john smith")
    assert need.description == "A large sinkhole is destroying the street"


def test_a_chinese_name_is_written_family_name_first(client, w, app):
    post(client, "json", form(first_name="特尔", last_name="巴"))
    assert Need.objects.get().contact_name == "巴特尔"


def test_optional_fields_left_empty_count_as_not_sent(client, w, app):
    data = form(account_id="", first_name="", last_name="", email="", address_string="")
    data["attribute[length_m]"] = ""
    [row] = parse(post(client, "json", data), "json")
    assert row["account_id"] is None
    need = Need.objects.get()
    assert (need.contact_name, need.address, need.answers) == ("", "", {"passable": "no"})


def test_api_key_may_come_in_the_query_string(client, w, app):
    data = form()
    del data["api_key"]
    response = client.post(
        url(f"requests.json?api_key={KEY}"),
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200


def test_unknown_attributes_are_ignored_and_repeated_ones_joined(client, w, app):
    data = form(**{"attribute[colour]": "red", "attribute[x][]": ["1", "2"]})
    assert post(client, "json", data).status_code == 200
    assert Need.objects.get().answers == {"passable": "no", "length_m": 12.0}


def test_media_url_is_kept_as_a_note_and_given_back(client, w, app):
    link = "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg"
    [row] = post(client, "json", form(media_url=link)).json()
    event = NeedEvent.objects.get(need__number=row["service_request_id"], action="comment")
    assert event.data == {"media_url": link}
    assert link in event.note
    [got] = client.get(url(f"requests/{row['service_request_id']}.json")).json()
    assert got["media_url"] is None  # the resident's photo: public once staff publish the need
    needs_services.need_publish(need=event.need, by=workflow.By(w.dispatcher))
    [got] = client.get(url(f"requests/{row['service_request_id']}.json")).json()
    assert got["media_url"] == link


# --- Errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "", "wrong-key-000000", "short", "bad key\x00with nul"])
def test_a_missing_or_invalid_api_key_is_a_403(client, w, app, fmt, key):
    status, description = error_of(post(client, fmt, form(api_key=key)), fmt, 403)
    assert status == 403
    assert "api_key" in description
    assert not Need.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_deactivated_application_is_refused(client, w, app, fmt):
    Application.objects.update(is_active=False)
    assert error_of(post(client, fmt, form()), fmt, 403)[0] == 403


def test_the_demo_key_works_only_in_demo_mode(client, w):
    application_create(name="Demo", key=DEMO_KEY)
    assert post(client, "json", form(api_key=DEMO_KEY)).status_code == 403
    with override_settings(DEMO_MODE=True):
        assert post(client, "json", form(api_key=DEMO_KEY)).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_service_code_is_a_400(client, w, app, fmt):
    status, description = error_of(post(client, fmt, form(service_code=None)), fmt, 400)
    assert status == 400 and "service_code" in description


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["nothing", "petitions", "infrastructure", "\x00"])
def test_an_unknown_service_code_is_a_404(client, w, app, fmt, code):
    status, description = error_of(post(client, fmt, form(service_code=code)), fmt, 404)
    assert status == 404 and "service_code" in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_another_jurisdiction_is_a_404_and_ours_in_any_case_is_fine(client, w, app, fmt):
    status, description = error_of(post(client, fmt, form(jurisdiction_id="sfgov.org")), fmt, 404)
    assert status == 404 and "jurisdiction_id" in description
    assert post(client, fmt, form(jurisdiction_id="CivicGrid.Demo")).status_code == 200
    assert post(client, fmt, form(jurisdiction_id=None)).status_code == 200


# A request without a point is accepted, unplaced (test_real_clients.py); a broken one is not.
LOCATION_ERRORS = [
    ({"long": None}, "lat"),
    ({"lat": "north"}, "lat"),
    ({"lat": "nan"}, "lat"),
    ({"long": "1e999"}, "long"),
    ({"lat": "91"}, "lat"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("change", "word"), LOCATION_ERRORS)
def test_a_request_that_cannot_be_located_is_a_400(client, w, app, fmt, change, word):
    status, description = error_of(post(client, fmt, form(**change)), fmt, 400)
    assert status == 400 and word in description
    assert not Need.objects.exists()


# What the intake service refuses, passed on with its own message (no second set of rules).
SERVICE_ERRORS = [
    {"attribute[passable]": None},  # a required question
    {"attribute[passable]": "maybe"},  # not one of the values
    {"attribute[length_m]": "twelve"},  # not a number
    {"phone": "111111111"},  # the spec's example: no country code, not a Chinese mobile
    {"email": "smit333"},
    {"description": None},
    {"description": "x" * 4001},  # longer than the spec allows, and than we do
    {"media_url": "javascript:alert(1)"},
    {"media_url": "http://" + "x" * 600},
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("change", SERVICE_ERRORS)
def test_what_the_intake_refuses_is_a_400_with_its_message(client, w, app, fmt, change):
    status, description = error_of(post(client, fmt, form(**change)), fmt, 400)
    assert status == 400 and description
    assert not Need.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_too_often_from_one_address_is_a_429_with_retry_after(client, w, app, fmt):
    with override_settings(OPEN311_POST_LIMIT=2):
        assert post(client, fmt, form()).status_code == 200
        assert post(client, fmt, form(api_key="wrong-key-000000")).status_code == 403
        response = post(client, fmt, form())
        status, _description = error_of(response, fmt, 429)
    assert status == 429
    assert int(response["Retry-After"]) > 0
    assert Need.objects.count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_too_large_to_parse_is_a_400(client, w, app, fmt):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = post(client, fmt, form(description="x" * 2000))
    assert error_of(response, fmt, 400)[0] == 400


def test_a_json_body_is_not_a_form(client, w, app):
    response = client.post(url("requests.json"), form(), content_type="application/json")
    assert error_of(response, "json", 403)[0] == 403  # no api_key in a form body
