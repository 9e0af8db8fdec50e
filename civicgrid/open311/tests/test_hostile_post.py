"""Hostile input to Open311 POST requests: oversized, malformed, wrong-type and script-bearing
fields. Each is refused with the spec's error document and a message that names the field, or
stored as plain text and given back escaped; none is a server error or an HTML page."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from civicgrid.needs import services as needs_services
from civicgrid.needs import workflow
from civicgrid.needs.models import Need
from civicgrid.open311.tests.helpers import FORMATS, error_of, parse, rows, url
from civicgrid.open311.tests.test_post_request import form, post

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture
def client() -> Client:
    """Messages in English (the Accept-Language header, as a client would send it)."""
    return Client(headers={"accept-language": "en"})


def refused(response: Any, fmt: str, status: int, words: str) -> None:
    code, description = error_of(response, fmt, status)
    assert code == status and words in description, description
    assert not Need.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_oversized_fields_are_refused_with_their_name(client, w, app, fmt):
    big = post(client, fmt, form(description="x" * 1024 * 1024))
    refused(big, fmt, 400, "Description is 1048576 characters long")
    name = post(client, fmt, form(first_name="名" * 10_000, last_name=None))
    refused(name, fmt, 400, "Name is 10000 characters long")
    address = post(client, fmt, form(address_string="x" * 10_000))
    refused(address, fmt, 400, "Address is 10000 characters long")


@pytest.mark.parametrize(
    ("lat", "long"),
    [
        ("north", "0.5"),
        ("NaN", "0.5"),
        ("0.5", "nan"),
        ("Infinity", "0.5"),
        ("0.5", "-inf"),
        ("91", "0.5"),
        ("0.5", "181"),
        ("1e400", "0.5"),
        ("0x10", "0.5"),
    ],
)
def test_a_location_that_is_not_a_point_is_a_400(client, w, app, lat, long):
    response = post(client, "json", form(lat=lat, long=long))
    refused(response, "json", 400, "must be a number of degrees")


def test_invalid_utf8_is_read_as_replacement_characters(client, w, app):
    body = urlencode(form(description="x")).replace("description=x", "description=%E8%B7%AF%FF%FE")
    response = client.post(
        url("requests.json"), body, content_type="application/x-www-form-urlencoded"
    )
    parse(response, "json")
    assert "\ufffd" in Need.objects.get().description


def test_arrays_where_one_value_goes_take_the_last(client, w, app):
    data = form(description=["first", "second"], lat=["north", "0.5"])
    parse(post(client, "json", data), "json")
    assert Need.objects.get().description == "second"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("overrides", "status", "words"),
    [
        ({"service_code": "no-such-kind"}, 404, "not found"),
        ({"service_code": "roads\x00"}, 404, "not found"),
        ({"service_code": "x" * 5000}, 404, "not found"),
        ({"phone": "139\x0012345678"}, 400, "is not a phone number"),
        ({"attribute[passable]": "no\x00"}, 400, "choose one of the options"),
        ({"attribute[length_m]": "1\x00"}, 400, "write a number"),
        ({"media_url": "http://example.com/a\x00b.jpg"}, 400, "media_url"),
        ({"api_key": "x\x00" * 10}, 403, "api_key"),
        ({"jurisdiction_id": "other\x00"}, 404, "jurisdiction_id"),
    ],
)
def test_unknown_codes_and_null_bytes_are_refused(client, w, app, fmt, overrides, status, words):
    response = post(client, fmt, form(**overrides))
    refused(response, fmt, status, words)


def test_null_bytes_in_free_text_are_dropped(client, w, app):
    data = form(description="路\x00灯坏了", first_name="jo\x00hn", address_string="5th\x00 st")
    parse(post(client, "json", data), "json")
    need = Need.objects.get()
    assert (need.description, need.contact_name, need.address) == (
        "路灯坏了",
        "john smith",
        "5th st",
    )


@pytest.mark.parametrize(
    "media_url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "https:///no-host",
        "//example.com/relative.jpg",
        "http://" + "x" * 600 + ".jpg",
    ],
)
def test_a_media_url_that_is_not_a_web_address_is_refused(client, w, app, media_url):
    response = post(client, "json", form(media_url=media_url))
    refused(response, "json", 400, "media_url")


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_content_types_are_refused_in_the_spec_shape(client, w, app, fmt):
    as_json = client.post(
        url(f"requests.{fmt}") + "?api_key=test-open311-key-1",
        json.dumps(form()),
        content_type="application/json",
    )
    refused(as_json, fmt, 400, "service_code is required")
    garbage = client.post(
        url(f"requests.{fmt}"),
        b"--XyZ\r\nnot multipart at all\x00\xff\r\n",
        content_type="multipart/form-data; boundary=XyZ",
    )
    assert error_of(garbage, fmt, garbage.status_code)[0] in (400, 403)
    no_boundary = client.post(url(f"requests.{fmt}"), b"x", content_type="multipart/form-data")
    assert error_of(no_boundary, fmt, no_boundary.status_code)[0] in (400, 403)
    assert not Need.objects.exists()


def test_script_bearing_text_is_stored_as_typed_and_given_back_as_text(client, w, app):
    description = f"{SCRIPT} {IMG}"
    media = "https://example.com/<script>alert(1)</script>.jpg"
    parse(post(client, "json", form(description=description, media_url=media)), "json")
    need = Need.objects.get()
    assert need.description == description
    # Published by staff, so that GET and the tracking page give the text back at all.
    needs_services.need_publish(need=need, by=workflow.By(w.dispatcher))

    xml = client.get(url("requests.xml"), {"extensions": "true"})
    parse(xml, "xml")  # well-formed: the text did not become elements
    assert b"<script>" not in xml.content and b"<img" not in xml.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in xml.content

    data = parse(client.get(url("requests.json")), "json")
    row = rows(data, "json", "service_requests", "request")[0]
    assert row["description"] == description and row["media_url"] == media

    track = Client().get(f"/track/{need.number}/").content.decode()
    assert "<script>alert" not in track and "&lt;script&gt;alert(1)&lt;/script&gt;" in track
