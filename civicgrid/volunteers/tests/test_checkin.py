"""Check-in by the poster's QR code: the key, the time window, the distance, once only, walk-ins;
and the page the code opens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import activities as acts
from civicgrid.volunteers import events
from civicgrid.volunteers.models import Activity, ActivityState, SignUp, SignUpState, VolunteerEvent
from civicgrid.volunteers.tests import factories as cf

pytestmark = pytest.mark.django_db

# The community hall of the test activity, and points near and far from it.
HALL = (46.0800, 121.9500)
NEAR = (46.0850, 121.9500)  # ~556 m north
FAR = (46.1200, 121.9500)  # ~4.4 km north


@pytest.fixture
def c() -> cf.Crew:
    return cf.crew()


def open_activity(c: cf.Crew, **overrides: Any) -> Activity:
    fields: dict[str, Any] = {"state": ActivityState.OPEN, "lat": HALL[0], "lon": HALL[1]}
    fields.update(overrides)
    return cf.activity(c, **fields)


def signed_up(activity: Activity, person: Any) -> SignUp:
    return acts.activity_sign_up(
        activity=activity, person=person, now=activity.starts_at - dt.timedelta(hours=5)
    )


def check_in(activity: Activity, person: Any, **params: Any) -> acts.CheckIn:
    params.setdefault("key", activity.checkin_key)
    params.setdefault("now", activity.starts_at + dt.timedelta(minutes=5))
    return acts.activity_check_in(activity=activity, person=person, **params)


def test_a_signed_up_member_checks_in_once(c):
    activity = open_activity(c)
    signed_up(activity, c.member)
    done = check_in(activity, c.member, lat=NEAR[0], lon=NEAR[1])
    assert not done.already and not done.walk_in
    assert 500 < done.signup.checkin_distance_m < 620
    assert done.signup.checked_in_at == activity.starts_at + dt.timedelta(minutes=5)
    event = VolunteerEvent.objects.get(activity=activity, action="check_in")
    assert event.person_id == c.member.pk
    assert events.read(event) == events.CheckedIn(distance_m=done.signup.checkin_distance_m)
    # Again: a friendly answer with the time of the first, and nothing written.
    again = check_in(activity, c.member, now=activity.starts_at + dt.timedelta(minutes=30))
    assert again.already
    assert again.signup.checked_in_at == done.signup.checked_in_at
    assert VolunteerEvent.objects.filter(activity=activity, action="check_in").count() == 1


@pytest.mark.parametrize(
    ("minutes", "outcome"),
    [
        (-61, "too_early"),
        (-60, "ok"),  # an hour before the start
        (0, "ok"),
        (120 + 60, "ok"),  # an hour after the end (the activity lasts two hours)
        (120 + 61, "too_late"),
    ],
)
def test_the_check_in_window(c, minutes, outcome):
    activity = open_activity(c)
    signed_up(activity, c.member)
    now = activity.starts_at + dt.timedelta(minutes=minutes)
    if outcome == "ok":
        assert check_in(activity, c.member, now=now).signup.checked_in_at == now
    else:
        with pytest.raises(Conflict) as refused:
            check_in(activity, c.member, now=now)
        assert refused.value.code == outcome
        assert SignUp.objects.get(activity=activity, person=c.member).checked_in_at is None


def test_a_wrong_key_is_refused(c):
    activity = open_activity(c)
    signed_up(activity, c.member)
    for key in ("", "x", activity.checkin_key[:-1], activity.checkin_key + "x"):
        with pytest.raises(NotAllowed) as refused:
            check_in(activity, c.member, key=key)
        assert refused.value.code == "bad_key"
    assert not VolunteerEvent.objects.filter(activity=activity, action="check_in").exists()


def test_too_far_from_the_place_is_refused_with_the_distance(c):
    activity = open_activity(c)
    signed_up(activity, c.member)
    with pytest.raises(Invalid) as refused:
        check_in(activity, c.member, lat=FAR[0], lon=FAR[1])
    assert refused.value.code == "too_far" and "4.4" in refused.value.message
    with pytest.raises(Invalid):
        check_in(activity, c.member, lat=123.0, lon=0.0)
    # Without a location the distance is not checked.
    assert check_in(activity, c.member).signup.checkin_distance_m is None


def test_the_place_point_is_the_nodes_when_the_activity_has_none(c):
    node = c.w.t["comm1"]
    node.lat, node.lon = HALL
    node.save()
    activity = open_activity(c, lat=None, lon=None)
    signed_up(activity, c.member)
    with pytest.raises(Invalid):
        check_in(activity, c.member, lat=FAR[0], lon=FAR[1])
    assert check_in(activity, c.member, lat=HALL[0], lon=HALL[1]).signup.checkin_distance_m == 0


def test_no_point_anywhere_means_no_distance_check(c):
    activity = open_activity(c, lat=None, lon=None)
    signed_up(activity, c.member)
    done = check_in(activity, c.member, lat=FAR[0], lon=FAR[1])
    assert done.signup.checkin_distance_m is None


def test_a_walk_in_is_signed_up_at_the_door_while_places_are_free(c):
    activity = open_activity(c, capacity=1)
    done = check_in(activity, c.member)
    assert done.walk_in and done.signup.state == SignUpState.CONFIRMED
    activity.refresh_from_db()
    assert activity.confirmed_count == 1
    actions = list(
        VolunteerEvent.objects.filter(activity=activity).values_list("action", flat=True)
    )
    assert actions == ["sign_up", "check_in"]
    with pytest.raises(Conflict) as full:
        check_in(activity, c.volunteer)
    assert full.value.code == "full"
    # A resident's account may not walk into a members' activity.
    resident = nf.person("居民", roles=[(Role.RESIDENT, c.w.t["gridA"])])
    with pytest.raises(NotAllowed):
        check_in(activity, resident)


def test_one_on_the_waiting_list_checks_in_when_a_place_is_free(c):
    activity = open_activity(c, capacity=1)
    first = signed_up(activity, c.member)
    waiting = signed_up(activity, c.volunteer)
    assert waiting.state == SignUpState.WAITING
    with pytest.raises(Conflict):
        check_in(activity, c.volunteer)  # full
    acts.activity_leave(
        activity=activity, person=c.member, now=activity.starts_at - dt.timedelta(hours=2)
    )
    waiting.refresh_from_db()
    assert waiting.state == SignUpState.CONFIRMED  # promoted
    assert check_in(activity, c.volunteer).signup.checked_in_at is not None
    first.refresh_from_db()
    assert first.state == SignUpState.CANCELLED


def test_check_in_while_held_and_not_once_recorded(c):
    activity = open_activity(c)
    signed_up(activity, c.member)
    signed_up(activity, c.volunteer)
    acts.activity_hold(activity=activity, by=c.w.dispatcher, now=activity.starts_at)
    assert check_in(activity, c.member).signup.checked_in_at is not None
    acts.activity_record(activity=activity, by=c.w.dispatcher, duration_minutes=60)
    with pytest.raises(Conflict):
        check_in(activity, c.volunteer)


# --- The page the QR code opens ------------------------------------------------------------


def test_the_poster_code_is_the_check_in_address(c):
    activity = open_activity(c)
    staff = Client()
    staff.force_login(c.w.dispatcher)
    svg = staff.get(reverse("volunteers:activity_qr", args=[activity.pk, "svg"]))
    assert svg.status_code == 200 and b"<svg" in svg.content
    poster = staff.get(reverse("volunteers:activity_poster", args=[activity.pk])).content.decode()
    address = reverse("serve:activity_checkin", args=[activity.pk, activity.checkin_key])
    assert f"http://testserver{address}" in poster
    assert address == f"/serve/activities/{activity.pk}/checkin/{activity.checkin_key}/"


def test_the_check_in_page(c):
    # It started ten minutes ago: the window is open at the real clock.
    start = timezone.now() - dt.timedelta(minutes=10)
    activity = open_activity(c, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    url = reverse("serve:activity_checkin", args=[activity.pk, activity.checkin_key])
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/") and "next=" in response["Location"]

    member = Client(enforce_csrf_checks=True)
    member.force_login(c.member)
    page = member.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "checkin.js" in body and 'name="lat"' in body
    token = page.cookies["csrftoken"].value
    # Without the CSRF token: refused.
    assert member.post(url, {}).status_code == 403
    done = member.post(url, {"csrfmiddlewaretoken": token, "lat": NEAR[0], "lon": NEAR[1]})
    assert done.status_code == 200
    signup = SignUp.objects.get(activity=activity, person=c.member)
    assert signup.checked_in_at is not None and signup.checkin_distance_m is not None
    # Again: "already checked in at HH:MM", not an error.
    at = timezone.localtime(signup.checked_in_at).strftime("%H:%M")
    again = member.post(url, {"csrfmiddlewaretoken": token})
    assert again.status_code == 200 and at in again.content.decode()
    assert member.get(url).status_code == 200

    # Too far: the page says so (400), nothing written.
    other = Client()
    other.force_login(c.volunteer)
    far = other.post(url, {"lat": FAR[0], "lon": FAR[1]})
    assert far.status_code == 400 and "4.4" in far.content.decode()
    assert not SignUp.objects.filter(activity=activity, person=c.volunteer).exists()
    # Junk coordinates are ignored, never a 500.
    assert other.post(url, {"lat": "abc", "lon": "nan"}).status_code == 200
    # A wrong key or another activity: not found.
    wrong = reverse("serve:activity_checkin", args=[activity.pk, "nope"])
    assert other.get(wrong).status_code == 404
    assert other.post(wrong).status_code == 404
