"""The rollups are written with one INSERT … ON CONFLICT DO UPDATE per table for all ancestor
levels at once (rollups._upsert): few statements per event, rows created on the first event
and incremented after, and the shared rows written last."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.insights import rollups
from civicgrid.insights.models import DailyStat, HandlerStat, MonthlyStat, MonthlyTotal
from civicgrid.needs.tests import factories as nf

pytestmark = pytest.mark.django_db


def rollup_statements(queries: list[dict[str, str]]) -> list[str]:
    tables = ("insights_dailystat", "insights_monthlystat", "insights_monthlytotal")
    return [q["sql"] for q in queries if any(f'"{t}"' in q["sql"] for t in tables)]


def test_an_event_counts_at_every_level_in_one_statement_per_table():
    w = nf.world()
    levels = len(w.t["gridA"].ancestor_ids())
    assert levels >= 4
    need = nf.raise_need(w)
    with CaptureQueriesContext(connection) as first:
        nf.follow_up()  # the raise's counts, as the worker writes them
    nf.raise_need(w)
    nf.follow_up()  # the same cohort: the rows exist now, and are incremented
    statements = rollup_statements(first.captured_queries)
    assert len(statements) == 3
    assert all("ON CONFLICT" in sql for sql in statements)

    for model in (DailyStat, MonthlyStat, MonthlyTotal):
        rows = model.objects.filter(node_id__in=w.t["gridA"].ancestor_ids())
        assert rows.count() == levels
        assert set(rows.values_list("received", flat=True)) == {2}

    # A delta with a negative part (a transition undoing a figure) and the handler's rows.
    rollups.apply(need, {"received": -1, "excluded": 1})
    root = DailyStat.objects.get(node_id=w.t["gridA"].ancestor_ids()[0])
    assert (root.received, root.excluded) == (1, 1)
    need.assignee = w.grid_worker
    rollups.record_handler(need, resolved=1, on_time=1)
    rollups.record_handler(need, rated=1, satisfied=1)
    handler_rows = HandlerStat.objects.filter(handler=w.grid_worker)
    assert handler_rows.count() == levels
    assert {(r.resolved, r.resolved_on_time, r.rated, r.satisfied) for r in handler_rows} == {
        (1, 1, 1, 1)
    }


def test_rows_are_written_deepest_first_and_nothing_is_written_for_a_zero_delta():
    w = nf.world()
    need = nf.raise_need(w)
    with CaptureQueriesContext(connection) as captured:
        rollups.apply(need, {"received": 0})
    assert rollup_statements(captured.captured_queries) == []

    with CaptureQueriesContext(connection) as captured:
        rollups.apply(need, {"received": 1})
    [daily, _monthly, _total] = rollup_statements(captured.captured_queries)
    ids = w.t["gridA"].ancestor_ids()
    # Descending keys: the root (the busiest rows, shared by every intake) comes last.
    positions = [daily.index(f"({node_id}, ") for node_id in sorted(ids, reverse=True)]
    assert positions == sorted(positions)
