"""The rooms' pages: calendars by day and week, another area's staff kept out, the iCal feed
(parsed by `icalendar`, refused for a wrong token and for a person who lost the scope), the
public room page (busy times only) and a resident's request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from civicgrid.core.models import OnceKey
from civicgrid.network.models import RoleBinding
from civicgrid.services import ical, rooms
from civicgrid.services.models import RoomBooking, RoomBookingState
from civicgrid.services.tests.test_rooms import Place, activity, at, book, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def p() -> Place:
    return place()


def _monday_after(days: int) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=days)
    return day - dt.timedelta(days=day.weekday())


def test_a_rooms_day_and_week_show_its_bookings(client, p):
    booking = book(p, starts_at=at(3, 9), ends_at=at(3, 11), title="合唱排练")
    other = book(p, starts_at=at(4, 14), ends_at=at(4, 15, 30), title="书法课")
    client.force_login(p.staff)
    url = reverse("services:room_calendar", args=[p.hall.pk])
    day = client.get(url, {"date": at(3, 0).date().isoformat()})
    assert day.status_code == 200
    text = day.content.decode()
    assert "合唱排练" in text and "09:00–11:00" in text
    assert "书法课" not in text
    assert reverse("services:room_booking", args=[booking.pk]) in text
    assert ical.token(p.staff.pk, ical.ROOM, p.hall.pk) in text  # the feed's address
    week_of = at(3, 0).date()
    week = client.get(url, {"view": "week", "date": week_of.isoformat()})
    text = week.content.decode()
    assert "合唱排练" in text
    # The week runs Monday to Sunday: the second booking shows when it falls in that week.
    if at(4, 0).date() - dt.timedelta(days=at(4, 0).weekday()) == week_of - dt.timedelta(
        days=week_of.weekday()
    ):
        assert "书法课" in text
    assert f"date={(week_of - dt.timedelta(days=week_of.weekday() + 7)).isoformat()}" in text
    assert other.pk


def test_a_community_calendar_shows_its_rooms(client, p):
    book(p, starts_at=at(3, 9), ends_at=at(3, 11), title="合唱排练")
    book(p, room=p.reading, starts_at=at(3, 10), ends_at=at(3, 11), title="读书会", people=8)
    client.force_login(p.staff)
    url = reverse("services:community_calendar", args=[p.t["comm1"].pk])
    for view in ("day", "week"):
        page = client.get(url, {"view": view, "date": at(3, 0).date().isoformat()})
        assert page.status_code == 200
        text = page.content.decode()
        assert "合唱排练" in text and "读书会" in text
        assert "排练大厅" in text and "公益书吧" in text


def test_another_areas_staff_get_not_found(client, p):
    booking = book(p)
    client.force_login(p.other)
    for url in (
        reverse("services:room_calendar", args=[p.hall.pk]),
        reverse("services:room_booking", args=[booking.pk]),
        reverse("services:room_book", args=[p.hall.pk]),
        reverse("services:room_edit", args=[p.hall.pk]),
        reverse("services:community_calendar", args=[p.t["comm1"].pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert "排练大厅" not in client.get(reverse("services:rooms")).content.decode()


def test_a_reader_sees_but_may_not_book_or_decide(client, p):
    booking = book(p)
    client.force_login(p.leader)
    assert client.get(reverse("services:room_booking", args=[booking.pk])).status_code == 200
    assert client.get(reverse("services:room_book", args=[p.hall.pk])).status_code == 403
    moved = client.post(reverse("services:room_booking_action", args=[booking.pk, "cancel"]))
    assert moved.status_code == 403
    assert RoomBooking.objects.get(pk=booking.pk).state == RoomBookingState.APPROVED


def test_staff_book_the_hall_for_an_activity_from_the_form(client, p):
    party = activity(p)
    client.force_login(p.staff)
    url = reverse("services:room_book", args=[p.hall.pk])
    form = client.get(url)
    assert party.title in form.content.decode()
    sent = client.post(url, {"activity": party.pk, "people": 80})
    booking = RoomBooking.objects.get()
    assert sent.status_code == 302
    assert (booking.activity, booking.title, booking.starts_at) == (
        party,
        party.title,
        party.starts_at,
    )
    # The same time again: refused on the form, naming the clash.
    again = client.post(url, {"activity": party.pk, "people": 80})
    assert again.status_code == 400
    assert "14:00–16:30" in again.content.decode()


def test_staff_approve_and_refuse_on_the_booking_page(client, p):
    request = rooms.room_book(
        room=p.reading,
        starts_at=at(2, 9),
        ends_at=at(2, 10),
        title="读书会",
        by=rooms.RESIDENT,
        contact_name="张大娘",
        contact_phone="13912345678",
    )
    client.force_login(p.staff)
    page = client.get(reverse("services:room_booking", args=[request.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    no_reason = client.post(reverse("services:room_booking_action", args=[request.pk, "refuse"]))
    assert no_reason.status_code == 400
    done = client.post(reverse("services:room_booking_action", args=[request.pk, "approve"]))
    assert done.status_code == 302
    assert RoomBooking.objects.get(pk=request.pk).state == RoomBookingState.APPROVED


def test_staff_add_a_room(client, p):
    client.force_login(p.staff)
    url = reverse("services:room_new")
    assert client.get(url).status_code == 200
    sent = client.post(
        url,
        {
            "node": p.t["comm1"].pk,
            "name": "活动室301",
            "kind": "function",
            "capacity": 30,
            "who_may_book": "staff",
            "days_ahead": 30,
            "longest_minutes": 180,
            "opens": "08:30",
            "closes": "20:00",
            "active": "on",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    assert p.t["comm1"].rooms.filter(name="活动室301").exists()
    theirs = client.post(url, {"node": p.t["comm2"].pk, "name": "x", "kind": "function"})
    assert theirs.status_code == 400


# --- The iCal feed -----------------------------------------------------------------------------


def _feed(client, p: Place, who=None, token: str | None = None):
    who = who or p.staff
    token = token or ical.token(who.pk, ical.ROOM, p.hall.pk)
    return client.get(reverse("services:room_feed", args=[p.hall.pk, token]))


def test_the_room_feed_parses_and_has_the_events_without_a_session(client, p):
    approved = book(p, starts_at=at(3, 9), ends_at=at(3, 11), title="合唱排练")
    p.hall.needs_approval = True
    p.hall.save()
    colleague_booking = book(p, starts_at=at(5, 9), ends_at=at(5, 10), title="党课")
    RoomBooking.objects.create(
        room=p.hall,
        starts_at=at(6, 9),
        ends_at=at(6, 10),
        title="取消了",
        state=RoomBookingState.CANCELLED,
        created_at=timezone.now(),
    )
    response = _feed(client, p)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {"合唱排练", "党课"}
    first = events["合唱排练"]
    assert str(first["UID"]) == f"roombooking-{approved.pk}@civicgrid"
    assert first.decoded("DTSTART") == at(3, 9)
    assert first.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert first.decoded("DTEND") == at(3, 11)
    assert str(first["LOCATION"]) == "排练大厅"
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(events["党课"]["STATUS"]) == "TENTATIVE"
    assert colleague_booking.state == RoomBookingState.REQUESTED


def test_the_community_feed_has_every_room(client, p):
    book(p, title="合唱排练")
    book(p, room=p.reading, starts_at=at(3, 9), ends_at=at(3, 10), title="读书会")
    node = p.t["comm1"]
    token = ical.token(p.staff.pk, ical.COMMUNITY, node.pk)
    response = client.get(reverse("services:community_feed", args=[node.pk, token]))
    assert response.status_code == 200
    cal = Calendar.from_ical(response.content)
    assert {str(e["SUMMARY"]) for e in cal.walk("VEVENT")} == {"合唱排练", "读书会"}
    # A room's token does not open the community's feed.
    wrong = ical.token(p.staff.pk, ical.ROOM, node.pk)
    assert client.get(reverse("services:community_feed", args=[node.pk, wrong])).status_code == 404


def test_the_feed_refuses_a_wrong_token(client, p):
    book(p)
    good = ical.token(p.staff.pk, ical.ROOM, p.hall.pk)
    assert _feed(client, p, token=good[:-1] + ("0" if good[-1] != "0" else "1")).status_code == 404
    # Another person's id with this person's hash.
    assert _feed(client, p, token=f"{p.other.pk}-{good.split('-', 1)[1]}").status_code == 404
    assert _feed(client, p, token="nonsense").status_code == 404
    # Another room's token.
    other_room = ical.token(p.staff.pk, ical.ROOM, p.reading.pk)
    assert _feed(client, p, token=other_room).status_code == 404


def test_the_feed_stops_for_a_person_who_lost_the_scope_or_left(client, p):
    book(p)
    assert _feed(client, p).status_code == 200
    RoleBinding.objects.filter(person=p.staff).delete()
    assert _feed(client, p).status_code == 404
    # Another area's staff hold a well-formed token of their own, for a room they cannot read.
    assert _feed(client, p, who=p.other).status_code == 404
    leader_token = ical.token(p.leader.pk, ical.ROOM, p.hall.pk)
    assert _feed(client, p, token=leader_token).status_code == 200
    p.leader.is_active = False
    p.leader.save()
    assert _feed(client, p, token=leader_token).status_code == 404


# --- The public room page -----------------------------------------------------------------------


def test_the_public_room_page_shows_busy_times_but_no_title_organiser_or_contact(client, p):
    book(
        p,
        room=p.reading,
        title="党员学习",
        organiser="第一党支部",
        starts_at=at(1, 9),
        ends_at=at(1, 10),
        contact_name="王主任",
        contact_phone="13800001111",
    )
    response = client.get(reverse("nearby:room", args=[p.reading.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "公益书吧" in text
    assert "09:00–10:00" in text or at(1, 0).date() > _monday_after(1) + dt.timedelta(days=6)
    for private in ("党员学习", "第一党支部", "王主任", "13800001111", "1111"):
        assert private not in text
    assert reverse("nearby:room_request", args=[p.reading.pk]) in text


def test_a_room_not_open_to_the_public_has_no_public_page(client, p):
    assert client.get(reverse("nearby:room", args=[p.hall.pk])).status_code == 404
    p.hall.public = True
    p.hall.save()
    assert client.get(reverse("nearby:room", args=[p.hall.pk])).status_code == 200
    # Staff only: no request form.
    assert client.get(reverse("nearby:room_request", args=[p.hall.pk])).status_code == 404
    sent = client.post(
        reverse("nearby:room_request", args=[p.hall.pk]),
        {"contact_name": "张", "contact_phone": "13912345678", "title": "x"},
    )
    assert sent.status_code == 404
    assert not RoomBooking.objects.exists()


def _request(client, p: Place, key: str, **extra):
    day = at(2, 0).date().isoformat()
    data = {
        "contact_name": "张大娘",
        "contact_phone": "139 1234 5678",
        "title": "太极拳练习",
        "day": day,
        "starts": "15:00",
        "ends": "16:00",
        "people": 6,
        "once": key,
    }
    return client.post(reverse("nearby:room_request", args=[p.reading.pk]), data | extra)


def test_a_resident_asks_for_a_room_once_even_when_the_form_is_sent_twice(client, p):
    form = client.get(reverse("nearby:room_request", args=[p.reading.pk]))
    assert form.status_code == 200
    key = form.context["form"].initial["once"]
    first = _request(client, p, key)
    assert first.status_code == 302
    booking = RoomBooking.objects.get()
    assert booking.state == RoomBookingState.REQUESTED
    assert (booking.contact_name, booking.contact_phone) == ("张大娘", "13912345678")
    again = _request(client, p, key)
    assert again.status_code == 302
    assert RoomBooking.objects.count() == 1
    assert OnceKey.objects.filter(scope="room-request").count() == 1


def test_a_residents_request_against_the_rules_says_what_to_fix(client, p):
    key = "k" * 32
    too_long = _request(client, p, key, ends="18:30")
    assert too_long.status_code == 400
    assert "120" in too_long.content.decode()
    assert not RoomBooking.objects.exists()


def test_resident_requests_are_rate_limited(client, p, settings):
    settings.RESIDENT_RAISE_LIMIT = 2
    for i in range(2):
        _request(client, p, f"{i}" * 32, starts=f"{9 + i}:00", ends=f"{9 + i}:30")
    assert _request(client, p, "x" * 32, starts="13:00", ends="13:30").status_code == 429
    assert RoomBooking.objects.count() == 2


def test_staff_change_a_rooms_rules(client, p):
    client.force_login(p.staff)
    url = reverse("services:room_edit", args=[p.hall.pk])
    assert client.get(url).status_code == 200
    data = {
        "name": "排练大厅",
        "kind": "hall",
        "capacity": 100,
        "who_may_book": "residents",
        "days_ahead": 14,
        "longest_minutes": 180,
        "opens": "09:00",
        "closes": "22:00",
        "active": "on",
        "public": "on",
    }
    assert client.post(url, data).status_code == 302
    p.hall.refresh_from_db()
    assert (p.hall.capacity, p.hall.days_ahead, p.hall.public) == (100, 14, True)
    assert client.post(url, data | {"closes": "08:00"}).status_code == 400


def test_staff_read_a_residents_phone_on_a_room_request_in_full_logged_and_readers_do_not():
    from django.test import Client

    from civicgrid.core.models import RevealLog
    from civicgrid.network.models import Role
    from civicgrid.network.tests import factories as netf
    from civicgrid.services import rooms as room_rules
    from civicgrid.services.models import Room, RoomKind, WhoMayBook

    t = netf.region()
    staff = netf.person("社区干部", roles=[(Role.COMMUNITY_STAFF, t["comm1"])])
    leader = netf.person("领导", roles=[(Role.LEADER, t["banner"])])
    room = Room.objects.create(
        node=t["comm1"], name="书吧", kind=RoomKind.READING_SEAT, who_may_book=WhoMayBook.RESIDENTS
    )
    start = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=2), dt.time(10))
    )
    asked = room_rules.room_book(
        room=room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        title="自习",
        by=room_rules.RESIDENT,
        contact_name="小王",
        contact_phone="13900005555",
    )
    url = reverse("services:room_booking_phone", args=[asked.pk])
    reader = Client()
    reader.force_login(leader)
    assert reader.post(url).status_code == 403
    desk = Client()
    desk.force_login(staff)
    assert (
        "13900005555"
        not in desk.get(reverse("services:room_booking", args=[asked.pk])).content.decode()
    )
    assert "13900005555" in desk.post(url).content.decode()
    assert RevealLog.objects.filter(actor=staff, subject=f"room_booking:{asked.pk}").count() == 1
