"""People who serve in insights: the dashboard's panel (the area's figures only, the teams that
missed their rule last month), the report's sentences, the public page, the activities ledger
(cells read back with openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode

from civicgrid.insights import selectors
from civicgrid.insights.kpis import Period
from civicgrid.insights.report import monthly_report
from civicgrid.insights.sentences import volunteer_parts, volunteer_sentence
from civicgrid.network.models import Organisation, OrgKind, Person
from civicgrid.network.tests import factories as netf
from civicgrid.volunteers.counts import VolunteerFigures, volunteer_figures
from civicgrid.volunteers.models import (
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
SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=SH)
NOVEMBER = Period.month(2026, 11)
ACTIVITIES_URL = "/dashboard/ledgers/activities.xlsx"


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=SH)


def login(person: Person, language: str = "en") -> Client:
    client = Client()
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def held(c: vf.Crew, start: dt.datetime, people: list[tuple[Person, str]], **fields: Any):
    activity = vf.activity(
        c,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        state=fields.pop("state", ActivityState.RECORDED),
        **fields,
    )
    for person, hours in people:
        SignUp.objects.create(
            activity=activity,
            person=person,
            state=SignUpState.CONFIRMED,
            created_at=start - dt.timedelta(days=1),
            checked_in_at=start,
            hours=Decimal(hours),
        )
    return activity


@pytest.fixture
def c() -> vf.Crew:
    """Town 1 (comm1): two activities in November (3 attendances, 5.5 hours), one wish posted,
    claimed and confirmed, one posted and claimed; a member and a unit registered; the crew's
    team missed its rule in November. Town 2 (comm2): an activity with 7 people, a wish, a
    registered member, a team that missed its rule too."""
    c = vf.crew()
    t = c.w.t
    held(c, at(5), [(c.member, "2"), (c.volunteer, "2")], title="清扫小区", solved_count=2)
    held(
        c,
        at(20),
        [(c.member, "1.5")],
        title="=HYPERLINK(1)",
        node=t["gridA"],
        place_detail="活动室",
        state=ActivityState.HELD,
    )
    held(c, at(25), [], state=ActivityState.PLANNED, title="还没办的")
    town2 = [(netf.person(f"二镇志愿者{n}"), "1") for n in range(7)]
    held(c, at(6), town2, node=t["comm2"], team=None, title="二镇的活动")
    base = {"title": "一台收音机", "public_name": "一位老人", "needed_by": dt.date(2026, 12, 31)}
    Wish.objects.create(
        community=t["comm1"],
        created_at=at(2),
        state=WishState.CONFIRMED,
        claimed_by=c.member,
        claimed_at=at(3),
        fulfilled_at=at(4),
        confirmed_at=at(5),
        **base,
    )
    Wish.objects.create(
        community=t["comm1"],
        created_at=at(8),
        state=WishState.CLAIMED,
        claimed_by=c.volunteer,
        claimed_at=at(9),
        **base,
    )
    Wish.objects.create(community=t["comm2"], created_at=at(8), **base)
    unit = Organisation.objects.create(name="旗医院", kind=OrgKind.MEMBER_UNIT, node=t["town1"])
    for who, community in (({"person": c.member}, "comm1"), ({"unit": unit}, "comm1")):
        Registration.objects.create(
            community=t[community],
            state=RegistrationState.APPROVED,
            decided_at=at(1, month=10),
            created_at=at(1, month=9),
            **who,
        )
    Registration.objects.create(
        person=c.other_member,
        community=t["comm2"],
        state=RegistrationState.APPROVED,
        decided_at=at(1, month=10),
        created_at=at(1, month=9),
    )
    november = dt.date(2026, 11, 1)
    TeamMonth.objects.create(team=c.team, month=november, required=1, held=0, missed=True)
    org2 = Organisation.objects.create(name="二镇巡逻队", kind=OrgKind.TEAM, node=t["comm2"])
    team2 = Team.objects.create(organisation=org2, kind=TeamKind.PARTY, theme=Theme.VISITS)
    TeamMonth.objects.create(team=team2, month=november, required=1, held=0, missed=True)
    return c


TOWN1 = VolunteerFigures(
    activities=2,
    participants=3,
    hours=Decimal("5.5"),
    wishes_posted=2,
    wishes_claimed=2,
    wishes_fulfilled=1,
    members=1,
    units=1,
)


def test_the_fixture_counts_as_expected(c):
    town1 = volunteer_figures(paths=[c.w.t["town1"].path], start=NOVEMBER.start, end=NOVEMBER.end)
    assert town1 == TOWN1
    town2 = volunteer_figures(paths=[c.w.t["town2"].path], start=NOVEMBER.start, end=NOVEMBER.end)
    assert (town2.activities, town2.participants, town2.members) == (1, 7, 1)


# --- The dashboard's panel ----------------------------------------------------------------


def panel(response: Any) -> str:
    assert response.status_code == 200
    match = re.search(
        r'<section class="dash-serving card".*?</section>', response.content.decode(), re.S
    )
    assert match, "no people-who-serve panel"
    return match.group(0)


def card(html: str, figure: str) -> str:
    """A card's value and the words under it, tags dropped: "2 | claimed; 2 posted"."""
    match = re.search(rf'data-figure="{figure}">.*?dash-value">([^<]*)</p>(.*?)</div>', html, re.S)
    assert match, figure
    words = re.sub(r"<[^>]+>", " ", match.group(2))
    return match.group(1).strip() + " | " + " ".join(words.split())


