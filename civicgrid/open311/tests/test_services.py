"""Service Discovery, GET Service List and GET Service Definition (spec §1, §2, §8)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from civicgrid.needs.models import Category, CategoryQuestion
from civicgrid.needs.tests import factories as nf
from civicgrid.open311.tests.helpers import FORMATS, error_of, get, parse, rows, url

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]


# --- Service Discovery ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_its_specification_and_both_formats(client, fmt):
    body = parse(get(client, f"discovery.{fmt}"), fmt)
    if fmt == "xml":
        assert body.tag == "discovery"
        assert [c.tag for c in body] == ["changeset", "contact", "key_service", "endpoints"]
        endpoints = body.find("endpoints")
        assert endpoints is not None
        [endpoint] = list(endpoints)
        assert endpoint.tag == "endpoint"
        found = {c.tag: c.text for c in endpoint}
        formats = [f.text for f in endpoint.iterfind("formats/format")]
        changeset = body.findtext("changeset")
    else:
        assert list(body) == ["changeset", "contact", "key_service", "endpoints"]
        [found] = body["endpoints"]
        formats = found["formats"]
        changeset = body["changeset"]
    assert found["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert found["url"] == "http://testserver" + url("").rstrip("/")  # clients add "/…"
    assert found["type"] == "production"
    assert found["changeset"] == changeset
    assert formats == ["text/xml", "application/json"]


@override_settings(DEMO_MODE=True)
def test_discovery_calls_the_demo_a_test_endpoint(client):
    assert get(client, "discovery.json").json()["endpoints"][0]["type"] == "test"


def test_changeset_moves_when_a_category_is_edited_in_the_admin(admin_client):
    nf.ensure_seed()
    before = get(admin_client, "discovery.json").json()["changeset"]
    roads = Category.objects.get(code="roads")
    change = f"/admin/needs/category/{roads.pk}/change/"
    form = admin_client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": "道路破损",
            "parent": roads.parent_id,
            "deadlines-TOTAL_FORMS": 0,
            "deadlines-INITIAL_FORMS": 0,
            "questions-TOTAL_FORMS": 0,
            "questions-INITIAL_FORMS": 0,
        }
    )
    assert admin_client.post(change, data).status_code == 302
    after = get(admin_client, "discovery.json").json()["changeset"]
    assert after > before


def test_the_endpoint_root_leads_to_discovery(client):
    response = client.get(url(""))
    assert response.status_code == 302
    assert response["Location"] == url("discovery.xml")


# --- GET Service List -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_list_offers_the_kinds_residents_may_raise(client, fmt):
    nf.ensure_seed()
    body = parse(get(client, f"services.{fmt}"), fmt)
    services = {s["service_code"]: s for s in rows(body, fmt, "services", "service")}
    assert "roads" in services and "disputes" in services
    # Hidden kinds (petitions by proxy, proactive work) and groups are not services.
    assert not {"petitions", "opinion", "proactive", "key_visits", "infrastructure"} & set(services)
    roads = services["roads"]
    assert roads["service_name"] == "道路损坏"
    assert roads["group"] == "基础设施"
    assert roads["type"] == "realtime"
    assert roads["keywords"] == "Road damaged"
    assert roads["metadata"] in (True, "true")
    assert services["drainage"]["metadata"] in (False, "false")
    if fmt == "json":
        assert list(roads) == SERVICE_FIELDS
        assert services["disputes"]["group"] is None  # a kind with no group
    else:
        service = body.find("service")
        assert service is not None
        order = [c.tag for c in service]
        assert order == [f for f in SERVICE_FIELDS if f in order]
        assert "group" not in services["disputes"]


def test_service_list_speaks_english_when_asked(client):
    nf.ensure_seed()
    by_locale = get(client, "services.json", locale="en").json()
    by_header = client.get(url("services.json"), headers={"accept-language": "en"}).json()
    for body in (by_locale, by_header):
        roads = next(s for s in body if s["service_code"] == "roads")
        assert (roads["service_name"], roads["group"]) == ("Road damaged", "Roads and facilities")


def test_service_list_follows_changes_made_in_the_admin(client):
    nf.ensure_seed()
    Category.objects.filter(code="roads").update(is_active=False)
    Category.objects.filter(code="petitions").update(shown_to_residents=True)
    codes = {s["service_code"] for s in get(client, "services.json").json()}
    assert "roads" not in codes and "petitions" in codes


# --- GET Service Definition -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_turns_the_questions_into_attributes(client, fmt):
    nf.ensure_seed()
    body = parse(get(client, f"services/roads.{fmt}"), fmt)
    if fmt == "xml":
        assert body.tag == "service_definition"
        assert [c.tag for c in body] == ["service_code", "attributes"]
        code = body.findtext("service_code")
        attributes = body.findall("attributes/attribute")
        first = {c.tag: c.text for c in attributes[0]}
        values = [
            (v.findtext("key"), v.findtext("name")) for v in attributes[0].iterfind("values/value")
        ]
        second = {c.tag: c.text for c in attributes[1]}
        assert [c.tag for c in attributes[0]] == [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        ]
        assert (first["variable"], first["required"], first["order"]) == ("true", "true", "1")
        assert (second["required"], second["order"]) == ("false", "2")
        assert "values" not in second
    else:
        assert isinstance(body, dict) and list(body) == ["service_code", "attributes"]
        code = body["service_code"]
        attributes = body["attributes"]
        first, second = attributes
        values = [(v["key"], v["name"]) for v in first["values"]]
        assert (first["variable"], first["required"], first["order"]) == (True, True, 1)
        assert (second["required"], second["order"]) == (False, 2)
        assert "values" not in second  # not a list: no "values": null (issue 11)
    assert code == "roads"
    assert len(attributes) == 2
    assert (first["code"], first["datatype"]) == ("passable", "singlevaluelist")
    assert first["description"] == "现在还能通行吗？"
    assert values == [("yes", "能通行"), ("partly", "勉强通行"), ("no", "不能通行")]
    assert (second["code"], second["datatype"]) == ("length_m", "number")


def test_a_text_question_is_a_string_attribute(client):
    nf.ensure_seed()
    CategoryQuestion.objects.create(
        category=Category.objects.get(code="drainage"), key="where", label="在哪里？", kind="text"
    )
    [attribute] = get(client, "services/drainage.json").json()["attributes"]
    assert (attribute["code"], attribute["datatype"], attribute["order"]) == ("where", "string", 1)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_without_questions_has_no_attributes(client, fmt):
    nf.ensure_seed()
    body = parse(get(client, f"services/drainage.{fmt}"), fmt)
    if fmt == "xml":
        assert body.findall("attributes/attribute") == []
    else:
        assert body == {"service_code": "drainage", "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["nothing", "petitions", "infrastructure", "a%00b", "x" * 300])
def test_service_definition_of_an_unknown_code_is_a_404(client, fmt, code):
    nf.ensure_seed()
    status, description = error_of(client.get(url(f"services/{code}.{fmt}")), fmt, 404)
    assert status == 404
    assert "service_code" in description
