"""Points from each source with their monthly caps, corrections, resolved needs, star levels,
rule changes with a rebuild (volunteers/points.py)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction

from civicgrid.core.errors import Invalid, NotAllowed
from civicgrid.needs import workflow
from civicgrid.needs.models import State
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Node, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import events, points
from civicgrid.volunteers.models import (
    Activity,
    MemberMonth,
    PointRule,
    PointSource,
    StarLevel,
    Wish,
    WishState,
)
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
MARCH = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
APRIL = dt.datetime(2026, 4, 2, 10, 0, tzinfo=SH)
D = Decimal


# --- Helpers: what the activities and wishes modules append -------------------------------------


def credit(activity: Activity, who: Person, hours: str, when: dt.datetime = MARCH) -> None:
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        events.append(locked, "credit", person=who, data=events.Credited(hours=hours), now=when)


def correct(
    activity: Activity, who: Person, hours: str, was: str, when: dt.datetime = MARCH
) -> None:
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        events.append(
            locked,
            "correct",
            person=who,
            note="记错了",
            data=events.Credited(hours=hours, was=was),
            now=when,
        )


def wish(c: vf.Crew, who: Person) -> Wish:
    return Wish.objects.create(
        community=c.w.t["comm1"],
        title="一副老花镜",
        public_name="一位老人",
        needed_by=dt.date(2026, 12, 31),
        state=WishState.FULFILLED,
        claimed_by=who,
        created_at=MARCH,
    )


def confirm(record: Wish, who: Person, when: dt.datetime = MARCH) -> None:
    with transaction.atomic():
        locked = Wish.objects.select_for_update().get(pk=record.pk)
        events.append(locked, "confirm", person=who, now=when)


def resolve(c: vf.Crew, who: Person, when: dt.datetime = MARCH) -> None:
    """A need taken by `who` and resolved by them through the needs workflow at `when`."""
    with time_machine.travel(when, tick=False):
        need = needf.raise_need(c.w)
        needf.force(need, state=State.TAKEN, assignee=who)
        workflow.need_resolve(need=need, by=By(who))


# Hours of another service, as an app above credits them (the care module's deliveries): each
# credit in its own transaction, listed for `recount` by the registered `Credits`.
SERVED: list[tuple[int, dt.datetime, Decimal]] = []


def served(person_id: int | None) -> list[tuple[int, dt.datetime, Decimal]]:
    return [row for row in SERVED if person_id is None or row[0] == person_id]


@pytest.fixture(autouse=True)
def other_service(monkeypatch: pytest.MonkeyPatch):
    SERVED.clear()
    monkeypatch.setitem(points.EXTRA_CREDITS, "tests.other_service", served)
    yield
    SERVED.clear()


def serve(who: Person, hours: str, when: dt.datetime = MARCH) -> bool:
    with transaction.atomic():
        SERVED.append((who.pk, when, D(hours)))
        return points.credit_service_hours(person_id=who.pk, when=when, hours=D(hours))


def month(who: Person, when: dt.datetime = MARCH) -> MemberMonth:
    return MemberMonth.objects.get(person=who, month=points.month_of(when))


def table() -> list[tuple[int, dt.date, int, Decimal, int, int, Decimal, Decimal]]:
    return list(
        MemberMonth.objects.order_by("person_id", "month").values_list(
            "person_id",
            "month",
            "activities",
            "hours",
            "needs_resolved",
            "wishes_fulfilled",
            "points",
            "service_hours",
        )
    )


@pytest.fixture
def c() -> vf.Crew:
    return vf.crew()


@pytest.fixture
def activity(c: vf.Crew) -> Activity:
    return vf.activity(c)


# --- The rules as data ----------------------------------------------------------------------


def rule_rows() -> tuple[list, list]:
    """The rule tables as they stand (the data migration seeds them from the defaults)."""
    return (
        list(PointRule.objects.order_by("source").values_list("source", "points", "monthly_cap")),
        list(StarLevel.objects.order_by("stars").values_list("stars", "threshold")),
    )


def test_the_installation_starts_with_the_default_rules_as_rows():
    assert {r.source: points.Rule(r.points, r.monthly_cap) for r in PointRule.objects.all()} == (
        points.DEFAULT_RULES
    )
    assert points.star_levels() == sorted(points.DEFAULT_STARS.items())


def test_defaults_apply_while_the_tables_are_empty_and_a_row_replaces_its_default():
    PointRule.objects.all().delete()
    StarLevel.objects.all().delete()
    assert points.rules() == points.DEFAULT_RULES
    assert points.star_levels() == [
        (1, D(10)),
        (2, D(30)),
        (3, D(60)),
        (4, D(100)),
        (5, D(150)),
    ]
    PointRule.objects.create(source=PointSource.RESOLVED_NEED, points=D(3), monthly_cap=None)
    current = points.rules()
    assert current[PointSource.RESOLVED_NEED] == points.Rule(D(3), None)
    assert current[PointSource.ACTIVITY_HOUR] == points.DEFAULT_RULES[PointSource.ACTIVITY_HOUR]


DEFAULTS = points.DEFAULT_RULES


@pytest.mark.parametrize(
    ("hours", "needs", "wishes", "expected"),
    [
        ("0", 0, 0, "0.00"),
        ("2.5", 0, 0, "2.50"),  # 1 point an hour
        ("40", 0, 0, "40.00"),
        ("45", 0, 0, "40.00"),  # capped at 40 a month
        ("0", 3, 0, "6.00"),  # 2 points a need
        ("0", 10, 0, "20.00"),
        ("0", 11, 0, "20.00"),  # capped at 20
        ("0", 0, 1, "5.00"),  # 5 points a wish
        ("0", 0, 4, "20.00"),
        ("0", 0, 9, "20.00"),  # capped at 20
        ("45", 11, 9, "80.00"),  # each source capped on its own
        ("-3", 0, 1, "5.00"),  # hours corrected below nothing count as nothing
    ],
)
def test_a_months_points_are_each_source_capped_and_added(hours, needs, wishes, expected):
    got = points.month_points(
        hours=D(hours), needs_resolved=needs, wishes_fulfilled=wishes, rules=DEFAULTS
    )
    assert got == D(expected)


@pytest.mark.parametrize(
    ("hours", "service_hours", "expected"),
    [
        ("3", "3", "3.00"),  # all from another service: 1 point an hour by its own rule
        ("5", "2", "5.00"),  # 3 at activities, 2 of another service
        ("45", "45", "40.00"),  # capped at 40 a month
        ("90", "45", "80.00"),  # each capped on its own
        ("1", "3", "3.00"),  # activities' hours corrected below nothing count as nothing
    ],
)
def test_hours_of_other_services_earn_points_by_their_own_rule(hours, service_hours, expected):
    got = points.month_points(
        hours=D(hours),
        needs_resolved=0,
        wishes_fulfilled=0,
        service_hours=D(service_hours),
        rules=DEFAULTS,
    )
    assert got == D(expected)


@pytest.mark.parametrize(
    ("year_points", "stars"),
    [
        ("0", 0),
        ("9.99", 0),
        ("10", 1),
        ("29.99", 1),
        ("30", 2),
        ("59", 2),
        ("60", 3),
        ("99.5", 3),
        ("100", 4),
        ("149.99", 4),
        ("150", 5),
        ("1000", 5),
    ],
)
def test_stars_come_from_the_years_points_by_thresholds(year_points, stars):
    StarLevel.objects.all().delete()
    assert points.stars_for(D(year_points)) == stars


def test_next_level_says_how_many_points_are_missing():
    levels = sorted(points.DEFAULT_STARS.items())
    assert points.next_level(D(0), levels) == (1, D(10))
    assert points.next_level(D(42), levels) == (3, D(18))
    assert points.next_level(D(150), levels) is None


def test_the_years_points_are_its_months_only(c: vf.Crew, activity: Activity):
    credit(activity, c.member, "3", MARCH)
    credit(vf.activity(c), c.member, "4", dt.datetime(2025, 12, 31, 23, 30, tzinfo=SH))
    assert points.year_points(c.member.pk, 2026) == D(3)
    assert points.year_points(c.member.pk, 2025) == D(4)


# --- Each source ----------------------------------------------------------------------------


def test_a_credit_adds_hours_an_activity_and_points_to_the_members_month(
    c: vf.Crew, activity: Activity
):
    credit(activity, c.member, "2.00")
    row = month(c.member)
    assert (row.activities, row.hours, row.points) == (1, D("2.00"), D("2.00"))
    credit(vf.activity(c), c.member, "1.50")
    row = month(c.member)
    assert (row.activities, row.hours, row.points) == (2, D("3.50"), D("3.50"))
    assert not MemberMonth.objects.filter(person=c.volunteer).exists()


def test_hours_points_stop_at_the_monthly_cap_and_start_again_next_month(c: vf.Crew):
    for _ in range(5):
        credit(vf.activity(c), c.member, "9.00")
    row = month(c.member)
    assert (row.activities, row.hours, row.points) == (5, D("45.00"), D("40.00"))
    credit(vf.activity(c), c.member, "2.00", APRIL)
    assert month(c.member, APRIL).points == D("2.00")


def test_the_local_month_counts_not_utc(c: vf.Crew, activity: Activity):
    """00:30 on 1 April in Shanghai is still 31 March in UTC: the report's month is April."""
    credit(activity, c.member, "1", dt.datetime(2026, 4, 1, 0, 30, tzinfo=SH))
    assert MemberMonth.objects.get(person=c.member).month == dt.date(2026, 4, 1)


