"""The KPI engine: figures for any node's subtree, any period, category or group, channel.

Definitions (DESIGN.md section 3), each rate with its numerator and denominator, over the
needs received in the period (their cohort):

- response rate 响应率 = first answered within the response deadline / received
- resolution rate 解决率 = resolved / received, rejected, withdrawn and merged left out
- on-time rate 按时办结率 = resolved within the resolve deadline / resolved
- satisfaction rate 满意率 = rated satisfied or fairly satisfied / rated
- median time to respond and to resolve, read from the time buckets (exact to the bucket,
  interpolated inside it)

Every figure is a sum over `DailyStat` rows of one node (the rollups keep a row for every
level), never a scan of raw needs; `recount` computes the same from raw needs, for the tests
and for the benchmark's comparison.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from civicgrid.insights import counters, rollups
from civicgrid.insights.counters import BUCKET_EDGES
from civicgrid.insights.models import (
    ALL_COUNTERS,
    COUNTERS,
    RESOLVE_BUCKETS,
    RESPONSE_BUCKETS,
    DailyStat,
    HandlerStat,
    MonthlyStat,
    MonthlyTotal,
)
from civicgrid.needs.models import Category, Kind, Need
from civicgrid.network.models import Node, NodeKind, Person


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - dt.timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def last_days(cls, days: int, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - dt.timedelta(days=days - 1), today)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"


@dataclass(frozen=True)
class Kpis:
    counters: dict[str, int] = field(default_factory=rollups.zero)

    def __getattr__(self, name: str) -> int:
        if name in ALL_COUNTERS:
            return self.counters.get(name, 0)
        raise AttributeError(name)

    @property
    def response_rate(self) -> Rate:
        return Rate(self.responded_on_time, self.received)

    @property
    def resolution_rate(self) -> Rate:
        return Rate(self.resolved, self.received - self.excluded)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.resolved_on_time, self.resolved)

    @property
    def satisfaction_rate(self) -> Rate:
        return Rate(self.satisfied, self.rated)

    @property
    def median_response_minutes(self) -> float | None:
        return _median([self.counters.get(b, 0) for b in RESPONSE_BUCKETS])

    @property
    def median_resolve_minutes(self) -> float | None:
        return _median([self.counters.get(b, 0) for b in RESOLVE_BUCKETS])


def _median(counts: list[int]) -> float | None:
    total = sum(counts)
    if not total:
        return None
    half = total / 2
    seen = 0
    lower = 0.0
    for index, count in enumerate(counts):
        upper = float(BUCKET_EDGES[index]) if index < len(BUCKET_EDGES) else lower * 2
        if count and seen + count >= half:
            return lower + (upper - lower) * (half - seen) / count
        seen += count
        lower = upper
    return lower


# --- Filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What to count: a node's subtree, a period, optionally a category (with its children)
    or a category group, a channel; needs raised by residents only unless `kind` says."""

    node: Node
    period: Period
    category: int | None = None
    group: str = ""
    channel: str = ""
    kind: str = Kind.REQUEST


def category_ids(scope: Scope) -> list[int] | None:
    if scope.category:
        ids = {scope.category}
        frontier = {scope.category}
        while frontier:  # the category tree is small and shallow
            frontier = set(
                Category.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
            )
            ids |= frontier
        return sorted(ids)
    if scope.group:
        return list(Category.objects.filter(report_group=scope.group).values_list("id", flat=True))
    return None


def narrowed(qs: QuerySet[Any], scope: Scope) -> QuerySet[Any]:
    """Rollup rows (or needs) narrowed to the scope's kind, categories and channel."""
    if scope.kind:
        qs = qs.filter(kind=scope.kind)
    ids = category_ids(scope)
    if ids is not None:
        qs = qs.filter(category_id__in=ids)
    if scope.channel:
        qs = qs.filter(channel=scope.channel)
    return qs


