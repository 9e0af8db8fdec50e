"""The dashboard's and the report's query string: node, period, category, group, channel.

Every bad value raises `BadParam` with a message saying what to fix, which the views answer
with a 400: a hand-edited URL never costs a 500. A node outside the user's area is a 404
(`access_node`), as everywhere in the console.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.insights.kpis import Period, Scope
from civicgrid.needs.models import Category, Channel
from civicgrid.network.models import Node
from civicgrid.network.scope import access_node, scope_paths

# A custom period may span at most this many days: the trend then has ~260 weekly points,
# still a readable chart and a bounded query.
MAX_CUSTOM_DAYS = 5 * 366
MAX_LAST_DAYS = 3 * 366
# Trend steps by period length (the brief: days up to two months, weeks up to a year).
DAY_STEP_MAX_DAYS = 62
WEEK_STEP_MAX_DAYS = 366
DEFAULT_PERIOD = "days:30"

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^\d{4}$")


class BadParam(ValueError):
    """A query-string value the views answer with 400 and this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PeriodChoice:
    """The period and how it was asked for: `spec` is "month:2026-11", "year:2026",
    "days:30" or "custom" (with `start` and `end` in the query string)."""

    spec: str
    period: Period

    @property
    def step(self) -> str:
        return step_for(self.period)

    def query(self) -> dict[str, str]:
        if self.spec == "custom":
            return {
                "period": "custom",
                "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat(),
            }
        return {"period": self.spec}


@dataclass(frozen=True)
class Filters:
    category: Category | None = None
    group: str = ""
    channel: str = ""

    def query(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.category is not None:
            out["category"] = str(self.category.pk)
        if self.group:
            out["group"] = self.group
        if self.channel:
            out["channel"] = self.channel
        return out


@dataclass(frozen=True)
class DashboardParams:
    node: Node
    choice: PeriodChoice
    filters: Filters = field(default_factory=Filters)

    @property
    def scope(self) -> Scope:
        return Scope(
            node=self.node,
            period=self.choice.period,
            category=self.filters.category.pk if self.filters.category else None,
            group=self.filters.group,
            channel=self.filters.channel,
        )

    def query(self, **changes: Any) -> dict[str, str]:
        """The query string of this view with some values changed (None drops one)."""
        out = {"node": str(self.node.pk), **self.choice.query(), **self.filters.query()}
        for key, value in changes.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = str(value)
        return out


def _is_id(raw: str) -> bool:
    # Bounded: a 30-digit "id" would overflow PostgreSQL's bigint (a 500, not a 404).
    return raw.isdigit() and len(raw) <= 18


def step_for(period: Period) -> str:
    if period.days <= DAY_STEP_MAX_DAYS:
        return "day"
    if period.days <= WEEK_STEP_MAX_DAYS:
        return "week"
    return "month"


def parse_month(raw: str) -> Period:
    match = _MONTH.match(raw.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise BadParam(_("Give the month as YYYY-MM, e.g. 2026-11."))
    return Period.month(int(match[1]), int(match[2]))


def _parse_date(raw: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise BadParam(
            _("Give “%(name)s” as a date YYYY-MM-DD, e.g. 2026-11-30.") % {"name": name}
        ) from None


def parse_period(get: QueryDict, today: dt.date | None = None) -> PeriodChoice:
    today = today or timezone.localdate()
    spec = (get.get("period") or DEFAULT_PERIOD).strip()
    kind, _sep, value = spec.partition(":")
    if kind == "month":
        return PeriodChoice(spec, parse_month(value))
    if kind == "year":
        if not _YEAR.match(value) or int(value) < 2000:
            raise BadParam(_("Give the year as four digits, e.g. year:2026."))
        return PeriodChoice(spec, Period.year(int(value)))
    if kind == "days":
        if not value.isdigit() or not 1 <= int(value) <= MAX_LAST_DAYS:
            raise BadParam(
                _("Give the number of days as 1 to %(max)s, e.g. days:30.") % {"max": MAX_LAST_DAYS}
            )
        return PeriodChoice(spec, Period.last_days(int(value), today))
    if kind == "custom":
        start = _parse_date(get.get("from", ""), "from")
        end = _parse_date(get.get("to", ""), "to")
        if end < start:
            raise BadParam(_("The period ends before it starts."))
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise BadParam(
                _("A custom period may span at most %(max)s days.") % {"max": MAX_CUSTOM_DAYS}
            )
        return PeriodChoice("custom", Period(start, end))
    raise BadParam(
        _("Unknown period: use month:YYYY-MM, year:YYYY, days:N or custom with from and to.")
    )


def parse_filters(get: QueryDict) -> Filters:
    category = None
    raw = (get.get("category") or "").strip()
    if raw:
        # An id from the dashboard's own links, or a code typed by hand.
        lookup = {"pk": int(raw)} if _is_id(raw) else {"code": raw}
        category = Category.objects.filter(**lookup).first()
        if category is None:
            raise BadParam(_("No such category."))
    group = (get.get("group") or "").strip()
    if group and not Category.objects.filter(report_group=group).exists():
        raise BadParam(_("No category belongs to the group “%(group)s”.") % {"group": group})
    channel = (get.get("channel") or "").strip()
    if channel and channel not in Channel.values:
        raise BadParam(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    if category is not None and group:
        raise BadParam(_("Choose a category or a group, not both."))
    return Filters(category=category, group=group, channel=channel)


def default_node(user: Any) -> Node | None:
    """The user's first area: the outermost node of their first staff role (a root for a
    superuser); None for someone with no staff role (a member unit's person)."""
    paths = scope_paths(user)
    if paths is None:
        return Node.objects.filter(parent__isnull=True).order_by("path").first()
    if not paths:
        return None
    first = sorted(paths)[0]
    return Node.objects.filter(path=first).first()


def parse_node(user: Any, get: QueryDict) -> Node | None:
    raw = (get.get("node") or "").strip()
    if not raw:
        return default_node(user)
    if not _is_id(raw):
        raise BadParam(_("Give the node as its number, e.g. node=12."))
    return access_node(user, int(raw))


def parse_dashboard(user: Any, get: QueryDict) -> DashboardParams | None:
    """The dashboard's parameters; None when the user has no area to show."""
    choice = parse_period(get)
    filters = parse_filters(get)
    node = parse_node(user, get)
    if node is None:
        return None
    return DashboardParams(node=node, choice=choice, filters=filters)
