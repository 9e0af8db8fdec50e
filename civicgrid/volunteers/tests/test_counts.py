"""The figures of people who serve (counts.py): each figure, the period's edges, the subtree's
limits (another town's records are not counted) and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest

from civicgrid.network.models import Organisation, OrgKind, Person
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers.counts import (
    VolunteerFigures,
    format_hours,
    missed_teams,
    volunteer_figures,
    volunteer_months,
)
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Registration,
    RegistrationState,
    SignUp,
    SignUpState,
    Team,
    TeamKind,
    TeamMonth,
    Theme,
    Wish,
    WishState,
)
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOV = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def at(day: int, hour: int = 9, month: int = 11, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def c() -> vf.Crew:
    return vf.crew()


def held(c: vf.Crew, start: dt.datetime, **overrides: Any) -> Activity:
    fields: dict[str, Any] = {
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "state": ActivityState.RECORDED,
    }
    fields.update(overrides)
    return vf.activity(c, **fields)


def sign_up(
    activity: Activity, person: Person, *, checked_in: bool = True, hours: str = "2"
) -> SignUp:
    return SignUp.objects.create(
        activity=activity,
        person=person,
        state=SignUpState.CONFIRMED,
        created_at=activity.starts_at - dt.timedelta(days=1),
        checked_in_at=activity.starts_at if checked_in else None,
        hours=Decimal(hours) if checked_in else Decimal(0),
    )


def wish(c: vf.Crew, created: dt.datetime, community: str = "comm1", **fields: Any) -> Wish:
    return Wish.objects.create(
        community=c.w.t[community],
        title="一台收音机",
        public_name="一位老人",
        needed_by=dt.date(2026, 12, 31),
        created_at=created,
        **fields,
    )


def figures(c: vf.Crew, node: str = "town1", period: tuple[dt.date, dt.date] = NOV):
    return volunteer_figures(paths=[c.w.t[node].path], start=period[0], end=period[1])


# --- Activities, participants, hours --------------------------------------------------------


def test_activities_held_count_with_their_checked_in_people_and_hours(c):
    one = held(c, at(3))
    sign_up(one, c.member, hours="2")
    sign_up(one, c.volunteer, hours="1.5")
    sign_up(one, c.leader, checked_in=False)  # signed up, never came
    two = held(c, at(20), state=ActivityState.HELD, node=c.w.t["gridA"])  # deeper in the town
    sign_up(two, c.member, hours="0.25")
    assert figures(c) == VolunteerFigures(
        activities=2, participants=3, hours=Decimal("3.75"), members=0
    )


@pytest.mark.parametrize(
    ("state", "counted"),
    [
        (ActivityState.PLANNED, False),
        (ActivityState.OPEN, False),
        (ActivityState.HELD, True),
        (ActivityState.RECORDED, True),
        (ActivityState.CANCELLED, False),
    ],
)
def test_only_activities_held_or_recorded_count(c, state, counted):
    activity = held(c, at(10), state=state)
    sign_up(activity, c.member)
    f = figures(c)
    assert (f.activities, f.participants, f.hours) == (
        (1, 1, Decimal(2)) if counted else (0, 0, Decimal(0))
    )


@pytest.mark.parametrize(
    ("start", "counted"),
    [
        (dt.datetime(2026, 10, 31, 23, 59, tzinfo=SH), False),  # the evening before
        (dt.datetime(2026, 11, 1, 0, 0, tzinfo=SH), True),  # the first minute
        (dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC), True),  # the same, written in UTC
        (dt.datetime(2026, 11, 30, 23, 59, tzinfo=SH), True),  # the last minute
        (dt.datetime(2026, 12, 1, 0, 0, tzinfo=SH), False),  # the next month
    ],
)
def test_the_period_is_local_days_both_ends_included(c, start, counted):
    sign_up(held(c, start), c.member)
    assert figures(c).activities == int(counted)
    assert figures(c).participants == int(counted)


def test_another_towns_activities_are_not_counted(c):
    sign_up(held(c, at(5), node=c.w.t["comm2"]), c.other_member)
    assert figures(c, "town1") == VolunteerFigures()
    assert figures(c, "town2").activities == 1
    assert figures(c, "banner").participants == 1
    # Several areas at once: both towns.
    sign_up(held(c, at(6)), c.member)
    both = volunteer_figures(
        paths=[c.w.t["town1"].path, c.w.t["town2"].path], start=NOV[0], end=NOV[1]
    )
    assert (both.activities, both.participants) == (2, 2)


def test_no_area_counts_nothing(c):
    sign_up(held(c, at(5)), c.member)
    assert volunteer_figures(paths=[], start=NOV[0], end=NOV[1]) == VolunteerFigures()


# --- Micro-wishes ---------------------------------------------------------------------------


def test_wishes_are_counted_when_posted_claimed_and_confirmed_each_in_its_month(c):
    # Posted in October, claimed in November, confirmed in December.
    wish(
        c,
        at(20, month=10),
        state=WishState.CONFIRMED,
        claimed_by=c.member,
        claimed_at=at(2),
        fulfilled_at=at(1, month=12),
        confirmed_at=at(2, month=12),
    )
    # Posted, claimed and confirmed in November.
    wish(
        c,
        at(3),
        state=WishState.CONFIRMED,
        claimed_by=c.volunteer,
        claimed_at=at(4),
        fulfilled_at=at(5),
        confirmed_at=at(6),
    )
    # Posted in November, fulfilled but not confirmed yet: not "fulfilled" in the figures.
    wish(
        c,
        at(7),
        state=WishState.FULFILLED,
        claimed_by=c.member,
        claimed_at=at(8),
        fulfilled_at=at(9),
    )
    wish(c, at(10))  # posted, waiting
    wish(c, at(11), community="comm2")  # another town
    f = figures(c)
    assert (f.wishes_posted, f.wishes_claimed, f.wishes_fulfilled) == (3, 3, 1)
    october = figures(c, period=(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    assert (october.wishes_posted, october.wishes_claimed, october.wishes_fulfilled) == (1, 0, 0)
    december = figures(c, period=(dt.date(2026, 12, 1), dt.date(2026, 12, 31)))
    assert (december.wishes_posted, december.wishes_claimed, december.wishes_fulfilled) == (0, 0, 1)
    assert figures(c, "town2").wishes_posted == 1


# --- Registered members and units, as of the period's end ---------------------------------


def register(
    c: vf.Crew,
    *,
    person: Person | None = None,
    unit: Organisation | None = None,
    community: str = "comm1",
    state: str = RegistrationState.APPROVED,
    decided: dt.datetime | None = None,
    ended: dt.datetime | None = None,
) -> Registration:
    return Registration.objects.create(
        person=person,
        unit=unit,
        community=c.w.t[community],
        state=state,
        decided_at=decided,
        ended_at=ended,
        created_at=(decided or at(1, month=1)) - dt.timedelta(days=1),
    )


def test_members_and_units_registered_at_the_end_of_the_period(c):
    register(c, person=c.member, decided=at(1, month=6))
    register(c, person=c.volunteer, decided=at(30, hour=23, minute=59))  # the last minute
    register(c, person=c.leader, decided=at(1, hour=0, month=12))  # after the period
    moved = nf.person("搬走的党员")
    register(c, person=moved, state=RegistrationState.ENDED, decided=at(1, month=3), ended=at(15))
    left_later = nf.person("后来搬走的党员")
    register(
        c,
        person=left_later,
        state=RegistrationState.ENDED,
        decided=at(1, month=3),
        ended=at(5, month=12),
    )
    register(c, person=nf.person("等待的"), state=RegistrationState.REQUESTED)
    register(c, person=nf.person("没通过的"), state=RegistrationState.REJECTED, decided=at(2))
    register(c, person=c.other_member, community="comm2", decided=at(2))  # another town
    unit = Organisation.objects.create(name="旗医院", kind=OrgKind.MEMBER_UNIT, node=c.w.t["town1"])
    # A unit paired with two communities of the town counts once for the town.
    register(c, unit=unit, decided=at(3))
    comm3 = nf.node(c.w.t["comm1"].kind, c.w.t["town1"], name="三社区")
    c.w.t["comm3"] = comm3
    register(c, unit=unit, community="comm3", decided=at(3))
    f = figures(c)
    assert (f.members, f.units) == (3, 1)  # member, volunteer, left_later
    assert figures(c, "comm3").units == 1
    assert figures(c, "town2").members == 1
    october = figures(c, period=(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    assert (october.members, october.units) == (3, 0)  # member, moved, left_later


# --- Months and queries ---------------------------------------------------------------------


def test_the_months_of_a_year_equal_each_months_figures(c):
    sign_up(held(c, at(3, month=2)), c.member)
    sign_up(held(c, at(28, month=2, hour=23)), c.volunteer, hours="3")
    sign_up(held(c, at(1, month=3, hour=0)), c.member)
    sign_up(held(c, at(31, month=12, hour=23)), c.member)
    wish(c, at(5, month=3))
    register(c, person=c.member, decided=at(10, month=2))
    months = volunteer_months(paths=[c.w.t["town1"].path], year=2026)
    assert [start for start, _f in months] == [dt.date(2026, m, 1) for m in range(1, 13)]
    for start, f in months:
        end = dt.date(2026 + start.month // 12, start.month % 12 + 1, 1) - dt.timedelta(days=1)
        assert f == figures(c, period=(start, end)), start
    assert [f.activities for _s, f in months] == [0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert months[1][1].hours == Decimal(5)
    assert [f.members for _s, f in months] == [0] + [1] * 11


def test_figures_cost_three_queries_however_many_records_and_months(
    c, django_assert_max_num_queries
):
    for day in range(1, 11):
        activity = held(c, at(day))
        sign_up(activity, c.member)
        sign_up(activity, c.volunteer)
        wish(c, at(day))
    paths = [c.w.t["town1"].path]
    with django_assert_max_num_queries(3):
        f = volunteer_figures(paths=paths, start=NOV[0], end=NOV[1])
    assert (f.activities, f.participants, f.wishes_posted) == (10, 20, 10)
    with django_assert_max_num_queries(3):
        months = volunteer_months(paths=paths, year=2026)
    assert months[10][1] == f


def test_a_period_ending_before_it_starts_is_refused(c):
    with pytest.raises(ValueError, match="ends before"):
        volunteer_figures(paths=[c.w.t["town1"].path], start=NOV[1], end=NOV[0])


@pytest.mark.parametrize(
    ("hours", "text"),
    [("0", "0"), ("12.00", "12"), ("12.50", "12.5"), ("0.25", "0.25"), ("100", "100")],
)
def test_hours_are_written_without_trailing_zeros(hours, text):
    assert format_hours(Decimal(hours)) == text


# --- Teams that missed their monthly rule ---------------------------------------------------


def test_missed_teams_of_the_area_for_a_month(c):
    other_org = Organisation.objects.create(
        name="二社区服务队", kind=OrgKind.TEAM, node=c.w.t["comm2"]
    )
    other = Team.objects.create(organisation=other_org, kind=TeamKind.PARTY, theme=Theme.VISITS)
    kept_org = Organisation.objects.create(name="守规队", kind=OrgKind.TEAM, node=c.w.t["comm1"])
    kept = Team.objects.create(organisation=kept_org, kind=TeamKind.PARTY, theme=Theme.VISITS)
    october = dt.date(2026, 10, 1)
    TeamMonth.objects.create(team=c.team, month=october, required=1, held=0, missed=True)
    TeamMonth.objects.create(team=kept, month=october, required=1, held=2, missed=False)
    TeamMonth.objects.create(team=other, month=october, required=1, held=0, missed=True)
    TeamMonth.objects.create(team=kept, month=dt.date(2026, 9, 1), required=1, missed=True)
    town1 = [c.w.t["town1"].path]
    assert missed_teams(paths=town1, month=dt.date(2026, 10, 17)) == ["帮帮团"]
    assert missed_teams(paths=town1, month=dt.date(2026, 9, 1)) == ["守规队"]
    assert missed_teams(paths=[c.w.t["town2"].path], month=october) == ["二社区服务队"]
    assert missed_teams(paths=[], month=october) == []
