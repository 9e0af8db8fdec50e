"""Recompute every rollup from the event log: after a node move, a restore, or to check."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from civicgrid.insights import rollups
from civicgrid.insights.models import COUNTERS, DailyStat, HandlerStat, MonthlyStat, MonthlyTotal
from civicgrid.needs import events as need_events
from civicgrid.needs.models import Need, NeedEvent

CHUNK = 2000


Rows = dict[tuple[Any, ...], dict[str, int]]


def computed() -> tuple[Rows, Rows]:
    """(daily rows, handler rows) as the event log says they should be."""
    daily: Rows = defaultdict(lambda: defaultdict(int))
    handler: Rows = defaultdict(lambda: defaultdict(int))
    events = Prefetch("events", queryset=NeedEvent.objects.order_by("seq"))
    needs = Need.objects.select_related("node").prefetch_related(events).order_by("pk")
    for need in needs.iterator(chunk_size=CHUNK):
        timeline = list(need.events.all())
        nodes, day, category_id, channel, kind = rollups.cohort(need)
        counted = rollups.facts_from_events(need, timeline)
        if need.awaiting_follow_up:
            # The worker will add what the raise adds when it follows the need up.
            for name, value in rollups.raised_facts(need).items():
                counted[name] = counted.get(name, 0) - value
        for name, value in counted.items():
            for node_id in nodes:
                daily[(node_id, day, category_id, channel, kind)][name] += value
        resolver = None
        for event in timeline:
            data = need_events.read(event)
            on_day = timezone.localdate(event.created_at).replace(day=1)  # handler rows by month
            if event.action == "resolve" or (event.action == "record" and need.assignee_id):
                resolver = event.actor_id if event.action == "resolve" else need.assignee_id
                late = isinstance(data, need_events.Resolved) and data.resolved_on_time is False
                for node_id in nodes:
                    row = handler[(node_id, on_day, resolver)]
                    row["resolved"] += 1
                    row["resolved_on_time"] += int(not late)
            elif (
                isinstance(data, need_events.Rated)
                and data.rating in rollups.RATED
                and resolver is not None
            ):
                for node_id in nodes:
                    row = handler[(node_id, on_day, resolver)]
                    row["rated"] += 1
                    row["satisfied"] += int(data.rating in rollups.SATISFIED)
    return daily, handler


@transaction.atomic
def rebuild() -> tuple[int, int]:
    """Replace the rollups with those computed from the event log; returns the row counts."""
    daily, handler = computed()
    monthly: Rows = defaultdict(lambda: defaultdict(int))
    for (n, d, c, ch, k), values in daily.items():
        for name, value in values.items():
            monthly[(n, d.replace(day=1), c, ch, k)][name] += value
    tables: list[tuple[Any, Rows]] = [(DailyStat, daily), (MonthlyStat, monthly)]
    for model, rows in tables:
        model.objects.all().delete()
        model.objects.bulk_create(
            [
                model(node_id=n, day=d, category_id=c, channel=ch, kind=k, **values)
                for (n, d, c, ch, k), values in rows.items()
            ],
            batch_size=1000,
        )
    totals: Rows = defaultdict(lambda: defaultdict(int))
    for (n, d, _c, _ch, k), values in monthly.items():
        for name in COUNTERS:
            totals[(n, d, k)][name] += values.get(name, 0)
    MonthlyTotal.objects.all().delete()
    MonthlyTotal.objects.bulk_create(
        [MonthlyTotal(node_id=n, day=d, kind=k, **values) for (n, d, k), values in totals.items()],
        batch_size=1000,
    )
    HandlerStat.objects.all().delete()
    HandlerStat.objects.bulk_create(
        [
            HandlerStat(node_id=n, day=d, handler_id=h, **values)
            for (n, d, h), values in handler.items()
        ],
        batch_size=1000,
    )
    return len(daily), len(handler)