def test_a_correction_adds_the_difference_to_the_month_of_the_credit(
    c: vf.Crew, activity: Activity
):
    credit(activity, c.member, "2.00", MARCH)
    correct(activity, c.member, "3.50", "2.00", APRIL)  # corrected in April, for March
    row = month(c.member)
    assert (row.activities, row.hours, row.points) == (1, D("3.50"), D("3.50"))
    assert not MemberMonth.objects.filter(person=c.member, month=dt.date(2026, 4, 1)).exists()
    correct(activity, c.member, "0.00", "3.50", APRIL)  # did not come after all
    row = month(c.member)
    assert (row.activities, row.hours, row.points) == (1, D("0.00"), D("0.00"))


def test_a_confirmed_wish_counts_for_its_claimer_up_to_the_cap(c: vf.Crew):
    for _ in range(5):
        confirm(wish(c, c.volunteer), c.volunteer)
    row = month(c.volunteer)
    assert (row.wishes_fulfilled, row.points) == (5, D("20.00"))


def test_other_events_of_activities_and_wishes_count_nothing(c: vf.Crew, activity: Activity):
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        events.append(locked, "sign_up", person=c.member, data=events.SignedUp())
        events.append(locked, "check_in", person=c.member, data=events.CheckedIn())
    record = wish(c, c.member)
    with transaction.atomic():
        events.append(Wish.objects.select_for_update().get(pk=record.pk), "claim", person=c.member)
    assert not MemberMonth.objects.exists()


