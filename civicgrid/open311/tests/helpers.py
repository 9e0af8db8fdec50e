"""Reading Open311 answers the way a client does, checking the spec's rules on every one:
content types, the XML declaration, time zones on dates, no empty strings."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from civicgrid.open311 import services
from civicgrid.open311.models import Application

FORMATS = ("xml", "json")
KEY = "test-open311-key-1"
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'
# W3C date-time with a required zone: Z or ±HH:MM.
DATETIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
DATE_FIELDS = {
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "datetime",
    "response_deadline",
    "resolve_deadline",
    "responded_datetime",
    "resolved_datetime",
}
LISTS = ("values", "attributes", "timeline")  # may be empty
# The request fields of GET Service Request, in the order of the spec's table.
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def url(path: str) -> str:
    return f"/{settings.OPEN311_PREFIX}{path}"


def application(key: str = KEY) -> Application:
    return services.application_create(name="Test app", key=key)[0]


def _check_json_values(value: Any, key: str = "") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_json_values(v, k)
    elif isinstance(value, list):
        for v in value:
            _check_json_values(v, key)
    else:
        assert value != "", f"{key} is an empty string"
        if key in DATE_FIELDS and value is not None:
            assert DATETIME_RE.match(value), f"{key}={value!r} has no time zone"


def _check_xml_values(element: ET.Element) -> None:
    # A request's fields are always there, empty elements when empty (formats.KEEP_EMPTY).
    in_request = {id(c) for r in element.iter("request") for c in r}
    for child in element.iter():
        if id(child) in in_request and (child.text or "") == "" and len(child) == 0:
            continue
        if child.tag in DATE_FIELDS:
            assert DATETIME_RE.match(child.text or ""), f"{child.tag}={child.text!r}"
        if len(child) == 0 and child is not element and child.tag not in LISTS:
            assert (child.text or "") != "", f"<{child.tag}> is empty: leave it out instead"


def parse(response: HttpResponse, fmt: str, status: int = 200) -> Any:
    """The body as a client reads it: an ElementTree root for XML, Python values for JSON."""
    assert response.status_code == status, response.content.decode()[:500]
    if fmt == "xml":
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert response.content.startswith(DECLARATION)
        root = ET.fromstring(response.content)  # noqa: S314 - our own output
        _check_xml_values(root)
        return root
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content)
    _check_json_values(data)
    return data


def error_of(response: HttpResponse, fmt: str, status: int) -> tuple[int, str]:
    """The one error of an error document, after checking its exact shape."""
    body = parse(response, fmt, status)
    if fmt == "xml":
        assert body.tag == "errors"
        errors = list(body)
        assert [e.tag for e in errors] == ["error"]
        assert [c.tag for c in errors[0]] == ["code", "description"]
        return int(errors[0].findtext("code") or 0), errors[0].findtext("description") or ""
    assert isinstance(body, list) and len(body) == 1
    assert list(body[0]) == ["code", "description"]
    assert isinstance(body[0]["code"], int)
    return body[0]["code"], body[0]["description"]


def rows(body: Any, fmt: str, root: str, item: str) -> list[dict[str, Any]]:
    """A list document as dicts of text (XML) or values (JSON), checking the root names."""
    if fmt == "json":
        assert isinstance(body, list)
        return body
    assert body.tag == root
    assert all(child.tag == item for child in body)
    return [{c.tag: (c if len(c) else c.text) for c in child} for child in body]


def get(client: Client, path: str, **params: Any) -> Any:
    return client.get(url(path), params)
