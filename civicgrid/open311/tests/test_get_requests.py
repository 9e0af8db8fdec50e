"""GET Service Requests and GET Service Request (spec §5, §6), tokens (§4) and the
`extensions=true` extension."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Category, Kind, Need, State
from civicgrid.needs.tests import factories as nf
from civicgrid.open311 import views
from civicgrid.open311.tests.helpers import (
    FORMATS,
    REQUEST_FIELDS,
    error_of,
    get,
    parse,
    rows,
    url,
)

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (90, 90, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("hole.jpg", out.getvalue(), content_type="image/jpeg")


def requests_of(client, fmt: str, path: str = "requests", **params) -> list[dict]:
    body = parse(get(client, f"{path}.{fmt}", **params), fmt)
    return rows(body, fmt, "service_requests", "request")


def ids(found: list[dict]) -> list[str]:
    return [r["service_request_id"] for r in found]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_shows_every_spec_field_and_nothing_private(client, w, fmt):
    need = nf.raise_need(w, lat=0.5, lon=0.25, address="幸福路3号", photos=[jpeg()])
    # Published by staff: otherwise neither the description, the address nor the photo is
    # public (test_publication.py).
    services.need_publish(need=need, by=workflow.By(w.dispatcher))
    response = get(client, f"requests.{fmt}")
    [row] = rows(parse(response, fmt), fmt, "service_requests", "request")
    if fmt == "json":
        assert list(row) == REQUEST_FIELDS
        assert (row["lat"], row["long"]) == (0.5, 0.25)
        assert row["address_id"] is None and row["zipcode"] is None
        assert row["service_notice"] is None
    else:
        # Every field, in the spec's order; the empty ones as empty elements (issue 11).
        assert list(row) == REQUEST_FIELDS
        assert (row["lat"], row["long"]) == ("0.5", "0.25")
        assert row["address_id"] is None and row["zipcode"] is None
        assert row["service_notice"] is None
    assert row["service_request_id"] == need.number
    assert row["status"] == "open"
    assert row["status_notes"]
    assert (row["service_code"], row["service_name"]) == ("roads", "道路损坏")
    assert row["description"] == "路面塌了一个坑"
    assert row["agency_responsible"] == "一社区"
    assert row["address"] == "幸福路3号"
    photo = need.photos.get()
    assert row["media_url"] == f"http://testserver/track/{need.number}/photo/{photo.pk}/"
    assert client.get(row["media_url"]).status_code == 200
    expected = timezone.localtime(need.resolve_due).isoformat(timespec="seconds")
    assert row["expected_datetime"] == expected
    assert row["requested_datetime"].endswith("+08:00")
    content = response.content.decode()
    assert "13912345678" not in content and "巴特尔" not in content


@pytest.mark.parametrize("fmt", FORMATS)
def test_finished_states_are_closed_with_their_reason_as_status_notes(client, w, fmt):
    rejected = nf.raise_need(w)
    services.need_act(
        need=rejected,
        action="reject",
        by=workflow.By(w.dispatcher),
        reason="不属于本社区",
        public=True,  # a public reply: an internal reason is never the status_notes
    )
    withdrawn = nf.raise_need(w)
    services.need_act(need=withdrawn, action="withdraw", by=workflow.RESIDENT)
    resolved = nf.force(nf.raise_need(w), state=State.RESOLVED)
    open_one = nf.raise_need(w)
    found = {r["service_request_id"]: r for r in requests_of(client, fmt)}
    assert found[rejected.number]["status"] == "closed"
    assert found[rejected.number]["status_notes"] == "不属于本社区"
    assert found[withdrawn.number]["status"] == "closed"
    assert found[resolved.number]["status"] == "closed"
    assert found[open_one.number]["status"] == "open"
    # For a closed request updated_datetime is when it closed.
    closing = rejected.events.get(action="reject").created_at
    assert found[rejected.number]["updated_datetime"] == timezone.localtime(closing).isoformat(
        timespec="seconds"
    )
    assert ids(requests_of(client, fmt, status="open")) == [open_one.number]
    assert set(ids(requests_of(client, fmt, status="closed"))) == {
        rejected.number,
        withdrawn.number,
        resolved.number,
    }
    assert len(requests_of(client, fmt, status="open,closed")) == 4


def test_dispatching_to_a_unit_names_it_as_the_agency(client, w):
    need = nf.raise_need(w)
    services.need_act(need=need, action="dispatch", by=workflow.By(w.dispatcher), to=w.unit)
    [row] = requests_of(client, "json")
    assert row["agency_responsible"] == "边境派出所"


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_public_kinds_of_need_are_listed(client, w, fmt):
    public = nf.raise_need(w)
    petition = nf.force(nf.raise_need(w), category=Category.objects.get(code="petitions"))
    visit = nf.force(nf.raise_need(w), kind=Kind.VISIT)
    assert ids(requests_of(client, fmt)) == [public.number]
    for hidden in (petition, visit):
        response = get(client, f"requests/{hidden.number}.{fmt}")
        assert error_of(response, fmt, 404)[0] == 404
        assert ids(requests_of(client, fmt, service_request_id=hidden.number)) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_code_filters_and_takes_a_list(client, w, fmt):
    road = nf.raise_need(w)
    repair = nf.raise_need(w, category=nf.category("pension"), answers={})
    drain = nf.raise_need(w, category=nf.category("drainage"), answers={})
    assert ids(requests_of(client, fmt, service_code="roads")) == [road.number]
    assert set(ids(requests_of(client, fmt, service_code="pension,drainage"))) == {
        repair.number,
        drain.number,
    }
    assert ids(requests_of(client, fmt, service_code="nothing,\x00")) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_default_to_the_last_90_days_and_filter_requested_datetime(client, w, fmt):
    now = timezone.now()
    recent = nf.raise_need(w)
    old = nf.force(nf.raise_need(w), created_at=now - dt.timedelta(days=100))
    assert ids(requests_of(client, fmt)) == [recent.number]
    start = (now - dt.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - dt.timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert ids(requests_of(client, fmt, start_date=start, end_date=end)) == [old.number]
    # Only one bound: a 90-day range from it.
    assert ids(requests_of(client, fmt, start_date=start)) == [old.number]
    assert ids(requests_of(client, fmt, end_date=end)) == [old.number]


def test_an_unencoded_plus_in_a_date_is_understood(client, w):
    need = nf.raise_need(w)
    start = timezone.localtime() - dt.timedelta(hours=1)
    query = f"start_date={start:%Y-%m-%dT%H:%M:%S}+08:00"  # "+" arrives as a space
    assert ids(client.get(url("requests.json") + "?" + query).json()) == [need.number]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"start_date": "yesterday"}, "start_date"),
        # Words that read the same in every language: the default language is Chinese.
        ({"start_date": "2026-01-01"}, "ISO 8601"),  # a date alone has no time zone
        ({"end_date": "2026-01-01T00:00:00"}, "ISO 8601"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00+08:00"}, "start_date"),
        ({"start_date": "9999-12-31T23:59:59-08:00"}, "start_date"),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"status": "pending"}, "status"),
    ],
)
def test_bad_filters_are_a_400(client, w, fmt, params, word):
    status, description = error_of(get(client, f"requests.{fmt}", **params), fmt, 400)
    assert status == 400 and word in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_id_overrides_every_other_argument(client, w, fmt):
    old = nf.force(nf.raise_need(w), created_at=timezone.now() - dt.timedelta(days=400))
    other = nf.raise_need(w)
    dashed = f"{other.number[:4]}-{other.number[4:]}".lower()
    found = requests_of(
        client,
        fmt,
        service_request_id=f"{old.number}, {dashed},NOPE,\x00",
        status="closed",
        service_code="drainage",
        start_date="yesterday",
    )
    assert set(ids(found)) == {old.number, other.number}


def test_at_most_1000_requests_newest_first(client, w, monkeypatch):
    monkeypatch.setattr(views, "MAX_REQUESTS", 2)
    _first, second, third = (nf.raise_need(w) for _ in range(3))
    assert ids(requests_of(client, "json")) == [third.number, second.number]


def test_a_list_costs_the_same_queries_whatever_its_length(
    client, w, django_assert_max_num_queries
):
    for _ in range(8):
        nf.raise_need(w, photos=[jpeg()])
    with django_assert_max_num_queries(8):
        assert len(requests_of(client, "json", extensions="true")) == 8


@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions_add_our_state_deadlines_and_public_timeline(client, w, fmt):
    need = nf.raise_need(w)
    services.need_act(need=need, action="accept", by=workflow.By(w.dispatcher))
    workflow.remind(need.pk, timezone.now())  # staff only: never in the public timeline
    nf.force(need, overdue_at=timezone.now())
    [plain] = requests_of(client, fmt, f"requests/{need.number}")
    assert "extended_attributes" not in plain
    body = parse(get(client, f"requests/{need.number}.{fmt}", extensions="true"), fmt)
    if fmt == "xml":
        extended = body.find("request/extended_attributes")
        assert extended is not None
        fields = {c.tag: c.text for c in extended if len(c) == 0}
        timeline = [{c.tag: c.text for c in e} for e in extended.iterfind("timeline/event")]
        assert fields["overdue"] == "true"
    else:
        fields = body[0]["extended_attributes"]
        timeline = fields["timeline"]
        assert fields["overdue"] is True
        assert fields["merged_into"] is None
    assert (fields["state"], fields["priority"], fields["channel"]) == ("accepted", "normal", "web")
    assert fields["resolve_deadline"] and fields["response_deadline"]
    assert [e["action"] for e in timeline] == ["raise", "accept"]
    assert timeline[1]["from_state"] == "submitted" and timeline[1]["to_state"] == "accepted"


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_request_is_still_a_list_of_one(client, w, fmt):
    need = nf.raise_need(w)
    found = requests_of(client, fmt, f"requests/{need.number}")
    assert ids(found) == [need.number]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("request_id", ["NOSUCH22", "x" * 300, "%00", "a,b"])
def test_an_unknown_request_is_a_404(client, w, fmt, request_id):
    status, description = error_of(client.get(url(f"requests/{request_id}.{fmt}")), fmt, 404)
    assert status == 404 and "service_request_id" in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_are_never_issued_so_none_is_found(client, fmt):
    status, description = error_of(get(client, f"tokens/12345.{fmt}"), fmt, 404)
    assert status == 404 and "token" in description


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "path", ["services", "services/roads", "requests", "requests/ABCD2345", "tokens/1"]
)
def test_every_get_refuses_another_jurisdiction(client, w, fmt, path):
    status, description = error_of(
        get(client, f"{path}.{fmt}", jurisdiction_id="sfgov.org"), fmt, 404
    )
    assert status == 404 and "jurisdiction_id" in description
    ours = get(client, f"{path}.{fmt}", jurisdiction_id="civicgrid.demo")
    assert ours.status_code != 404 or "jurisdiction_id" not in ours.content.decode()


def test_a_merged_need_is_closed_and_points_at_the_one_it_joined(client, w):
    target = nf.raise_need(w)
    dup = nf.raise_need(w)
    services.need_act(need=dup, action="merge", by=workflow.By(w.dispatcher), into=target)
    [row] = requests_of(client, "json", f"requests/{dup.number}", extensions="true")
    assert row["status"] == "closed"
    assert row["extended_attributes"]["merged_into"] == target.number
    assert Need.objects.get(pk=dup.pk).state == State.MERGED
