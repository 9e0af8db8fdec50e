"""What people who serve did, counted for a node's subtree and a period: activities held, the
people who took part and their hours, micro-wishes posted, claimed and fulfilled, and the
party members and units registered with their communities (双报到).

Read straight from the module's tables with three aggregate queries, however long the period
or however many months are asked for at once (each month is one set of conditional
aggregates in the same three queries): no rollups, no query per record.

Definitions:

- activities held: state held or recorded, starting in the period, placed in the subtree;
- participants: their sign-ups with a check-in (person-times, 人次);
- hours: the hours credited on their sign-ups;
- wishes posted / claimed / fulfilled: of communities in the subtree, created / claimed /
  confirmed in the period (fulfilled counts confirmed wishes only);
- members / units: approved registrations with a community in the subtree, as of the end of
  the period (decided before it, not ended by then), each member or unit counted once.

Periods are local dates, both ends inclusive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from civicgrid.core.i18n import localised
from civicgrid.network.scope import paths_q
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Registration,
    RegistrationState,
    TeamMonth,
    Wish,
    WishState,
)

HELD_STATES = (ActivityState.HELD, ActivityState.RECORDED)
# A registration that was approved: still so, or ended since (moved away).
REGISTERED_STATES = (RegistrationState.APPROVED, RegistrationState.ENDED)


@dataclass(frozen=True)
class VolunteerFigures:
    activities: int = 0
    participants: int = 0
    hours: Decimal = Decimal(0)
    wishes_posted: int = 0
    wishes_claimed: int = 0
    wishes_fulfilled: int = 0
    members: int = 0
    units: int = 0

    @property
    def hours_text(self) -> str:
        """The hours as people write them: 12, 12.5, 0.25 (no trailing zeros)."""
        return format_hours(self.hours)

    @property
    def any(self) -> bool:
        return any(
            (
                self.activities,
                self.participants,
                self.hours,
                self.wishes_posted,
                self.wishes_claimed,
                self.wishes_fulfilled,
                self.members,
                self.units,
            )
        )


def format_hours(hours: Decimal) -> str:
    text = f"{hours.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _bound(day: dt.date) -> dt.datetime:
    """The first instant of a local day."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


Window = tuple[dt.datetime, dt.datetime]  # [from, until)


def _windows(periods: Sequence[tuple[dt.date, dt.date]]) -> list[Window]:
    return [(_bound(start), _bound(end + dt.timedelta(days=1))) for start, end in periods]


def _in(field: str, window: Window) -> Q:
    return Q(**{f"{field}__gte": window[0], f"{field}__lt": window[1]})


def _registered_at(instant: dt.datetime) -> Q:
    """Registered at `instant`: decided before it and not ended by then."""
    return Q(decided_at__lt=instant) & (
        Q(ended_at__gte=instant) | Q(state=RegistrationState.APPROVED, ended_at__isnull=True)
    )