def stats(
    scope: Scope, nodes: Any = None, model: Any = DailyStat, days: Any = None
) -> QuerySet[Any]:
    """The rollup rows of the scope (its node's, or those of `nodes`), daily by default."""
    start, end = days or (scope.period.start, scope.period.end)
    if nodes is None:
        qs = model.objects.filter(node=scope.node, day__range=(start, end))
    else:
        qs = model.objects.filter(node__in=nodes, day__range=(start, end))
    return narrowed(qs, scope)


def _month_end(day: dt.date) -> dt.date:
    return Period.month(day.year, day.month).end


def slices(period: Period) -> list[tuple[Any, tuple[dt.date, dt.date]]]:
    """The period as (rollup model, date range) pieces: the whole months inside it from the
    monthly rows, the ragged days at either end from the daily rows."""
    first = period.start if period.start.day == 1 else _month_end(period.start) + dt.timedelta(1)
    last = (
        period.end
        if period.end == _month_end(period.end)
        else period.end.replace(day=1) - dt.timedelta(1)
    )
    if first > last:
        return [(DailyStat, (period.start, period.end))]
    pieces: list[tuple[Any, tuple[dt.date, dt.date]]] = [
        (MonthlyStat, (first, last.replace(day=1)))
    ]
    if period.start < first:
        pieces.append((DailyStat, (period.start, first - dt.timedelta(1))))
    if last < period.end:
        pieces.append((DailyStat, (last + dt.timedelta(1), period.end)))
    return pieces


def summed(
    scope: Scope,
    *,
    by: tuple[str, ...] = (),
    names: Iterable[str] = COUNTERS,
    nodes: Any = None,
    where: Q | None = None,
) -> list[dict[str, Any]]:
    """Sums of the counters `names` over the scope's rollups, grouped by the fields `by`."""
    names = tuple(names)
    sums = {name: Sum(name) for name in names}
    merged: dict[tuple[Any, ...], dict[str, int]] = {}
    # Unfiltered counts by node (a map's grids, a node's children) have their own monthly
    # totals, without the category and channel split.
    plain = (
        not scope.category
        and not scope.group
        and not scope.channel
        and where is None
        and set(by) <= {"node_id"}
        and set(names) <= set(COUNTERS)
    )
    for model, days in slices(scope.period):
        if plain and model is MonthlyStat:
            model = MonthlyTotal
        qs = stats(scope, nodes=nodes, model=model, days=days)
        if where is not None:
            qs = qs.filter(where)
        rows = qs.values(*by).annotate(**sums) if by else [qs.aggregate(**sums)]
        for row in rows:
            key = tuple(row[b] for b in by)
            total = merged.setdefault(key, dict.fromkeys(sums, 0))
            for name in sums:
                total[name] += int(row[name] or 0)
    return [{**dict(zip(by, key, strict=True)), **values} for key, values in merged.items()]


def _kpis(row: Mapping[str, Any]) -> Kpis:
    return Kpis({name: int(row.get(name) or 0) for name in ALL_COUNTERS})


def kpis(scope: Scope) -> Kpis:
    rows = summed(scope, names=ALL_COUNTERS)
    return _kpis(rows[0]) if rows else Kpis()


def _by(scope: Scope, field: str, **extra: Any) -> list[tuple[Any, Kpis]]:
    rows = summed(scope, by=(field,), **extra)
    rows.sort(key=lambda r: -r["received"])
    return [(r[field], _kpis(r)) for r in rows]


def by_category(scope: Scope) -> list[tuple[Category, Kpis]]:
    rows = _by(scope, "category_id")
    names = Category.objects.in_bulk([key for key, _k in rows])
    return [(names[key], k) for key, k in rows if key in names]


def by_channel(scope: Scope) -> list[tuple[str, Kpis]]:
    return _by(scope, "channel")


def by_child(scope: Scope, *, medians: bool = False) -> list[tuple[Node, Kpis]]:
    """The figures of each child of the node, from the children's own rows; with `medians`,
    the time buckets too (the KPI ledger prints each area's medians; the dashboard's chart
    needs the counts only)."""
    children = list(scope.node.children.order_by("code"))
    names = ALL_COUNTERS if medians else COUNTERS
    figures = dict(_by(scope, "node_id", nodes=children, names=names))
    return [(child, figures.get(child.pk, Kpis())) for child in children]


