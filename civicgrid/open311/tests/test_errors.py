"""What every method answers when the request itself is wrong (spec §7): the error document
in the format asked for, the spec's status codes, and never an HTML page or a 500."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from civicgrid.needs.tests import factories as nf
from civicgrid.open311.tests.helpers import FORMATS, KEY, error_of, url

pytestmark = pytest.mark.django_db

RESOURCES = [
    "discovery",
    "services",
    "services/roads",
    "requests",
    "requests/ABCD2345",
    "tokens/1",
    "servicerequestupdates",
]


@pytest.mark.parametrize("path", RESOURCES)
@pytest.mark.parametrize("ext", ["yaml", "html", "XMLX"])
def test_an_unknown_format_is_a_400_in_xml(client, path, ext):
    status, description = error_of(client.get(url(f"{path}.{ext}")), "xml", 400)
    assert status == 400 and ".xml" in description


def test_the_format_extension_is_not_case_sensitive(client):
    nf.ensure_seed()
    assert client.get(url("services.XML"))["Content-Type"] == "text/xml; charset=utf-8"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", RESOURCES)
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_a_method_a_resource_does_not_have_is_a_405(fmt, path, method):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(url(f"{path}.{fmt}"))
    assert error_of(response, fmt, 405)[0] == 405
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_requests_may_be_posted(fmt):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(f"services.{fmt}"), {"api_key": KEY})
    assert error_of(response, fmt, 405)[0] == 405
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("nothing", "xml"), ("requests", "xml"), ("services/", "xml"), ("a/b/c.json", "json")],
)
def test_anything_else_under_the_prefix_is_a_404_document(path, fmt):
    client = Client(enforce_csrf_checks=True)
    for response in (client.get(url(path)), client.post(url(path))):
        assert error_of(response, fmt, 404)[0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_in_what_is_quoted_back_keep_the_document_valid(client, fmt):
    nf.ensure_seed()
    response = client.get(url(f"services/a%01%1Fb.{fmt}"))
    assert error_of(response, fmt, 404)[0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_speak_the_language_asked_for(client, fmt):
    nf.ensure_seed()
    _, english = error_of(client.get(url(f"services/nope.{fmt}"), {"locale": "en"}), fmt, 404)
    assert english == "service_code “nope” not found."


@pytest.mark.parametrize("fmt", FORMATS)
def test_too_many_query_fields_is_a_400(client, fmt):
    query = "&".join(f"f{i}=1" for i in range(1100))
    assert error_of(client.get(url(f"requests.{fmt}?{query}")), fmt, 400)[0] == 400


@override_settings(ROOT_URLCONF="civicgrid.open311.tests.urls_other_prefix")
def test_the_api_works_under_another_prefix(client):
    nf.ensure_seed()
    body = client.get("/georeport/discovery.json").json()
    assert body["endpoints"][0]["url"] == "http://testserver/georeport"
    assert client.get("/georeport/services.json").status_code == 200
