"""When a message must be answered: `LIAISON_ANSWER_WORKING_DAYS` working days after it was
received (5 by default), on the working-day calendar of `needs/deadlines.py` (weekends,
holidays and make-up working days are `CalendarDay` data).

The answer is due at the end of the working hours of the N-th working day after the day it came
in (a message left on Friday evening before a holiday week counts from the first working day
after it). The answerer is reminded at the start of the working day before that.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from civicgrid.needs import cached
from civicgrid.needs.deadlines import is_working_day, working_periods

_MAX_DAYS = 3 * 366


def answer_days() -> int:
    return max(1, int(getattr(settings, "LIAISON_ANSWER_WORKING_DAYS", 5)))


def _working_days_after(day: dt.date, count: int) -> list[dt.date]:
    """The first `count` working days after `day`."""
    window = dt.timedelta(days=count * 3 + 60)
    loaded_to = day + window
    overrides = cached.calendar_overrides(day, loaded_to)
    found: list[dt.date] = []
    cursor = day
    for _ in range(_MAX_DAYS):
        cursor += dt.timedelta(days=1)
        if cursor > loaded_to:
            overrides |= cached.calendar_overrides(cursor, cursor + window)
            loaded_to = cursor + window
        if is_working_day(cursor, overrides):
            found.append(cursor)
            if len(found) == count:
                return found
    raise ValueError("The calendar has no working days in the next three years.")


def answer_due(received: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(the answer's due time, the reminder's time) for a message received at `received`."""
    tz = timezone.get_default_timezone()
    day = timezone.localtime(received, tz).date()
    days = _working_days_after(day, answer_days())
    periods = working_periods()
    due = dt.datetime.combine(days[-1], periods[-1][1], tzinfo=tz)
    remind_day = days[-2] if len(days) > 1 else day
    remind = max(dt.datetime.combine(remind_day, periods[0][0], tzinfo=tz), received)
    return due, remind