def dashboard(client: Client, **query: Any) -> Any:
    return client.get(f"{reverse('dashboard:index')}?{urlencode(query)}")


def test_the_panel_shows_the_areas_figures_for_the_dashboards_period(c):
    html = panel(dashboard(login(c.w.town_staff), node=c.w.t["town1"].pk, period="month:2026-11"))
    assert card(html, "activities").startswith("2 | ")
    assert "3 attendances, 5.5 hours" in card(html, "activities")
    assert card(html, "wishes") == "2 | claimed; 2 posted, 1 fulfilled"
    assert card(html, "registered") == "1 | party members; 1 units"
    missed = card(html, "missed_teams")
    assert missed.startswith("1 | ") and "帮帮团" in missed
    assert "二镇巡逻队" not in html and "二镇" not in html  # another town's team and data
    assert volunteer_sentence(TOWN1, "en") in html
    # The year's months: November's row holds the period's figures.
    row = re.search(r"<th scope=\"row\">2026-11</th>(.*?)</tr>", html, re.S)
    assert row and re.findall(r">([\d.]+)<", row.group(1)) == ["2", "3", "5.5", "2", "1", "1", "1"]
    assert f'href="{ACTIVITIES_URL}?' in html


def test_another_period_and_another_area_show_their_own_figures(c):
    client = login(c.w.town_staff)
    october = panel(dashboard(client, node=c.w.t["town1"].pk, period="month:2026-10"))
    assert card(october, "activities").startswith("0 | ")
    assert card(october, "registered").startswith("1 | ")  # registered in October
    # The teams that missed their rule are last month's (November), whatever the period.
    assert "帮帮团" in card(october, "missed_teams")
    community2 = login(c.w.stranger)  # community 2's staff: their own area only
    html = panel(dashboard(community2, period="month:2026-11"))
    assert card(html, "activities").startswith("1 | ") and "7 attendances" in html
    assert "二镇巡逻队" in html and "帮帮团" not in html
    assert dashboard(community2, node=c.w.t["town1"].pk).status_code == 404


def test_the_panel_says_so_when_every_team_kept_its_rule(c):
    TeamMonth.objects.all().update(missed=False)
    html = panel(dashboard(login(c.w.town_staff), node=c.w.t["town1"].pk))
    assert card(html, "missed_teams").startswith("0 | Every team held")


# --- Sentences, the report, the public page --------------------------------------------------


