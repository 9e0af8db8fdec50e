"""Checks shared by tests that drive needs around: the rollup tables against the event log
(rebuild's computation), and the headline counters against a recount of raw needs."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import connection

from civicgrid.insights import kpis, rebuild
from civicgrid.insights.kpis import Period, Scope
from civicgrid.insights.models import (
    ALL_COUNTERS,
    COUNTERS,
    DailyStat,
    HandlerStat,
    MonthlyStat,
    MonthlyTotal,
)
from civicgrid.needs.models import Need
from civicgrid.network.models import Node

ROLLUP_MODELS = (DailyStat, MonthlyStat, MonthlyTotal, HandlerStat)


def table(model: Any) -> list[dict[str, Any]]:
    """Every row of the model's table, read with plain SQL (the checks run after every step:
    the ORM's per-row cost would dominate the test)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table} ORDER BY id")  # noqa: S608
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def stored(model: Any, key: tuple[str, ...], names: tuple[str, ...]) -> dict:
    out = {}
    for r in table(model):
        if isinstance(r["day"], str):  # SQLite hands plain SQL's dates back as text
            r["day"] = dt.date.fromisoformat(r["day"])
        counters = {n: r[n] for n in names if r[n]}
        if counters:
            out[tuple(r[k] for k in key)] = counters
    return out


def non_zero(rows: dict) -> dict:
    return {key: {k: v for k, v in c.items() if v} for key, c in rows.items() if any(c.values())}


def expected_rollups() -> dict[str, dict]:
    """The four rollup tables as the event log says they should be (rebuild's computation)."""
    daily, handler = rebuild.computed()
    monthly: dict = defaultdict(lambda: defaultdict(int))
    totals: dict = defaultdict(lambda: defaultdict(int))
    for (n, d, c, ch, k), values in daily.items():
        for name, value in values.items():
            monthly[(n, d.replace(day=1), c, ch, k)][name] += value
            if name in COUNTERS:
                totals[(n, d.replace(day=1), k)][name] += value
    return {
        "daily": non_zero(daily),
        "monthly": non_zero(monthly),
        "totals": non_zero(totals),
        "handler": non_zero(handler),
    }


def actual_rollups() -> dict[str, dict]:
    cohort = ("node_id", "day", "category_id", "channel", "kind")
    handler_counters = ("resolved", "resolved_on_time", "rated", "satisfied")
    return {
        "daily": stored(DailyStat, cohort, ALL_COUNTERS),
        "monthly": stored(MonthlyStat, cohort, ALL_COUNTERS),
        "totals": stored(MonthlyTotal, ("node_id", "day", "kind"), COUNTERS),
        "handler": stored(HandlerStat, ("node_id", "day", "handler_id"), handler_counters),
    }


def assert_rollups_equal_a_recount(node: Node, period: Period) -> None:
    """Every row of every rollup table, at every level, equals the event log's; and the
    headline counters of `node` over `period`, as the dashboard sums them, equal a count of
    the raw needs. Needs the worker has still to follow up are not counted yet (the event
    log's figures leave out what their follow-up will add), and the raw count waits for them."""
    assert actual_rollups() == expected_rollups()
    if Need.objects.filter(awaiting_follow_up=True).exists():
        return
    scope = Scope(node=node, period=period)
    [from_rollups] = kpis.summed(scope) or [dict.fromkeys(COUNTERS, 0)]
    raw = kpis.recount(scope)
    assert from_rollups == {name: getattr(raw, name) for name in COUNTERS}
