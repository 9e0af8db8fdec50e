"""The dashboard's "People who serve" panel: what volunteers and party members did in the area
and period the dashboard shows (`volunteers/counts.py`), the months of that period's year,
and the teams of the area that missed their monthly rule last month.

A fixed number of queries: three for the period and the year's months together, one for
the teams. The area is the dashboard's node, already checked against the user's scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language

from civicgrid.insights.kpis import Period
from civicgrid.insights.sentences import volunteer_sentence
from civicgrid.network.models import Node
from civicgrid.volunteers.counts import (
    VolunteerFigures,
    figures_of_periods,
    missed_teams,
    year_months,
)


@dataclass(frozen=True)
class ServingPanel:
    figures: VolunteerFigures
    sentence: str
    year: int
    months: list[tuple[dt.date, VolunteerFigures]]
    missed_month: dt.date  # the first day of last month
    missed: list[str]  # the names of the teams that missed it


def last_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def serving_panel(node: Node, period: Period, today: dt.date | None = None) -> ServingPanel:
    paths = [node.path]
    months = year_months(period.end.year)
    figures, *by_month = figures_of_periods(
        paths=paths, periods=[(period.start, period.end), *months]
    )
    month = last_month(today or timezone.localdate())
    return ServingPanel(
        figures=figures,
        sentence=volunteer_sentence(figures, get_language() or "zh-hans"),
        year=period.end.year,
        months=[(start, f) for (start, _end), f in zip(months, by_month, strict=True)],
        missed_month=month,
        missed=missed_teams(paths=paths, month=month),
    )