# The trend shows counts, not medians: summing 8 columns, not 36.
BASIC_SUMS = {name: Sum(name) for name in COUNTERS}


def trend(scope: Scope, step: str = "day") -> list[tuple[dt.date, Kpis]]:
    """Figures per day, week (starting Monday) or month of the period, gaps filled."""
    rows = {r["day"]: _kpis(r) for r in stats(scope).values("day").annotate(**BASIC_SUMS)}
    out: dict[dt.date, dict[str, int]] = {}
    day = scope.period.start
    while day <= scope.period.end:
        key = day
        if step == "week":
            key = day - dt.timedelta(days=day.weekday())
        elif step == "month":
            key = day.replace(day=1)
        bucket = out.setdefault(key, rollups.zero())
        if day in rows:
            for name, value in rows[day].counters.items():
                bucket[name] += value
        day += dt.timedelta(days=1)
    return [(key, Kpis(values)) for key, values in out.items()]


MAP_GRID_LIMIT = 1000


def grid_figures(scope: Scope) -> dict[int, Kpis] | None:
    """Figures of every small grid under the node, for the map; None when there are more
    than MAP_GRID_LIMIT (a city's map is read town by town)."""
    grids = Node.objects.subtree(scope.node).filter(kind=NodeKind.SMALL_GRID)
    if grids.count() > MAP_GRID_LIMIT:
        return None
    return dict(_by(scope, "node_id", nodes=grids))


def leaderboard(scope: Scope, limit: int = 10) -> list[tuple[Person, dict[str, Any]]]:
    rows = (
        HandlerStat.objects.filter(
            node=scope.node, day__range=(scope.period.start, scope.period.end)
        )
        .values("handler_id")
        .annotate(
            resolved=Sum("resolved"),
            on_time=Sum("resolved_on_time"),
            rated=Sum("rated"),
            satisfied=Sum("satisfied"),
        )
        .order_by("-resolved", "handler_id")[:limit]
    )
    people = Person.objects.in_bulk([r["handler_id"] for r in rows])
    return [
        (
            people[r["handler_id"]],
            {
                "resolved": r["resolved"],
                "on_time_rate": Rate(r["on_time"], r["resolved"]),
                "satisfaction_rate": Rate(r["satisfied"], r["rated"]),
            },
        )
        for r in rows
        if r["handler_id"] in people
    ]


def overdue(scope: Scope, limit: int = 50) -> list[Need]:
    """Open overdue needs under the node, longest overdue first: a short list, not an
    aggregate. overdue_at is set only on open needs (the workflow clears it when a need
    closes), so the partial index on it, with node_id included, answers the list alone; the
    rows themselves are loaded only for the `limit` found."""
    places = Node.objects.filter(path__startswith=scope.node.path).values("pk")
    ids = list(
        Need.objects.filter(overdue_at__isnull=False, node_id__in=places)
        .order_by("overdue_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    rows = Need.objects.filter(pk__in=ids).select_related("category", "node", "assignee")
    return sorted(rows, key=lambda need: (need.overdue_at, need.pk))


# --- The same from raw needs --------------------------------------------------------------


def raw_needs(scope: Scope) -> QuerySet[Need]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(scope.period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(scope.period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = Need.objects.filter(
        node__path__startswith=scope.node.path, created_at__gte=start, created_at__lt=end
    )
    return narrowed(qs, scope)


def recount(scope: Scope) -> Kpis:
    """The headline counters aggregated from raw needs (what the rollups save us from)."""
    row = raw_needs(scope).aggregate(
        **{c.name: Count("id", filter=c.q) if c.when else Count("id") for c in counters.HEADLINE}
    )
    return Kpis({**rollups.zero(), **{k: int(v or 0) for k, v in row.items()}})
