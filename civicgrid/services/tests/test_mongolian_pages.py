"""The services' resident pages in traditional Mongolian, with no word of Chinese, English or
Cyrillic left in what they say in Mongolian (as `needs/tests/test_mongolian_pages.py` holds
the needs' pages): what is near me, a place's services, a service with its free times and the
booking form's errors, the appointment's page through its life, a station and its poster, a
public room and its request form. Data a resident reads is given in Mongolian (`name_mn`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from civicgrid.needs.tests.test_mongolian_pages import assert_all_mongolian, foreign_words
from civicgrid.network.models import Node, Organisation, Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import access, bookings, rota
from civicgrid.services.bookings import By
from civicgrid.services.models import Mode, Room, RoomKind, Service, WhoMayBook
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db

NAMES = {
    "town1": "ᠨᠢᠭᠡ ᠪᠠᠯᠭᠠᠰᠤ",
    "comm1": "ᠨᠢᠭᠡ ᠬᠣᠷᠣᠭᠠᠯᠠᠩ",
    "big1": "ᠨᠢᠭᠡ ᠲᠣᠮᠣ ᠲᠣᠣᠷ",
    "gridA": "ᠠ ᠲᠣᠣᠷ",
    "gridB": "ᠪᠡ ᠲᠣᠣᠷ",
}


@pytest.fixture
def shop():
    s = sf.shop()
    for number, (key, node) in enumerate(s.w.t.items(), start=1):
        node.name_mn = NAMES.get(key, f"{number}\u202fᠳᠤᠭᠠᠷ ᠭᠠᠵᠠᠷ")
        node.save(update_fields=["name_mn"])
    # The workshop and the tailor are named as people there write them (data, not words).
    Organisation.objects.filter(pk=s.workshop.pk).update(name="ᠠᠮᠢᠳᠤᠷᠠᠯ ᠤᠨ ᠵᠠᠰᠠᠪᠤᠷᠢ")
    Person.objects.filter(pk=s.tailor.pk).update(name="ᠰᠢᠩ ᠶᠦᠨᠬᠠᠢ")
    Person.objects.filter(pk=s.w.grid_worker.pk).update(name="ᠰᠠᠷᠠᠨᠭᠤᠸ᠎ᠠ")
    Person.objects.filter(pk=s.w.other_grid_worker.pk).update(name="ᠭᠠᠨᠪᠠᠲᠤ")
    Service.objects.filter(pk=s.haircut.pk).update(name_mn="ᠦᠰᠦ ᠵᠠᠰᠠᠬᠤ")
    Service.objects.filter(pk=s.drains.pk).update(name_mn="ᠰᠤᠪᠠᠭ ᠨᠡᠪᠲᠡᠷᠡᠭᠦᠯᠬᠦ")
    Service.objects.filter(pk=s.mending.pk).update(name_mn="ᠣᠶᠣᠳᠠᠯ")
    s.haircut.refresh_from_db()
    s.drains.refresh_from_db()
    return s


def test_what_is_near_me_and_a_places_services(shop, mongolian):
    comm = shop.w.t["comm1"]
    Node.objects.filter(pk=comm.pk).update(lat=0.5, lon=0.5)
    assert_all_mongolian(mongolian.get(reverse("nearby:near")))
    assert_all_mongolian(mongolian.get(reverse("nearby:near"), {"lat": "0.5", "lon": "0.5"}))
    assert_all_mongolian(mongolian.get(reverse("nearby:near"), {"lat": "x", "lon": "0.5"}))
    assert_all_mongolian(mongolian.get(reverse("nearby:place_services", args=[comm.code])))


def test_a_service_its_free_times_and_the_booking_forms_errors(shop, mongolian):
    url = reverse("nearby:service", args=[shop.drains.pk])
    day = sf.slot_start(1).date().isoformat()
    assert_all_mongolian(mongolian.get(url, {"day": day}))
    refused = mongolian.post(
        url, {"day": day, "mode": Mode.DOOR, "resident_name": "", "resident_phone": "12"}
    )
    assert refused.status_code == 400
    assert_all_mongolian(refused)


def test_the_appointments_page_through_its_life(shop, mongolian):
    booking = bookings.booking_book(
        service=shop.drains,
        starts_at=sf.slot_start(1, 9),
        mode=Mode.DOOR,
        resident_name="ᠪᠠᠭᠠᠲᠤᠷ",
        resident_phone="13900001111",
        address="ᠲᠠᠪᠤᠳᠤᠭᠠᠷ ᠪᠠᠶᠢᠰᠢᠩ",
        by=bookings.RESIDENT,
    )
    url = reverse("nearby:booking", args=[booking.pk]) + f"?k={access.booking_key(booking.pk)}"
    assert_all_mongolian(mongolian.get(url))
    bookings.booking_done(booking=booking, by=By(shop.master), done_note="ᠨᠡᠪᠲᠡᠷᠡᠭᠦᠯᠪᠡ")
    assert_all_mongolian(mongolian.get(url))  # the rating form
    assert_all_mongolian(mongolian.post(url, {"k": url.split("k=")[1], "op": "rate"}))
    bookings.booking_rate(booking=booking, rating=5)
    assert_all_mongolian(mongolian.get(url + "&done=rated"))


def test_a_station_with_who_is_on_duty_and_its_poster(shop, mongolian):
    worker = nf.person("ᠰᠠᠷᠠ", roles=[(Role.GRID_WORKER, shop.w.t["gridA"])])
    station = rota.station_set(
        node=shop.w.t["comm1"], phone="0482-8212345", route_to_duty=False, by=shop.w.dispatcher
    )
    for weekday in range(7):
        rota.shift_add(
            station=station,
            person=worker,
            weekday=weekday,
            starts=dt.time(0, 0),
            ends=dt.time(23, 59),
            by=shop.w.dispatcher,
        )
    code = shop.w.t["comm1"].code
    assert_all_mongolian(mongolian.get(reverse("nearby:station", args=[code])))
    html = mongolian.get(reverse("nearby:station_poster", args=[code])).content.decode()
    start = html.index('lang="mn-mong"', html.index("poster-mn") - 80)
    end = html.index('<section class="poster-half poster-zh"')
    assert not foreign_words('<html lang="mn-mong">' + html[start - 40 : end])


def test_a_service_poster_speaks_mongolian_on_its_left(shop, client):
    html = client.get(reverse("nearby:service_poster", args=[shop.haircut.pk])).content.decode()
    mn = html.index('<section class="poster-half poster-mn" lang="mn-mong"')
    zh = html.index('<section class="poster-half poster-zh" lang="zh-hans"')
    assert mn < zh and "ᠦᠰᠦ ᠵᠠᠰᠠᠬᠤ" in html[mn:zh]
    assert not foreign_words('<html lang="mn-mong">' + html[mn:zh])


def test_a_public_room_and_its_request_form(shop, mongolian):
    room = Room.objects.create(
        node=shop.w.t["comm1"],
        name="书吧",
        name_mn="ᠨᠣᠮ ᠤᠨ ᠲᠠᠰᠤᠭ",
        kind=RoomKind.READING_SEAT,
        public=True,
        who_may_book=WhoMayBook.RESIDENTS,
        equipment="",
    )
    assert_all_mongolian(mongolian.get(reverse("nearby:room", args=[room.pk])))
    url = reverse("nearby:room_request", args=[room.pk])
    assert_all_mongolian(mongolian.get(url))
    refused = mongolian.post(url, {"contact_name": "", "contact_phone": "1"})
    assert refused.status_code == 400
    assert_all_mongolian(refused)
