"""Deadlines: how long a need may wait, in calendar time or in working time.

Working time runs only during `WORKING_HOURS` on working days. Monday to Friday are working
days unless a `CalendarDay` row says otherwise (a public holiday on a weekday, a make-up
working Saturday), so the calendar is data an admin keeps, not code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from civicgrid.needs import cached
from civicgrid.needs.models import Category, CategoryDeadline, TimeBasis

# Used when neither the category nor any of its parents has a deadline for the priority.
DEFAULT_RESPONSE_MINUTES = 24 * 60
DEFAULT_RESOLVE_MINUTES = 7 * 24 * 60
# A calendar with no working day at all must not loop for ever.
_MAX_DAYS = 3 * 366


def working_periods() -> list[tuple[dt.time, dt.time]]:
    """Parse WORKING_HOURS, e.g. "09:00-12:00,13:30-17:30"."""
    periods = []
    for part in settings.WORKING_HOURS.split(","):
        start, end = (dt.time.fromisoformat(x.strip()) for x in part.split("-"))
        periods.append((start, end))
    return sorted(periods)


def _overrides(first: dt.date, last: dt.date) -> dict[dt.date, bool]:
    return cached.calendar_overrides(first, last)


def is_working_day(day: dt.date, overrides: dict[dt.date, bool]) -> bool:
    return overrides.get(day, day.weekday() < 5)


def add_working_minutes(start: dt.datetime, minutes: int) -> dt.datetime:
    """The moment `minutes` of working time after `start` (an aware datetime)."""
    tz = timezone.get_default_timezone()
    cursor = timezone.localtime(start, tz)
    periods = working_periods()
    window = 60
    overrides = _overrides(cursor.date(), cursor.date() + dt.timedelta(days=window))
    remaining = dt.timedelta(minutes=minutes)
    day = cursor.date()
    for offset in range(_MAX_DAYS):
        if offset and offset % window == 0:
            overrides |= _overrides(day, day + dt.timedelta(days=window))
        if is_working_day(day, overrides):
            for begin_t, end_t in periods:
                begin = dt.datetime.combine(day, begin_t, tzinfo=tz)
                end = dt.datetime.combine(day, end_t, tzinfo=tz)
                if cursor >= end:
                    continue
                begin = max(begin, cursor)
                available = end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                cursor = end
        day += dt.timedelta(days=1)
        cursor = max(cursor, dt.datetime.combine(day, dt.time(0), tzinfo=tz))
    raise ValueError("The calendar has no working time in the next three years.")


def add_time(start: dt.datetime, minutes: int, basis: str) -> dt.datetime:
    if basis == TimeBasis.WORKING:
        return add_working_minutes(start, minutes)
    return start + dt.timedelta(minutes=minutes)


@dataclass(frozen=True)
class Limits:
    response_minutes: int
    resolve_minutes: int
    basis: str


def limits_for(category: Category, priority: str) -> Limits:
    """The category's limits for the priority, inherited from its parents where missing
    (cached per process, `needs/cached.py`)."""

    def load() -> Limits:
        current: Category | None = category
        while current is not None:
            row = CategoryDeadline.objects.filter(category=current, priority=priority).first()
            if row is not None:
                return Limits(row.response_minutes, row.resolve_minutes, category.time_basis)
            current = current.parent
        return Limits(DEFAULT_RESPONSE_MINUTES, DEFAULT_RESOLVE_MINUTES, category.time_basis)

    return cached.category_value(("limits", category.pk, priority), load)


def response_due(category: Category, priority: str, start: dt.datetime) -> dt.datetime:
    limits = limits_for(category, priority)
    return add_time(start, limits.response_minutes, limits.basis)


def resolve_due(category: Category, priority: str, start: dt.datetime) -> dt.datetime:
    limits = limits_for(category, priority)
    return add_time(start, limits.resolve_minutes, limits.basis)
