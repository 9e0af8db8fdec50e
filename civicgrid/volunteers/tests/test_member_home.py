"""The member's phone home (/serve/me/) and own report: their items, never another member's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgrid.needs.models import Need, State, format_number
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Organisation, OrgKind, Person
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import events
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Audience,
    Registration,
    RegistrationState,
    SignUp,
    SignUpState,
    Wish,
    WishState,
)
from civicgrid.volunteers.registrations import home_community
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db
URL = "/serve/me/"


def soon(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def activity(c: vf.Crew, title: str, **fields) -> Activity:
    start = fields.pop("starts_at", soon(3))
    return vf.activity(
        c,
        title=title,
        state=fields.pop("state", ActivityState.OPEN),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        **fields,
    )


def wish(c: vf.Crew, title: str, community: str = "comm1", **fields) -> Wish:
    values = {
        "community": c.w.t[community],
        "title": title,
        "public_name": "一位老人",
        "person_name": "其木格",
        "person_mobile": "13700001111",
        "needed_by": timezone.localdate() + dt.timedelta(days=10),
        "state": WishState.POSTED,
        "created_at": timezone.now(),
    }
    values.update(fields)
    return Wish.objects.create(**values)


def credit(a: Activity, who: Person, hours: str) -> None:
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=a.pk)
        events.append(locked, "credit", person=who, data=events.Credited(hours=hours))


def sign_up(a: Activity, who: Person, **fields) -> SignUp:
    return SignUp.objects.create(
        activity=a,
        person=who,
        state=fields.pop("state", SignUpState.CONFIRMED),
        created_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def c() -> vf.Crew:
    return vf.crew()


def page(client: Client, who: Person) -> str:
    client.force_login(who)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_address_is_reversible_and_anonymous_visitors_are_sent_to_log_in(client: Client):
    assert reverse("serve:me") == URL
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/console/login/?next={URL}"
    assert client.get(reverse("serve:my_report"))["Location"].startswith("/console/login/")
    assert client.post(URL).status_code == 405  # pages to read: nothing is written here


def test_the_home_community_is_the_registration_else_the_roles_community(c: vf.Crew):
    assert home_community(c.member) == c.w.t["comm1"]  # by role
    Registration.objects.create(
        person=c.member,
        community=c.w.t["comm2"],
        state=RegistrationState.APPROVED,
        created_at=timezone.now(),
    )
    assert home_community(c.member) == c.w.t["comm2"]
    grid_volunteer = nf.person("网格志愿者", roles=[("volunteer", c.w.t["gridA"])])
    assert home_community(grid_volunteer) == c.w.t["comm1"]
    assert home_community(nf.person("路人")) is None


def test_activities_near_me_are_open_in_my_community_in_the_next_two_weeks(
    client: Client, c: vf.Crew
):
    snow = activity(c, "扫雪行动")
    activity(c, "网格里的义诊", node=c.w.t["gridA"])
    activity(c, "还在筹备", state=ActivityState.PLANNED)
    activity(c, "三周以后", starts_at=soon(21))
    activity(c, "昨天的", starts_at=soon(-1))
    activity(c, "二社区的活动", node=c.w.t["comm2"])
    activity(c, "队内复盘会", audience=Audience.TEAM)
    text = page(client, c.member)
    assert "扫雪行动" in text and "网格里的义诊" in text
    assert reverse("serve:activity", args=[snow.pk]) in text
    for hidden in ("还在筹备", "三周以后", "昨天的", "二社区的活动", "队内复盘会"):
        assert hidden not in text, hidden
    # The team's own meeting is shown to the team's members.
    assert "队内复盘会" in page(client, c.volunteer)


def test_my_sign_ups_and_check_ins_are_mine_only(client: Client, c: vf.Crew):
    mine = activity(c, "我报名的活动")
    theirs = activity(c, "别人报名的活动", state=ActivityState.HELD)
    sign_up(mine, c.member, checked_in_at=timezone.now(), hours=Decimal("2.00"))
    sign_up(theirs, c.volunteer)
    cancelled = activity(c, "取消了的", state=ActivityState.HELD)
    sign_up(cancelled, c.member, state=SignUpState.CANCELLED)
    text = page(client, c.member)
    assert "我报名的活动" in text and "2小时" in text  # hours as people write them
    assert "别人报名的活动" not in text and "取消了的" not in text


def test_my_hours_points_and_stars_this_year(client: Client, c: vf.Crew):
    for _ in range(2):
        credit(vf.activity(c), c.member, "6.00")
    credit(vf.activity(c), c.volunteer, "1.00")
    text = page(client, c.member)
    assert 'data-testid="my-hours">12<' in text and 'data-testid="my-points">12<' in text
    assert "★" in text  # 12 points: one star
    assert "再得18分" in text  # points missing to two stars


def test_wishes_to_claim_are_my_communitys_posted_ones_without_personal_data(
    client: Client, c: vf.Crew
):
    wish(c, "一台收音机")
    wish(c, "已被认领的", state=WishState.CLAIMED, claimed_by=c.volunteer)
    wish(c, "二社区的心愿", community="comm2")
    wish(c, "过期的心愿", needed_by=timezone.localdate() - dt.timedelta(days=1))
    text = page(client, c.member)
    assert "一台收音机" in text and "一位老人" in text
    assert reverse("serve:wishes_wall", args=[c.w.t["comm1"].code]) in text
    for hidden in ("已被认领的", "二社区的心愿", "过期的心愿", "其木格", "13700001111"):
        assert hidden not in text, hidden


def test_needs_dispatched_to_my_team_are_shown_to_its_members_only(client: Client, c: vf.Crew):
    need = needf.raise_need(c.w)
    needf.force(need, state=State.DISPATCHED, assignee_org=c.team.organisation)
    other_team = Organisation.objects.create(name="别的队", kind=OrgKind.TEAM, node=c.w.t["comm2"])
    elsewhere = needf.raise_need(c.w, description="别的队的事")
    needf.force(elsewhere, state=State.DISPATCHED, assignee_org=other_team)
    done = needf.raise_need(c.w)
    needf.force(done, state=State.CLOSED, assignee_org=c.team.organisation)
    text = page(client, c.volunteer)
    assert format_number(need.number) in text
    assert reverse("needs:detail", args=[need.number]) in text
    assert format_number(elsewhere.number) not in text
    assert format_number(done.number) not in text
    assert format_number(need.number) not in page(client, c.member)  # not in the team
    assert Need.objects.count() == 3


def test_my_communitys_leaderboard_shows_names_not_phones(client: Client, c: vf.Crew):
    credit(vf.activity(c), c.volunteer, "5.00")
    credit(vf.activity(c), c.other_member, "9.00")  # comm2's
    text = page(client, c.member)
    assert c.volunteer.name in text
    assert str(c.volunteer.mobile) not in text
    assert c.other_member.name not in text


def test_without_a_community_the_page_asks_to_register(client: Client, c: vf.Crew):
    someone = nf.person("新党员")
    text = page(client, someone)
    assert f'href="{reverse("serve:register")}"' in text


def test_my_report_for_a_month_and_a_year(client: Client, c: vf.Crew):
    credit(vf.activity(c), c.member, "3.00")
    credit(vf.activity(c), c.volunteer, "7.00")
    client.force_login(c.member)
    today = timezone.localdate()
    url = reverse("serve:my_report")
    month = client.get(url, {"period": f"{today:%Y-%m}"})
    assert month.status_code == 200
    text = month.content.decode()
    assert "<dd>3</dd>" in text and "<dd>7</dd>" not in text
    assert client.get(url, {"period": str(today.year)}).status_code == 200
    bad = client.get(url, {"period": "someday"})
    assert bad.status_code == 400 and "2026-03" in bad.content.decode()


def test_the_home_page_does_not_grow_in_queries_with_its_lists(client: Client, c: vf.Crew):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(n: int) -> None:
        for i in range(n):
            a = activity(c, f"活动{i}", audience=Audience.TEAM)
            sign_up(a, c.volunteer)
            wish(c, f"心愿{i}")
            need = needf.raise_need(c.w, node=c.w.t["gridB"])
            needf.force(need, state=State.DISPATCHED, assignee_org=c.team.organisation)
            credit(a, c.volunteer, "1.00")

    client.force_login(c.volunteer)
    fill(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    fill(4)
    with CaptureQueriesContext(connection) as five:
        text = client.get(URL).content.decode()
    assert text.count("活动") >= 5
    assert len(five) == len(one), [q["sql"] for q in five.captured_queries]
