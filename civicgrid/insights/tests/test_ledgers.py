"""The ledgers (台账) as Excel."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from civicgrid.insights import kpis
from civicgrid.insights.kpis import Period, Scope
from civicgrid.needs import services
from civicgrid.needs.models import Channel
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Person
from civicgrid.network.tests import factories as network_factories

pytestmark = pytest.mark.django_db

NEEDS_URL = "/dashboard/ledgers/needs.xlsx"
PROACTIVE_URL = "/dashboard/ledgers/proactive.xlsx"
KPIS_URL = "/dashboard/ledgers/kpis.xlsx"

CHINESE_NEED_HEADERS = [
    "编号", "类型", "诉求类别", "地点", "承办层级", "渠道", "状态", "办理人", "提出时间",
    "响应时限", "首次响应", "按时响应", "办结时间", "按时办结", "评价", "诉求人", "联系电话",
    "描述",
]  # fmt: skip
ENGLISH_NEED_HEADERS = [
    "Number", "Kind", "Category", "Place", "Handled at", "Channel", "State", "Handler",
    "Raised at", "Response due", "First response", "Responded on time", "Resolved at",
    "Resolved on time", "Rating", "Resident", "Contact phone", "Description",
]  # fmt: skip


def login(person: Person, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def sheet(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return book.worksheets[0]


def rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def column(ws: Any, header_index: int) -> list[Any]:
    return [r[header_index] for r in rows(ws)[1:]]


@pytest.fixture
def w() -> nf.World:
    world = nf.world()
    nf.raise_need(world, node=world.t["gridA"], description="A网格的坑")
    nf.raise_need(world, node=world.t["gridA"], channel=Channel.QR, description="扫码上报")
    nf.raise_need(world, node=world.t["gridB"], description="B网格的灯")
    nf.follow_up()
    return world


def test_needs_ledger_has_chinese_headers_a_frozen_row_and_an_autofilter(w):
    response = login(w.dispatcher).get(NEEDS_URL)
    ws = sheet(response)
    assert rows(ws)[0] == CHINESE_NEED_HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:R4"
    assert ws.column_dimensions["R"].width > ws.column_dimensions["A"].width
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert w.t["comm1"].code in response["Content-Disposition"]


def test_needs_ledger_speaks_english_to_an_english_reader(w):
    ws = sheet(login(w.dispatcher, "en").get(NEEDS_URL))
    assert rows(ws)[0] == ENGLISH_NEED_HEADERS
    assert set(column(ws, 6)) == {"Submitted"}
    assert isinstance(column(ws, 8)[0], dt.datetime)


def test_a_grid_worker_sees_only_their_grid_with_phones_and_names_masked(w):
    ws = sheet(login(w.grid_worker).get(NEEDS_URL))
    assert sorted(column(ws, 17)) == ["A网格的坑", "扫码上报"]
    assert set(column(ws, 16)) == {"139****5678"}
    assert set(column(ws, 15)) == {"巴**"}


def test_community_staff_read_phones_and_names_in_full(w):
    ws = sheet(login(w.dispatcher).get(NEEDS_URL))
    assert sorted(column(ws, 17)) == ["A网格的坑", "B网格的灯", "扫码上报"]
    assert set(column(ws, 16)) == {"13912345678"}
    assert set(column(ws, 15)) == {"巴特尔"}


def test_the_console_filters_apply(w):
    client = login(w.dispatcher)
    ws = sheet(client.get(NEEDS_URL, {"channel": "qr"}))
    assert column(ws, 17) == ["扫码上报"]
    ws = sheet(client.get(NEEDS_URL, {"q": "灯"}))
    assert column(ws, 17) == ["B网格的灯"]
    ws = sheet(client.get(NEEDS_URL, {"tab": "to_accept", "state": "closed"}))
    assert column(ws, 17) == []


def test_a_description_that_looks_like_a_formula_stays_text(w):
    nf.raise_need(w, description="=HYPERLINK(1)")
    ws = sheet(login(w.dispatcher).get(NEEDS_URL, {"q": "HYPERLINK"}))
    assert column(ws, 17) == ["=HYPERLINK(1)"]
    assert ws["R2"].data_type == "s"


@pytest.mark.parametrize(
    "url, params",
    [
        (NEEDS_URL, {"since": "soon"}),
        (NEEDS_URL, {"tab": "nowhere"}),
        (NEEDS_URL, {"node": "999999"}),
        (PROACTIVE_URL, {"from": "2026-02-30"}),
        (PROACTIVE_URL, {"from": "2026-03-02", "to": "2026-03-01"}),
        (PROACTIVE_URL, {"node": "abc"}),
        (KPIS_URL, {"node": "abc"}),
        (KPIS_URL, {"node": "{comm1}", "period": "month:2026-13"}),
        (KPIS_URL, {"node": "{comm1}", "period": "week:3"}),
    ],
)
def test_bad_parameters_are_a_400_with_a_message(w, url, params):
    params = {k: v.format(comm1=w.t["comm1"].pk) for k, v in params.items()}
    response = login(w.dispatcher).get(url, params)
    assert response.status_code == 400
    assert response.content


def test_the_kpi_ledger_takes_the_dashboards_parameters_and_defaults(w):
    """Linked from the dashboard with its own node and period (issue 14): every period the
    dashboard offers, and without a node the area the dashboard opens on."""
    client = login(w.dispatcher)
    for period in ("days:30", "year:2026", "month:2026-11"):
        response = client.get(KPIS_URL, {"node": w.t["comm1"].pk, "period": period})
        assert response.status_code == 200, period
    response = client.get(
        KPIS_URL,
        {"node": w.t["comm1"].pk, "period": "custom", "from": "2026-01-05", "to": "2026-02-01"},
    )
    assert "kpis-20260105-20260201" in response["Content-Disposition"]
    response = client.get(KPIS_URL)
    assert response.status_code == 200 and w.t["comm1"].code in response["Content-Disposition"]


def test_a_node_outside_the_area_is_not_found(w):
    client = login(w.grid_worker)
    assert client.get(KPIS_URL, {"node": w.t["town2"].pk}).status_code == 404
    assert client.get(PROACTIVE_URL, {"node": w.t["gridB"].pk}).status_code == 404


@pytest.mark.parametrize("url", [NEEDS_URL, PROACTIVE_URL, KPIS_URL])
def test_anonymous_visitors_are_sent_to_log_in(url):
    response = Client().get(url)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_residents_without_a_staff_role_are_refused(w):
    resident = network_factories.person("居民")
    assert login(resident).get(NEEDS_URL).status_code == 403


def test_proactive_ledger_lists_visits_in_scope(w):
    services.proactive_record(
        by=By(w.grid_worker),
        kind="visit",
        category=nf.category("key_visits"),
        node=w.t["gridA"],
        note="走访独居老人，身体良好",
        contact_name="王桂兰",
    )
    services.proactive_record(
        by=By(w.other_grid_worker),
        kind="inspection",
        category=nf.category("inspections"),
        node=w.t["gridB"],
        note="检查燃气管道",
    )
    today = timezone.localdate().isoformat()
    ws = sheet(login(w.grid_worker).get(PROACTIVE_URL, {"from": today, "to": today}))
    assert rows(ws)[0] == ["日期", "类型", "地点", "记录人", "对象", "记录"]
    assert ws.freeze_panes == "A2"
    assert rows(ws)[1][1:] == ["重点人员走访", "A网格", "A网格员", "王**", "走访独居老人，身体良好"]
    ws = sheet(login(w.dispatcher, "en").get(PROACTIVE_URL, {"node": w.t["comm1"].pk}))
    assert rows(ws)[0] == ["Date", "Kind", "Place", "Recorded by", "Subject", "Record"]
    assert [r[1] for r in rows(ws)[1:]] == ["Visit to a key person", "Hazard inspection"]
    assert rows(ws)[1][4] == "王桂兰"


def test_kpi_table_has_a_row_per_child_and_totals_equal_the_nodes_figures(w):
    nf.raise_need(w, node=w.t["gridC"])
    nf.follow_up()
    today = timezone.localdate()
    period = Period.month(today.year, today.month)
    node = w.t["town1"]
    ws = sheet(
        login(w.town_staff).get(KPIS_URL, {"node": node.pk, "period": f"month:{today:%Y-%m}"})
    )
    assert ws.freeze_panes == "A2"
    table = rows(ws)
    assert table[0][:4] == ["单位", "受理", "办结", "不计入"]
    children = [child.name for child in node.children.order_by("code")]
    assert [r[0] for r in table[1:-1]] == children
    total = table[-1]
    figures = kpis.kpis(Scope(node=node, period=period))
    assert total[0] == "合计"
    assert total[1:4] == [figures.received, figures.resolved, figures.excluded]
    assert total[5:7] == [figures.responded_on_time, figures.received]
    assert figures.received == 3  # the fixture's grids A and B; grid C is in another town
    assert table[1][1] == 3
    year = sheet(
        login(w.town_staff).get(KPIS_URL, {"node": node.pk, "period": f"year:{today.year}"})
    )
    assert rows(year)[-1][1] == 3


def test_the_dashboard_and_the_needs_list_link_to_their_ledgers(w):
    """The ledgers are reachable from where people look at the figures (issue 14): the
    dashboard's links carry its node and period, the list's its tab and filters."""
    import html
    import re

    nf.raise_need(w, description="路面塌了")
    light = nf.raise_need(
        w, description="楼道灯坏了", category=nf.category("repairs"), answers={"what": "power"}
    )
    nf.follow_up()
    client = login(w.dispatcher)
    page = client.get(
        "/dashboard/", {"node": w.t["comm1"].pk, "period": "days:30"}
    ).content.decode()
    links = [html.unescape(u) for u in re.findall(r'href="(/dashboard/ledgers/[^"]+)"', page)]
    assert any(u.startswith(KPIS_URL) and "period=days%3A30" in u for u in links), links
    assert any(u.startswith(NEEDS_URL) and "since=" in u for u in links), links
    for url in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/vnd.openxmlformats"), url

    listing = client.get("/console/needs/", {"tab": "all", "q": "楼道灯"}).content.decode()
    (url,) = [
        html.unescape(u) for u in re.findall(r'href="(/dashboard/ledgers/needs[^"]+)"', listing)
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(url).streaming_content))).active
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("楼道灯" in t for t in texts) and not any("路面塌了" in t for t in texts)
    # The number as people read it, and a resident's need called a need.
    assert f"{light.number[:4]}-{light.number[4:]}" in texts and "诉求" in texts


def test_each_area_in_the_kpi_table_has_its_medians(w):
    """Issue 14: the per-area medians were empty (the children were summed without the
    time buckets the medians come from)."""
    from civicgrid.needs import workflow
    from civicgrid.needs.models import Need

    need = Need.objects.get(description="A网格的坑")
    need = workflow.need_take(need=need, by=By(w.grid_worker))
    workflow.need_resolve(need=need, by=By(w.grid_worker), reason="填平了")
    today = timezone.localdate()
    node = w.t["town1"]
    table = rows(
        sheet(
            login(w.town_staff).get(KPIS_URL, {"node": node.pk, "period": f"month:{today:%Y-%m}"})
        )
    )
    child = next(r for r in table[1:-1] if r[0] == w.t["comm1"].name)
    total = table[-1]
    assert child[-2] is not None and child[-1] is not None, child
    assert (child[-2], child[-1]) == (total[-2], total[-1])
