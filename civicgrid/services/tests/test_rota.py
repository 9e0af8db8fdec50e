"""The duty rota: the weekly pattern, people away, covers, closed days, when someone is back,
the week's rows, and the services' refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import rota
from civicgrid.services.models import DutyShift, Station

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 1, 7)
TUESDAY = MONDAY + dt.timedelta(days=1)
# Before the days used, so that exceptions on them are not in the past.
NOW = timezone.make_aware(dt.datetime(2030, 1, 1, 9, 0))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


@pytest.fixture
def desk():
    """一社区's station: 王芳 (staff) Monday 8:30–12:00, 乌日娜 (grid worker of grid A) Monday
    8:30–12:00 and 14:30–17:30; Tuesday nobody."""
    w = needf.world()
    wang = nf.person("王芳", roles=[(Role.COMMUNITY_STAFF, w.t["comm1"])])
    urna = nf.person("乌日娜", roles=[(Role.GRID_WORKER, w.t["gridA"])])
    with time_machine.travel(NOW, tick=False):
        station = rota.station_set(
            node=w.t["comm1"], phone="0482-8212345", route_to_duty=True, by=w.dispatcher
        )
        rota.shift_add(
            station=station, person=wang, weekday=0, starts=t(8, 30), ends=t(12), by=w.dispatcher
        )
        rota.shift_add(
            station=station, person=urna, weekday=0, starts=t(8, 30), ends=t(12), by=w.dispatcher
        )
        rota.shift_add(
            station=station,
            person=urna,
            weekday=0,
            starts=t(14, 30),
            ends=t(17, 30),
            by=w.dispatcher,
        )
    return w, station, wang, urna


def names(people) -> list[str]:
    return [p.name for p in people]


def test_the_pattern_says_who_sits_on_a_weekday_at_a_time(desk):
    _w, station, _wang, _urna = desk
    assert names(rota.on_duty(station, at(MONDAY, 9))) == ["乌日娜", "王芳"]
    assert names(rota.on_duty(station, at(MONDAY, 15))) == ["乌日娜"]
    assert rota.on_duty(station, at(MONDAY, 12)) == []  # until, not including
    assert rota.on_duty(station, at(MONDAY, 8, 29)) == []
    assert rota.on_duty(station, at(TUESDAY, 9)) == []
    assert names(rota.on_duty(station, at(MONDAY + dt.timedelta(days=7), 9))) == ["乌日娜", "王芳"]


def test_someone_away_does_not_sit_that_day_only(desk):
    w, station, wang, _urna = desk
    with time_machine.travel(NOW, tick=False):
        rota.change_add(station=station, day=MONDAY, kind="absent", person=wang, by=w.dispatcher)
    assert names(rota.on_duty(station, at(MONDAY, 9))) == ["乌日娜"]
    assert names(rota.on_duty(station, at(MONDAY + dt.timedelta(days=7), 9))) == ["乌日娜", "王芳"]


def test_away_for_part_of_the_day(desk):
    w, station, _wang, urna = desk
    with time_machine.travel(NOW, tick=False):
        rota.change_add(
            station=station,
            day=MONDAY,
            kind="absent",
            person=urna,
            starts=t(14, 30),
            ends=t(16),
            by=w.dispatcher,
        )
    assert "乌日娜" in names(rota.on_duty(station, at(MONDAY, 9)))
    assert rota.on_duty(station, at(MONDAY, 15)) == []
    assert names(rota.on_duty(station, at(MONDAY, 16))) == ["乌日娜"]


def test_a_cover_sits_on_a_day_without_a_pattern(desk):
    w, station, _wang, _urna = desk
    with time_machine.travel(NOW, tick=False):
        rota.change_add(
            station=station,
            day=TUESDAY,
            kind="cover",
            person=w.grid_worker,
            starts=t(9),
            ends=t(11),
            by=w.dispatcher,
        )
    assert names(rota.on_duty(station, at(TUESDAY, 10))) == ["A网格员"]
    assert rota.on_duty(station, at(TUESDAY, 11)) == []


def test_nobody_sits_on_a_closed_day(desk):
    w, station, _wang, _urna = desk
    with time_machine.travel(NOW, tick=False):
        rota.change_add(station=station, day=MONDAY, kind="closed", by=w.dispatcher)
    assert rota.on_duty(station, at(MONDAY, 9)) == []
    assert rota.on_duty(station, at(MONDAY, 15)) == []


def test_on_duty_many_reads_several_stations_in_two_queries(desk, django_assert_num_queries):
    w, station, _wang, _urna = desk
    other = rota.station_set(node=w.t["gridA"], phone="12345", route_to_duty=False, by=w.dispatcher)
    with django_assert_num_queries(2):
        found = rota.on_duty_many([station, other], at(MONDAY, 9))
    assert names(found[station.pk]) == ["乌日娜", "王芳"]
    assert found[other.pk] == []


def test_next_duty_says_when_someone_is_back(desk):
    w, station, wang, urna = desk
    assert rota.next_duty(station, at(MONDAY, 9)) == at(MONDAY, 9)  # someone is there now
    assert rota.next_duty(station, at(MONDAY, 12, 30)) == at(MONDAY, 14, 30)
    next_monday = MONDAY + dt.timedelta(days=7)
    assert rota.next_duty(station, at(MONDAY, 18)) == at(next_monday, 8, 30)
    with time_machine.travel(NOW, tick=False):
        rota.change_add(station=station, day=next_monday, kind="closed", by=w.dispatcher)
        rota.change_add(
            station=station,
            day=TUESDAY,
            kind="cover",
            person=wang,
            starts=t(19),
            ends=t(21),
            by=w.dispatcher,
        )
    assert rota.next_duty(station, at(MONDAY, 18)) == at(TUESDAY, 19)
    assert rota.next_duty(station, at(TUESDAY, 21)) == at(next_monday + dt.timedelta(days=7), 8, 30)
    # Away until 10: back when the absence ends.
    with time_machine.travel(NOW, tick=False):
        rota.change_add(
            station=station,
            day=MONDAY,
            kind="absent",
            person=urna,
            starts=t(8, 30),
            ends=t(10),
            by=w.dispatcher,
        )
        rota.change_add(
            station=station,
            day=MONDAY,
            kind="absent",
            person=wang,
            by=w.dispatcher,
        )
    assert rota.next_duty(station, at(MONDAY, 8)) == at(MONDAY, 10)


def test_next_duty_is_none_when_nobody_sits_for_two_weeks(desk):
    w, _station, _wang, _urna = desk
    empty = rota.station_set(node=w.t["gridA"], phone="", route_to_duty=False, by=w.dispatcher)
    assert rota.next_duty(empty, at(MONDAY, 9)) is None


def test_the_week_rows_show_the_pattern_with_its_changes(desk):
    w, station, wang, _urna = desk
    with time_machine.travel(NOW, tick=False):
        rota.change_add(station=station, day=MONDAY, kind="absent", person=wang, by=w.dispatcher)
        rota.change_add(
            station=station,
            day=TUESDAY,
            kind="cover",
            person=wang,
            starts=t(9),
            ends=t(11),
            by=w.dispatcher,
        )
        rota.change_add(
            station=station, day=MONDAY + dt.timedelta(days=2), kind="closed", by=w.dispatcher
        )
    rows = rota.week_rows(station, MONDAY)
    assert [r.day for r in rows] == [MONDAY + dt.timedelta(days=i) for i in range(7)]
    monday, tuesday, wednesday = rows[0], rows[1], rows[2]
    assert [(e.name, e.away) for e in monday.entries] == [
        ("乌日娜", False),
        ("王芳", True),
        ("乌日娜", False),
    ]
    assert [e.name for e in monday.sitting] == ["乌日娜", "乌日娜"]
    assert [(e.name, e.kind, e.starts) for e in tuesday.entries] == [("王芳", "cover", t(9))]
    assert wednesday.closed and wednesday.sitting == []
    assert monday.label == str(rota.WEEKDAYS[0])


def test_duty_hours_merge_overlapping_shifts(desk):
    _w, station, _wang, _urna = desk
    hours = [spans for _label, spans in rota.duty_hours(station)]
    assert hours[0] == [(t(8, 30), t(12)), (t(14, 30), t(17, 30))]
    assert hours[1:] == [[]] * 6


# --- Refusals -----------------------------------------------------------------------------------


def test_staff_of_another_area_may_not_change_the_rota(desk):
    w, station, wang, _urna = desk
    with pytest.raises(NotAllowed):
        rota.station_set(node=w.t["comm1"], phone="", route_to_duty=False, by=w.stranger)
    with pytest.raises(NotAllowed):
        rota.shift_add(
            station=station, person=wang, weekday=1, starts=t(9), ends=t(10), by=w.stranger
        )
    with pytest.raises(NotAllowed):
        rota.shift_add(
            station=station, person=wang, weekday=1, starts=t(9), ends=t(10), by=w.leader
        )
    shift = DutyShift.objects.filter(station=station).first()
    with pytest.raises(NotAllowed):
        rota.shift_remove(shift=shift, by=w.stranger)
    assert DutyShift.objects.filter(pk=shift.pk).exists()


@pytest.mark.parametrize(
    ("weekday", "starts", "ends", "code"),
    [
        (7, t(9), t(10), "validation"),
        (-1, t(9), t(10), "validation"),
        (1, t(10), t(9), "validation"),
        (1, t(9), t(9), "validation"),
        (1, None, t(9), "validation"),
        (0, t(11), t(13), "overlap"),
    ],
)
def test_a_shift_with_wrong_hours_or_weekday_is_refused(desk, weekday, starts, ends, code):
    w, station, wang, _urna = desk
    with pytest.raises(Invalid) as refused:
        rota.shift_add(
            station=station, person=wang, weekday=weekday, starts=starts, ends=ends, by=w.dispatcher
        )
    assert refused.value.code == code
    assert refused.value.message


def test_a_person_who_is_not_staff_of_the_area_cannot_sit(desk):
    w, station, _wang, _urna = desk
    for outsider in (w.stranger, w.leader, w.unit_member, w.town_staff):
        with pytest.raises(Invalid) as refused:
            rota.shift_add(
                station=station,
                person=outsider,
                weekday=2,
                starts=t(9),
                ends=t(10),
                by=w.dispatcher,
            )
        assert refused.value.code == "not_eligible"
        assert outsider.name in refused.value.message
    with time_machine.travel(NOW, tick=False), pytest.raises(Invalid):
        rota.change_add(
            station=station,
            day=TUESDAY,
            kind="cover",
            person=w.stranger,
            starts=t(9),
            ends=t(10),
            by=w.dispatcher,
        )
    assert [name for _pk, name in rota.eligible_people(station)] == sorted(
        ["A网格员", "B网格员", "处理人", "社区干部", "王芳", "乌日娜"]
    )


def test_changes_are_checked(desk):
    w, station, wang, _urna = desk
    cases = [
        {"day": MONDAY, "kind": "holiday"},
        {"day": None, "kind": "closed"},
        {"day": dt.date(2029, 12, 31), "kind": "closed"},  # before NOW
        {"day": MONDAY, "kind": "closed", "person": wang},
        {"day": MONDAY, "kind": "cover", "person": wang},  # no hours
        {"day": MONDAY, "kind": "absent"},  # nobody named
        {"day": TUESDAY, "kind": "absent", "person": wang},  # does not sit on Tuesdays
        {"day": MONDAY, "kind": "closed", "starts": t(9)},  # one time only
        {"day": MONDAY, "kind": "closed", "starts": t(10), "ends": t(9)},
    ]
    with time_machine.travel(NOW, tick=False):
        for case in cases:
            with pytest.raises(Invalid) as refused:
                rota.change_add(station=station, by=w.dispatcher, **case)
            assert refused.value.message, case
        with pytest.raises(NotAllowed):
            rota.change_add(station=station, day=MONDAY, kind="closed", by=w.stranger)
        change = rota.change_add(station=station, day=MONDAY, kind="closed", by=w.dispatcher)
        with pytest.raises(NotAllowed):
            rota.change_remove(change=change, by=w.stranger)
        rota.change_remove(change=change, by=w.dispatcher)
    assert not station.changes.exists()


def test_the_station_phone_is_checked(desk):
    w, _station, _wang, _urna = desk
    with pytest.raises(Invalid) as refused:
        rota.station_set(node=w.t["comm1"], phone="call 王芳", route_to_duty=False, by=w.dispatcher)
    assert refused.value.details["fields"]["phone"]
    with pytest.raises(Invalid):
        rota.station_set(node=w.t["comm1"], phone="", route_to_duty=True, by=w.dispatcher)
    station = rota.station_set(
        node=w.t["comm1"], phone=" 0482 8212345 ", route_to_duty=False, by=w.dispatcher
    )
    assert station.phone == "04828212345"
    assert Station.objects.count() == 1 and not station.route_to_duty
