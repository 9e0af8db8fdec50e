"""Representatives, stations and the timetable: what the services refuse (with a code and the
field to fix), who may write (staff who serve the place; not a stranger, not a leader), and
the timetable made into days (every week, the n-th weekday of the month)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.representatives import services, timetable
from civicgrid.representatives.models import Body, Level, ReceptionTime, StationKind
from civicgrid.representatives.tests import factories as rf

pytestmark = pytest.mark.django_db


def _code(failure: pytest.ExceptionInfo) -> tuple[str, list[str]]:
    return failure.value.code, sorted((failure.value.details.get("fields") or {}).keys())


def test_a_time_must_end_after_it_starts() -> None:
    r = rf.reps()
    with pytest.raises(Invalid) as failure:
        services.time_save(
            by=r.w.dispatcher, station=r.station, weekday=2, starts=dt.time(11), ends=dt.time(9)
        )
    assert _code(failure) == ("end_before_start", ["ends"])


def test_a_representative_cannot_be_in_two_overlapping_slots() -> None:
    r = rf.reps()
    with pytest.raises(Invalid) as failure:
        services.time_save(
            by=r.w.dispatcher,
            station=r.station,
            weekday=1,
            week_of_month=2,
            starts=dt.time(10),
            ends=dt.time(12),
            representative=r.deputy,
        )
    assert _code(failure) == ("slot_overlap", ["starts"])
    # Back to back is no overlap; another representative at the same time is fine.
    services.time_save(
        by=r.w.dispatcher,
        station=r.station,
        weekday=1,
        starts=dt.time(11),
        ends=dt.time(12),
        representative=r.deputy,
    )
    services.time_save(
        by=r.w.dispatcher,
        station=r.station,
        weekday=1,
        starts=dt.time(9),
        ends=dt.time(11),
        representative=r.delegate,
    )
    # Changing a row does not clash with itself.
    services.time_save(
        by=r.w.dispatcher,
        station=r.station,
        time=r.weekly,
        weekday=1,
        starts=dt.time(8, 30),
        ends=dt.time(10),
        representative=r.deputy,
    )
    assert ReceptionTime.objects.filter(station=r.station).count() == 3


def test_different_weeks_of_the_month_do_not_overlap() -> None:
    r = rf.reps()
    first = services.time_save(
        by=r.w.dispatcher,
        station=r.station,
        weekday=3,
        week_of_month=1,
        starts=dt.time(9),
        ends=dt.time(11),
        representative=r.delegate,
    )
    services.time_save(
        by=r.w.dispatcher,
        station=r.station,
        weekday=3,
        week_of_month=3,
        starts=dt.time(9),
        ends=dt.time(11),
        representative=r.delegate,
    )
    with pytest.raises(Invalid):
        services.time_save(
            by=r.w.dispatcher,
            station=r.station,
            weekday=3,
            starts=dt.time(10),
            ends=dt.time(10, 30),
            representative=r.delegate,
        )
    assert first.pk


def test_the_timetable_expands_to_the_nth_weekday_of_the_month() -> None:
    r = rf.reps()
    services.time_save(
        by=r.w.dispatcher,
        station=r.station,
        weekday=4,  # Friday
        week_of_month=1,
        starts=dt.time(15),
        ends=dt.time(17),
        representative=r.delegate,
    )
    # December 2026: Tuesdays 1, 8, 15, 22, 29; the first Friday is the 4th; January's the 1st.
    slots = timetable.upcoming_times(r.station, start=dt.date(2026, 12, 1), days=35)
    days = [(s.day.isoformat(), s.starts.hour, s.representative) for s in slots]
    assert days == [
        ("2026-12-01", 9, r.deputy),
        ("2026-12-04", 15, r.delegate),
        ("2026-12-08", 9, r.deputy),
        ("2026-12-15", 9, r.deputy),
        ("2026-12-22", 9, r.deputy),
        ("2026-12-29", 9, r.deputy),
        ("2027-01-01", 15, r.delegate),
    ]
    assert timetable.week_of_month(dt.date(2026, 12, 29)) == 5
    # December's first Monday is the 7th (still the first week), its second the 14th.
    assert [timetable.week_of_month(dt.date(2026, 12, d)) for d in (1, 7, 8, 14, 15)] == [
        1,
        1,
        2,
        2,
        3,
    ]
    monday = ReceptionTime(
        station=r.station, weekday=0, week_of_month=1, starts=dt.time(9), ends=dt.time(10)
    )
    firsts = timetable.expand([monday], start=dt.date(2026, 12, 1), days=31)
    assert [s.day.isoformat() for s in firsts] == ["2026-12-07"]
    fifth = ReceptionTime(
        station=r.station, weekday=1, week_of_month=5, starts=dt.time(9), ends=dt.time(10)
    )
    months = timetable.expand([fifth], start=dt.date(2026, 12, 1), days=120)
    assert [s.day.isoformat() for s in months] == ["2026-12-29", "2027-03-30"]


def test_a_representatives_own_times_include_the_stations_turns() -> None:
    r = rf.reps()
    services.time_save(
        by=r.w.dispatcher, station=r.station, weekday=5, starts=dt.time(9), ends=dt.time(10)
    )
    mine = timetable.upcoming_for(r.delegate, start=dt.date(2026, 12, 1), days=7)
    assert [(s.day.isoformat(), s.representative) for s in mine] == [("2026-12-05", None)]
    deputy = timetable.upcoming_for(r.deputy, start=dt.date(2026, 12, 1), days=7)
    assert [s.day.isoformat() for s in deputy] == ["2026-12-01", "2026-12-05"]


def test_only_staff_who_serve_the_place_write() -> None:
    r = rf.reps()
    # Another community's staff, a leader, the grid's worker, a representative: no.
    for who in (r.w.stranger, r.w.leader, r.w.grid_worker, r.deputy.person):
        with pytest.raises(NotAllowed) as failure:
            services.time_save(
                by=who, station=r.station, weekday=2, starts=dt.time(9), ends=dt.time(10)
            )
        assert failure.value.code == "outside_area"
        with pytest.raises(NotAllowed):
            services.station_save(
                by=who, station=r.station, node=r.station.node, kind=StationKind.HOME, name="x"
            )
        with pytest.raises(NotAllowed):
            services.representative_save(
                by=who,
                representative=r.deputy,
                person=r.deputy.person,
                body=r.deputy.body,
                level=r.deputy.level,
                node=r.deputy.node,
                station=r.station,
            )


def test_representative_validation() -> None:
    r = rf.reps()
    t = r.w.t
    with pytest.raises(Invalid) as failure:
        services.representative_save(
            by=r.w.dispatcher,
            person=r.deputy.person,
            body=Body.PEOPLES_CONGRESS,
            level=Level.BANNER,
            node=t["banner"],
            station=r.station,
        )
    assert _code(failure) == ("mandate_taken", ["person"])
    with pytest.raises(Invalid) as failure:
        services.representative_save(
            by=r.w.dispatcher,
            person=r.deputy.person,
            body=Body.PARTY_CONGRESS,
            level=Level.TOWN,
            node=t["town1"],
            constituency=[t["comm2"]],
            station=r.station,
        )
    assert _code(failure) == ("constituency_outside", ["constituency"])
    with pytest.raises(Invalid) as failure:
        services.representative_save(
            by=r.w.dispatcher,
            person=r.deputy.person,
            body="senate",
            level=Level.TOWN,
            node=t["town1"],
            station=r.station,
        )
    assert _code(failure) == ("bad_body", ["body"])
    # A deputy elected above the writer's area is kept by the staff of their station.
    city = services.representative_save(
        by=r.w.dispatcher,
        person=r.deputy.person,
        body=Body.PEOPLES_CONGRESS,
        level=Level.LEAGUE,
        node=t["league"],
        constituency=[t["town1"]],
        station=r.station,
    )
    assert city.node == t["league"]
    # Without a station the place that elected them must be the writer's.
    with pytest.raises(NotAllowed):
        services.representative_save(
            by=r.w.dispatcher,
            person=r.delegate.person,
            body=Body.PEOPLES_CONGRESS,
            level=Level.LEAGUE,
            node=t["league"],
        )


def test_station_validation() -> None:
    r = rf.reps()
    node = r.w.t["comm1"]
    cases: list[tuple[dict[str, Any], tuple[str, list[str]]]] = [
        ({"name": " "}, ("name_required", ["name"])),
        ({"name": "站", "phone": "call me"}, ("bad_phone", ["phone"])),
        ({"name": "站", "lat": 46.0}, ("half_point", ["lat"])),
        ({"name": "站", "lat": 95.0, "lon": 120.0}, ("bad_lat", ["lat"])),
        ({"name": "站" * 101}, ("too_long", ["name"])),
    ]
    for fields, expected in cases:
        with pytest.raises(Invalid) as failure:
            services.station_save(by=r.w.dispatcher, node=node, kind=StationKind.STATION, **fields)
        assert _code(failure) == expected, fields
    with pytest.raises(Invalid) as failure:
        services.station_save(by=r.w.town_staff, node=r.w.t["town1"], kind="hut", name="站")
    assert _code(failure) == ("bad_kind", ["kind"])