def test_a_need_resolved_by_a_member_counts_and_by_anyone_else_does_not(c: vf.Crew):
    resolve(c, c.volunteer)  # a volunteer and a member of the team
    resolve(c, c.w.handler)  # a grid worker, not a member
    row = month(c.volunteer)
    assert (row.needs_resolved, row.points) == (1, D("2.00"))
    assert not MemberMonth.objects.filter(person=c.w.handler).exists()


def test_hours_of_another_service_count_for_a_member_in_hours_and_points(c: vf.Crew):
    assert serve(c.member, "0.75")
    assert serve(c.member, "1.25")
    row = month(c.member)
    assert (row.activities, row.hours, row.service_hours, row.points) == (
        0,
        D("2.00"),
        D("2.00"),
        D("2.00"),
    )
    credit(vf.activity(c), c.member, "39")
    row = month(c.member)  # 39 at activities (cap 40) and 2 of the other service (cap 40)
    assert (row.activities, row.hours, row.service_hours, row.points) == (
        1,
        D("41.00"),
        D("2.00"),
        D("41.00"),
    )


def test_hours_of_another_service_count_nothing_for_someone_not_a_member(c: vf.Crew):
    assert not serve(c.w.grid_worker, "2")
    assert not serve(c.member, "0")
    assert not MemberMonth.objects.exists()


def test_a_team_member_without_a_role_counts_as_a_member(c: vf.Crew):
    plain = nf.person("队员")
    Membership.objects.create(organisation=c.team.organisation, person=plain)
    resolve(c, plain)
    assert month(plain).needs_resolved == 1


def test_a_refused_or_rolled_back_event_leaves_no_points(c: vf.Crew, activity: Activity):
    with pytest.raises(RuntimeError), transaction.atomic():
        credit(activity, c.member, "2.00")
        raise RuntimeError("the recording failed later")
    assert not MemberMonth.objects.exists()


# --- Rebuilding and rule changes --------------------------------------------------------------


def some_history(c: vf.Crew) -> None:
    a1 = vf.activity(c)
    credit(a1, c.member, "30", MARCH)
    credit(vf.activity(c), c.member, "15", MARCH)
    correct(a1, c.member, "28", "30", APRIL)
    credit(vf.activity(c), c.volunteer, "2", APRIL)
    confirm(wish(c, c.volunteer), c.volunteer, APRIL)
    resolve(c, c.volunteer, APRIL)
    resolve(c, c.member, MARCH)
    serve(c.volunteer, "0.50", APRIL)
    serve(c.volunteer, "0.75", MARCH)
    serve(c.w.grid_worker, "1.00", MARCH)  # not a member: counted nowhere


def test_rebuild_equals_what_the_consumers_kept(c: vf.Crew):
    some_history(c)
    kept = table()
    assert kept
    MemberMonth.objects.all().delete()
    assert points.rebuild() == len(kept)
    assert table() == kept
    assert MemberMonth.objects.get(person=c.volunteer, month=dt.date(2026, 3, 1)).service_hours == (
        D("0.75")
    )


def test_rebuilding_one_person_leaves_the_others_alone(c: vf.Crew):
    some_history(c)
    kept = table()
    MemberMonth.objects.filter(person=c.volunteer).update(points=D(999))
    broken = table()
    points.rebuild(c.member)
    assert table() == broken  # the volunteer's rows were not touched
    points.rebuild(c.volunteer)
    assert table() == kept


