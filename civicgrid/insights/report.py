"""The monthly report of a node (月度报告): its figures, charts drawn as SVG on the server
(the PDF has no JavaScript), top categories, overdue needs, a few resolved needs as examples
and the report sentence.

Nothing here names a resident: examples show category, place and a scrubbed, shortened
description; phone numbers and the contact's name are masked even when typed into the text.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from civicgrid.insights import kpis, selectors
from civicgrid.insights.councils import CouncilPanel, council_panel
from civicgrid.insights.kpis import Kpis, Period, Scope
from civicgrid.insights.sentences import sentence, services_sentence, volunteer_sentence
from civicgrid.needs.models import Need, Rating, State, format_number
from civicgrid.network.models import Node, mask_mobile, node_label
from civicgrid.services import counts as service_counts
from civicgrid.volunteers.counts import VolunteerFigures, volunteer_figures

TOP_CATEGORIES = 10
OVERDUE_LIMIT = 20
EXAMPLES = 5
SUMMARY_CHARS = 60
FONT = "'Noto Sans CJK SC', 'Noto Sans', sans-serif"
# Two inks for every chart: received (light) behind resolved (dark).
LIGHT = "#9cc3ea"
DARK = "#0b5cad"

_PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Example:
    category: str
    place: str
    summary: str
    minutes: float

    @property
    def duration(self) -> str:
        return selectors.duration_label(self.minutes)


@dataclass
class MonthlyReport:
    node: Node
    node_name: str
    period: Period
    figures: Kpis
    headline: dict[str, Any]
    previous: Kpis
    previous_headline: dict[str, Any]
    categories: list[tuple[str, Kpis]]
    channels: list[tuple[str, Kpis]]
    children: list[tuple[str, Kpis]]
    overdue: list[dict[str, Any]]
    examples: list[Example]
    sentence: str
    charts: dict[str, SafeString] = field(default_factory=dict)
    # People who serve in the month, and their sentences (sentences.volunteer_sentence).
    volunteers: VolunteerFigures = field(default_factory=VolunteerFigures)
    volunteer_sentence: str = ""
    # The joint committees at or under the node in the month (insights/councils.py).
    councils: CouncilPanel | None = None
    # The services close to home at or under the node in the month (services/counts.py).
    services: service_counts.Figures = field(default_factory=service_counts.Figures)
    services_sentence: str = ""

    @property
    def filename(self) -> str:
        return f"report-{self.node.code}-{self.period.start:%Y-%m}.pdf"


def scrub(text: str, name: str = "") -> str:
    """A description fit for a report: phone numbers masked, the contact's name blanked,
    one line, at most SUMMARY_CHARS characters."""
    text = _PHONE.sub(lambda m: mask_mobile(m.group(0)), text)
    if len(name) >= 2:
        text = text.replace(name, "**")
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def examples(node: Node, period: Period, limit: int = EXAMPLES) -> list[Example]:
    """A few needs resolved in the month: satisfied ones first, one per category."""
    start, end = _bounds(period)
    candidates = (
        Need.objects.requests()
        .filter(
            node__path__startswith=node.path,
            resolved_at__gte=start,
            resolved_at__lt=end,
            state__in=[State.RESOLVED, State.CLOSED],
        )
        .select_related("category", "node")
        .order_by("resolved_at", "id")[:100]
    )
    ranked = sorted(
        candidates,
        key=lambda n: (n.rating not in (Rating.SATISFIED, Rating.FAIR), n.resolved_at),
    )
    chosen: list[Example] = []
    seen: set[int] = set()
    for need in ranked:
        if need.category_id in seen or need.resolved_at is None:
            continue
        seen.add(need.category_id)
        chosen.append(
            Example(
                category=need.category.label,
                place=node_label(need.node),
                summary=scrub(need.description, need.contact_name),
                minutes=(need.resolved_at - need.created_at).total_seconds() / 60,
            )
        )
        if len(chosen) == limit:
            break
    return chosen


def monthly_report(node: Node, period: Period) -> MonthlyReport:
    language = get_language() or "zh-hans"
    scope = Scope(node=node, period=period)
    figures = kpis.kpis(scope)
    before = period.start - dt.timedelta(days=1)
    previous = kpis.kpis(Scope(node=node, period=Period.month(before.year, before.month)))
    categories = [(c.label, k) for c, k in kpis.by_category(scope) if k.received or k.resolved]
    channels = [(selectors.channel_label(code), k) for code, k in kpis.by_channel(scope)]
    children = [(node_label(child), k) for child, k in kpis.by_child(scope)]
    overdue = [
        {
            "label": format_number(need.number),
            "category": need.category.label,
            "place": node_label(need.node),
            "overdue_since": need.overdue_at,
        }
        for need in kpis.overdue(scope, limit=OVERDUE_LIMIT)
    ]
    report = MonthlyReport(
        node=node,
        node_name=node_label(node),
        period=period,
        figures=figures,
        headline=selectors.headline(figures),
        previous=previous,
        previous_headline=selectors.headline(previous),
        categories=categories[:TOP_CATEGORIES],
        channels=[(label, k) for label, k in channels if k.received],
        children=children,
        overdue=overdue,
        examples=examples(node, period),
        sentence=sentence(scope, language),
    )
    report.volunteers = volunteer_figures(paths=[node.path], start=period.start, end=period.end)
    report.volunteer_sentence = volunteer_sentence(report.volunteers, language)
    report.councils = council_panel(node, period, language)
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min))
    report.services = service_counts.figures(node, start, end)
    if report.services.booked or report.services.room_bookings:
        report.services_sentence = services_sentence(report.services, language)
    trend = kpis.trend(scope, "day")
    report.charts = {
        "trend": columns_svg([(str(day.day), k.received, k.resolved) for day, k in trend]),
        "categories": bars_svg([(label, k.received, k.resolved) for label, k in categories[:8]]),
        "children": bars_svg([(label, k.received, k.resolved) for label, k in children[:12]]),
    }
    return report


# --- A tiny SVG builder: enough for two-series bar charts in print ---------------------------


def nice_ceiling(value: int) -> int:
    """The smallest of 2, 4, 6, 8, 10, 20, 40... 100, 200... at or above value: the axis
    ticks at 0, half and top are then whole numbers."""
    scale = 1
    while True:
        for mantissa in (2, 4, 6, 8, 10):
            if mantissa * scale >= value:
                return mantissa * scale
        scale *= 10


def _text(x: float, y: float, text: str, **attrs: Any) -> str:
    extra = " ".join(f'{key.replace("_", "-")}="{value}"' for key, value in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" {extra}>{escape(text)}</text>'


def bars_svg(rows: list[tuple[str, int, int]], width: int = 640) -> SafeString:
    """Horizontal bars, one row per label: received (light) with resolved (dark) inside it."""
    if not rows:
        return mark_safe("")
    label_w, value_w, row_h = 150, 60, 24
    bar_w = width - label_w - value_w
    top = max(max(a, b) for _l, a, b in rows) or 1
    height = row_h * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="12" role="img">'
    ]
    for index, (label, received, resolved) in enumerate(rows):
        y = index * row_h + 2
        short = label if len(label) <= 12 else label[:11] + "…"
        parts.append(_text(label_w - 6, y + 16, short, text_anchor="end", fill="#1b1f24"))
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w * received / top:.1f}" '
            f'height="{row_h - 6}" fill="{LIGHT}"/>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 7}" width="{bar_w * resolved / top:.1f}" '
            f'height="{row_h - 14}" fill="{DARK}"/>'
        )
        parts.append(
            _text(label_w + bar_w * received / top + 4, y + 16, f"{received} / {resolved}")
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text went through escape()


def columns_svg(
    points: list[tuple[str, int, int]], width: int = 640, height: int = 180
) -> SafeString:
    """Columns over time: received (light) with resolved (dark, narrower) in front."""
    if not points:
        return mark_safe("")
    left, bottom, top_pad = 34, 22, 8
    plot_w, plot_h = width - left - 4, height - bottom - top_pad
    top = nice_ceiling(max(max(a, b) for _l, a, b in points))
    slot = plot_w / len(points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" font-size="11" role="img">'
    ]
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 4}" y2="{y:.1f}" stroke="#c9d0d8"/>'
        )
        parts.append(_text(left - 4, y + 4, f"{top * fraction:.0f}", text_anchor="end"))
    every = max(1, round(len(points) / 10))
    for index, (label, received, resolved) in enumerate(points):
        x = left + index * slot
        for value, inset, colour in ((received, 0.15, LIGHT), (resolved, 0.3, DARK)):
            h = plot_h * value / top
            parts.append(
                f'<rect x="{x + slot * inset:.1f}" y="{top_pad + plot_h - h:.1f}" '
                f'width="{slot * (1 - 2 * inset):.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
        if index % every == 0:
            parts.append(_text(x + slot / 2, height - 6, label, text_anchor="middle"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text went through escape()
