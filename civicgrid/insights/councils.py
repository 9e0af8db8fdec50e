"""The dashboard's "Joint committees" panel and the monthly report's committee figures: what
the joint committees at or under the area did in the period (`committees/counts.py`):
problems solved (帮助解决实际问题N件), joint meetings held, decisions made, tasks done on time,
for the area together (a need two committees helped with counts once) and per committee.

A fixed number of queries, whatever the number of committees: the committees, then the
counts' aggregates once for all of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language

from civicgrid.committees import counts
from civicgrid.committees.counts import Figures
from civicgrid.insights.kpis import Period
from civicgrid.insights.sentences import committee_sentence
from civicgrid.network.models import Node, Organisation


@dataclass(frozen=True)
class CouncilPanel:
    figures: Figures
    sentence: str
    committees: list[tuple[Organisation, Figures]]


def bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    """A period of days (end included) as the counts' datetimes (end not included)."""
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min))
    return start, end


def council_panel(node: Node, period: Period, language: str | None = None) -> CouncilPanel:
    start, end = bounds(period)
    area, each = counts.area_and_committees(node, start, end)
    return CouncilPanel(
        figures=area,
        sentence=committee_sentence(area, language or get_language() or "zh-hans"),
        committees=each,
    )
