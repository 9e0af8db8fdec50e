"""The services counted: appointments by state and way, rooms in hours, for a place and its
subtree; the monthly report's sentence (为群众提供便民服务N次)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from civicgrid.insights.kpis import Period
from civicgrid.insights.report import monthly_report
from civicgrid.services import bookings, counts
from civicgrid.services.bookings import By
from civicgrid.services.models import Mode, Room, RoomBooking, RoomKind
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db


def test_figures_count_by_state_and_way_and_rooms_in_hours():
    s = sf.shop()
    door = sf.book(s.drains, mode=Mode.DOOR, address="一社区1号")
    bookings.booking_done(booking=door, by=By(s.master), done_note="通了", price_paid="20")
    late = sf.book(s.mending, sf.slot_start(1, 18, 30))
    bookings.booking_done(booking=late, by=By(s.tailor), done_note="补好了")
    missed = sf.book(s.haircut)
    bookings.booking_no_show(booking=missed, by=By(s.master), now=missed.starts_at)
    gone = sf.book(s.haircut, sf.slot_start(1, 11))
    bookings.booking_cancel(booking=gone, by=bookings.RESIDENT)
    bookings.booking_rate(booking=door, rating=4)
    room = Room.objects.create(node=s.w.t["comm1"], name="活动室", kind=RoomKind.FUNCTION)
    start = sf.slot_start(1, 9)
    RoomBooking.objects.create(
        room=room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2, minutes=30),
        state="approved",
        title="合唱排练",
        created_at=timezone.now(),
    )
    RoomBooking.objects.create(
        room=room,
        starts_at=start + dt.timedelta(hours=3),
        ends_at=start + dt.timedelta(hours=4),
        state="refused",
        title="x",
        created_at=timezone.now(),
    )
    day = start.replace(hour=0, minute=0)
    f = counts.figures(s.w.t["town1"], day, day + dt.timedelta(days=1))
    assert (f.booked, f.done, f.no_shows, f.cancelled) == (3, 2, 1, 1)
    assert (f.door, f.after_hours, f.rated, f.rating) == (1, 1, 1, 4.0)
    assert f.paid == Decimal(20)
    assert (f.room_bookings, f.room_hours) == (1, 2.5)
    assert counts.figures(s.w.t["town2"], day, day + dt.timedelta(days=1)).booked == 0
    rows = counts.room_rows(s.w.t["comm1"], day, day + dt.timedelta(days=1))
    assert rows == [
        {
            "month": f"{start:%Y-%m}",
            "place": "一社区",
            "room": "活动室",
            "bookings": 1,
            "hours": 2.5,
        }
    ]


def test_the_monthly_report_says_how_often_services_were_given():
    s = sf.shop()
    done = sf.book(s.drains, mode=Mode.DOOR, address="一社区1号")
    bookings.booking_done(booking=done, by=By(s.master), done_note="通了")
    local = timezone.localtime(done.starts_at)
    with translation.override("en"):
        report = monthly_report(s.w.t["town1"], Period.month(local.year, local.month))
    assert report.services.done == 1
    assert report.services_sentence.startswith(
        "Convenience services were given to residents 1 time (1 door to door, 0 after hours)."
    )
    empty = monthly_report(s.w.t["town2"], Period.month(local.year, local.month))
    assert empty.services_sentence == ""


def test_the_ledgers_months_add_up_to_the_year_in_two_reads(django_assert_num_queries):
    s = sf.shop()
    for hour in (9, 10, 11):
        made = sf.book(s.haircut, sf.slot_start(1, hour), resident_phone=f"1390000{hour:04d}")
        bookings.booking_done(booking=made, by=By(s.master), done_note="好", price_paid="1")
        bookings.booking_rate(booking=made, rating=3 + hour % 3)
    sf.book(s.drains, mode=Mode.DOOR, address="一社区1号")
    year = sf.slot_start(1).year
    with django_assert_num_queries(2):
        months = counts.by_month(s.w.t["comm1"], year)
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    whole = counts.figures(s.w.t["comm1"], start, timezone.make_aware(dt.datetime(year + 1, 1, 1)))
    assert counts.combined([f for _label, f in months]) == whole
    assert months[0][0] == f"{year}-01" and len(months) == 12
