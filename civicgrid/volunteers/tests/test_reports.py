"""Members' reports (双报告) and the leaderboard: rows per member of a place, the workbook, the
console pages and who may read them (volunteers/reports.py, views/members.py)."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civicgrid.core.errors import Invalid
from civicgrid.needs import workflow
from civicgrid.needs.models import State
from civicgrid.needs.tests import factories as needf
from civicgrid.needs.workflow import By
from civicgrid.network.models import Membership, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import events, reports
from civicgrid.volunteers.models import (
    Activity,
    MemberMonth,
    Registration,
    RegistrationState,
    Wish,
    WishState,
)
from civicgrid.volunteers.reports import Period
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The messages and headings asserted here are the English source strings."""
    with translation.override("en"):
        yield


SH = zoneinfo.ZoneInfo("Asia/Shanghai")
MARCH = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
APRIL = dt.datetime(2026, 4, 2, 10, 0, tzinfo=SH)
D = Decimal
PARTY_ORG = "旗税务局机关党支部"


def credit(c: vf.Crew, who: Person, hours: str, when: dt.datetime) -> None:
    activity = vf.activity(c)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        events.append(locked, "credit", person=who, data=events.Credited(hours=hours), now=when)


def confirm_wish(c: vf.Crew, who: Person, when: dt.datetime) -> None:
    wish = Wish.objects.create(
        community=c.w.t["comm1"],
        title="书包",
        public_name="一位学生",
        needed_by=dt.date(2026, 9, 1),
        state=WishState.FULFILLED,
        claimed_by=who,
        created_at=when,
    )
    with transaction.atomic():
        events.append(
            Wish.objects.select_for_update().get(pk=wish.pk), "confirm", person=who, now=when
        )


def take_and_resolve(c: vf.Crew, who: Person, when: dt.datetime, *, resolve: bool = True) -> None:
    with time_machine.travel(when, tick=False):
        need = needf.raise_need(c.w)
        needf.force(need, state=State.DISPATCHED, assignee=who)
        workflow.need_take(need=need, by=By(who))
        if resolve:
            workflow.need_resolve(need=need, by=By(who))


def register(who: Person, community, party_org: str = PARTY_ORG) -> Registration:
    return Registration.objects.create(
        person=who,
        community=community,
        party_org_name=party_org,
        state=RegistrationState.APPROVED,
        created_at=timezone.now(),
    )


@pytest.fixture
def c() -> vf.Crew:
    crew = vf.crew()
    register(crew.member, crew.w.t["comm1"])
    credit(crew, crew.member, "12", MARCH)
    credit(crew, crew.member, "20", APRIL)
    take_and_resolve(crew, crew.member, MARCH)
    take_and_resolve(crew, crew.member, MARCH, resolve=False)
    confirm_wish(crew, crew.volunteer, MARCH)
    credit(crew, crew.other_member, "50", MARCH)
    return crew


def row_of(rows: list[reports.ReportRow], who: Person) -> reports.ReportRow:
    return next(r for r in rows if r.person_id == who.pk)


# --- Periods ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "period"),
    [
        ("2026-03", Period(2026, 3)),
        ("2026-3", Period(2026, 3)),
        (" 2026 ", Period(2026)),
        ("2026-12", Period(2026, 12)),
    ],
)
def test_a_period_is_a_month_or_a_year(raw, period):
    assert reports.parse_period(raw) == period


@pytest.mark.parametrize("raw", ["2026-13", "2026-0", "26", "abc", "2026-03-01", "1999", "9999"])
def test_a_period_that_does_not_parse_says_what_to_write(raw):
    with pytest.raises(Invalid) as refused:
        reports.parse_period(raw)
    assert "2026-03" in refused.value.message


def test_an_empty_period_is_this_month_and_periods_step():
    today = timezone.localdate()
    assert reports.parse_period("") == Period(today.year, today.month)
    assert Period(2026, 1).previous() == Period(2025, 12)
    assert Period(2026, 12).next() == Period(2027, 1)
    assert Period(2026).next() == Period(2027)
    assert (Period(2026, 12).start, Period(2026, 12).end) == (
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
    )


# --- Rows ---------------------------------------------------------------------------------------


