"""Activities: the rule table (every action × state × actor kind, written out by hand), planning,
sign-up with its waiting list, recording with hours, corrections, and the pages' access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from civicgrid.core.errors import Conflict, DomainError, Invalid, NotAllowed
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import activities as acts
from civicgrid.volunteers import events
from civicgrid.volunteers.activities import SYSTEM, Action, Actor
from civicgrid.volunteers.models import (
    Activity,
    ActivityState,
    Audience,
    SignUp,
    SignUpState,
    VolunteerEvent,
)
from civicgrid.volunteers.tests import factories as cf

pytestmark = pytest.mark.django_db

St = ActivityState
A = Action

# --- The table, written out by hand ---------------------------------------------------------
# For each state, what each kind of actor may do (time rules aside: they are the commands').
EXPECTED: dict[str, dict[str, set[Action]]] = {
    St.PLANNED: {
        "organiser": {A.OPEN, A.EDIT, A.HOLD, A.CANCEL},
        "member": set(),
        "system": {A.HOLD},
        "stranger": set(),
    },
    St.OPEN: {
        "organiser": {A.EDIT, A.HOLD, A.CANCEL},
        "member": {A.SIGN_UP, A.LEAVE, A.CHECK_IN},
        "system": {A.HOLD},
        "stranger": set(),
    },
    St.HELD: {
        "organiser": {A.RECORD},
        "member": {A.CHECK_IN},
        "system": set(),
        "stranger": set(),
    },
    St.RECORDED: {
        "organiser": {A.CORRECT},
        "member": set(),
        "system": set(),
        "stranger": set(),
    },
    St.CANCELLED: {"organiser": set(), "member": set(), "system": set(), "stranger": set()},
}


def force(activity: Activity, state: str) -> Activity:
    """Test set-up only: put an activity straight into a state."""
    Activity.objects.filter(pk=activity.pk).update(state=state)
    activity.refresh_from_db()
    return activity


def confirm(activity: Activity, person: Any, **fields: Any) -> SignUp:
    """Test set-up only: a confirmed sign-up, counted."""
    Activity.objects.filter(pk=activity.pk).update(confirmed_count=activity.confirmed_count + 1)
    activity.refresh_from_db()
    return SignUp.objects.create(
        activity=activity,
        person=person,
        state=SignUpState.CONFIRMED,
        created_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def c() -> cf.Crew:
    return cf.crew()


def actors(c: cf.Crew) -> dict[str, Any]:
    # The organiser is the community's staff; the member a party member of the community; the
    # stranger another community's staff (neither organiser there nor a member).
    return {
        "organiser": c.w.dispatcher,
        "member": c.member,
        "system": SYSTEM,
        "stranger": c.w.stranger,
    }


def test_the_rules_are_the_table(c):
    activity = cf.activity(c)
    who = actors(c)
    for state, expected in EXPECTED.items():
        force(activity, state)
        for label, by in who.items():
            got = set(acts.allowed_actions(activity, by))
            assert got == expected[label], (state, label, got)


def test_actor_kinds(c):
    activity = cf.activity(c)
    assert acts.actor_kinds(activity, c.w.dispatcher) == {Actor.ORGANISER}
    assert acts.actor_kinds(activity, c.w.town_staff) == {Actor.ORGANISER}  # above it
    assert acts.actor_kinds(activity, c.leader) == {Actor.ORGANISER, Actor.MEMBER}
    assert acts.actor_kinds(activity, c.member) == {Actor.MEMBER}
    assert acts.actor_kinds(activity, c.other_member) == {Actor.MEMBER}  # members: any member
    assert acts.actor_kinds(activity, c.w.stranger) == set()
    assert acts.actor_kinds(activity, c.w.leader) == set()  # read-only leader of the banner
    assert acts.actor_kinds(activity, SYSTEM) == {Actor.SYSTEM}
    c.member.is_active = False
    assert acts.actor_kinds(activity, c.member) == set()


class _Undo(Exception):
    pass


def run(action: Action, activity: Activity, c: cf.Crew, by: Any) -> Any:
    """Run one command as `by` with parameters that satisfy its own rules (time, key…), so
    that only the table decides."""
    start = activity.starts_at
    person = by
    match action:
        case A.OPEN:
            return acts.activity_open(activity=activity, by=by)
        case A.EDIT:
            return acts.activity_edit(activity=activity, by=by, title="改了")
        case A.HOLD:
            return acts.activity_hold(activity=activity, by=by, now=activity.ends_at)
        case A.RECORD:
            return acts.activity_record(activity=activity, by=by, duration_minutes=120)
        case A.CANCEL:
            return acts.activity_cancel(activity=activity, by=by, reason="下雨")
        case A.CORRECT:
            return acts.activity_correct_hours(
                activity=activity, by=by, person=c.volunteer, hours="3", reason="补记"
            )
        case A.SIGN_UP:
            return acts.activity_sign_up(
                activity=activity, person=person, now=start - dt.timedelta(hours=3)
            )
        case A.LEAVE:
            return acts.activity_leave(
                activity=activity, person=person, now=start - dt.timedelta(hours=3)
            )
        case A.CHECK_IN:
            return acts.activity_check_in(
                activity=activity, person=person, key=activity.checkin_key, now=start
            )


def test_every_command_in_every_state_for_every_actor_follows_the_table(c):
    """Each command run for real: done where the table allows it, refused (and nothing
    written) elsewhere."""
    activity = cf.activity(c)
    who = actors(c)
    checked = 0
    for state, expected in EXPECTED.items():
        for action in acts.RULES:
            for label, by in who.items():
                if label == "system" and action not in (A.HOLD,):
                    continue  # the member's commands take a person, the others a person too
                with transaction.atomic():
                    force(activity, state)
                    # The member's own sign-up for leave and check-in; the volunteer's hours.
                    if action in (A.LEAVE, A.CHECK_IN) and label == "member":
                        confirm(activity, by)
                    if action == A.CORRECT:
                        confirm(activity, c.volunteer, hours=Decimal("2.00"))
                    events_before = VolunteerEvent.objects.filter(activity=activity).count()
                    allowed = action in expected[label]
                    try:
                        run(action, activity, c, by)
                        done = True
                    except (Conflict, NotAllowed) as refusal:
                        done = False
                        assert not allowed, (state, action, label, refusal.message)
                        fresh = Activity.objects.get(pk=activity.pk)
                        assert fresh.state == state
                        after = VolunteerEvent.objects.filter(activity=activity).count()
                        assert after == events_before, (state, action, label)
                    assert done == allowed, (state, action, label)
                    checked += 1
                    transaction.set_rollback(True)
    assert checked == 5 * (9 * 3 + 1)


# --- Planning -----------------------------------------------------------------------------


def when(days: int = 1, hours: int = 2) -> tuple[dt.datetime, dt.datetime]:
    start = (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)
    return start, start + dt.timedelta(hours=hours)


def plan(c: cf.Crew, by: Any, **overrides: Any) -> Activity:
    start, end = when()
    fields: dict[str, Any] = {
        "by": by,
        "node": c.w.t["comm1"],
        "title": "义诊",
        "theme": "clinic",
        "starts_at": start,
        "ends_at": end,
    }
    fields.update(overrides)
    return acts.activity_create(**fields)


def test_staff_plan_at_their_place_with_a_new_checkin_key(c):
    activity = plan(c, c.w.dispatcher, capacity=5, open_now=True)
    assert activity.state == St.OPEN
    assert len(activity.checkin_key) >= 20
    other = plan(c, c.w.dispatcher)
    assert other.state == St.PLANNED and other.checkin_key != activity.checkin_key
    assert list(activity.events.values_list("action", flat=True)) == ["create", "open"]


def test_who_may_plan_where(c):
    # A team's leader plans for the team at its place; not elsewhere, not for no team.
    done = plan(c, c.leader, team=c.team, node=c.w.t["gridA"])
    assert done.team == c.team and done.organiser_org == c.team.organisation
    with pytest.raises(NotAllowed):
        plan(c, c.leader, team=c.team, node=c.w.t["comm2"])
    with pytest.raises(NotAllowed):
        plan(c, c.leader)
    # Another community's staff, a read-only leader, a plain member: nowhere here.
    for person in (c.w.stranger, c.w.leader, c.member):
        with pytest.raises(NotAllowed):
            plan(c, person)
    # Staff of comm2 may not borrow comm1's team for their own place.
    with pytest.raises(NotAllowed):
        plan(c, c.w.stranger, node=c.w.t["comm2"], team=c.team)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"theme": "nonsense"}, "theme"),
        ({"audience": "everyone"}, "audience"),
        ({"audience": Audience.TEAM}, "audience"),  # no team
        ({"capacity": 0}, "capacity"),
        ({"lat": 40.0}, "lat"),
        ({"lat": 95.0, "lon": 10.0}, "lat"),
    ],
)
def test_bad_details_are_refused_with_the_field_to_fix(c, overrides, field):
    with pytest.raises(Invalid) as refused:
        plan(c, c.w.dispatcher, **overrides)
    assert field in refused.value.details["fields"]
    assert not Activity.objects.exists()


def test_it_must_end_after_it_starts(c):
    start, _end = when()
    with pytest.raises(Invalid) as refused:
        plan(c, c.w.dispatcher, starts_at=start, ends_at=start)
    assert "ends_at" in refused.value.details["fields"]


def test_edit_keeps_the_places_taken_and_more_places_move_the_waiting_list_up(c):
    activity = plan(c, c.w.dispatcher, capacity=1, open_now=True)
    before = activity.starts_at - dt.timedelta(hours=2)
    acts.activity_sign_up(activity=activity, person=c.member, now=before)
    waiting = acts.activity_sign_up(activity=activity, person=c.volunteer, now=before)
    assert waiting.state == SignUpState.WAITING
    with pytest.raises(Invalid):
        acts.activity_edit(activity=activity, by=c.w.dispatcher, capacity=None or 0)
    acts.activity_edit(activity=activity, by=c.w.dispatcher, capacity=3, title="大义诊")
    waiting.refresh_from_db()
    activity.refresh_from_db()
    assert waiting.state == SignUpState.CONFIRMED
    assert activity.confirmed_count == 2 and activity.title == "大义诊"
    with pytest.raises(NotAllowed):
        acts.activity_edit(activity=activity, by=c.member, title="x")
    with pytest.raises(Invalid):
        acts.activity_edit(activity=activity, by=c.w.dispatcher, checkin_key="mine")


def test_cancel_needs_a_reason(c):
    activity = plan(c, c.w.dispatcher)
    with pytest.raises(Invalid):
        acts.activity_cancel(activity=activity, by=c.w.dispatcher, reason="  ")
    done = acts.activity_cancel(activity=activity, by=c.w.dispatcher, reason="大风")
    assert done.state == St.CANCELLED and done.cancel_reason == "大风"
    assert done.events.last().note == "大风"


def test_hold_waits_for_the_start_and_the_system_for_the_end(c):
    activity = plan(c, c.w.dispatcher, open_now=True)
    with pytest.raises(Conflict):
        acts.activity_hold(activity=activity, by=c.w.dispatcher, now=timezone.now())
    with pytest.raises(Conflict):
        acts.activity_hold(activity=activity, by=SYSTEM, now=activity.starts_at)
    assert acts.hold_ended(now=activity.starts_at) == 0
    assert acts.hold_ended(now=activity.ends_at) == 1
    activity.refresh_from_db()
    assert activity.state == St.HELD
    assert acts.hold_ended(now=activity.ends_at) == 0


# --- Sign-up and the waiting list ---------------------------------------------------------


def test_sign_up_fills_the_places_then_the_waiting_list_and_leaving_promotes(c):
    activity = plan(c, c.w.dispatcher, capacity=2, open_now=True)
    before = activity.starts_at - dt.timedelta(days=1, hours=-1)
    people = [c.member, c.volunteer, c.other_member, c.leader]
    signups = [acts.activity_sign_up(activity=activity, person=p, now=before) for p in people]
    assert [s.state for s in signups] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [acts.waiting_position(s) for s in signups] == [None, None, 1, 2]
    activity.refresh_from_db()
    assert activity.confirmed_count == 2
    added = VolunteerEvent.objects.filter(activity=activity, action="sign_up").order_by("seq")
    assert [events.read(e).waiting for e in added] == [False, False, True, True]
    assert [e.person_id for e in added] == [p.pk for p in people]

    # Twice is a conflict, with what to know.
    with pytest.raises(Conflict) as twice:
        acts.activity_sign_up(activity=activity, person=c.member, now=before)
    assert twice.value.code == "already_signed_up"
    with pytest.raises(Conflict) as waiting_twice:
        acts.activity_sign_up(activity=activity, person=c.other_member, now=before)
    assert "1" in waiting_twice.value.message

    # A confirmed member leaves: the first waiting moves up.
    left = acts.activity_leave(activity=activity, person=c.member, now=before)
    assert left.promoted is not None and left.promoted.person_id == c.other_member.pk
    event = VolunteerEvent.objects.filter(activity=activity, action="leave").get()
    assert event.person_id == c.member.pk
    assert events.read(event) == events.Left(promoted=c.other_member.pk)
    activity.refresh_from_db()
    assert activity.confirmed_count == 2
    states = dict(SignUp.objects.filter(activity=activity).values_list("person_id", "state"))
    assert states == {
        c.member.pk: "cancelled",
        c.volunteer.pk: "confirmed",
        c.other_member.pk: "confirmed",
        c.leader.pk: "waiting",
    }
    # A waiting member leaves: nobody moves.
    assert acts.activity_leave(activity=activity, person=c.leader, now=before).promoted is None
    # One who left signs up again: the same row, at the back of the queue (full: waiting).
    again = acts.activity_sign_up(activity=activity, person=c.member, now=before)
    assert again.pk == signups[0].pk and again.state == SignUpState.WAITING
    # Leaving without a sign-up is a conflict.
    with pytest.raises(Conflict):
        acts.activity_leave(activity=activity, person=c.leader, now=before)


def test_no_limit_means_everyone_is_confirmed(c):
    activity = plan(c, c.w.dispatcher, open_now=True)
    before = activity.starts_at - dt.timedelta(hours=1)
    for p in (c.member, c.volunteer, c.other_member):
        assert acts.activity_sign_up(activity=activity, person=p, now=before).state == "confirmed"


def test_sign_up_closes_at_the_start_and_only_while_open(c):
    activity = plan(c, c.w.dispatcher)
    before = activity.starts_at - dt.timedelta(hours=1)
    with pytest.raises(Conflict):
        acts.activity_sign_up(activity=activity, person=c.member, now=before)  # planned
    acts.activity_open(activity=activity, by=c.w.dispatcher)
    with pytest.raises(Conflict) as late:
        acts.activity_sign_up(activity=activity, person=c.member, now=activity.starts_at)
    assert late.value.code == "started"


def test_who_may_sign_up_follows_the_audience(c):
    resident = nf.person("居民", roles=[(Role.RESIDENT, c.w.t["gridA"])])
    members_only = plan(c, c.w.dispatcher, open_now=True)
    public = plan(c, c.w.dispatcher, open_now=True, audience=Audience.PUBLIC)
    team_only = plan(c, c.leader, team=c.team, audience=Audience.TEAM, open_now=True)
    before = members_only.starts_at - dt.timedelta(hours=1)

    def outcome(activity: Activity, person: Any) -> str:
        try:
            acts.activity_sign_up(activity=activity, person=person, now=before)
        except DomainError as e:
            return e.code
        return "ok"

    assert outcome(members_only, resident) == "audience"
    assert outcome(members_only, c.member) == "ok"
    assert outcome(public, resident) == "ok"
    assert outcome(team_only, c.member) == "audience"
    assert outcome(team_only, c.volunteer) == "ok"  # a member of the team
    assert outcome(team_only, c.leader) == "ok"


def test_the_database_refuses_overbooking(c):
    activity = cf.activity(c, capacity=1, confirmed_count=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(confirmed_count=2)


# --- Recording and hours ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [
        (60, "1.00"),
        (120, "2.00"),
        (135, "2.25"),
        (7, "0.00"),
        (8, "0.25"),
        (52, "0.75"),
        (1440, "24.00"),
    ],
)
def test_hours_to_the_quarter(minutes, hours):
    assert acts.hours_for(minutes) == Decimal(hours)


def held(c: cf.Crew, *checked_in: Any, signed: tuple[Any, ...] = ()) -> Activity:
    activity = cf.activity(c)
    for person in checked_in:
        confirm(activity, person, checked_in_at=activity.starts_at)
    for person in signed:
        confirm(activity, person)
    return force(activity, St.HELD)


def test_recording_credits_those_who_checked_in(c):
    activity = held(c, c.member, c.volunteer, signed=(c.leader,))
    acts.activity_record(
        activity=activity,
        by=c.w.dispatcher,
        duration_minutes=135,
        summary="清了三条巷子",
        solved="垃圾堆",
        solved_count=2,
    )
    activity.refresh_from_db()
    assert activity.state == St.RECORDED and activity.duration_minutes == 135
    assert activity.solved_count == 2 and activity.summary == "清了三条巷子"
    hours = dict(SignUp.objects.filter(activity=activity).values_list("person_id", "hours"))
    assert hours == {c.member.pk: Decimal("2.25"), c.volunteer.pk: Decimal("2.25"), c.leader.pk: 0}
    credits = VolunteerEvent.objects.filter(activity=activity, action="credit")
    assert sorted(e.person_id for e in credits) == sorted([c.member.pk, c.volunteer.pk])
    assert {events.read(e) for e in credits} == {events.Credited(hours="2.25")}
    record = VolunteerEvent.objects.get(activity=activity, action="record")
    assert events.read(record) == events.Recorded(
        duration_minutes=135, solved_count=2, attendance=2
    )


def test_recording_with_attendance_marked_by_hand(c):
    activity = held(c, c.member, signed=(c.leader,))
    acts.activity_record(
        activity=activity, by=c.leader, duration_minutes=60, attended=[c.leader.pk]
    )
    hours = dict(SignUp.objects.filter(activity=activity).values_list("person_id", "hours"))
    assert hours == {c.member.pk: 0, c.leader.pk: Decimal("1.00")}


@pytest.mark.parametrize(
    "params",
    [
        {"duration_minutes": 0},
        {"duration_minutes": 24 * 60 + 1},
        {"duration_minutes": 60, "solved_count": -1},
        {"duration_minutes": 60, "attended": ["stranger"]},
    ],
)
def test_recording_refuses_bad_input_and_changes_nothing(c, params):
    activity = held(c, c.member)
    if params.get("attended") == ["stranger"]:
        params = {**params, "attended": [c.other_member.pk]}
    with pytest.raises(Invalid):
        acts.activity_record(activity=activity, by=c.w.dispatcher, **params)
    activity.refresh_from_db()
    assert activity.state == St.HELD
    assert not VolunteerEvent.objects.filter(activity=activity).exists()


def test_hours_are_corrected_only_by_an_organiser_with_a_reason(c):
    activity = held(c, c.member)
    acts.activity_record(activity=activity, by=c.w.dispatcher, duration_minutes=120)
    for person in (c.member, c.w.stranger, c.w.leader):
        with pytest.raises(NotAllowed):
            acts.activity_correct_hours(
                activity=activity, by=person, person=c.member, hours="5", reason="我多干了"
            )
    with pytest.raises(Invalid) as no_reason:
        acts.activity_correct_hours(
            activity=activity, by=c.w.dispatcher, person=c.member, hours="3", reason=" "
        )
    assert no_reason.value.code == "reason_required"
    for bad in ("-1", "25", "abc", "1.234", "nan"):
        with pytest.raises(Invalid):
            acts.activity_correct_hours(
                activity=activity, by=c.w.dispatcher, person=c.member, hours=bad, reason="x"
            )
    with pytest.raises(Invalid):  # not signed up
        acts.activity_correct_hours(
            activity=activity, by=c.w.dispatcher, person=c.volunteer, hours="1", reason="x"
        )
    signup = acts.activity_correct_hours(
        activity=activity, by=c.w.dispatcher, person=c.member, hours="2.5", reason="提前到场"
    )
    assert signup.hours == Decimal("2.50")
    assert SignUp.objects.get(pk=signup.pk).hours == Decimal("2.50")
    event = VolunteerEvent.objects.get(activity=activity, action="correct")
    assert event.person_id == c.member.pk and event.actor_id == c.w.dispatcher.pk
    assert event.note == "提前到场"
    assert events.read(event) == events.Credited(hours="2.50", was="2.00")


def test_points_hear_credits_and_corrections(c):
    heard: list[tuple[str, int | None, str]] = []

    def listen(happened: events.Happened) -> None:
        data = happened.data
        assert isinstance(data, events.Credited)
        heard.append((happened.kind, happened.event.person_id, data.hours))

    events.subscribe(["activity.credit", "activity.correct"], listen)
    try:
        activity = held(c, c.member)
        acts.activity_record(activity=activity, by=c.w.dispatcher, duration_minutes=90)
        acts.activity_correct_hours(
            activity=activity, by=c.w.dispatcher, person=c.member, hours="2", reason="x"
        )
    finally:
        for kind in ("activity.credit", "activity.correct"):
            events._handlers[kind].remove((listen, "transaction"))
    assert heard == [
        ("activity.credit", c.member.pk, "1.50"),
        ("activity.correct", c.member.pk, "2.00"),
    ]


# --- Pages ---------------------------------------------------------------------------------


def client_for(person: Any) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_console_pages_for_organisers_only(c):
    activity = plan(c, c.w.dispatcher, title="清扫ZQX", capacity=3, open_now=True, team=c.team)
    month = reverse("volunteers:activity_month", args=[c.w.t["comm1"].pk])
    month_q = f"{month}?month={timezone.localtime(activity.starts_at):%Y-%m}"
    detail = reverse("volunteers:activity_detail", args=[activity.pk])
    poster = reverse("volunteers:activity_poster", args=[activity.pk])
    svg = reverse("volunteers:activity_qr", args=[activity.pk, "svg"])
    png = reverse("volunteers:activity_qr", args=[activity.pk, "png"])
    edit = reverse("volunteers:activity_edit", args=[activity.pk])
    staff = client_for(c.w.dispatcher)
    for url in (month_q, detail, poster, svg, png, edit):
        response = staff.get(url)
        assert response.status_code == 200, url
    # One place in the staff's area: the index opens its month.
    assert staff.get(reverse("volunteers:activities"))["Location"] == month
    assert client_for(c.w.town_staff).get(reverse("volunteers:activities")).status_code == 200
    assert "清扫ZQX" in staff.get(month_q).content.decode()
    assert activity.checkin_key in staff.get(poster).content.decode()
    assert staff.get(svg)["Content-Type"] == "image/svg+xml"
    assert "3" in staff.get(detail).content.decode()

    # The team's leader (no staff role) organises it too.
    leader = client_for(c.leader)
    assert leader.get(month_q).status_code == 200
    assert leader.get(detail).status_code == 200
    assert leader.get(poster).status_code == 200

    # Another community's staff: not found; a plain member: no console at all.
    stranger = client_for(c.w.stranger)
    for url in (month_q, detail, poster, svg, edit):
        assert stranger.get(url).status_code == 404, url
    assert "清扫ZQX" not in stranger.get(reverse("volunteers:activities")).content.decode()
    member = client_for(c.member)
    for url in (month_q, detail, poster, edit, reverse("volunteers:activity_new")):
        assert member.get(url).status_code == 403, url
    # The banner's read-only leader reads, but the poster (its key) and the writes are not theirs.
    reader = client_for(c.w.leader)
    assert reader.get(detail).status_code == 200
    assert reader.get(poster).status_code == 403
    assert reader.get(edit).status_code == 403
    act = reverse("volunteers:activity_act", args=[activity.pk, "cancel"])
    assert reader.post(act, {"reason": "x"}).status_code == 403
    assert stranger.post(act, {"reason": "x"}).status_code == 404
    assert reader.get(reverse("volunteers:activity_new")).status_code == 403
    activity.refresh_from_db()
    assert activity.state == St.OPEN
    # Read pages take no POST.
    assert staff.post(detail).status_code == 405


def test_month_view_places_activities_on_their_days_with_places_and_waiting(c):
    activity = plan(c, c.w.dispatcher, title="百家宴", capacity=1, open_now=True)
    before = activity.starts_at - dt.timedelta(hours=1)
    acts.activity_sign_up(activity=activity, person=c.member, now=before)
    acts.activity_sign_up(activity=activity, person=c.volunteer, now=before)
    other_team = plan(c, c.w.dispatcher, title="另一队", team=c.team)
    staff = client_for(c.w.dispatcher)
    start = timezone.localtime(activity.starts_at)
    url = reverse("volunteers:activity_month", args=[c.w.t["comm1"].pk])
    body = staff.get(url, {"month": f"{start:%Y-%m}"}).content.decode()
    assert "百家宴" in body and "1/1" in body and "+1" in body
    assert other_team.title in body
    filtered = staff.get(url, {"month": f"{start:%Y-%m}", "team": c.team.pk}).content.decode()
    assert "百家宴" not in filtered and "另一队" in filtered
    # Another month, and bad input, never fail.
    assert "百家宴" not in staff.get(url, {"month": "2001-01"}).content.decode()
    for bad in ("x", "2024-13", "99999-1", ""):
        assert staff.get(url, {"month": bad, "team": "abc"}).status_code == 200


def test_plan_and_act_through_the_console(c):
    staff = client_for(c.w.dispatcher)
    start, end = when()
    form = {
        "title": "理发",
        "theme": "neighbours",
        "node": c.w.t["comm1"].pk,
        "starts_at": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "4",
        "audience": "members",
        "open_now": "on",
    }
    assert staff.get(reverse("volunteers:activity_new")).status_code == 200
    response = staff.post(reverse("volunteers:activity_new"), form)
    assert response.status_code == 302
    activity = Activity.objects.get(title="理发")
    assert activity.state == St.OPEN and activity.capacity == 4
    # Bad input comes back as the form with errors, never a 500.
    bad = staff.post(reverse("volunteers:activity_new"), {**form, "ends_at": form["starts_at"]})
    assert bad.status_code == 200 and Activity.objects.count() == 1
    # Another community's staff cannot choose comm1 as the place.
    stranger = client_for(c.w.stranger)
    assert stranger.post(reverse("volunteers:activity_new"), form).status_code == 200
    assert Activity.objects.count() == 1
    # Cancel without a reason: refused with a message; with one: done.
    act = reverse("volunteers:activity_act", args=[activity.pk, "cancel"])
    staff.post(act, {"reason": ""})
    activity.refresh_from_db()
    assert activity.state == St.OPEN
    staff.post(act, {"reason": "场地冲突"})
    activity.refresh_from_db()
    assert activity.state == St.CANCELLED
    assert (
        staff.post(reverse("volunteers:activity_act", args=[activity.pk, "nope"])).status_code
        == 404
    )


def test_record_and_correct_through_the_console(c):
    activity = held(c, c.member, signed=(c.volunteer,))
    staff = client_for(c.w.dispatcher)
    record = reverse("volunteers:activity_act", args=[activity.pk, "record"])
    staff.post(
        record,
        {"attended": [str(c.member.pk), "junk"], "duration_minutes": "90", "solved_count": "x"},
    )
    activity.refresh_from_db()
    assert activity.state == St.HELD  # the bad count refused it
    staff.post(
        record, {"attended": [str(c.member.pk)], "duration_minutes": "90", "solved_count": "1"}
    )
    activity.refresh_from_db()
    assert activity.state == St.RECORDED
    correct = reverse("volunteers:activity_act", args=[activity.pk, "correct"])
    staff.post(correct, {"person": str(c.member.pk), "hours": "2", "reason": ""})
    assert SignUp.objects.get(activity=activity, person=c.member).hours == Decimal("1.50")
    staff.post(correct, {"person": str(c.member.pk), "hours": "2", "reason": "迟记"})
    assert SignUp.objects.get(activity=activity, person=c.member).hours == Decimal("2.00")
    staff.post(correct, {"person": "abc", "hours": "2", "reason": "x"})  # never a 500
    assert staff.get(reverse("volunteers:activity_detail", args=[activity.pk])).status_code == 200


def test_public_pages_show_by_audience_and_sign_up_needs_a_login(c):
    public = plan(c, c.w.dispatcher, title="公开义诊", audience=Audience.PUBLIC, open_now=True)
    members = plan(c, c.w.dispatcher, title="党员学习", open_now=True)
    planned = plan(c, c.w.dispatcher, title="还在筹备", audience=Audience.PUBLIC)
    anonymous = Client()
    listing = anonymous.get(reverse("serve:activities")).content.decode()
    assert "公开义诊" in listing and "党员学习" not in listing and "还在筹备" not in listing
    assert anonymous.get(reverse("serve:activity", args=[public.pk])).status_code == 200
    assert anonymous.get(reverse("serve:activity", args=[members.pk])).status_code == 404
    assert anonymous.get(reverse("serve:activity", args=[planned.pk])).status_code == 404
    assert anonymous.get(reverse("serve:activities"), {"at": "nowhere"}).status_code == 200
    sign_up = reverse("serve:activity_sign_up", args=[public.pk])
    response = anonymous.post(sign_up)
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    assert not SignUp.objects.exists()

    member = client_for(c.member)
    listing = member.get(reverse("serve:activities")).content.decode()
    assert "公开义诊" in listing and "党员学习" in listing and "还在筹备" not in listing
    page = member.get(reverse("serve:activity", args=[members.pk]))
    assert page.status_code == 200
    member.post(reverse("serve:activity_sign_up", args=[members.pk]))
    assert SignUp.objects.get(activity=members, person=c.member).state == "confirmed"
    member.post(reverse("serve:activity_sign_up", args=[members.pk]))  # twice: a message
    assert SignUp.objects.filter(activity=members).count() == 1
    member.post(reverse("serve:activity_leave", args=[members.pk]))
    assert SignUp.objects.get(activity=members, person=c.member).state == "cancelled"
    # A resident's account may not sign up for the members' activity (nor see it).
    resident = client_for(nf.person("居民", roles=[(Role.RESIDENT, c.w.t["gridA"])]))
    assert resident.post(reverse("serve:activity_sign_up", args=[members.pk])).status_code == 404
    assert resident.get(reverse("serve:activity", args=[public.pk])).status_code == 200
    assert member.post(reverse("serve:activity", args=[public.pk])).status_code == 405


# --- The record's photos --------------------------------------------------------------------


def jpeg(name: str = "p.jpg") -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 90, 60)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_a_record_keeps_up_to_three_photos_shown_where_the_activity_may_be_read(c):
    activity = held(c, c.member)
    with pytest.raises(Invalid, match="at most 3"), translation.override("en"):
        acts.activity_record(
            activity=activity, by=c.w.dispatcher, duration_minutes=60, photos=[jpeg()] * 4
        )
    assert not activity.photos.exists()
    acts.activity_record(
        activity=activity, by=c.w.dispatcher, duration_minutes=60, photos=[jpeg(), jpeg()]
    )
    assert [(p.width, p.height) for p in activity.photos.all()] == [(640, 480), (640, 480)]
    photo = activity.photos.first()
    assert photo is not None
    url = reverse("serve:activity_photo", args=[activity.pk, photo.pk])
    # A members' activity: its photos are for those who may read it, not for strangers.
    assert Client().get(url).status_code == 404
    member = Client()
    member.force_login(c.member)
    assert member.get(url).status_code == 200
    page = member.get(reverse("serve:activity", args=[activity.pk])).content.decode()
    assert page.count('class="act-photo"') == 2 and url in page
    other = reverse("serve:activity_photo", args=[cf.activity(c).pk, photo.pk])
    assert member.get(other).status_code == 404  # a photo asked through another activity


def test_a_bad_photo_is_refused_and_the_record_is_not_made(c):
    from django.core.files.uploadedfile import SimpleUploadedFile

    activity = held(c, c.member)
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(Invalid):
        acts.activity_record(
            activity=activity, by=c.w.dispatcher, duration_minutes=60, photos=[bad]
        )
    activity.refresh_from_db()
    assert activity.state == St.HELD and not activity.photos.exists()
