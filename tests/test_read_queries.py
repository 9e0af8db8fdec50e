"""Every list read costs the same number of queries however many items it shows (issue 13):
a query per row would not show on a test's few needs, and would on a city's thousand."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from civicgrid.api import services as api_services
from civicgrid.needs import services, workflow
from civicgrid.needs.selectors import forget_inbox_counts
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 90, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def more(w: nf.World) -> None:
    """One of each kind of row a list shows: plain, published with a photo, dispatched to a
    unit and to a person, answered with a public reply, merged, anonymous."""
    by = workflow.By(w.dispatcher)
    nf.raise_need(w)
    services.need_publish(need=nf.raise_need(w, photos=[jpeg()]), by=by)
    accepted = workflow.need_accept(need=nf.raise_need(w), by=by, reason="收到", public=True)
    workflow.need_dispatch(need=accepted, by=by, to=w.unit)
    workflow.need_dispatch(
        need=workflow.need_accept(need=nf.raise_need(w), by=by), by=by, to=w.handler
    )
    workflow.need_merge(need=nf.raise_need(w), by=by, into=nf.raise_need(w))
    nf.raise_need(w, anonymous=True)


def reads(w: nf.World) -> dict[str, Callable[[], object]]:
    staff = Client()
    staff.force_login(w.dispatcher)
    _row, token = api_services.token_create(person=w.dispatcher, name="queries")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    public = Client()
    return {
        "Open311 list (JSON)": lambda: public.get("/open311/v2/requests.json"),
        "Open311 list (XML, extensions)": lambda: public.get(
            "/open311/v2/requests.xml", {"extensions": "true"}
        ),
        "Open311 updates": lambda: public.get("/open311/v2/servicerequestupdates.json"),
        "REST list": lambda: public.get("/api/v1/needs", {"limit": 100}, **bearer),
        "console list, all": lambda: staff.get("/console/needs/", {"tab": "all"}),
        "console list, to dispatch": lambda: staff.get("/console/needs/", {"tab": "to_dispatch"}),
    }


def queries(read: Callable[[], object]) -> int:
    forget_inbox_counts()  # each read counted cold: the console keeps its tab counts a moment
    with CaptureQueriesContext(connection) as ctx:
        response = read()
    assert response.status_code == 200, response.content[:300]  # type: ignore[attr-defined]
    return len(ctx.captured_queries)


def test_no_list_read_costs_a_query_per_item():
    w = nf.world()
    more(w)
    lists = reads(w)
    for read in lists.values():
        read()  # what only a first call does (the token's first use is written down)
    few = {name: queries(read) for name, read in lists.items()}
    for _ in range(3):
        more(w)
    many = {name: queries(read) for name, read in lists.items()}
    assert many == few