def test_a_communitys_rows_are_its_registered_members_and_role_holders(c: vf.Crew):
    rows = reports.community_report(c.w.t["comm1"], Period(2026, 3))
    names = [r.name for r in rows]
    # The registered member, and the volunteers of comm1 by role (the team leader too).
    assert set(names) == {c.member.name, c.volunteer.name, c.leader.name}
    assert names == sorted(names)
    assert c.other_member.name not in names  # comm2's


def test_a_members_month_row(c: vf.Crew):
    row = row_of(reports.community_report(c.w.t["comm1"], Period(2026, 3)), c.member)
    assert (row.party_org, row.activities, row.hours) == (PARTY_ORG, 1, D("12.00"))
    assert (row.needs_taken, row.needs_resolved, row.wishes_fulfilled) == (2, 1, 0)
    assert row.points == D("14.00")  # 12 hours + one resolved need
    assert row.stars == 1  # 14 points by the end of March
    volunteer = row_of(reports.community_report(c.w.t["comm1"], Period(2026, 3)), c.volunteer)
    assert (volunteer.wishes_fulfilled, volunteer.points, volunteer.party_org) == (1, D(5), "")


def test_a_members_year_row_adds_the_months_and_holds_the_years_stars(c: vf.Crew):
    row = row_of(reports.community_report(c.w.t["comm1"], Period(2026)), c.member)
    assert (row.activities, row.hours, row.needs_taken) == (2, D("32.00"), 2)
    assert (row.points, row.stars) == (D("34.00"), 2)
    april = row_of(reports.community_report(c.w.t["comm1"], Period(2026, 4)), c.member)
    assert (april.activities, april.hours, april.needs_taken, april.stars) == (1, D(20), 0, 2)
    assert row_of(reports.community_report(c.w.t["comm1"], Period(2025)), c.member).points == 0


def test_a_town_report_holds_its_communities_members(c: vf.Crew):
    names = {r.name for r in reports.community_report(c.w.t["town1"], Period(2026, 3))}
    assert c.member.name in names
    assert c.other_member.name not in names
    assert {r.name for r in reports.community_report(c.w.t["comm2"], Period(2026, 3))} == {
        c.other_member.name
    }


def test_a_member_registered_elsewhere_appears_once_with_the_registrations_party_org(
    c: vf.Crew,
):
    """The member holds the party member role at comm1 and the registration there: one row."""
    rows = reports.community_report(c.w.t["comm1"], Period(2026, 3))
    assert [r.name for r in rows].count(c.member.name) == 1


def test_the_members_own_report(c: vf.Crew):
    row = reports.member_report(c.member, Period(2026, 3))
    assert (row.name, row.party_org, row.hours, row.points) == (
        c.member.name,
        PARTY_ORG,
        D("12.00"),
        D("14.00"),
    )


def test_totals_add_up_the_rows(c: vf.Crew):
    rows = reports.community_report(c.w.t["comm1"], Period(2026, 3))
    total = reports.totals(rows)
    assert (total.hours, total.points, total.wishes_fulfilled) == (D(12), D(19), 1)


# --- The workbook -------------------------------------------------------------------------------


def test_the_workbook_has_a_row_per_member_with_numbers_as_numbers(c: vf.Crew):
    c.volunteer.name = "=HYPERLINK(1)"
    c.volunteer.save()
    period = Period(2026, 3)
    rows = reports.community_report(c.w.t["comm1"], period)
    book = openpyxl.load_workbook(io.BytesIO(reports.workbook(c.w.t["comm1"], period, rows)))
    sheet = book.active
    assert c.w.t["comm1"].name in sheet["A1"].value and "2026-03" in sheet["A1"].value
    assert [cell.value for cell in sheet[2]] == [
        "Name",
        "Own party organisation",
        "Activities attended",
        "Hours",
        "Needs taken",
        "Needs resolved",
        "Wishes fulfilled",
        "Points",
        "Stars",
    ]
    body = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert body[c.member.name] == (c.member.name, PARTY_ORG, 1, 12, 2, 1, 0, 14, 1)
    # Text stays text: a name that looks like a formula is a string cell.
    cell = next(row[0] for row in sheet.iter_rows(min_row=3) if row[0].value == "=HYPERLINK(1)")
    assert cell.data_type == "s"
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert last[0] == "Total" and last[3] == 12 and last[7] == 19 and last[8] is None
    assert sheet.max_row == 2 + len(rows) + 1


# --- The leaderboard -------------------------------------------------------------------------


