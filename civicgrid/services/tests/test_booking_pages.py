"""The appointment's pages: the resident books without an account (one-time key, clear
messages), keeps a keyed page to cancel or rate; the provider's phone list with the address;
staff book for a resident; phones masked and revealed on a button, logged; the ledger."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.core.models import RevealLog
from civicgrid.services import access, bookings
from civicgrid.services.bookings import By
from civicgrid.services.models import Booking, BookingState, Mode
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db


def _as(person) -> Client:
    c = Client()
    c.force_login(person)
    return c


def _form(client: Client, service, day: str) -> dict[str, str]:
    page = client.get(reverse("nearby:service", args=[service.pk]), {"day": day})
    assert page.status_code == 200
    html = page.content.decode()
    once = re.search(r'name="once" value="([^"]+)"', html)
    slot = re.search(r'name="slot" value="([^"]+)"', html)
    assert once and slot
    return {"once": once.group(1), "slot": slot.group(1), "day": day}


def test_a_resident_books_once_however_often_the_form_is_sent():
    s = sf.shop()
    c = Client()
    day = sf.slot_start(1).date().isoformat()
    data = _form(c, s.drains, day) | {
        "mode": Mode.DOOR,
        "resident_name": "张大娘",
        "resident_phone": "139 0000 1111",
        "address": "一社区5栋301",
    }
    url = reverse("nearby:service", args=[s.drains.pk])
    first = c.post(url, data)
    assert first.status_code == 302
    again = c.post(url, data)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    booking = Booking.objects.get()
    assert booking.address == "一社区5栋301" and booking.resident_phone == "13900001111"
    page = c.get(first["Location"])
    assert page.status_code == 200
    assert "一社区5栋301" in page.content.decode()


def test_bad_input_is_shown_on_the_form_and_nothing_is_saved():
    s = sf.shop()
    c = Client()
    day = sf.slot_start(1).date().isoformat()
    data = _form(c, s.drains, day) | {
        "mode": Mode.DOOR,
        "resident_name": "张",
        "resident_phone": "12",
    }
    answer = c.post(reverse("nearby:service", args=[s.drains.pk]), data)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "phone" in text.lower() or "手机" in text
    assert not Booking.objects.exists()
    data |= {"resident_phone": "13900001111", "address": ""}
    answer = c.post(reverse("nearby:service", args=[s.drains.pk]), data)
    assert answer.status_code == 400 and "address" in answer.content.decode().lower()
    assert not Booking.objects.exists()


def test_the_appointment_page_needs_its_key_and_lets_the_resident_cancel_then_rate():
    s = sf.shop()
    booking = sf.book(s.haircut)
    url = reverse("nearby:booking", args=[booking.pk])
    c = Client()
    assert c.get(url).status_code == 404
    assert c.get(url, {"k": "0" * 12}).status_code == 404
    key = access.booking_key(booking.pk)
    assert c.get(url, {"k": key}).status_code == 200
    done = c.post(url, {"k": key, "op": "cancel", "reason": "有事"})
    assert done.status_code == 302
    assert Booking.objects.get(pk=booking.pk).state == BookingState.CANCELLED
    other = sf.book(s.haircut, sf.slot_start(2))
    bookings.booking_done(booking=other, by=By(s.master), done_note="剪好了")
    key2 = access.booking_key(other.pk)
    rate_url = reverse("nearby:booking", args=[other.pk])
    assert c.post(rate_url, {"k": key2, "op": "rate", "rating": "9"}).status_code == 400
    assert (
        c.post(rate_url, {"k": key2, "op": "rate", "rating": "5", "comment": "好"}).status_code
        == 302
    )
    assert Booking.objects.get(pk=other.pk).rating == 5
    # A key opens its own appointment only.
    assert c.get(rate_url, {"k": key}).status_code == 404


def test_the_providers_phone_list_shows_the_address_and_others_see_nothing():
    s = sf.shop()
    sf.book(s.drains, mode=Mode.DOOR, address="一社区5栋301")
    mine = _as(s.master).get(reverse("services:my_appointments"))
    assert mine.status_code == 200 and "一社区5栋301" in mine.content.decode()
    tailor = _as(s.tailor).get(reverse("services:my_appointments"))
    assert tailor.status_code == 200 and "一社区5栋301" not in tailor.content.decode()


def test_staff_of_another_place_get_404_and_a_leader_reads_masked_and_may_not_act():
    s = sf.shop()
    booking = sf.book(s.drains, mode=Mode.DOOR, address="一社区5栋301")
    url = reverse("services:appointment", args=[booking.pk])
    assert _as(s.w.stranger).get(url).status_code == 404
    leader = _as(s.w.leader)
    page = leader.get(url).content.decode()
    assert "139****1111" in page and "13900001111" not in page and "一社区5栋301" not in page
    refused = leader.post(reverse("services:appointment_act", args=[booking.pk]), {"op": "confirm"})
    assert refused.status_code in (400, 403)
    assert Booking.objects.get(pk=booking.pk).state == BookingState.BOOKED
    assert leader.post(reverse("services:appointment_phone", args=[booking.pk])).status_code == 403
    assert not RevealLog.objects.exists()


def test_the_provider_confirms_records_and_reveals_the_phone_logged():
    s = sf.shop()
    booking = sf.book(s.haircut)
    c = _as(s.master)
    act = reverse("services:appointment_act", args=[booking.pk])
    assert c.post(act, {"op": "confirm"}).status_code == 302
    missing = c.post(act, {"op": "done", "done_note": ""})
    assert missing.status_code == 400
    assert c.post(act, {"op": "done", "done_note": "剪好了", "price_paid": "1"}).status_code == 302
    booking.refresh_from_db()
    assert booking.state == BookingState.DONE and str(booking.price_paid) == "1.00"
    shown = c.post(reverse("services:appointment_phone", args=[booking.pk]))
    assert "13900001111" in shown.content.decode()
    assert RevealLog.objects.filter(actor=s.master, subject=f"booking:{booking.pk}").count() == 1


def test_staff_book_for_a_resident_from_the_console():
    s = sf.shop()
    c = _as(s.w.dispatcher)
    day = sf.slot_start(1).date().isoformat()
    page = c.get(reverse("services:service", args=[s.haircut.pk]), {"day": day})
    slot = re.search(r'<option value="(\d{4}-\d\d-\d\dT\d\d:\d\d)"', page.content.decode()).group(1)
    made = c.post(
        reverse("services:service_book", args=[s.haircut.pk]),
        {
            "slot": slot,
            "mode": Mode.WORKSHOP,
            "resident_name": "李大爷",
            "resident_phone": "13900002222",
        },
    )
    assert made.status_code == 302
    assert Booking.objects.get().booked_by == s.w.dispatcher
    assert (
        _as(s.w.stranger)
        .post(reverse("services:service_book", args=[s.haircut.pk]), {"slot": slot})
        .status_code
        == 404
    )


def test_the_ledger_counts_what_was_done_and_opens_in_excel():
    s = sf.shop()
    done = sf.book(s.drains, mode=Mode.DOOR, address="一社区1号")
    bookings.booking_done(booking=done, by=By(s.master), done_note="通了", price_paid="20")
    sf.book(s.haircut)
    c = _as(s.w.dispatcher)
    year = done.starts_at.year
    page = c.get(reverse("services:ledger"), {"node": s.w.t["comm1"].pk, "year": year})
    assert page.status_code == 200
    assert page.context["total"].done == 1 and page.context["total"].door == 1
    assert page.context["total"].booked == 2
    book = c.get(reverse("services:ledger_xlsx"), {"node": s.w.t["comm1"].pk, "year": year})
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).worksheets[0]  # appointments
    values = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=4)]
    assert any(row[2] == "疏通下水管道" and row[5] == 1 and row[10] == 20 for row in values)
    assert (
        _as(s.w.stranger).get(reverse("services:ledger"), {"node": s.w.t["comm1"].pk}).status_code
        == 404
    )


def test_the_booking_pages_are_never_kept_by_the_browser():
    s = sf.shop()
    booking = sf.book(s.haircut)
    c = Client()
    page = c.get(
        reverse("nearby:booking", args=[booking.pk]), {"k": access.booking_key(booking.pk)}
    )
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    form = c.get(reverse("nearby:service", args=[s.haircut.pk]))
    assert "no-store" in form["Cache-Control"]


def test_a_service_is_given_by_a_provider_of_the_staffs_area_only():
    from civicgrid.core.errors import Invalid
    from civicgrid.network.models import Role
    from civicgrid.network.tests import factories as nf
    from civicgrid.services import catalogue

    s = sf.shop()
    far = nf.person("远处的师傅", roles=[(Role.PROVIDER, s.w.t["comm2"])])
    values = {"name": "修伞", "kind": "other", "node": s.w.t["comm1"], "at_workshop": True}
    with pytest.raises(Invalid) as failure:
        catalogue.service_save(by=s.w.dispatcher, values=values | {"provider_person": far})
    assert failure.value.code == "provider"
    made = catalogue.service_save(by=s.w.dispatcher, values=values | {"provider_person": s.tailor})
    assert made.provider_person == s.tailor
