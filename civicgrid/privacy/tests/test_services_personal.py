"""Appointments and room bookings keep a resident's name and phone (and an appointment the
address, what was asked and the rating's comment): the person's data export lists them,
removal by phone forgets them once closed, the retention run forgets old closed ones, all
within the same reach as needs; the counts and the ledger never change; the services' lists
and ledger never show a phone in full (services/personal.py, docs/privacy.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import threading

import openpyxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from civicgrid.core.models import RevealLog
from civicgrid.network.models import Person
from civicgrid.privacy import services
from civicgrid.services import bookings, counts, personal, rooms
from civicgrid.services.bookings import By
from civicgrid.services.models import (
    Booking,
    BookingState,
    Mode,
    Room,
    RoomBooking,
    RoomBookingState,
    RoomKind,
    WhoMayBook,
)
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db

PHONE = "13900001111"  # the factories' resident
MASKED = "139****1111"
OTHER = "13700002222"


def staff(s: sf.Shop) -> By:
    return By(person=s.w.dispatcher)


def reading_room(s: sf.Shop) -> Room:
    return Room.objects.create(
        node=s.w.t["comm1"],
        name="阅览室",
        kind=RoomKind.FUNCTION,
        who_may_book=WhoMayBook.RESIDENTS,
        days_ahead=60,
    )


def room_booking(
    s: sf.Shop, room: Room, starts_at: dt.datetime, *, now: dt.datetime | None = None
) -> RoomBooking:
    return rooms.room_book(
        room=room,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
        title="读书会",
        by=rooms.RESIDENT,
        contact_name="张大娘",
        contact_phone=PHONE,
        now=now,
    )


def done_and_rated(s: sf.Shop, *, days: int = 1, now: dt.datetime | None = None) -> Booking:
    """A door-to-door appointment, done and rated by the resident with a comment."""
    b = sf.book(
        s.drains,
        sf.slot_start(days, 10),
        mode=Mode.DOOR,
        address="一社区5栋301",
        note="厨房下水堵了",
        by=staff(s) if days < 1 else bookings.RESIDENT,
        now=now,
    )
    bookings.booking_done(booking=b, by=staff(s), done_note="通了", price_paid="20", now=now)
    return bookings.booking_rate(booking=b, rating=4, comment="师傅很好", now=now)


def everything(s: sf.Shop) -> counts.Figures:
    start = timezone.now() - dt.timedelta(days=400)
    return counts.figures(s.w.t["banner"], start, start + dt.timedelta(days=800))


def ledger(s: sf.Shop) -> tuple[list, list]:
    start = timezone.now() - dt.timedelta(days=400)
    end = start + dt.timedelta(days=800)
    node = s.w.t["banner"]
    return counts.appointment_rows(node, start, end), counts.room_rows(node, start, end)


# --- The export ---------------------------------------------------------------------------------


def test_the_export_lists_the_appointments_and_room_bookings_made_with_the_phone():
    s = sf.shop()
    when = sf.slot_start(2, 9)
    sf.book(s.haircut, when, note="剪短一点")
    sf.book(s.haircut, sf.slot_start(2, 10), resident_phone=OTHER)  # someone else
    room_booking(s, reading_room(s), sf.slot_start(3, 14))
    data = services.personal_data_export(phone=PHONE, by=s.w.dispatcher, via="console")
    [row] = data["appointments"]
    assert row["service"] == s.haircut.label and row["place"] == s.w.t["comm1"].name
    assert row["starts_at"] == timezone.localtime(when).isoformat()
    assert (row["resident_name"], row["phone"], row["note"]) == ("张大娘", PHONE, "剪短一点")
    assert row["state"] == BookingState.BOOKED
    [room] = data["room_bookings"]
    assert (room["room"], room["contact_name"], room["phone"]) == ("阅览室", "张大娘", PHONE)
    # The operator sees them too.
    everything_held = services.personal_data_export(phone=PHONE, by=None, via="command")
    assert len(everything_held["appointments"]) == 1 and len(everything_held["room_bookings"]) == 1


def test_another_areas_staff_neither_export_nor_remove_them():
    s = sf.shop()
    b = done_and_rated(s)
    room = room_booking(s, reading_room(s), sf.slot_start(3, 14))
    rooms.room_cancel(booking=room, by=rooms.By(person=s.w.dispatcher), reason="停电")
    data = services.personal_data_export(phone=PHONE, by=s.w.stranger, via="console")
    assert data["appointments"] == [] and data["room_bookings"] == []
    result = services.phone_anonymise(phone=PHONE, by=s.w.stranger, reason="本人要求", via="x")
    assert (result.appointments, result.room_bookings, result.bookings_open) == (0, 0, [])
    b.refresh_from_db()
    room.refresh_from_db()
    assert b.resident_phone == PHONE and room.contact_phone == PHONE
    # The reach is the same rule as needs': the town's staff reach community 1.
    assert personal.bookings_in_reach(s.w.town_staff).filter(pk=b.pk).exists()
    assert not personal.bookings_in_reach(s.w.leader).exists()


# --- Removal by phone -----------------------------------------------------------------------------


def test_removal_forgets_a_closed_appointment_and_keeps_its_rating_state_and_counts():
    s = sf.shop()
    b = done_and_rated(s)
    room = room_booking(s, reading_room(s), sf.slot_start(3, 14))
    rooms.room_cancel(booking=room, by=rooms.By(person=s.w.dispatcher), reason="停电")
    figures, rows = everything(s), ledger(s)
    result = services.phone_anonymise(phone=PHONE, by=s.w.dispatcher, reason="本人要求", via="x")
    assert (result.appointments, result.room_bookings, result.bookings_open) == (1, 1, [])
    b.refresh_from_db()
    assert (b.resident_name, b.resident_phone, b.address, b.note, b.rating_comment) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert (b.state, b.rating, b.mode, str(b.price_paid)) == (BookingState.DONE, 4, "door", "20.00")
    room.refresh_from_db()
    assert (room.contact_name, room.contact_phone) == ("", "")
    assert room.state == RoomBookingState.CANCELLED and room.title == "读书会"
    assert everything(s) == figures and ledger(s) == rows
    assert figures.done == 1 and figures.rated == 1
    # Asked again: nothing left to forget.
    again = services.phone_anonymise(phone=PHONE, by=s.w.dispatcher, reason="再次", via="x")
    assert (again.appointments, again.room_bookings) == (0, 0)


def test_an_open_appointment_is_left_and_reported():
    s = sf.shop()
    when = sf.slot_start(2, 9)
    waiting = sf.book(s.haircut, when)
    room = room_booking(s, reading_room(s), sf.slot_start(3, 14))  # approved, ahead: open
    result = services.phone_anonymise(phone=PHONE, by=s.w.dispatcher, reason="本人要求", via="x")
    assert (result.appointments, result.room_bookings) == (0, 0)
    assert result.bookings_open == [
        f"{s.haircut.label} {timezone.localtime(when):%Y-%m-%d %H:%M}",
        f"阅览室 {timezone.localtime(room.starts_at):%Y-%m-%d %H:%M}",
    ]
    waiting.refresh_from_db()
    room.refresh_from_db()
    assert waiting.resident_phone == PHONE and waiting.resident_name == "张大娘"
    assert room.contact_phone == PHONE


# --- Retention ------------------------------------------------------------------------------------


def _held() -> list[tuple]:
    return list(
        Booking.objects.order_by("pk").values_list(
            "pk", "state", "resident_name", "resident_phone", "address", "rating", "rating_comment"
        )
    ) + list(
        RoomBooking.objects.order_by("pk").values_list(
            "pk", "state", "contact_name", "contact_phone"
        )
    )


@override_settings(NEED_RETENTION_DAYS=30)
def test_retention_forgets_old_closed_ones_only_and_runs_twice_without_change():
    s = sf.shop()
    long_ago = sf.slot_start(-40, 10)
    old_done = done_and_rated(s, days=-40, now=long_ago + dt.timedelta(hours=2))
    old_cancelled = sf.book(s.haircut, sf.slot_start(-40, 9), by=staff(s), now=long_ago)
    bookings.booking_cancel(booking=old_cancelled, by=staff(s), reason="师傅病了", now=long_ago)
    old_open = sf.book(s.haircut, sf.slot_start(-40, 11), by=staff(s), now=long_ago)
    recent = done_and_rated(s, days=-5, now=sf.slot_start(-5, 12))
    room = reading_room(s)
    old_room = room_booking(s, room, sf.slot_start(-40, 14), now=sf.slot_start(-41, 9))
    recent_room = room_booking(s, room, sf.slot_start(-5, 14), now=sf.slot_start(-6, 9))
    figures, rows = everything(s), ledger(s)

    services.anonymise_expired()
    for b in (old_done, old_cancelled, old_open, recent):
        b.refresh_from_db()
    assert (old_done.resident_phone, old_done.address, old_done.rating_comment) == ("", "", "")
    assert old_done.rating == 4 and old_done.state == BookingState.DONE
    assert old_cancelled.resident_name == "" and old_cancelled.resident_phone == ""
    assert old_open.resident_phone == PHONE  # still booked: open, kept
    assert recent.resident_phone == PHONE and recent.rating_comment == "师傅很好"
    old_room.refresh_from_db()
    recent_room.refresh_from_db()
    assert (old_room.contact_name, old_room.contact_phone) == ("", "")
    assert recent_room.contact_phone == PHONE
    assert everything(s) == figures and ledger(s) == rows

    held = _held()
    services.anonymise_expired()
    assert _held() == held
    assert personal.retention() == personal.Forgotten()


@override_settings(NEED_RETENTION_DAYS=30)
def test_retention_in_small_batches_forgets_them_all_and_zero_keeps_everything():
    s = sf.shop()
    for hour in (9, 10, 11):
        b = sf.book(s.haircut, sf.slot_start(-40, hour), by=staff(s))
        bookings.booking_no_show(booking=b, by=staff(s))
    assert personal.retention(batch=2) == personal.Forgotten(appointments=3)
    assert not Booking.objects.exclude(resident_phone="").exists()
    b = sf.book(s.haircut, sf.slot_start(-40, 12), by=staff(s))
    bookings.booking_no_show(booking=b, by=staff(s))
    with override_settings(NEED_RETENTION_DAYS=0):
        assert personal.retention() == personal.Forgotten()
    b.refresh_from_db()
    assert b.resident_phone == PHONE


def test_forget_people_counts_each_record_once():
    s = sf.shop()
    done_and_rated(s)
    found = personal.bookings_in_reach(None).filter(resident_phone=PHONE)
    assert personal.forget_people(found) == 1
    assert personal.forget_people(personal.bookings_in_reach(None)) == 0
    assert dataclasses.asdict(personal.Forgotten(1, 2)) == {"appointments": 1, "room_bookings": 2}


# --- Masking: the services' lists and ledger ---------------------------------------------------


def console(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_services_lists_and_ledger_never_show_the_phone_in_full():
    cache.clear()
    s = sf.shop()
    b = sf.book(s.drains, sf.slot_start(1, 10), mode=Mode.DOOR, address="一社区5栋301")
    room = room_booking(s, reading_room(s), sf.slot_start(3, 14))
    day = timezone.localtime(b.starts_at).date().isoformat()
    # A grid worker of grid A does not read the workshop of community 1 (the list is empty).
    for who in (s.w.dispatcher, s.w.town_staff, s.w.grid_worker, s.w.leader, s.master):
        page = console(who).get(reverse("services:appointments"), {"from": day, "to": day})
        assert page.status_code == 200, who.name
        body = page.content.decode()
        assert PHONE not in body, who.name
        assert (MASKED in body) == (who != s.w.grid_worker), who.name
    for who in (s.w.dispatcher, s.w.leader):
        page = console(who).get(reverse("services:room_booking", args=[room.pk]))
        assert page.status_code == 200, who.name
        assert PHONE not in page.content.decode(), who.name
        # The ledger holds no personal data at all, for anyone.
        book = console(who).get(
            reverse("services:ledger_xlsx"),
            {"node": s.w.t["comm1"].pk, "year": b.starts_at.year},
        )
        sheets = openpyxl.load_workbook(io.BytesIO(book.content)).worksheets
        text = " ".join(str(c.value) for sheet in sheets for row in sheet.iter_rows() for c in row)
        for held in (PHONE, MASKED, "张大娘", "一社区5栋301"):
            assert held not in text, (who.name, held)
    assert not RevealLog.objects.exists()


# --- Two retention runs at once ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@override_settings(NEED_RETENTION_DAYS=30)
def test_two_retention_runs_at_once_forget_each_appointment_once():
    """Each run on its own connection, as two workers would: the conditional UPDATE clears a
    row once (the second run's UPDATE finds it empty after the first commits), neither fails."""
    s = sf.shop()
    for hour in range(8, 18):
        b = sf.book(s.haircut, sf.slot_start(-40, hour), by=staff(s))
        bookings.booking_no_show(booking=b, by=staff(s))
    results: list[object] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        try:
            barrier.wait()
            results.append(personal.retention(batch=3))
        except Exception as failure:  # the test reads what each one got
            results.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, personal.Forgotten) for r in results), results
    assert sum(r.appointments for r in results if isinstance(r, personal.Forgotten)) == 10
    assert not Booking.objects.exclude(resident_phone="").exists()


def test_the_excel_export_has_the_persons_appointments_room_bookings_and_wishes():
    """The workbook holds what the JSON export holds: a sheet per kind of record, appointments
    and room bookings included (and the micro-wishes posted for the person)."""
    import io

    import openpyxl
    from django.utils.translation import gettext, pgettext

    from civicgrid.privacy import exports
    from civicgrid.privacy import services as privacy_services

    s = sf.shop()
    sf.book(s.drains, mode="door", address="一社区5栋301", resident_phone="13900001111")
    data = privacy_services.personal_data_export(phone="13900001111", by=None, via="command")
    assert data["appointments"]
    book = openpyxl.load_workbook(io.BytesIO(exports.as_xlsx(data)))
    sheets = {gettext("Appointments"), pgettext("export sheet", "Room bookings")}
    assert sheets | {gettext("Micro-wishes")} <= set(book.sheetnames)
    cells = [c.value for r in book[gettext("Appointments")].iter_rows() for c in r]
    assert "疏通下水管道" in cells and "一社区5栋301" in cells and "13900001111" in cells