def test_the_leaderboard_orders_by_the_years_points_and_shares_ranks(c: vf.Crew):
    credit(c, c.leader, "29", MARCH)  # 29 + 5 more in April below = 34, the member's
    credit(c, c.leader, "5", APRIL)
    places = reports.leaderboard(c.w.t["comm1"], 2026)
    assert [(p.rank, p.points) for p in places] == [(1, D(34)), (1, D(34)), (3, D(5))]
    assert {places[0].name, places[1].name} == {c.member.name, c.leader.name}
    assert places[2].name == c.volunteer.name
    assert [p.stars for p in places] == [2, 2, 0]
    assert reports.leaderboard(c.w.t["comm1"], 2025) == []  # nobody with points is left out
    assert len(reports.leaderboard(c.w.t["comm1"], 2026, limit=1)) == 1


# --- The console pages ---------------------------------------------------------------------


def test_community_staff_read_their_communitys_report_and_workbook(client: Client, c: vf.Crew):
    client.force_login(c.w.dispatcher)
    url = reverse("volunteers:reports")
    page = client.get(url, {"node": str(c.w.t["comm1"].pk), "period": "2026-03"})
    assert page.status_code == 200
    text = page.content.decode()
    assert c.member.name in text and PARTY_ORG in text
    assert c.other_member.name not in text
    assert str(c.member.mobile) not in text  # names only
    book = client.get(
        reverse("volunteers:reports_xlsx"), {"node": str(c.w.t["comm1"].pk), "period": "2026"}
    )
    assert book.status_code == 200
    assert book["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert c.member.name in [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)]


def test_staff_of_another_community_cannot_read_a_communitys_report(client: Client, c: vf.Crew):
    client.force_login(c.w.stranger)  # community staff of comm2
    comm1 = str(c.w.t["comm1"].pk)
    for name in ("volunteers:reports", "volunteers:reports_xlsx", "volunteers:leaderboard"):
        response = client.get(reverse(name), {"node": comm1, "period": "2026-03"})
        assert response.status_code == 404, name
        assert c.member.name.encode() not in response.content
    # Their own page shows their own community only.
    own = client.get(reverse("volunteers:reports"), {"period": "2026-03"})
    assert own.status_code == 200
    assert c.other_member.name in own.content.decode()
    assert c.member.name not in own.content.decode()


def test_a_team_member_without_a_staff_role_and_an_anonymous_visitor_are_refused(
    client: Client, c: vf.Crew
):
    plain = nf.person("队员")
    Membership.objects.create(organisation=c.team.organisation, person=plain)
    url = reverse("volunteers:reports")
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/console/login/")
    client.force_login(plain)  # the console lets unit people in; reports are for staff
    assert client.get(url).status_code == 403
    assert client.get(reverse("volunteers:leaderboard")).status_code == 403
    client.force_login(c.member)  # a party member holds no staff role
    assert client.get(url).status_code == 403


def test_a_read_only_leader_reads_the_report(client: Client, c: vf.Crew):
    client.force_login(c.w.leader)
    page = client.get(
        reverse("volunteers:reports"), {"node": str(c.w.t["comm1"].pk), "period": "2026"}
    )
    assert page.status_code == 200
    assert c.member.name in page.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"period": "2026-13"}, {"period": "x"}, {"node": "abc"}, {"node": "1.5"}],
)
def test_bad_parameters_are_a_400_with_a_message(client: Client, c: vf.Crew, query):
    client.force_login(c.w.dispatcher)
    for name in ("volunteers:reports", "volunteers:reports_xlsx"):
        response = client.get(reverse(name), query)
        assert response.status_code == 400, (name, query)
        assert response.content


def test_the_leaderboard_page(client: Client, c: vf.Crew):
    client.force_login(c.w.dispatcher)
    url = reverse("volunteers:leaderboard")
    page = client.get(url, {"node": str(c.w.t["comm1"].pk), "year": "2026"})
    assert page.status_code == 200
    text = page.content.decode()
    assert c.member.name in text and str(c.member.mobile) not in text
    assert client.get(url, {"year": "20x6"}).status_code == 400


def test_the_ledger_rows_are_kept_by_the_consumers(c: vf.Crew):
    """The fixture's events went through the consumers (nothing was written by hand)."""
    assert MemberMonth.objects.filter(person=c.member).count() == 2
    assert MemberMonth.objects.filter(person=c.other_member).count() == 1
    assert c.other_member.roles.filter(role=Role.PARTY_MEMBER).exists()
