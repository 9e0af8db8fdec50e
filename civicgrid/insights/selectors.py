"""Reads behind the dashboard and the public page, built on the KPI engine (`kpis.py`).

Everything here costs a fixed number of queries whatever the number of needs, categories,
children or grids: each figure is one grouped aggregate over rollup rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.insights import kpis
from civicgrid.insights.kpis import Kpis, Period, Rate, Scope
from civicgrid.insights.models import ALL_COUNTERS, ReportLine
from civicgrid.insights.sentences import joined, line_words, volunteer_sentence
from civicgrid.needs.models import Category, Channel, format_number
from civicgrid.network.models import Node, NodeKind, node_label
from civicgrid.volunteers.counts import volunteer_figures

LANGUAGES = ("zh-hans", "mn-mong", "en")

# Names of the seeded category groups; a group added in the admin shows its slug.
GROUP_LABELS: dict[str, Any] = {
    "opinions": gettext_lazy("Public opinion"),
    "conflicts": gettext_lazy("Conflicts and risks"),
    "petitions": gettext_lazy("Petitions by proxy"),
    "difficulties": gettext_lazy("Practical difficulties"),
}

RATES = ("response_rate", "resolution_rate", "on_time_rate", "satisfaction_rate")


def group_label(group: str) -> str:
    return str(GROUP_LABELS.get(group, group))


def groups() -> list[tuple[str, str]]:
    names = Category.objects.exclude(report_group="").values_list("report_group", flat=True)
    return [(g, group_label(g)) for g in sorted(set(names))]


def channel_label(code: str) -> str:
    return str(Channel(code).label) if code in Channel.values else code


def duration_label(minutes: float | None) -> str:
    """A median in units a reader takes in at a glance: minutes, hours or days."""
    if minutes is None:
        return "—"
    if minutes < 60:
        return _("%(n)d min") % {"n": round(minutes)}
    if minutes < 48 * 60:
        return _("%(n).1f h") % {"n": minutes / 60}
    return _("%(n).1f days") % {"n": minutes / 1440}


def rate_dict(rate: Rate) -> dict[str, Any]:
    return {
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "value": rate.value,
        "percent": rate.percent,
    }


def headline(figures: Kpis) -> dict[str, Any]:
    out: dict[str, Any] = {
        "received": figures.received,
        "resolved": figures.resolved,
        "excluded": figures.excluded,
        "rated": figures.rated,
        "median_response_minutes": figures.median_response_minutes,
        "median_resolve_minutes": figures.median_resolve_minutes,
        "median_response": duration_label(figures.median_response_minutes),
        "median_resolve": duration_label(figures.median_resolve_minutes),
    }
    for name in RATES:
        out[name] = rate_dict(getattr(figures, name))
    return out


# --- Report sentences for many nodes at once ------------------------------------------------


def sentence_counts(scope: Scope, nodes: list[Node]) -> dict[int, list[tuple[ReportLine, int]]]:
    """For each node, every report line with its count: what `sentences.sentence` counts
    (the scope's period and channel, every kind of need, the line's category group), in
    three queries however many nodes and lines."""
    lines = list(ReportLine.objects.all())
    wanted = {line.group for line in lines}
    group_of = dict(
        Category.objects.filter(report_group__in=wanted).values_list("id", "report_group")
    )
    totals: dict[tuple[int, str, str], int] = {}
    if group_of:
        base = replace(scope, category=None, group="", kind="")
        rows = kpis.summed(
            base,
            by=("node_id", "category_id"),
            names=("received", "resolved"),
            nodes=[n.pk for n in nodes],
            where=Q(category_id__in=list(group_of)),
        )
        for row in rows:
            group = group_of[row["category_id"]]
            for figure in ("received", "resolved"):
                key = (row["node_id"], group, figure)
                totals[key] = totals.get(key, 0) + int(row[figure] or 0)
    return {
        node.pk: [(line, totals.get((node.pk, line.group, line.figure), 0)) for line in lines]
        for node in nodes
    }


def compose(counts: list[tuple[ReportLine, int]], language: str) -> str:
    """The sentence from its lines' counts, joined the way `sentences.sentence` joins them
    (a test holds the two equal)."""
    return joined([line_words(line, count, language) for line, count in counts], language)


# --- Dashboard --------------------------------------------------------------------------


Link = Callable[..., str]


def dashboard_data(scope: Scope, step: str, link: Link) -> dict[str, Any]:
    """Everything the dashboard draws, as JSON-ready data. `link(**changes)` gives the URL
    of this dashboard with some parameters changed (drill-down to a child, a category)."""
    node = scope.node
    figures = kpis.kpis(scope)

    trend = [
        {"date": day.isoformat(), "received": k.received, "resolved": k.resolved}
        for day, k in kpis.trend(scope, step)
    ]
    categories = [
        {
            "id": category.pk,
            "label": category.label,
            "received": k.received,
            "resolved": k.resolved,
            "url": link(category=category.pk, group=None),
        }
        for category, k in kpis.by_category(scope)
        if k.received or k.resolved
    ]
    channels = [
        {"code": code, "label": channel_label(code), "received": k.received}
        for code, k in kpis.by_channel(scope)
        if k.received
    ]
    children = [
        {
            "id": child.pk,
            "name": node_label(child),
            "kind": str(child.get_kind_display()),
            "received": k.received,
            "resolved": k.resolved,
            **{name: rate_dict(getattr(k, name)) for name in RATES},
            "url": link(node=child.pk),
        }
        for child, k in kpis.by_child(scope)
    ]
    grid_figures = kpis.grid_figures(scope)
    grids: dict[str, Any] = {
        "available": grid_figures is not None,
        "geojson_url": f"{reverse('console:grids_geojson')}?node={node.pk}",
        "figures": {
            str(grid_id): {
                "received": k.received,
                **{name: getattr(k, name).value for name in RATES},
            }
            for grid_id, k in (grid_figures or {}).items()
        },
    }
    overdue = [
        {
            "number": need.number,
            "label": format_number(need.number),
            "category": need.category.label,
            "place": node_label(need.node),
            "state": str(need.get_state_display()),
            "overdue_since": need.overdue_at.isoformat() if need.overdue_at else None,
            "overdue_since_display": (
                f"{timezone.localtime(need.overdue_at):%Y-%m-%d %H:%M}" if need.overdue_at else ""
            ),
            "url": reverse("needs:detail", args=[need.number]),
        }
        for need in kpis.overdue(scope, limit=20)
    ]
    leaderboard = [
        {
            "name": person.name,
            "resolved": row["resolved"],
            "on_time_rate": rate_dict(row["on_time_rate"]),
            "satisfaction_rate": rate_dict(row["satisfaction_rate"]),
        }
        for person, row in kpis.leaderboard(scope)
    ]
    counts = sentence_counts(scope, [node])[node.pk]
    return {
        "node": {"id": node.pk, "name": node_label(node), "kind": str(node.get_kind_display())},
        "period": {
            "start": scope.period.start.isoformat(),
            "end": scope.period.end.isoformat(),
            "step": step,
        },
        "headline": headline(figures),
        "trend": trend,
        "categories": categories,
        "channels": channels,
        "children": children,
        "grids": grids,
        "overdue": overdue,
        "leaderboard": leaderboard,
        "sentences": {language: compose(counts, language) for language in LANGUAGES},
    }


# --- Public page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRow:
    code: str
    name: str
    kind: str
    received: int
    resolved: int
    resolution_rate: str
    satisfaction_rate: str
    sentence: str


def public_figures(period: Period, language: str) -> list[dict[str, Any]]:
    """Each root region then each town under it: counts, two rates and the report sentence.
    Names of places and figures only: nothing about a person. A fixed number of queries."""
    roots = list(Node.objects.filter(parent__isnull=True).order_by("path"))
    towns = list(Node.objects.filter(kind=NodeKind.TOWN).order_by("path"))
    nodes = roots + [town for town in towns if town.parent_id is not None]
    if not nodes:
        return []
    # Any node will do for the scope: the node list is passed explicitly to each query.
    scope = Scope(node=nodes[0], period=period)
    rows = kpis.summed(scope, by=("node_id",), names=ALL_COUNTERS, nodes=[n.pk for n in nodes])
    figures = {r["node_id"]: _kpis_of(r) for r in rows}
    counts = sentence_counts(scope, nodes)
    out: list[dict[str, Any]] = []
    for root in roots:
        region: dict[str, Any] = {
            "root": _public_row(root, figures, counts, language),
            "volunteers": public_volunteers(root, period, language),
        }
        region["towns"] = [
            _public_row(town, figures, counts, language)
            for town in towns
            if town.path.startswith(root.path)
        ]
        out.append(region)
    return out


def _kpis_of(row: Mapping[str, Any]) -> Kpis:
    return Kpis({name: int(row.get(name) or 0) for name in ALL_COUNTERS})


def _public_row(
    node: Node,
    figures: dict[int, Kpis],
    counts: dict[int, list[tuple[ReportLine, int]]],
    language: str,
) -> PublicRow:
    k = figures.get(node.pk, Kpis())
    return PublicRow(
        code=node.code,
        name=node_label(node, language),
        kind=str(node.get_kind_display()),
        received=k.received,
        resolved=k.resolved,
        resolution_rate=k.resolution_rate.percent,
        satisfaction_rate=k.satisfaction_rate.percent,
        sentence=compose(counts.get(node.pk, []), language),
    )


# The areas whose figures anyone may read, each with the areas under it: down to the
# community. A grid's few needs could point at the household that raised them.
PUBLIC_AREA_KINDS = (NodeKind.LEAGUE, NodeKind.BANNER, NodeKind.TOWN, NodeKind.COMMUNITY)


def public_area(code: str) -> Node | None:
    """The public area with this code, or None (not a code, or too small to be public)."""
    if not code:
        return None
    return Node.objects.filter(code=code, kind__in=PUBLIC_AREA_KINDS).first()


@dataclass(frozen=True)
class PublicArea:
    area: PublicRow
    trail: list[tuple[str, str]]  # (code, name) of the areas above, from the top
    children: list[PublicRow]  # the public areas right under it, busiest first
    volunteers: str = ""  # what people who serve did there (public_volunteers)

    @property
    def code(self) -> str:
        return self.area.code


def public_area_figures(node: Node, period: Period, language: str) -> PublicArea:
    """One area's figures and sentence, the way up to the top, and each public area right
    under it, busiest first. A fixed number of queries."""
    above = list(Node.objects.filter(pk__in=node.ancestor_ids()[:-1]).order_by("depth"))
    children = list(Node.objects.filter(parent=node, kind__in=PUBLIC_AREA_KINDS).order_by("code"))
    nodes = [node, *children]
    scope = Scope(node=node, period=period)
    rows = kpis.summed(scope, by=("node_id",), names=ALL_COUNTERS, nodes=[n.pk for n in nodes])
    figures = {r["node_id"]: _kpis_of(r) for r in rows}
    counts = sentence_counts(scope, nodes)
    listed = [_public_row(child, figures, counts, language) for child in children]
    listed.sort(key=lambda row: -row.received)
    return PublicArea(
        area=_public_row(node, figures, counts, language),
        trail=[(n.code, node_label(n, language)) for n in above],
        children=listed,
        volunteers=public_volunteers(node, period, language),
    )


def public_volunteers(node: Node, period: Period, language: str) -> str:
    """The sentences about people who serve in the area (counts only: activities, wishes,
    registrations; nobody named), three queries."""
    figures = volunteer_figures(paths=[node.path], start=period.start, end=period.end)
    return volunteer_sentence(figures, language)


def public_area_choices(language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The place picker: every town, under its banner (or its parent), by name."""
    towns = Node.objects.filter(kind=NodeKind.TOWN).select_related("parent").order_by("path")
    groups: dict[str, list[tuple[str, str]]] = {}
    for town in towns:
        parent = node_label(town.parent, language) if town.parent else ""
        groups.setdefault(parent, []).append((town.code, node_label(town, language)))
    return list(groups.items())


def today_and_year(today: dt.date) -> list[tuple[str, Period]]:
    return [
        ("year", Period(dt.date(today.year, 1, 1), today)),
        ("days30", Period.last_days(30, today)),
    ]
