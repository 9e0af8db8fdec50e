"""The dashboard, its JSON and the public page: access, figures equal to the KPI engine's,
parameters checked with a 400 that says what to fix, bounded queries, no personal data."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import urlencode

from civicgrid.insights import params, selectors
from civicgrid.insights.kpis import Period, Scope, kpis
from civicgrid.insights.sentences import sentence
from civicgrid.insights.tests.history import NAME, PHONE, SH, build_history
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import NodeKind, Organisation, OrgKind
from civicgrid.network.tests import factories as netf

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=SH)
NOVEMBER = "month:2026-11"


@pytest.fixture
def w() -> nf.World:
    return nf.world()


@pytest.fixture
def history(w: nf.World) -> nf.World:
    build_history(w, needs=30)
    return w


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def logged_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def get(client: Client, name: str = "dashboard:index", **query):
    return client.get(f"{reverse(name)}?{urlencode(query)}")


def embedded(response) -> dict:
    match = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "no data block"
    return json.loads(match.group(1))


# --- Access -------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client: Client):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302
    assert reverse("console:login") in response["Location"]
    assert client.get(reverse("dashboard:data")).status_code == 302


def test_a_node_outside_the_users_area_is_a_404(w):
    client = logged_in(w.stranger)  # community 2's staff
    assert get(client, node=w.t["town1"].pk).status_code == 404
    assert get(client, "dashboard:data", node=w.t["comm1"].pk).status_code == 404
    assert get(client, "dashboard:report", node=w.t["comm1"].pk).status_code == 404


def test_someone_without_a_staff_role_is_told_so(w):
    assert get(logged_in(w.unit_member)).status_code == 403


def test_the_default_node_is_the_users_own_area(w):
    response = get(logged_in(w.town_staff))
    assert response.status_code == 200
    assert embedded(response)["node"]["id"] == w.t["town1"].pk


# --- Figures ------------------------------------------------------------------------------


def test_the_dashboard_shows_the_kpi_engines_figures_for_the_scope(history):
    w = history
    scope = Scope(node=w.t["town1"], period=Period.month(2026, 11))
    figures = kpis(scope)
    assert figures.received > 10 and figures.resolved > 5  # the history is not empty

    response = get(logged_in(w.town_staff), node=w.t["town1"].pk, period=NOVEMBER)
    assert response.status_code == 200
    data = embedded(response)
    assert data["headline"] == json.loads(json.dumps(selectors.headline(figures)))
    html = response.content.decode()
    card = re.search(r'data-figure="received">.*?dash-value">(\d+)<', html, re.S)
    assert card and int(card.group(1)) == figures.received
    rate = figures.resolution_rate
    assert f"{rate.numerator} / {rate.denominator}" in html
    assert rate.percent in html
    assert data["sentences"]["zh-hans"] == sentence(scope, "zh-hans")
    assert data["sentences"]["en"] == sentence(scope, "en")


def test_the_json_has_every_part_the_charts_draw(history):
    w = history
    response = get(logged_in(w.town_staff), "dashboard:data", period=NOVEMBER)
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "node",
        "period",
        "headline",
        "trend",
        "categories",
        "channels",
        "children",
        "grids",
        "overdue",
        "leaderboard",
        "sentences",
    }
    assert data["period"] == {"start": "2026-11-01", "end": "2026-11-30", "step": "day"}
    assert len(data["trend"]) == 30
    assert sum(p["received"] for p in data["trend"]) == data["headline"]["received"]
    assert {c["code"] for c in data["channels"]} == {"web", "qr", "phone"}
    # Drill-down: each child bar carries the child's dashboard URL with the same period.
    [child] = data["children"]
    assert child["id"] == w.t["comm1"].pk
    assert f"node={w.t['comm1'].pk}" in child["url"] and "period=month%3A2026-11" in child["url"]
    assert data["grids"]["available"] is True
    assert set(data["grids"]["figures"]) <= {str(w.t["gridA"].pk), str(w.t["gridB"].pk)}
    assert data["leaderboard"][0]["name"] in {w.grid_worker.name, w.handler.name}
    for row in data["categories"]:
        assert f"category={row['id']}" in row["url"]


def test_the_trend_step_follows_the_period_length(w):
    client = logged_in(w.town_staff)
    assert get(client, "dashboard:data", period="days:30").json()["period"]["step"] == "day"
    assert get(client, "dashboard:data", period="days:120").json()["period"]["step"] == "week"
    assert get(client, "dashboard:data", period="year:2026").json()["period"]["step"] == "week"
    data = get(
        client, "dashboard:data", period="custom", **{"from": "2025-01-01", "to": "2026-11-30"}
    ).json()
    assert data["period"]["step"] == "month"
    assert data["trend"][0]["date"] == "2025-01-01" and len(data["trend"]) == 23


def test_filters_narrow_the_figures(history):
    w = history
    client = logged_in(w.town_staff)
    roads = nf.category("roads")
    data = get(client, "dashboard:data", period=NOVEMBER, category=roads.pk).json()
    scope = Scope(node=w.t["town1"], period=Period.month(2026, 11), category=roads.pk)
    assert data["headline"]["received"] == kpis(scope).received > 0
    data = get(client, "dashboard:data", period=NOVEMBER, channel="qr", group="opinions").json()
    scope = Scope(node=w.t["town1"], period=Period.month(2026, 11), channel="qr", group="opinions")
    assert data["headline"]["received"] == kpis(scope).received
    # A category may be named by its code too.
    by_code = get(client, "dashboard:data", period=NOVEMBER, category="roads").json()
    assert (
        by_code["headline"]["received"]
        == kpis(Scope(node=w.t["town1"], period=Period.month(2026, 11), category=roads.pk)).received
    )


def test_the_overdue_list_links_to_each_need_and_names_nobody(history):
    w = history
    response = get(logged_in(w.leader), node=w.t["banner"].pk, period=NOVEMBER)
    data = embedded(response)
    assert data["overdue"], "the history leaves needs late"
    for row in data["overdue"]:
        assert row["url"] == f"/console/needs/{row['number']}/"
    html = response.content.decode()
    assert PHONE not in html and PHONE[-4:] not in html
    assert NAME not in html


def test_the_map_gives_way_to_a_note_when_an_area_has_too_many_grids(history, monkeypatch):
    from civicgrid.insights import kpis as engine

    monkeypatch.setattr(engine, "MAP_GRID_LIMIT", 1)  # town 1 has two
    response = get(logged_in(history.town_staff), period=NOVEMBER)
    assert embedded(response)["grids"] == {
        "available": False,
        "geojson_url": f"/console/map/grids.geojson?node={history.t['town1'].pk}",
        "figures": {},
    }
    html = response.content.decode()
    assert 'id="dash-map"' not in html and "小网格过多" in html  # too many small grids


# --- Parameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "month:2026-13"}, "YYYY-MM"),
        ({"period": "month:26-1"}, "YYYY-MM"),
        ({"period": "year:20x6"}, "four digits"),
        ({"period": "days:0"}, "number of days"),
        ({"period": "days:99999"}, "number of days"),
        ({"period": "week:3"}, "Unknown period"),
        ({"period": "custom", "from": "2026-02-01", "to": "2026-01-01"}, "ends before"),
        ({"period": "custom", "from": "yesterday", "to": "2026-01-01"}, "YYYY-MM-DD"),
        ({"period": "custom", "from": "2000-01-01", "to": "2026-01-01"}, "at most"),
        ({"category": "no-such-thing"}, "No such category"),
        ({"category": "99999999"}, "No such category"),
        ({"group": "nonsense"}, "group"),
        ({"channel": "pigeon"}, "Unknown channel"),
        ({"category": "roads", "group": "opinions"}, "not both"),
        ({"node": "abc"}, "number"),
        ({"node": "9" * 30}, "number"),
    ],
)
def test_bad_parameters_answer_400_with_a_message(w, query, message):
    client = logged_in(w.town_staff)
    # The messages are checked in English, their source language: the test does not
    # depend on the Chinese translation.
    client.cookies["django_language"] = "en"
    response = get(client, **query)
    assert response.status_code == 400
    assert message in response.content.decode()
    response = get(client, "dashboard:data", **query)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_periods_parse_to_their_dates():
    from django.http import QueryDict

    today = dt.date(2026, 11, 25)

    def parse(text: str) -> Period:
        return params.parse_period(QueryDict(text), today).period

    assert parse("period=month:2026-02") == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert parse("period=year:2025") == Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert parse("period=days:7") == Period(dt.date(2026, 11, 19), today)
    assert parse("") == Period(dt.date(2026, 10, 27), today)  # the last 30 days
    assert parse("period=custom&from=2026-03-01&to=2026-03-31").days == 31
    assert params.step_for(Period(dt.date(2026, 1, 1), dt.date(2026, 3, 3))) == "day"
    assert params.step_for(Period(dt.date(2026, 1, 1), dt.date(2026, 3, 4))) == "week"


# --- Queries ------------------------------------------------------------------------------


def count_queries(client: Client, **query) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = get(client, **query)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboards_query_count_does_not_grow_with_needs_categories_or_children(w):
    client = logged_in(w.leader)
    query = {"node": w.t["banner"].pk, "period": NOVEMBER}
    build_history(w, needs=8, categories=["roads", "pension"])
    small = count_queries(client, **query)

    # Many more needs, categories, communities and grids.
    for n in range(4):
        community = netf.node(NodeKind.COMMUNITY, w.t["town2"], name=f"新社区{n}")
        big = netf.node(NodeKind.BIG_GRID, community)
        netf.node(NodeKind.SMALL_GRID, big, polygon=netf.square(10 + n, 10))
        # …and a joint committee in each new community (the "Joint committees" panel).
        Organisation.objects.create(
            name=f"新联合党委{n}", kind=OrgKind.JOINT_COMMITTEE, node=community
        )
    build_history(w, needs=60)
    large = count_queries(client, **query)

    assert large == small
    # 29 before the committees' panel, which reads its committees and then five aggregates
    # for all of them together (committees/counts.py).
    assert large <= 35


# --- Public page --------------------------------------------------------------------------


def test_the_public_page_needs_no_login_and_shows_no_personal_data(history):
    w = history
    cache.clear()
    response = Client().get(reverse("public:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert w.t["league"].name in html and w.t["town1"].name in html and w.t["town2"].name in html
    assert "累计收集民情民意" in html
    assert PHONE not in html and PHONE[-4:] not in html and NAME not in html
    for person in (w.grid_worker, w.handler, w.dispatcher):
        assert person.name not in html
    assert "csrfmiddlewaretoken" not in html  # a cached page carries no token
    assert "public" in response["Cache-Control"] and "max-age=600" in response["Cache-Control"]


def test_the_public_page_figures_equal_the_kpi_engines(history):
    w = history
    cache.clear()
    year = selectors.public_figures(Period(dt.date(2026, 1, 1), NOW.date()), "zh-hans")
    [region] = year
    scope = Scope(node=w.t["town1"], period=Period(dt.date(2026, 1, 1), NOW.date()))
    [town1] = [t for t in region["towns"] if t.name == w.t["town1"].name]
    assert town1.received == kpis(scope).received
    assert town1.resolution_rate == kpis(scope).resolution_rate.percent
    assert town1.sentence == sentence(scope, "zh-hans")


def test_the_public_page_is_cached_per_language(history, django_assert_max_num_queries):
    cache.clear()
    client = Client()
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("public:index")).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(reverse("public:index"))
    assert response.status_code == 200
    assert len(second.captured_queries) < len(first.captured_queries)
    assert len(second.captured_queries) <= 1  # the shared cache's one read
    # English is cached apart, and reads in English.
    english = client.get(reverse("public:index"), {"lang": "en"})
    html = english.content.decode()
    assert english["Content-Language"] == "en"
    assert "Collected" in html and "累计" not in html
    with django_assert_max_num_queries(1):
        client.get(reverse("public:index"), {"lang": "en"})


def test_the_public_page_shows_one_period_with_a_way_to_raise_a_need_and_to_each_area(history):
    """Issue 14: 10,785 px on a phone, every league twice, no way to raise a need."""
    w = history
    cache.clear()
    client = Client()
    html = client.get(reverse("public:index")).content.decode()
    assert html.count('class="pub-period"') == 1 and 'id="period-year"' in html
    assert f'href="{reverse("resident:home")}"' in html
    assert 'href="?period=days30"' in html
    # The towns of a region with several are there on request, not spread on the page.
    assert '<details class="pub-towns-more">' in html and w.t["town2"].name in html
    thirty = client.get(reverse("public:index"), {"period": "days30"}).content.decode()
    assert 'id="period-days30"' in thirty and 'id="period-year"' not in thirty
    english = client.get(reverse("public:index"), {"period": "days30", "lang": "en"})
    assert 'href="?period=year&amp;lang=en"' in english.content.decode()


def test_the_public_page_picks_a_town_and_steps_down_to_its_communities(
    history, django_assert_max_num_queries
):
    """Issue 14: a place picker below the region: a town, then its communities, each a link
    a resident can keep; figures stop at the community (a grid's few needs are too near a
    household)."""
    w = history
    cache.clear()
    client = Client()
    html = client.get(reverse("public:index")).content.decode()
    assert '<select id="pub-at" name="at">' in html
    assert f'<option value="{w.t["town1"].code}">一镇</option>' in html
    assert f'href="?at={w.t["town1"].code}&amp;period=year"' in html  # a town in the list

    town = client.get(reverse("public:index"), {"at": w.t["town1"].code, "period": "year"})
    page = town.content.decode()
    assert town.status_code == 200 and "public" in town["Cache-Control"]
    assert "<h3>一镇 " in page and f"?at={w.t['banner'].code}&amp;period=year" in page
    assert f'href="?at={w.t["comm1"].code}&amp;period=year"' in page  # its community
    assert "二社区" not in page  # another town's
    year = selectors.today_and_year(NOW.date())[0][1]
    figures = selectors.public_area_figures(w.t["town1"], year, "zh-hans")
    [region] = selectors.public_figures(year, "zh-hans")
    [listed] = [row for row in region["towns"] if row.code == w.t["town1"].code]
    assert figures.area == listed and listed.received > 0
    assert sum(child.received for child in figures.children) == listed.received
    with django_assert_max_num_queries(1):  # cached: one cache read
        client.get(reverse("public:index"), {"at": w.t["town1"].code, "period": "year"})

    community = client.get(reverse("public:index"), {"at": w.t["comm1"].code})
    assert community.status_code == 200 and "一社区" in community.content.decode()
    assert w.t["gridA"].name not in community.content.decode()  # no grid figures
    for code in (w.t["gridA"].code, "no-such-place"):
        refused = client.get(reverse("public:index"), {"at": code})
        assert refused.status_code == 404
        assert '<select id="pub-at" name="at">' in refused.content.decode()  # choose again
        assert cache.get(f"insights:public:v2:zh-hans:{year.start}:{year.end}:{code}") is None


def test_report_sentences_for_many_nodes_equal_the_sentence_for_one(history):
    w = history
    nodes = [w.t["league"], w.t["town1"], w.t["town2"], w.t["gridA"]]
    for period in (Period.month(2026, 11), Period.month(2026, 10)):
        scope = Scope(node=nodes[0], period=period)
        counts = selectors.sentence_counts(scope, nodes)
        for node in nodes:
            for language in ("zh-hans", "en"):
                assert selectors.compose(counts[node.pk], language) == sentence(
                    Scope(node=node, period=period), language
                )


def test_the_dashboard_reads_in_english(history):
    w = history
    client = logged_in(w.town_staff)
    client.cookies["django_language"] = "en"
    data = embedded(get(client, period=NOVEMBER))
    assert "Resident page" in {c["label"] for c in data["channels"]}
    assert "Road damaged" in {c["label"] for c in data["categories"]}
    assert data["headline"]["median_response"].endswith(("min", "h", "days"))