def test_the_sentences_in_english_with_their_numbers():
    assert volunteer_parts(TOWN1, "en") == [
        "Held 2 volunteer service activities, with 3 attendances and 5.5 hours of service.",
        "2 micro-wishes claimed and 1 fulfilled.",
        "1 in-service party member and 1 units registered with their communities.",
    ]
    one = VolunteerFigures(activities=1, participants=1, hours=Decimal(2), wishes_claimed=1)
    assert volunteer_sentence(one, "en").startswith(
        "Held 1 volunteer service activity, with 1 attendances and 2 hours of service. "
        "1 micro-wish claimed and 0 fulfilled. 0 in-service party members"
    )
    # Always written, zeros included, as the report's other sentence is.
    assert volunteer_sentence(VolunteerFigures(), "en").startswith("Held 0 volunteer")
    # Chinese runs its sentences on, without a space between them.
    parts = volunteer_parts(TOWN1, "zh-hans")
    assert volunteer_sentence(TOWN1, "zh-hans") == "".join(parts)
    assert all(str(n) in " ".join(parts) for n in (2, 3, "5.5", 1))


def test_the_monthly_report_has_the_figures_and_sentences(c):
    report = monthly_report(c.w.t["town1"], NOVEMBER)
    assert report.volunteers == TOWN1
    client = login(c.w.town_staff)
    query = urlencode({"node": c.w.t["town1"].pk, "month": "2026-11"})
    html = client.get(f"{reverse('dashboard:report')}?{query}").content.decode()
    assert volunteer_sentence(TOWN1, "en") in html
    assert 'class="report-serving"' in html and "5.5" in html


def test_the_public_page_has_the_sentences_and_no_names(c):
    cache.clear()
    client = Client()
    region = client.get(reverse("public:index"), {"lang": "en"}).content.decode()
    year = selectors.today_and_year(NOW.date())[0][1]
    figures = volunteer_figures(paths=[c.w.t["league"].path], start=year.start, end=year.end)
    assert figures.activities == 3
    assert volunteer_sentence(figures, "en") in region
    town = client.get(reverse("public:index"), {"lang": "en", "at": c.w.t["town1"].code})
    html = town.content.decode()
    assert "Held 2 volunteer service activities" in html
    for name in (c.member.name, c.volunteer.name, "帮帮团", "旗医院", "一台收音机"):
        assert name not in html and name not in region


# --- The activities ledger ------------------------------------------------------------------


def ledger(client: Client, **query: Any) -> tuple[list[list[Any]], Any]:
    response: Any = client.get(ACTIVITIES_URL, query)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith("attachment;")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = book.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)], ws


def test_the_activities_ledger_of_the_area_and_period(c):
    rows, ws = ledger(login(c.w.town_staff), node=c.w.t["town1"].pk, period="month:2026-11")
    assert rows[0] == [
        "Date",
        "Activity",
        "Theme",
        "Organiser",
        "Place",
        "State",
        "Attendances",
        "Hours",
        "Problems solved",
    ]
    assert rows[1] == [
        dt.datetime(2026, 11, 5),
        "清扫小区",
        "Environment",
        "帮帮团",
        "一社区",
        "Recorded",
        2,
        4,
        2,
    ]
    assert rows[2][1:] == [
        "=HYPERLINK(1)",
        "Environment",
        "帮帮团",
        "A网格 · 活动室",
        "Held",
        1,
        1.5,
        0,
    ]
    assert rows[3][1] == "还没办的" and rows[3][5:8] == ["Planned", 0, 0]
    assert len(rows) == 4  # not town 2's
    assert ws["B3"].data_type == "s"  # a title like a formula stays text
    assert ws["H3"].data_type == "n" and ws["G2"].data_type == "n"


def test_the_ledger_follows_the_scope_and_checks_its_parameters(c):
    stranger = login(c.w.stranger)
    rows, _ws = ledger(stranger, period="month:2026-11")  # their own area by default
    assert [row[1] for row in rows[1:]] == ["二镇的活动"]
    assert stranger.get(ACTIVITIES_URL, {"node": c.w.t["town1"].pk}).status_code == 404
    staff = login(c.w.town_staff)
    for bad in ({"period": "month:2026-13"}, {"node": "abc"}, {"period": "week:3"}):
        assert staff.get(ACTIVITIES_URL, bad).status_code == 400
    assert Client().get(ACTIVITIES_URL).status_code == 302
    rows, _ws = ledger(staff, node=c.w.t["town1"].pk, period="month:2026-10")
    assert rows[1:] == []
