"""The hot reads skip ninja's second validation (api/rendering.py): what their selectors
shape is exactly what the response schema would have written, field for field and in order."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer
from PIL import Image
from pydantic import BaseModel

from civicgrid.api import selectors
from civicgrid.api.rendering import RENDERER
from civicgrid.api.schemas import NeedDetail, NeedPage
from civicgrid.needs import selectors as need_selectors
from civicgrid.needs import services, workflow
from civicgrid.needs.models import State
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 90, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")


def written(data: object) -> bytes:
    return RENDERER.render(RequestFactory().get("/"), data, response_status=200)


def as_ninja_would(schema: type[BaseModel], data: object) -> bytes:
    return written(schema.model_validate(data).model_dump())


@pytest.fixture
def needs(w: nf.World) -> nf.World:
    by = workflow.By(w.dispatcher)
    plain = nf.raise_need(w, photos=[jpeg()], address="幸福路3号", lat=0.5, lon=0.25)
    services.need_publish(need=plain, by=by)
    to_unit = workflow.need_dispatch(
        need=workflow.need_accept(need=nf.raise_need(w), by=by), by=by, to=w.unit
    )
    workflow.need_merge(need=nf.raise_need(w), by=by, into=to_unit)
    taken = nf.force(nf.raise_need(w), state="in_progress", assignee=w.handler)
    workflow.need_resolve(need=taken, by=workflow.By(w.handler), reason="好了", public=True)
    nf.raise_need(w, anonymous=True)
    return w


@pytest.fixture
def w() -> nf.World:
    return nf.world()


def test_a_page_of_needs_is_written_as_its_schema_writes_it(needs: nf.World):
    qs = need_selectors.visible_needs(needs.dispatcher)
    items, after = selectors.need_page(qs, cursor=None, limit=3)
    page = {"items": items, "next": after}
    assert after is not None and len(items) == 3
    assert written(page) == as_ninja_would(NeedPage, page)
    items, _after = selectors.need_page(qs, cursor=after, limit=100)
    page = {"items": items, "next": None}
    assert written(page) == as_ninja_would(NeedPage, page)


def test_a_need_is_written_as_its_schema_writes_it(needs: nf.World):
    for need in need_selectors.visible_needs(needs.dispatcher):
        data = selectors.need_detail(need, needs.dispatcher)
        assert written(data) == as_ninja_would(NeedDetail, data), need.number
        assert json.loads(written(data))["number"] == need.number


def test_the_api_writes_what_ninjas_json_renderer_wrote():
    """The renderer writes with orjson (issue 13) what ninja's encoder wrote: times as Django
    writes them (milliseconds, "Z"), lazy text, choices, models, large integers."""

    class Inner(BaseModel):
        a: int

    moment = dt.datetime(2026, 12, 2, 22, 33, 10, 44123, tzinfo=dt.UTC)
    data = {
        "at": moment,
        "local": moment.astimezone(dt.timezone(dt.timedelta(hours=8))),
        "day": moment.date(),
        "lazy": gettext_lazy("Resolved."),
        "state": State.SUBMITTED,
        "money": Decimal("1.50"),
        "model": Inner(a=1),
        "keys": {1: "one"},
        "text": '路灯不亮 "quoted" \\ \n',
        "nested": [{"at": moment, "none": None, "yes": True, "half": 0.5}],
    }
    ninja = JSONRenderer()
    ninja.json_dumps_params = {"ensure_ascii": False}
    ours = written(data)
    assert json.loads(ours) == json.loads(
        ninja.render(RequestFactory().get("/"), data, response_status=200)
    )
    assert b'"at":"2026-12-02T22:33:10.044Z"' in ours
    assert "路灯不亮".encode() in ours
    assert json.loads(written({"big": 2**70})) == {"big": 2**70}  # past orjson: ninja's way
    small = written({"at": moment, "n": 1})
    assert small == b'{"at":"2026-12-02T22:33:10.044Z","n":1}'  # compact, UTF-8 bytes