def root() -> Node:
    return Node.objects.get(parent__isnull=True)


def test_a_rule_change_rebuilds_every_month_with_the_new_rule(c: vf.Crew):
    some_history(c)
    before = month(c.member).points  # 43 hours → 40 (capped) + one need 2
    assert before == D("42.00")
    boss = nf.person("盟管理员", roles=[(Role.ADMIN, root())])
    points.point_rules_update(
        by=boss, source=PointSource.ACTIVITY_HOUR, points="2", monthly_cap="100"
    )
    assert month(c.member).points == D("88.00")  # 43 × 2 + 2
    kept = table()
    MemberMonth.objects.all().delete()
    points.rebuild()
    assert table() == kept
    # New events are counted by the new rule too.
    credit(vf.activity(c), c.member, "1", MARCH)
    assert month(c.member).points == D("90.00")


@pytest.mark.parametrize("who", ["community_staff", "banner_admin", "member"])
def test_only_an_administrator_of_the_whole_network_changes_the_rules(c: vf.Crew, who: str):
    people = {
        "community_staff": c.w.dispatcher,
        "banner_admin": nf.person("旗管理员", roles=[(Role.ADMIN, c.w.t["banner"])]),
        "member": c.member,
    }
    before = rule_rows()
    with pytest.raises(NotAllowed):
        points.point_rules_update(by=people[who], source=PointSource.ACTIVITY_HOUR, points="9")
    with pytest.raises(NotAllowed):
        points.star_levels_update(by=people[who], levels={1: "1"})
    assert rule_rows() == before


@pytest.mark.parametrize(
    ("source", "each", "cap"),
    [
        ("bogus", "1", None),
        (PointSource.ACTIVITY_HOUR, "", None),
        (PointSource.ACTIVITY_HOUR, "abc", None),
        (PointSource.ACTIVITY_HOUR, "-1", None),
        (PointSource.ACTIVITY_HOUR, "NaN", None),
        (PointSource.ACTIVITY_HOUR, "1", "-5"),
        (PointSource.ACTIVITY_HOUR, "1e9", None),
    ],
)
def test_a_bad_rule_is_refused_with_what_to_fix(c: vf.Crew, source, each, cap):
    boss = nf.person("盟管理员", roles=[(Role.ADMIN, root())])
    before = rule_rows()
    with pytest.raises(Invalid) as refused:
        points.point_rules_update(by=boss, source=source, points=each, monthly_cap=cap)
    assert refused.value.message
    assert rule_rows() == before


def test_star_levels_are_replaced_and_must_rise(c: vf.Crew):
    boss = nf.person("盟管理员", roles=[(Role.ADMIN, root())])
    with pytest.raises(Invalid):
        points.star_levels_update(by=boss, levels={1: "20", 2: "20"})
    with pytest.raises(Invalid):
        points.star_levels_update(by=boss, levels={})
    points.star_levels_update(by=boss, levels={1: "5", 2: "50", 3: "500"})
    assert points.star_levels() == [(1, D(5)), (2, D(50)), (3, D(500))]
    assert points.stars_for(D(60)) == 2


def test_a_superuser_may_change_the_rules(c: vf.Crew):
    su = Person.objects.create_superuser("13800000009", "超级", "pass-12345")
    rule = points.point_rules_update(
        by=su, source=PointSource.FULFILLED_WISH, points="4.5", monthly_cap=""
    )
    assert (rule.points, rule.monthly_cap) == (D("4.50"), None)


def test_the_consumers_are_subscribed_by_the_app():
    from civicgrid.needs import events as need_events

    assert (points.on_need_resolved, "transaction") in need_events._handlers["resolve"]
    for kind in points.VOLUNTEER_KINDS:
        assert (points.on_volunteer_event, "transaction") in events._handlers[kind]


def test_a_credit_with_unreadable_hours_counts_the_activity_but_no_hours(
    c: vf.Crew, activity: Activity
):
    credit(activity, c.member, "lots")
    row = month(c.member)
    assert (row.activities, row.hours) == (1, D(0))


def test_the_rebuild_command(c: vf.Crew):
    from io import StringIO

    from django.core.management import CommandError, call_command

    some_history(c)
    kept = table()
    MemberMonth.objects.all().delete()
    out = StringIO()
    call_command("rebuild_points", stdout=out)
    assert table() == kept
    assert str(len(kept)) in out.getvalue()
    MemberMonth.objects.filter(person=c.member).delete()
    call_command("rebuild_points", person=c.member.pk, stdout=out)
    assert table() == kept
    with pytest.raises(CommandError):
        call_command("rebuild_points", person=999999, stdout=out)
