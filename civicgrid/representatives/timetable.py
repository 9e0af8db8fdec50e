"""The reception timetable (定时定点): rows of `ReceptionTime` made into concrete days.

A row says "weekday W, from–until", every week, or only in the n-th week of the month (the
first Tuesday: `week_of_month=1`, the days 1–7 of the month that fall on a Tuesday; the fifth
exists only in some months). `upcoming_times` turns a station's rows into the next slots the
public pages print. Writes are `services.time_save` / `time_delete`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from civicgrid.representatives.models import LiaisonStation, ReceptionTime, Representative

MAX_DAYS = 366


@dataclass(frozen=True)
class Slot:
    """One reception on a day: the timetable row it comes from and who receives (None: the
    station's representatives by turns)."""

    day: dt.date
    starts: dt.time
    ends: dt.time
    representative: Representative | None
    time_id: int


def week_of_month(day: dt.date) -> int:
    """1 for the days 1–7, 2 for 8–14…: which of the month's same weekdays `day` is."""
    return (day.day - 1) // 7 + 1


def falls_on(time: ReceptionTime, day: dt.date) -> bool:
    """Whether the timetable row has a reception on `day`."""
    if day.weekday() != time.weekday:
        return False
    return time.week_of_month is None or week_of_month(day) == time.week_of_month


def expand(times: Iterable[ReceptionTime], *, start: dt.date, days: int) -> list[Slot]:
    """The slots of `times` on the `days` days from `start` (included), in time order."""
    days = max(0, min(days, MAX_DAYS))
    rows = list(times)
    slots: list[Slot] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        for time in rows:
            if falls_on(time, day):
                slots.append(Slot(day, time.starts, time.ends, time.representative, time.pk))
    slots.sort(key=lambda s: (s.day, s.starts, s.time_id))
    return slots


def upcoming_times(
    station: LiaisonStation, *, start: dt.date | None = None, days: int = 28
) -> list[Slot]:
    """The station's next reception slots from `start` (today) for `days` days: the day, the
    time and the representative (with their person read, for the name)."""
    start = start or timezone.localdate()
    times = ReceptionTime.objects.filter(station_id=station.pk).select_related(
        "representative", "representative__person"
    )
    return expand(times, start=start, days=days)


def upcoming_for(
    rep: Representative, *, start: dt.date | None = None, days: int = 28
) -> list[Slot]:
    """A representative's next reception slots: their own rows, and their station's rows
    that name no one (they receive there by turns)."""
    start = start or timezone.localdate()
    times = ReceptionTime.objects.filter(representative_id=rep.pk)
    if rep.station_id is not None:
        times = times | ReceptionTime.objects.filter(
            station_id=rep.station_id, representative__isnull=True
        )
    return expand(times.select_related("station"), start=start, days=days)


def overlaps(a_starts: dt.time, a_ends: dt.time, b_starts: dt.time, b_ends: dt.time) -> bool:
    return a_starts < b_ends and b_starts < a_ends


def weeks_meet(a: int | None, b: int | None) -> bool:
    """Two rows on the same weekday meet unless both name different weeks of the month."""
    return a is None or b is None or a == b
