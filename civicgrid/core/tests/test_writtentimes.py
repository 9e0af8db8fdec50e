"""Remembered times are what the writer writes, whatever was written before."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from civicgrid.core.writtentimes import WrittenTimes

LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_a_time_is_written_once_and_found_again():
    calls: list[dt.datetime] = []

    def write(moment: dt.datetime) -> str:
        calls.append(moment)
        return moment.isoformat()

    times = WrittenTimes(write)
    moment = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    assert times(None) is None
    assert times(moment) == times(moment) == "2026-03-01T08:00:00+00:00"
    assert calls == [moment]


def test_equal_times_written_differently_are_kept_apart():
    """The same instant in two zones, and the same wall time in one zone on either side of
    the clocks going back, are equal to Python and written differently."""
    times = WrittenTimes(lambda m: m.isoformat())
    utc = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
    beijing = utc.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert utc == beijing
    assert times(utc) == "2026-01-01T00:00:00+00:00"
    assert times(beijing) == "2026-01-01T08:00:00+08:00"
    first = dt.datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)  # BST, +01:00
    second = first.replace(fold=1)  # an hour later, GMT
    assert first == second
    assert times(first) == "2026-10-25T01:30:00+01:00"
    assert times(second) == "2026-10-25T01:30:00+00:00"


def test_what_is_remembered_is_bounded():
    times = WrittenTimes(lambda m: m.isoformat(), limit=3)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for minutes in range(10):
        moment = start + dt.timedelta(minutes=minutes)
        assert times(moment) == moment.isoformat()
        assert len(times.written) <= 3
