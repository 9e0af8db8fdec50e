"""A service's slots: its opening hours cut by its duration, each taking `capacity` bookings.

A window without a weekday opens on the calendar's working days (`needs.deadlines`: holidays
closed, make-up Saturdays open); one with a weekday opens on that weekday. The free places of
a slot are its capacity less the holding bookings that overlap it, read once per day asked.
The database, not this module, is what refuses a double booking (models.py); this one only
offers what looks free.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from civicgrid.needs.cached import calendar_overrides
from civicgrid.needs.deadlines import is_working_day
from civicgrid.services.models import HOLDING, Booking, OpeningHours, Service

# How far ahead a resident may book.
DAYS_AHEAD = 14


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    free: int
    after_hours: bool

    @property
    def key(self) -> str:
        """The slot as a form sends it back: its local start, e.g. "2026-12-07T09:30"."""
        return timezone.localtime(self.starts_at).strftime("%Y-%m-%dT%H:%M")


def windows(
    service: Service, day: dt.date, hours: Iterable[OpeningHours] | None = None
) -> list[tuple[dt.datetime, dt.datetime, bool]]:
    """The service's open windows on `day`, as aware datetimes, with their after-hours flag."""
    rows = list(hours) if hours is not None else list(service.hours.all())
    working = is_working_day(day, calendar_overrides(day, day))
    tz = timezone.get_current_timezone()
    out = []
    for row in rows:
        if (row.weekday is None and working) or row.weekday == day.weekday():
            start = dt.datetime.combine(day, row.starts, tzinfo=tz)
            end = dt.datetime.combine(day, row.ends, tzinfo=tz)
            out.append((start, end, row.after_hours))
    return sorted(out)


def slots_on(
    service: Service, day: dt.date, *, now: dt.datetime | None = None, past: bool = False
) -> list[Slot]:
    """The slots of `day`, with how many places each has left; past slots left out unless
    `past` (staff recording what was done today)."""
    now = now or timezone.now()
    length = dt.timedelta(minutes=service.duration_minutes)
    starts: list[tuple[dt.datetime, dt.datetime, bool]] = []
    for start, end, late in windows(service, day):
        at = start
        while at + length <= end:
            if past or at > now:
                starts.append((at, at + length, late))
            at += length
    if not starts:
        return []
    taken = list(
        Booking.objects.filter(
            service=service,
            state__in=HOLDING,
            starts_at__lt=starts[-1][1],
            ends_at__gt=starts[0][0],
        ).values_list("starts_at", "ends_at")
    )
    out = []
    for start, end, late in starts:
        used = sum(1 for s, e in taken if s < end and start < e)
        out.append(Slot(start, end, max(service.capacity - used, 0), late))
    return out


def find(service: Service, starts_at: dt.datetime, *, past: bool = False) -> Slot | None:
    """The slot that starts at `starts_at`, if the service has one then."""
    day = timezone.localtime(starts_at).date()
    for slot in slots_on(service, day, past=past):
        if slot.starts_at == starts_at:
            return slot
    return None


def days_open(service: Service, *, today: dt.date | None = None) -> list[dt.date]:
    """The next days (up to `DAYS_AHEAD`) on which the service has a window."""
    today = today or timezone.localdate()
    hours = list(service.hours.all())
    return [
        day
        for day in (today + dt.timedelta(days=n) for n in range(DAYS_AHEAD + 1))
        if windows(service, day, hours)
    ]


def parse_key(value: str) -> dt.datetime | None:
    """A slot's key ("2026-12-07T09:30", local time) as an aware datetime; None if malformed."""
    try:
        naive = dt.datetime.strptime((value or "").strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return timezone.make_aware(naive)
