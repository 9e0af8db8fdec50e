"""What independent Open311 clients send and expect (FixMyStreet, the SeeClickFix validator, the
PyPI `georeport` client, the open311 JSON Schemas), issue 11: each of these tripped one of them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from civicgrid.needs import services as needs_services
from civicgrid.needs.models import CategoryQuestion, Need
from civicgrid.needs.tests import factories as nf
from civicgrid.open311.tests.helpers import FORMATS, REQUEST_FIELDS, error_of, get, parse, url
from civicgrid.open311.tests.test_post_request import form, post

pytestmark = pytest.mark.django_db


# --- Discovery: endpoint + "/services.xml" ------------------------------------------------------


def test_discovery_publishes_the_endpoint_without_a_trailing_slash(client):
    [endpoint] = get(client, "discovery.json").json()["endpoints"]
    assert endpoint["url"] == "http://testserver" + url("").rstrip("/")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_client_joining_the_endpoint_with_a_slash_is_answered(client, fmt):
    nf.ensure_seed()
    [endpoint] = get(client, "discovery.json").json()["endpoints"]
    path = endpoint["url"].removeprefix("http://testserver")
    body = parse(client.get(path + f"/services.{fmt}"), fmt)
    assert len(body) > 0
    # A client that keeps the slash it was once given doubles it: that is answered too.
    assert client.get(url(f"/services.{fmt}")).status_code == 200
    assert client.get(url(f"/services/roads.{fmt}")).status_code == 200


# --- Service definitions: no "values": null -----------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_attributes_that_are_not_lists_carry_no_values_key(client, fmt):
    nf.ensure_seed()
    kinds = set(
        CategoryQuestion.objects.filter(category__code="roads").values_list("kind", flat=True)
    )
    assert {"choice", "number"} <= kinds  # the seed's roads questions: one of each at least
    body = parse(get(client, f"services/roads.{fmt}"), fmt)
    if fmt == "json":
        attributes = body["attributes"]
        for attribute in attributes:
            if attribute["datatype"] == "singlevaluelist":
                assert attribute["values"], attribute
            else:
                assert "values" not in attribute, attribute
    else:
        attributes = list(body.iterfind("attributes/attribute"))
        for attribute in attributes:
            values = attribute.find("values")
            if attribute.findtext("datatype") == "singlevaluelist":
                assert values is not None and len(values)
            else:
                assert values is None
    assert len(attributes) >= 2


# --- Never turned away for where it is ----------------------------------------------------------


NO_GRID = [
    {"lat": None, "long": None},  # address_string only (a postcode, as FixMyStreet sends)
    {"lat": None, "long": None, "address_string": None, "address_id": "#NOTPINPOINTED#"},
    {"lat": None, "long": None, "address_string": None, "address_id": "545483"},
    {"lat": "40", "long": "-74"},  # a point outside every grid
    {"lat": None, "long": None, "address_string": None},  # nothing: a category and a text
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("change", NO_GRID)
def test_a_report_no_grid_can_be_found_for_waits_unplaced_at_the_jurisdiction(
    client, w, app, fmt, change
):
    body = parse(post(client, fmt, form(**change)), fmt)
    number = (
        body[0].findtext("service_request_id") if fmt == "xml" else body[0]["service_request_id"]
    )
    need = Need.objects.get(number=number)
    root = needs_services.region_root()
    assert need.unplaced
    assert (need.node, need.owner_node) == (root, root) == (w.t["league"], w.t["league"])
    if change.get("lat"):
        assert (need.lat, need.lon) == (40.0, -74.0)  # kept, for the dispatcher's map
    if "address_string" not in change:
        assert need.address == "1234 5th street"


def test_a_point_inside_a_grid_is_placed_as_before(client, w, app):
    post(client, "json", form())
    need = Need.objects.get()
    assert (need.node, need.unplaced) == (w.t["gridA"], False)


def test_half_a_point_is_still_a_400(client, w, app):
    _status, description = error_of(post(client, "json", form(long=None)), "json", 400)
    assert "lat" in description and not Need.objects.exists()


# --- Phone, email ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [{"phone": None}, {"phone": None, "email": None}])
def test_phone_is_optional_when_an_email_or_nothing_is_given(client, w, app, change):
    assert post(client, "json", form(**change)).status_code == 200
    need = Need.objects.get()
    assert need.contact_phone == ""
    assert need.contact_email == ("" if change.get("email", "x") is None else "smit333@sfgov.edu")


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("+49 151 1234 5678", "+4915112345678"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+86 139 1234 5678", "13912345678"),  # a Chinese mobile keeps its 11-digit form
        ("13912345678", "13912345678"),
    ],
)
def test_international_numbers_are_stored_in_e164(client, w, app, phone, stored):
    assert post(client, "json", form(phone=phone)).status_code == 200
    need = Need.objects.get()
    assert need.contact_phone == stored
    assert need.masked_phone.endswith(stored[-4:]) and "****" in need.masked_phone


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("phone", ["111111111", "+0123456789", "+12", "+49 151 1234 5678 9999"])
def test_a_phone_that_is_no_number_anywhere_is_a_400(client, w, app, fmt, phone):
    status, description = error_of(post(client, fmt, form(phone=phone)), fmt, 400)
    assert status == 400 and "+" in description
    assert not Need.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_email_is_a_400_that_says_so(client, w, app, fmt):
    status, description = error_of(post(client, fmt, form(email="not an address")), fmt, 400)
    assert status == 400 and ("email" in description.lower() or "邮" in description)
    assert not Need.objects.exists()


# --- Descriptions up to the spec's 4,000 characters ----------------------------------------------


def test_a_description_of_four_thousand_characters_is_accepted(client, w, app):
    assert post(client, "json", form(description="坑" * 4000)).status_code == 200
    assert len(Need.objects.get().description) == 4000


# --- XML: every field of a request, empty ones as empty elements ---------------------------------


def test_requests_xml_carries_every_field_even_when_empty(client, w, app):
    [row] = post(client, "json", form(lat=None, long=None, address_string=None)).json()
    response = client.get(url(f"requests/{row['service_request_id']}.xml"))
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own output
    [request] = list(root)
    assert [c.tag for c in request] == REQUEST_FIELDS
    # What the `georeport` client does: index each field directly.
    fields = {c.tag: c.text for c in request}
    for name in ("description", "address_id", "zipcode", "lat", "long", "media_url"):
        assert name in fields
    assert fields["lat"] is None and fields["zipcode"] is None
    # The list of requests carries them as well.
    listed = ET.fromstring(client.get(url("requests.xml")).content)  # noqa: S314
    assert [c.tag for c in listed[0]] == REQUEST_FIELDS