def figures_of_periods(
    *, paths: list[str], periods: Sequence[tuple[dt.date, dt.date]]
) -> list[VolunteerFigures]:
    """The figures of each period (local dates, inclusive), in three queries for all of them:
    a page that shows a period and a year's months asks for them together."""
    if any(end < start for start, end in periods):
        raise ValueError("A period ends before it starts.")
    windows = _windows(periods)
    if not windows or not paths:
        return [VolunteerFigures() for _ in windows]
    whole: Window = (min(w[0] for w in windows), max(w[1] for w in windows))

    activity_aggregates: dict[str, Any] = {}
    for i, window in enumerate(windows):
        when = _in("starts_at", window)
        activity_aggregates[f"a{i}"] = Count("pk", distinct=True, filter=when)
        activity_aggregates[f"p{i}"] = Count(
            "signups", filter=when & Q(signups__checked_in_at__isnull=False)
        )
        activity_aggregates[f"h{i}"] = Sum("signups__hours", filter=when)
    activities = Activity.objects.filter(
        paths_q(paths, node_field="node"), _in("starts_at", whole), state__in=HELD_STATES
    ).aggregate(**activity_aggregates)

    wish_aggregates: dict[str, Any] = {}
    for i, window in enumerate(windows):
        wish_aggregates[f"w{i}"] = Count("pk", filter=_in("created_at", window))
        wish_aggregates[f"c{i}"] = Count("pk", filter=_in("claimed_at", window))
        wish_aggregates[f"f{i}"] = Count(
            "pk", filter=_in("confirmed_at", window) & Q(state=WishState.CONFIRMED)
        )
    wishes = Wish.objects.filter(
        paths_q(paths, node_field="community"),
        _in("created_at", whole) | _in("claimed_at", whole) | _in("confirmed_at", whole),
    ).aggregate(**wish_aggregates)

    registration_aggregates: dict[str, Any] = {}
    for i, (_start, until) in enumerate(windows):
        alive = _registered_at(until)
        registration_aggregates[f"m{i}"] = Count(
            "person", distinct=True, filter=alive & Q(person__isnull=False)
        )
        registration_aggregates[f"u{i}"] = Count(
            "unit", distinct=True, filter=alive & Q(unit__isnull=False)
        )
    registrations = Registration.objects.filter(
        paths_q(paths, node_field="community"),
        state__in=REGISTERED_STATES,
        decided_at__lt=whole[1],
    ).aggregate(**registration_aggregates)

    return [
        VolunteerFigures(
            activities=activities[f"a{i}"] or 0,
            participants=activities[f"p{i}"] or 0,
            hours=Decimal(activities[f"h{i}"] or 0),
            wishes_posted=wishes[f"w{i}"] or 0,
            wishes_claimed=wishes[f"c{i}"] or 0,
            wishes_fulfilled=wishes[f"f{i}"] or 0,
            members=registrations[f"m{i}"] or 0,
            units=registrations[f"u{i}"] or 0,
        )
        for i in range(len(windows))
    ]


def volunteer_figures(*, paths: list[str], start: dt.date, end: dt.date) -> VolunteerFigures:
    """The figures of the subtrees of `paths` from `start` to `end` (local dates, inclusive)."""
    return figures_of_periods(paths=paths, periods=[(start, end)])[0]


def month_period(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def year_months(year: int) -> list[tuple[dt.date, dt.date]]:
    return [month_period(year, month) for month in range(1, 13)]


def volunteer_months(*, paths: list[str], year: int) -> list[tuple[dt.date, VolunteerFigures]]:
    """Each month of `year` (its first day) with its figures, January first: the trend."""
    periods = year_months(year)
    return [
        (start, figures)
        for (start, _end), figures in zip(
            periods, figures_of_periods(paths=paths, periods=periods), strict=True
        )
    ]


def missed_teams(*, paths: list[str], month: dt.date) -> list[str]:
    """The names of the teams of the subtrees (by their organisation's node) that missed their
    monthly rule in `month` (any day of it), as the monthly check wrote it: one query."""
    if not paths:
        return []
    rows = (
        TeamMonth.objects.filter(
            paths_q(paths, node_field="team__organisation__node"),
            month=month.replace(day=1),
            missed=True,
        )
        .order_by("team__organisation__name", "team_id")
        .values_list("team__organisation__name", "team__name_en", "team__name_mn")
    )
    return [localised(name, name_en, name_mn=name_mn) for name, name_en, name_mn in rows]


def activities_in(*, paths: list[str], start: dt.date, end: dt.date) -> QuerySet[Activity]:
    """Every activity of the subtrees starting in the period (local dates, inclusive), in any
    state, oldest first, with `participants` (sign-ups checked in) and `hours_total` (hours
    credited) annotated: the activities ledger's rows, in one query."""
    window = _windows([(start, end)])[0]
    return (
        Activity.objects.filter(paths_q(paths, node_field="node"), _in("starts_at", window))
        .annotate(
            participants=Count("signups", filter=Q(signups__checked_in_at__isnull=False)),
            hours_total=Sum("signups__hours"),
        )
        .order_by("starts_at", "id")
    )
