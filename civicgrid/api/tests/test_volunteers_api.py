"""The people-who-serve endpoints (/api/v1/volunteers/...): activities, teams, micro-wishes and
the member's own record, each for the right person and refused to the others; bad input is a
4xx in the one error shape, never a 500."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from civicgrid.api.tests.conftest import Api, assert_error, token_of
from civicgrid.api.tests.test_schema_fuzz import (
    OPERATIONS,
    PLAIN,
    SCHEMA,
    fuzz,
    same_connection,  # noqa: F401 (a fixture)
)
from civicgrid.network.models import Membership, Organisation, OrgKind, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import activities as acts
from civicgrid.volunteers import wishes
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Audience,
    SignUp,
    SignUpState,
    TeamMonth,
    Theme,
    Wish,
    WishState,
)
from civicgrid.volunteers.tests import factories as vf

pytestmark = pytest.mark.django_db

HALL = (46.0800, 121.9500)
NEAR = (46.0850, 121.9500)  # ~556 m from the hall
FAR = (46.1200, 121.9500)  # ~4.4 km from the hall
PHONE = "13977778888"


class Session(Api):
    """A member's phone: the site's session (members hold no API token)."""

    def __init__(self, person: Person) -> None:
        super().__init__()
        self.client.force_login(person)

    def post_form(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(f"/api/v1{path}", data)


@pytest.fixture
def c() -> vf.Crew:
    return vf.crew()


def open_activity(c: vf.Crew, **overrides: Any) -> Activity:
    fields: dict[str, Any] = {
        "state": ActivityState.OPEN,
        "audience": Audience.MEMBERS,
        "lat": HALL[0],
        "lon": HALL[1],
    }
    fields.update(overrides)
    return vf.activity(c, **fields)


def starting_soon(c: vf.Crew, **overrides: Any) -> Activity:
    """Open, starting in ten minutes: sign-up still open, check-in window open."""
    start = timezone.now() + dt.timedelta(minutes=10)
    return open_activity(c, starts_at=start, ends_at=start + dt.timedelta(hours=2), **overrides)


def post_wish(c: vf.Crew, **overrides: Any) -> Wish:
    fields: dict[str, Any] = {
        "by": wishes.By(person=c.w.dispatcher),
        "community": c.w.t["comm1"],
        "title": "一件冬衣",
        "story": "独居老人，冬天缺一件厚棉衣",
        "public_name": "一位老人",
        "person_name": "巴特尔",
        "person_mobile": PHONE,
        "needed_by": timezone.localdate() + dt.timedelta(days=20),
    }
    fields.update(overrides)
    return wishes.wish_post(**fields)


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(out, format="JPEG")
    return SimpleUploadedFile("coat.jpg", out.getvalue(), content_type="image/jpeg")


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- The document and who may call at all ---------------------------------------------------

PATHS = (
    "/volunteers/activities",
    "/volunteers/activities/{activity_id}",
    "/volunteers/activities/{activity_id}/signup",
    "/volunteers/activities/{activity_id}/leave",
    "/volunteers/activities/{activity_id}/checkin",
    "/volunteers/teams",
    "/volunteers/teams/{team_id}",
    "/volunteers/wishes",
    "/volunteers/wishes/{wish_id}/claim",
    "/volunteers/wishes/{wish_id}/release",
    "/volunteers/wishes/{wish_id}/fulfil",
    "/volunteers/me",
)


def test_the_openapi_document_has_the_volunteer_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in PATHS:
        assert f"/api/v1{path}" in paths, path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/volunteers/activities"),
        ("get", "/volunteers/activities/1"),
        ("post", "/volunteers/activities/1/signup"),
        ("post", "/volunteers/activities/1/checkin"),
        ("get", "/volunteers/teams"),
        ("get", "/volunteers/wishes"),
        ("post", "/volunteers/wishes/1/claim"),
        ("get", "/volunteers/me"),
    ],
)
def test_anonymous_callers_are_asked_for_credentials(c, anonymous, method, path):
    assert_error(getattr(anonymous, method)(path), 401, "unauthenticated")


# --- Activities: the list -------------------------------------------------------------------


def test_the_list_follows_the_audience_rules_and_the_staff_scope(c, as_person):
    members = open_activity(c, title="清扫")
    team_only = open_activity(c, title="队内学习", audience=Audience.TEAM)
    planned = open_activity(c, title="还在筹划", state=ActivityState.PLANNED)
    public_elsewhere = open_activity(
        c, title="二社区百家宴", node=c.w.t["comm2"], team=None, audience=Audience.PUBLIC
    )
    members_elsewhere = open_activity(c, title="二社区党员活动", node=c.w.t["comm2"], team=None)

    # A party member of comm1: the members' activities anywhere and the public ones; not a
    # team's own, not one still being planned.
    assert set(ids(Session(c.member).get("/volunteers/activities"))) == {
        members.pk,
        public_elsewhere.pk,
        members_elsewhere.pk,
    }
    # The team's volunteer also sees the team's own.
    assert team_only.pk in ids(Session(c.volunteer).get("/volunteers/activities"))
    # comm1's staff (a token): everything at comm1, planned ones too, and what is public.
    staff = set(ids(as_person(c.w.dispatcher).get("/volunteers/activities")))
    assert staff == {members.pk, team_only.pk, planned.pk, public_elsewhere.pk}
    # comm2's staff, who serve nowhere: comm2's, and the public ones; nothing of comm1.
    stranger = set(ids(as_person(c.w.stranger).get("/volunteers/activities")))
    assert stranger == {public_elsewhere.pk, members_elsewhere.pk}


def test_the_list_filters_and_its_fields(c):
    clean = open_activity(c, title="清扫", capacity=3)
    later = open_activity(
        c,
        title="义诊",
        theme=Theme.CLINIC,
        starts_at=clean.starts_at + dt.timedelta(days=3),
        ends_at=clean.ends_at + dt.timedelta(days=3),
        capacity=None,
    )
    elsewhere = open_activity(c, title="二社区", node=c.w.t["comm2"], team=None)
    acts.activity_sign_up(activity=clean, person=c.volunteer)
    api = Session(c.member)

    everything = api.get("/volunteers/activities").json()["items"]
    # In the order they start (the same hour: by id).
    assert [a["id"] for a in everything] == [clean.pk, elsewhere.pk, later.pk]
    first = next(a for a in everything if a["id"] == clean.pk)
    assert first["places_left"] == 2 and first["confirmed_count"] == 1
    assert first["team_name"] == "帮帮团" and first["node_name"] == "一社区"
    assert next(a for a in everything if a["id"] == later.pk)["places_left"] is None

    comm1 = c.w.t["comm1"].pk
    assert set(ids(api.get("/volunteers/activities", {"community": comm1}))) == {
        clean.pk,
        later.pk,
    }
    assert ids(api.get("/volunteers/activities", {"theme": "clinic"})) == [later.pk]
    assert ids(api.get("/volunteers/activities", {"state": "held"})) == []
    day = timezone.localtime(later.starts_at).date()
    assert ids(api.get("/volunteers/activities", {"since": day.isoformat()})) == [later.pk]
    before = (day - dt.timedelta(days=1)).isoformat()
    assert later.pk not in ids(api.get("/volunteers/activities", {"until": before}))


def test_the_list_is_paged_with_cursors(c):
    made = [
        open_activity(
            c,
            title=f"活动{i}",
            starts_at=timezone.now() + dt.timedelta(days=1, hours=i),
            ends_at=timezone.now() + dt.timedelta(days=1, hours=i + 1),
        ).pk
        for i in range(5)
    ]
    api = Session(c.member)
    seen: list[int] = []
    cursor = None
    for _page in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = api.get("/volunteers/activities", params).json()
        seen += [a["id"] for a in body["items"]]
        cursor = body["next"]
        if not cursor:
            break
    assert seen == made
    assert_error(api.get("/volunteers/activities", {"cursor": "bm9wZQ"}), 400, "bad_cursor")


def test_the_lists_cost_a_fixed_number_of_queries(c, django_assert_max_num_queries):
    api = Session(c.volunteer)
    for i in range(6):
        open_activity(c, title=f"活动{i}", audience=Audience.TEAM if i % 2 else Audience.MEMBERS)
        post_wish(c, title=f"心愿{i}")
    for path in ("/volunteers/activities", "/volunteers/wishes", "/volunteers/teams"):
        with django_assert_max_num_queries(12):
            assert len(ids(api.get(path))) >= 1, path


@pytest.mark.parametrize(
    "params",
    [
        {"community": "abc"},
        {"state": "nonsense"},
        {"theme": "x"},
        {"since": "0001-01-01"},
        {"limit": 0},
        {"limit": 1000},
        {"cursor": "a\x00b"},
    ],
)
def test_bad_filters_are_validation_errors(c, params):
    assert_error(Session(c.member).get("/volunteers/activities", params), 400, "validation")


def test_an_unknown_place_is_a_404(c):
    response = Session(c.member).get("/volunteers/activities", {"community": 999999999})
    assert_error(response, 404, "not_found")


# --- Activities: one, sign-up, leave ----------------------------------------------------------


def test_the_detail_says_places_left_waiting_and_my_sign_up(c):
    activity = open_activity(c, capacity=1)
    acts.activity_sign_up(activity=activity, person=c.volunteer)
    acts.activity_sign_up(activity=activity, person=c.member)
    body = Session(c.member).get(f"/volunteers/activities/{activity.pk}").json()
    assert body["places_left"] == 0 and body["waiting_count"] == 1
    assert body["mine"]["state"] == "waiting" and body["mine"]["waiting_position"] == 1
    assert body["may_sign_up"] is False
    assert {"sign_up", "leave", "check_in"} <= set(body["actions"])

    fresh = Session(c.leader).get(f"/volunteers/activities/{activity.pk}").json()
    assert fresh["mine"] is None
    assert "open" not in fresh["actions"]  # already open; organisers may hold or cancel
    assert "cancel" in fresh["actions"]


def test_unknown_and_unreadable_activities_are_404s_and_bad_ids_400s(c, as_person):
    team_only = open_activity(c, audience=Audience.TEAM)
    planned = open_activity(c, state=ActivityState.PLANNED)
    member = Session(c.member)
    assert_error(member.get("/volunteers/activities/999999999"), 404, "not_found")
    assert_error(member.get(f"/volunteers/activities/{team_only.pk}"), 404, "not_found")
    assert_error(member.get(f"/volunteers/activities/{planned.pk}"), 404, "not_found")
    assert_error(member.post(f"/volunteers/activities/{team_only.pk}/signup"), 404, "not_found")
    assert_error(member.get("/volunteers/activities/abc"), 400, "validation")
    assert_error(member.get("/volunteers/activities/99999999999999999999999"), 400, "validation")
    other_staff = as_person(c.w.stranger)
    assert_error(other_staff.get(f"/volunteers/activities/{planned.pk}"), 404, "not_found")


def test_sign_up_the_waiting_list_and_leaving(c):
    activity = open_activity(c, capacity=1)
    first, second = Session(c.member), Session(c.volunteer)

    signed = first.post(f"/volunteers/activities/{activity.pk}/signup")
    assert signed.status_code == 200, signed.content
    assert signed.json()["mine"]["state"] == "confirmed"
    assert signed.json()["places_left"] == 0

    waiting = second.post(f"/volunteers/activities/{activity.pk}/signup").json()
    assert waiting["mine"]["state"] == "waiting" and waiting["mine"]["waiting_position"] == 1
    assert waiting["waiting_count"] == 1

    again = first.post(f"/volunteers/activities/{activity.pk}/signup")
    assert_error(again, 409, "already_signed_up")

    left = first.post(f"/volunteers/activities/{activity.pk}/leave")
    assert left.status_code == 200, left.content
    assert left.json()["mine"]["state"] == "cancelled"
    assert left.json()["waiting_count"] == 0
    promoted = SignUp.objects.get(activity=activity, person=c.volunteer)
    assert promoted.state == SignUpState.CONFIRMED
    assert_error(first.post(f"/volunteers/activities/{activity.pk}/leave"), 409, "not_signed_up")


def test_who_may_not_sign_up_is_refused_by_the_domain(c, as_person):
    # A public activity a staff member may read but not an open one: wrong state.
    done = open_activity(c, state=ActivityState.HELD)
    assert_error(
        Session(c.member).post(f"/volunteers/activities/{done.pk}/signup"), 409, "wrong_state"
    )
    # comm1's staff read the members' activity (their scope) but do not serve: 403.
    members_only = open_activity(c)
    staff = as_person(c.w.dispatcher)
    assert_error(staff.post(f"/volunteers/activities/{members_only.pk}/signup"), 403, "audience")
    assert not SignUp.objects.filter(activity=members_only).exists()


# --- Check-in ---------------------------------------------------------------------------------


def test_check_in_with_the_posters_key(c):
    activity = starting_soon(c)
    api = Session(c.member)
    assert api.post(f"/volunteers/activities/{activity.pk}/signup").status_code == 200
    url = f"/volunteers/activities/{activity.pk}/checkin"

    wrong = api.post(url, {"key": "not-the-key", "lat": NEAR[0], "lon": NEAR[1]})
    assert "scan the poster" in assert_error(wrong, 403, "bad_key")["message"]
    far = api.post(url, {"key": activity.checkin_key, "lat": FAR[0], "lon": FAR[1]})
    assert "km" in assert_error(far, 400, "too_far")["message"]

    done = api.post(url, {"key": activity.checkin_key, "lat": NEAR[0], "lon": NEAR[1]})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["already"] is False and body["walk_in"] is False
    assert 500 < body["distance_m"] < 620
    again = api.post(url, {"key": activity.checkin_key}).json()
    assert again["already"] is True and again["checked_in_at"] == body["checked_in_at"]


def test_check_in_outside_the_window_and_bad_bodies(c):
    tomorrow = open_activity(c)  # tomorrow at nine: the window is not open yet
    api = Session(c.member)
    url = f"/volunteers/activities/{tomorrow.pk}/checkin"
    early = api.post(url, {"key": tomorrow.checkin_key})
    assert assert_error(early, 409, "too_early")["message"].startswith("Check-in opens at")
    assert_error(api.post(url, {"key": tomorrow.checkin_key, "lat": 46.0}), 400, "validation")
    assert_error(
        api.post(url, {"key": tomorrow.checkin_key, "lat": 91, "lon": 0}), 400, "validation"
    )
    assert_error(api.post(url, {"key": 5, "lat": "north"}), 400, "validation")
    raw = api.client.post(f"/api/v1{url}", "{not json", content_type="application/json")
    assert_error(raw, 400, "validation")
    assert_error(api.post(url, {"key": "a\x00b"}), 400, "validation")


def test_the_key_lets_a_member_reach_an_activity_they_could_not_read(c):
    # A team's own activity is hidden from other members, but the poster's key is the door:
    # the domain then says why they may not check in (its audience).
    team_only = starting_soon(c, audience=Audience.TEAM)
    api = Session(c.member)
    url = f"/volunteers/activities/{team_only.pk}/checkin"
    assert_error(api.post(url, {"key": "guess"}), 404, "not_found")
    assert_error(api.post(url, {"key": team_only.checkin_key}), 403, "audience")
    # The team's volunteer walks in at the door.
    walked = Session(c.volunteer).post(url, {"key": team_only.checkin_key}).json()
    assert walked["walk_in"] is True and walked["distance_m"] is None


# --- Teams ------------------------------------------------------------------------------------


def test_teams_in_scope_and_my_own(c, as_person):
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    TeamMonth.objects.create(
        team=c.team, month=month.replace(day=1), required=1, held=0, missed=True
    )
    staff = as_person(c.w.dispatcher).get("/volunteers/teams")
    assert ids(staff) == [c.team.pk]
    item = staff.json()["items"][0]
    assert item["name"] == "帮帮团" and item["members_count"] == 2
    assert item["leaders"] == ["队长"] and item["member"] is False
    assert item["monthly_minimum"] == 1 and item["theme"] == "neighbours"
    assert len(item["months"]) == 6 and item["months"][-1]["missed"] is True
    assert item["months"][0]["held"] is None

    mine = Session(c.volunteer).get("/volunteers/teams").json()["items"]
    assert [t["id"] for t in mine] == [c.team.pk] and mine[0]["member"] is True
    assert ids(Session(c.member).get("/volunteers/teams", {"mine": "true"})) == []
    assert ids(Session(c.member).get("/volunteers/teams")) == []  # a role is no scope
    assert ids(as_person(c.w.stranger).get("/volunteers/teams")) == []

    one = Session(c.volunteer).get(f"/volunteers/teams/{c.team.pk}")
    assert one.status_code == 200 and one.json()["id"] == c.team.pk


def test_another_communitys_people_do_not_see_a_team(c, as_person):
    for api in (Session(c.other_member), Session(c.member), as_person(c.w.stranger)):
        assert_error(api.get(f"/volunteers/teams/{c.team.pk}"), 404, "not_found")
    assert_error(Session(c.volunteer).get("/volunteers/teams/abc"), 400, "validation")


# --- Wishes -----------------------------------------------------------------------------------


def test_members_read_the_public_fields_and_staff_a_masked_contact(c, as_person):
    wish = post_wish(c)
    withdrawn = post_wish(c, title="撤下的")
    wishes.wish_withdraw(wish=withdrawn, by=wishes.By(person=c.w.dispatcher), reason="已解决")

    member = Session(c.other_member).get("/volunteers/wishes")
    assert ids(member) == [wish.pk]
    item = member.json()["items"][0]
    assert item["public_name"] == "一位老人" and item["title"] == "一件冬衣"
    assert item["community_name"] == "一社区" and item["state"] == "posted"
    assert item["contact"] is None
    assert PHONE not in member.content.decode() and "巴特尔" not in member.content.decode()

    staff = as_person(c.w.dispatcher).get("/volunteers/wishes")
    assert set(ids(staff)) == {wish.pk, withdrawn.pk}
    contact = next(w for w in staff.json()["items"] if w["id"] == wish.pk)["contact"]
    assert contact == {"person_name": "巴特尔", "person_mobile": "139****8888"}
    assert PHONE not in staff.content.decode()

    # comm2's staff serve nowhere and have no scope over comm1: nothing.
    assert ids(as_person(c.w.stranger).get("/volunteers/wishes")) == []
    filtered = Session(c.member).get("/volunteers/wishes", {"community": c.w.t["comm2"].pk})
    assert ids(filtered) == []
    assert ids(Session(c.member).get("/volunteers/wishes", {"state": "claimed"})) == []


def test_claim_fulfil_and_the_refusals_on_the_way(c, as_person):
    wish = post_wish(c)
    claimer, other = Session(c.other_member), Session(c.member)
    claimed = claimer.post(f"/volunteers/wishes/{wish.pk}/claim")
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["state"] == "claimed" and claimed.json()["claimed_by_me"] is True
    assert_error(other.post(f"/volunteers/wishes/{wish.pk}/claim"), 409, "already_claimed")

    url = f"/volunteers/wishes/{wish.pk}/fulfil"
    assert_error(other.post_form(url, {"note": "我送去了"}), 403, "not_claimer")
    assert_error(as_person(c.w.dispatcher).post(url, {}), 403, "not_claimer")
    assert_error(claimer.post_form(url, {"note": "  "}), 400, "note_required")
    assert_error(claimer.post_form(url, {"note": "x" * 2001}), 400, "validation")
    bad_photo = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")
    assert_error(
        claimer.post_form(url, {"note": "送去了", "photo": bad_photo}), 400, "photo_not_image"
    )
    assert_error(claimer.post_form(url, {"note": "a\x00b"}), 400, "validation")

    done = claimer.post_form(url, {"note": "买了一件棉衣送去", "photo": jpeg()})
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "fulfilled"
    wish.refresh_from_db()
    assert wish.fulfilled_note == "买了一件棉衣送去" and wish.fulfilled_photo
    assert_error(claimer.post_form(url, {"note": "again"}), 409, "wrong_state")


def test_a_claim_for_a_unit_and_giving_it_back(c):
    wish = post_wish(c)
    unit = Organisation.objects.create(name="税务局", kind=OrgKind.MEMBER_UNIT, node=c.w.t["town1"])
    api = Session(c.member)
    claim = f"/volunteers/wishes/{wish.pk}/claim"
    assert_error(api.post(claim, {"unit_id": unit.pk}), 403, "not_unit_member")
    assert_error(api.post(claim, {"unit_id": 999999999}), 403, "not_unit_member")
    Membership.objects.create(organisation=unit, person=c.member)
    assert api.post(claim, {"unit_id": unit.pk}).status_code == 200
    wish.refresh_from_db()
    assert wish.claimed_unit == unit

    assert_error(
        Session(c.volunteer).post(f"/volunteers/wishes/{wish.pk}/release"), 403, "not_claimer"
    )
    back = api.post(f"/volunteers/wishes/{wish.pk}/release", {"reason": "时间冲突"})
    assert back.status_code == 200 and back.json()["state"] == "posted"
    assert Wish.objects.get(pk=wish.pk).state == WishState.POSTED


def test_wishes_nobody_may_reach_are_404s(c, as_person):
    wish = post_wish(c)
    # Staff of another community who serve nowhere: not a claimer, not their scope.
    stranger = as_person(c.w.stranger)
    assert_error(stranger.post(f"/volunteers/wishes/{wish.pk}/claim"), 404, "not_found")
    assert_error(Session(c.member).post("/volunteers/wishes/999999999/claim"), 404, "not_found")
    assert_error(Session(c.member).post("/volunteers/wishes/abc/claim"), 400, "validation")
    assert_error(
        Session(c.member).post(f"/volunteers/wishes/{wish.pk}/claim", {"unit_id": "x"}),
        400,
        "validation",
    )
    assert Wish.objects.get(pk=wish.pk).state == WishState.POSTED


# --- My record --------------------------------------------------------------------------------


def test_my_hours_points_and_stars(c):
    start = timezone.now() - dt.timedelta(minutes=30)
    activity = open_activity(c, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    api = Session(c.volunteer)
    checked = api.post(
        f"/volunteers/activities/{activity.pk}/checkin", {"key": activity.checkin_key}
    )
    assert checked.status_code == 200 and checked.json()["walk_in"] is True
    acts.activity_hold(activity=activity, by=c.leader)
    acts.activity_record(activity=activity, by=c.leader, duration_minutes=150)

    me = api.get("/volunteers/me")
    assert me.status_code == 200, me.content
    body = me.json()
    assert body["name"] == "志愿者" and body["home_community"]["id"] == c.w.t["comm1"].pk
    for tally in (body["this_month"], body["this_year"]):
        assert tally["activities"] == 1 and Decimal(str(tally["hours"])) == Decimal("2.5")
        assert tally["points"] == 2.5
    assert body["this_year"]["period"] == str(timezone.localdate().year)
    assert body["stars"] == 0 and body["next_level"] == {"stars": 1, "points_needed": 7.5}
    assert body["teams"] == [{"id": c.team.pk, "name": "帮帮团"}]

    detail = api.get(f"/volunteers/activities/{activity.pk}").json()
    assert detail["mine"]["hours"] == 2.5 and detail["state"] == "recorded"


def test_a_person_who_does_not_serve_gets_an_empty_record(c, as_person):
    body = as_person(c.w.stranger).get("/volunteers/me").json()
    assert body["home_community"] is None and body["this_year"]["activities"] == 0
    assert body["stars"] == 0 and body["teams"] == []


def test_a_session_write_needs_the_csrf_token(c):
    activity = open_activity(c)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(c.member)
    response = strict.post(
        f"/api/v1/volunteers/activities/{activity.pk}/signup", {}, content_type="application/json"
    )
    assert_error(response, 403, "csrf_failed")
    assert not SignUp.objects.filter(activity=activity).exists()


def test_a_staff_token_works_too(c):
    api = Api(token_of(c.w.dispatcher))
    assert api.get("/volunteers/teams").status_code == 200


# --- Schemathesis with real ids -----------------------------------------------------------------

VOLUNTEER_OPERATIONS = [(m, p) for m, p in OPERATIONS if p.startswith("/api/v1/volunteers/")]


@pytest.mark.usefixtures("same_connection")
@pytest.mark.parametrize(
    ("method", "path"), VOLUNTEER_OPERATIONS, ids=[f"{m} {p}" for m, p in VOLUNTEER_OPERATIONS]
)
def test_fuzzed_requests_on_real_records_match_the_schema(method, path):
    """The shared fuzz run (test_schema_fuzz.py) meets unknown ids; this one aims at a real
    activity, team and wish, as staff of their community who is also a party member (so that
    sign-ups, claims and fulfilments get through to the domain)."""
    cache.clear()
    c = vf.crew()
    comm1 = c.w.t["comm1"]
    both = nf.person("党员干部", roles=[(Role.COMMUNITY_STAFF, comm1), (Role.PARTY_MEMBER, comm1)])
    activity = starting_soon(c, capacity=1)
    wish = post_wish(c)
    real = {"activity_id": activity.pk, "team_id": c.team.pk, "wish_id": wish.pk}
    wanted = {name: value for name, value in real.items() if f"{{{name}}}" in path}
    headers = {"Authorization": f"Bearer {token_of(both)}", "Accept-Language": "en", **PLAIN}
    operation = SCHEMA[path][method]
    fuzz(operation, headers, **({"path_parameters": wanted} if wanted else {}))
    # The examples reached the domain, not only the 404s and 400s in front of it.
    if path.endswith("/signup"):
        assert SignUp.objects.filter(activity=activity, person=both).exists()
    if path.endswith("/claim"):
        assert Wish.objects.get(pk=wish.pk).claimed_by == both
