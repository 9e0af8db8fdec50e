"""Open311 GET publishes only what the publication rule allows (needs/publication.py, issue 11
point 4): category, state, the area's name, dates and a coarse point by default; the
description (or staff's summary) and photos once staff publish them; staff notes only when
sent as public replies; residents' comments never."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Channel
from civicgrid.needs.tests import factories as nf
from civicgrid.open311.tests.helpers import FORMATS, get, parse, rows

pytestmark = pytest.mark.django_db

PRIVATE = "我是张三，住幸福路3号2单元501，身份证110101199003071234"
DISPATCH_NOTE = "井盖堵塞，请今天去看一下"


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (90, 90, 90)).save(out, format="JPEG")
    return SimpleUploadedFile("hole.jpg", out.getvalue(), content_type="image/jpeg")


def requests_of(client, fmt: str, **params) -> dict[str, dict]:
    body = parse(get(client, f"requests.{fmt}", **params), fmt)
    return {r["service_request_id"]: r for r in rows(body, fmt, "service_requests", "request")}


def updates_of(client, fmt: str) -> list[dict]:
    body = parse(get(client, f"servicerequestupdates.{fmt}"), fmt)
    return rows(body, fmt, "service_request_updates", "request_update")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unpublished_need_shows_no_text_no_exact_point_no_photo_no_note(client, w, fmt):
    need = nf.raise_need(
        w,
        description=PRIVATE,
        lat=46.0812345,
        lon=121.9453999,
        address="幸福路3号2单元501",
        photos=[jpeg()],
    )
    by = workflow.By(w.dispatcher)
    services.need_act(need=need, action="dispatch", by=by, reason=DISPATCH_NOTE)
    response = get(client, f"requests.{fmt}", extensions="true")
    content = response.content.decode()
    for secret in (PRIVATE, DISPATCH_NOTE, "幸福路3号", "46.0812345", "121.9453999", "/photo/"):
        assert secret not in content, secret
    row = requests_of(client, fmt)[need.number]
    assert row["address"] == "A网格"  # the area's name
    assert row["service_code"] == "roads" and row["status"] == "open"
    assert row.get("lat") not in (None, "") and row.get("long") not in (None, "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_residents_comments_never_reach_the_updates_feed(client, w, fmt):
    need = nf.force(nf.raise_need(w), state="resolved")
    services.need_act(
        need=need, action="reopen", by=workflow.RESIDENT, reason="还是坏的，打13811112222"
    )
    withdrawn = nf.raise_need(w)
    services.need_act(need=withdrawn, action="withdraw", by=workflow.RESIDENT, reason="张三不要了")
    services.need_comment(need=need, by=workflow.By(w.dispatcher), text=DISPATCH_NOTE)
    content = get(client, f"servicerequestupdates.{fmt}").content.decode()
    content += get(client, f"requests.{fmt}", extensions="true").content.decode()
    for secret in ("13811112222", "张三不要了", DISPATCH_NOTE):
        assert secret not in content, secret


@pytest.mark.parametrize("fmt", FORMATS)
def test_staff_entered_and_anonymous_needs_stay_unpublished_even_when_published_by_default(
    client, w, fmt
):
    from civicgrid.needs.models import Category

    Category.objects.filter(code="roads").update(public_by_default=True)
    roads = Category.objects.get(code="roads")
    anonymous = nf.raise_need(w, category=roads, description="匿名" + PRIVATE, anonymous=True)
    by_phone = nf.raise_need(
        w,
        category=roads,
        description="电话" + PRIVATE,
        by=workflow.By(w.dispatcher),
        channel=Channel.PHONE,
    )
    open_report = nf.raise_need(w, category=roads, description="路面塌了一个坑")
    found = requests_of(client, fmt)
    assert found[open_report.number]["description"] == "路面塌了一个坑"
    for need in (anonymous, by_phone):
        assert found[need.number].get("description") in (None, "")
    assert PRIVATE not in get(client, f"requests.{fmt}").content.decode()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_published_need_shows_the_summary_photo_and_public_replies(client, w, fmt):
    need = nf.raise_need(w, description=PRIVATE, photos=[jpeg()])
    by = workflow.By(w.dispatcher)
    services.need_publish(need=need, by=by, summary="幸福路路面塌陷")
    services.need_comment(need=need, by=by, text="已安排明天维修", public=True)
    services.need_comment(need=need, by=by, text=DISPATCH_NOTE)
    row = requests_of(client, fmt)[need.number]
    assert row["description"] == "幸福路路面塌陷"
    photo = need.photos.get()
    assert row["media_url"] == f"http://testserver/track/{need.number}/photo/{photo.pk}/"
    assert client.get(row["media_url"]).status_code == 200
    descriptions = [u["description"] for u in updates_of(client, fmt)]
    assert "已安排明天维修" in descriptions and DISPATCH_NOTE not in descriptions
    content = get(client, f"requests.{fmt}", extensions="true").content.decode()
    assert PRIVATE not in content and DISPATCH_NOTE not in content


def test_the_list_stays_a_fixed_number_of_queries_with_the_rule(
    client, w, django_assert_max_num_queries
):
    by = workflow.By(w.dispatcher)
    for i in range(8):
        need = nf.raise_need(w, photos=[jpeg()])
        if i % 2:
            services.need_publish(need=need, by=by)
            services.need_comment(need=need, by=by, text="公开回复", public=True)
    with django_assert_max_num_queries(8):
        found = requests_of(client, "json", extensions="true")
    assert len(found) == 8
    with django_assert_max_num_queries(6):
        updates_of(client, "json")
