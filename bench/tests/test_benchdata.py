"""The benchmark's SQL rollups (bench/benchdata.py) against `rollups.facts` and `recount`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import benchdata
import pytest
from django.utils import timezone

from civicgrid.insights import kpis, rollups
from civicgrid.insights.kpis import Period, Scope
from civicgrid.insights.models import ALL_COUNTERS, COUNTERS, DailyStat
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def expected_daily() -> dict[tuple[Any, ...], dict[str, int]]:
    """DailyStat rows as `rebuild.computed()` builds them, from `rollups.facts` of each need."""
    out: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for need in Need.objects.select_related("node"):
        nodes, day, category_id, channel, kind = rollups.cohort(need)
        for name, value in rollups.facts(need).items():
            for node_id in nodes:
                out[(node_id, day, category_id, channel, kind)][name] += value
    return {key: dict(values) for key, values in out.items()}


def stored_daily() -> dict[tuple[Any, ...], dict[str, int]]:
    out = {}
    for r in DailyStat.objects.values(
        "node_id", "day", "category_id", "channel", "kind", *ALL_COUNTERS
    ):
        out[(r["node_id"], r["day"], r["category_id"], r["channel"], r["kind"])] = {
            k: r[k] for k in ALL_COUNTERS if r[k]
        }
    return out


def test_the_benchmarks_sql_rollups_equal_facts_and_a_raw_recount():
    """Runs the same set-based SQL on SQLite and PostgreSQL (only the local-day and minutes
    expressions differ), over a few hundred needs drawn with the benchmark's distribution."""
    world = nf.world()
    root = world.t["league"]
    now = timezone.now().replace(microsecond=0)
    benchdata.generate(root, 400, now=now, shape=benchdata.Shape(years=1, open_days=60))
    states = set(Need.objects.values_list("state", flat=True))
    assert {"closed", "rejected", "in_progress"} <= states  # a real mix, not one state
    benchdata.build_rollups()
    assert stored_daily() == expected_daily()
    period = Period(now.date() - dt.timedelta(days=400), now.date() + dt.timedelta(days=1))
    for node in (root, world.t["town1"], world.t["comm2"], world.t["gridA"]):
        for extra in ({}, {"channel": "web"}, {"category": nf.category("roads").pk}):
            scope = Scope(node=node, period=period, **extra)
            fast, raw = kpis.kpis(scope), kpis.recount(scope)
            assert [getattr(fast, c) for c in COUNTERS] == [getattr(raw, c) for c in COUNTERS]
    assert kpis.kpis(Scope(node=root, period=period)).received == 400
    handler_rows = benchdata.build_handler_rollups([root])
    assert handler_rows > 0
    board = kpis.leaderboard(Scope(node=root, period=period))
    resolved = Need.objects.filter(resolved_at__isnull=False, assignee__isnull=False).count()
    assert sum(row["resolved"] for _person, row in board) == resolved
