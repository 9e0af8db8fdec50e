"""The mySociety service-request-updates extension: what happened to requests since a time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Category
from civicgrid.needs.tests import factories as nf
from civicgrid.open311.tests.helpers import FORMATS, error_of, get, parse, rows

pytestmark = pytest.mark.django_db

UPDATE_FIELDS = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
]


def updates(client, fmt: str, **params) -> list[dict]:
    body = parse(get(client, f"servicerequestupdates.{fmt}", **params), fmt)
    return rows(body, fmt, "service_request_updates", "request_update")


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_list_public_events_oldest_first_with_extended_statuses(client, w, fmt):
    need = nf.raise_need(w)
    by = workflow.By(w.dispatcher)
    services.need_act(need=need, action="accept", by=by)
    services.need_comment(need=need, by=by, text="明天派人去看", public=True)
    workflow.remind(need.pk, timezone.now())  # staff only
    services.need_act(need=need, action="reject", by=by, reason="已由镇里处理", public=True)
    petition = nf.force(nf.raise_need(w), category=Category.objects.get(code="petitions"))
    found = updates(client, fmt)
    assert {u["service_request_id"] for u in found} == {need.number}
    assert [(u["status"], u["external_status_code"]) for u in found] == [
        ("open", "submitted"),
        ("investigating", "accepted"),
        ("investigating", "accepted"),  # a comment: the state it was in
        ("no_further_action", "rejected"),
    ]
    assert [u["description"] for u in found][2:] == ["明天派人去看", "已由镇里处理"]
    assert len({u["update_id"] for u in found}) == 4
    if fmt == "json":
        assert list(found[0]) == UPDATE_FIELDS
        assert found[0]["media_url"] is None
    assert petition.number not in str(found)


@pytest.mark.parametrize("fmt", FORMATS)
def test_updates_since_a_time(client, w, fmt):
    need = nf.raise_need(w)
    since = timezone.now() + dt.timedelta(seconds=1)
    assert updates(client, fmt, start_date=since.isoformat()) == []
    until = (timezone.now() + dt.timedelta(days=1)).isoformat()
    start = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    [raised] = updates(client, fmt, start_date=start, end_date=until)
    assert raised["service_request_id"] == need.number


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params", [{"start_date": "soon"}, {"end_date": "2026-01-01"}])
def test_bad_update_dates_are_a_400(client, fmt, params):
    assert error_of(get(client, f"servicerequestupdates.{fmt}", **params), fmt, 400)[0] == 400
