"""Texts about appointments (services.Booking) go through the messages to residents: queued in
the event's transaction, sent by the worker with the service, the time and the keyed link
(never the note, the address or a cancellation's reason), stopped by the resident on the
appointment's page, counted with the need messages to the same number, skipped once the
appointment's personal data is forgotten."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from civicgrid.needs.tests import factories as nf
from civicgrid.outreach import sending, texts
from civicgrid.outreach.models import Kind, MessageState, ResidentMessage
from civicgrid.services import access, bookings, personal
from civicgrid.services.bookings import By
from civicgrid.services.models import Booking
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db

NOTE = "头发很长，需要剪短"
ADDRESS = "三号楼二单元501"
REASON = "师傅病了"
PHONE = "13900001111"  # sf.book's


def told(booking: Booking, kind: str | None = None) -> list[ResidentMessage]:
    found = ResidentMessage.objects.filter(booking=booking).order_by("id")
    return list(found.filter(kind=kind) if kind else found)


def send(m: ResidentMessage, **kw) -> ResidentMessage:
    sending.send(m.pk, **kw)
    m.refresh_from_db()
    return m


@pytest.fixture
def log_backend(settings, caplog):
    settings.OUTREACH_BACKENDS = ["civicgrid.outreach.backends.log.LogBackend"]
    settings.SITE_URL = "https://grid.example.cn/"
    caplog.set_level(logging.INFO, logger="civicgrid.outreach")
    return caplog


def test_booked_queues_one_message_sent_through_the_log_with_the_keyed_link(log_backend):
    s = sf.shop()
    booking = sf.book(s.drains, mode="door", address=ADDRESS, note=NOTE)
    (m,) = told(booking)
    assert (m.kind, m.state, m.need_id, m.language) == (
        Kind.APPT_BOOKED,
        MessageState.QUEUED,
        None,
        booking.language,
    )
    m = send(m)
    assert m.state == MessageState.SENT and m.channel == "log"
    logged = " ".join(r.getMessage() for r in log_backend.records)
    assert f"k={access.booking_key(booking.pk)}" in logged and bookings.link(booking) in logged
    assert "疏通下水管道" in logged  # the service's name
    assert timezone.localtime(booking.starts_at).strftime("%H:%M") in logged  # the time
    for secret in (NOTE[:4], ADDRESS, "张大娘", PHONE):
        assert secret not in logged
    assert "139****1111" in logged  # the log masks the number


def test_a_residents_own_cancel_is_not_texted_back_and_the_workshops_is(log_backend):
    s = sf.shop()
    mine = sf.book(s.haircut, sf.slot_start(1, 9))
    bookings.booking_cancel(booking=mine, by=bookings.RESIDENT, reason="有事")
    assert [m.kind for m in told(mine)] == [Kind.APPT_BOOKED]
    theirs = sf.book(s.haircut, sf.slot_start(1, 10))
    bookings.booking_cancel(booking=theirs, by=By(s.master), reason=REASON)
    (m,) = told(theirs, Kind.APPT_CANCEL)
    assert send(m).state == MessageState.SENT
    logged = " ".join(r.getMessage() for r in log_backend.records)
    assert Kind.APPT_CANCEL in logged and f"k={access.booking_key(theirs.pk)}" in logged
    assert REASON not in logged  # read on the page
    # Staff of the place cancel too, and are heard the same way.
    third = sf.book(s.haircut, sf.slot_start(1, 11))
    bookings.booking_cancel(booking=third, by=By(s.w.dispatcher), reason=REASON)
    assert len(told(third, Kind.APPT_CANCEL)) == 1


def test_the_reminder_is_queued_once_by_remind_due():
    s = sf.shop()
    booking = sf.book(s.haircut, sf.slot_start(1, 9))
    now = booking.starts_at - dt.timedelta(hours=20)
    assert bookings.remind_due(now=now) == 1
    assert bookings.remind_due(now=now) == 0
    (m,) = told(booking, Kind.APPT_REMIND)
    assert m.state == MessageState.QUEUED
    # One row per event: the database refuses a second for the same event.
    with pytest.raises(IntegrityError), transaction.atomic():
        ResidentMessage.objects.create(
            booking=booking, kind=m.kind, event_seq=m.event_seq, language="zh-hans", next_try_at=now
        )


def test_done_asks_for_a_rating(fake):
    s = sf.shop()
    booking = sf.book(s.haircut)
    bookings.booking_done(booking=booking, by=By(s.master), done_note="剪好了", price_paid="1")
    (m,) = told(booking, Kind.APPT_DONE)
    assert send(m).state == MessageState.SENT
    (text,) = fake.sent
    assert text.kind == Kind.APPT_DONE and set(text.params) == {"service", "time", "link"}
    assert text.params["link"] == bookings.link(booking) and text.mobile == PHONE
    assert "剪好了" not in text.body


def test_stopped_messages_are_written_stopped_and_never_sent(fake):
    s = sf.shop()
    booking = sf.book(s.haircut, sf.slot_start(1, 9))
    (booked,) = told(booking)
    bookings.booking_stop_messages(booking=booking)
    booked.refresh_from_db()
    assert booked.state == MessageState.STOPPED  # the one still queued
    bookings.remind_due(now=booking.starts_at - dt.timedelta(hours=2))
    (reminder,) = told(booking, Kind.APPT_REMIND)
    assert reminder.state == MessageState.STOPPED  # written stopped
    assert sending.send(booked.pk) == sending.send(reminder.pk) == ""
    assert fake.sent == []
    # Resumed: the next news goes out again.
    bookings.booking_stop_messages(booking=booking, stop=False)
    bookings.booking_cancel(booking=booking, by=By(s.master), reason=REASON)
    (cancelled,) = told(booking, Kind.APPT_CANCEL)
    assert send(cancelled).state == MessageState.SENT


def test_stopped_after_it_was_queued_is_not_sent(fake):
    s = sf.shop()
    booking = sf.book(s.haircut)
    (m,) = told(booking)
    Booking.objects.filter(pk=booking.pk).update(messages_stopped_at=timezone.now())
    assert send(m).state == MessageState.STOPPED and fake.sent == []


def test_the_per_number_limit_counts_need_and_appointment_messages_together(fake, settings):
    settings.OUTREACH_PER_NUMBER_PER_HOUR = 2
    s = sf.shop()
    need = nf.raise_need(s.w, contact_phone=PHONE)
    about_need = ResidentMessage.objects.get(need=need, kind=Kind.RECEIVED)
    first = sf.book(s.haircut, sf.slot_start(1, 9))
    second = sf.book(s.haircut, sf.slot_start(1, 10))
    now = timezone.now()
    assert send(about_need, now=now).state == MessageState.SENT
    assert send(told(first)[0], now=now).state == MessageState.SENT
    held = send(told(second)[0], now=now)
    assert (held.state, held.attempts) == (MessageState.QUEUED, 0)  # postponed, not tried
    assert held.next_try_at >= now + dt.timedelta(minutes=59)
    # A need message to that number is held back by the appointment messages too.
    again = nf.raise_need(s.w, contact_phone=PHONE)
    m = send(ResidentMessage.objects.get(need=again, kind=Kind.RECEIVED), now=now)
    assert m.state == MessageState.QUEUED
    assert len(fake.sent) == 2


def test_a_forgotten_appointments_message_is_skipped(fake):
    s = sf.shop()
    booking = sf.book(s.haircut, sf.slot_start(1, 9))
    bookings.booking_cancel(booking=booking, by=By(s.master), reason=REASON)
    (m,) = told(booking, Kind.APPT_CANCEL)
    assert personal.forget_people(Booking.objects.filter(pk=booking.pk)) == 1
    m = send(m)
    assert (m.state, m.error) == (MessageState.SKIPPED, "no phone") and fake.sent == []


def test_an_appointment_message_does_not_show_among_a_needs(fake):
    """The need's messages panel and the personal export read need messages only."""
    from civicgrid.outreach.extensions import kept_about, messages_panel

    s = sf.shop()
    need = nf.raise_need(s.w, contact_phone=PHONE)
    sf.book(s.haircut)
    kept = kept_about([need])
    assert [m["kind"] for m in kept[need.pk]["messages"]] == [Kind.RECEIVED]
    panel = messages_panel(RequestFactory().get("/"), need)
    assert str(Kind.APPT_BOOKED.label) not in panel


def test_the_appointment_page_stops_and_resumes_texts_with_its_key():
    s = sf.shop()
    booking = sf.book(s.haircut)
    url = reverse("nearby:booking", args=[booking.pk])
    key = access.booking_key(booking.pk)
    c = Client()
    assert c.post(url, {"op": "stop"}).status_code == 404  # no key, no page
    assert c.post(url, {"op": "stop", "k": "nope"}).status_code == 404
    page = c.get(url, {"k": key})
    assert b'value="stop"' in page.content
    stopped = c.post(url, {"op": "stop", "k": key})
    assert stopped.status_code == 302
    booking.refresh_from_db()
    assert booking.messages_stopped_at is not None
    assert [m.state for m in told(booking)] == [MessageState.STOPPED]
    assert b'value="resume"' in c.get(stopped["Location"]).content
    assert c.post(url, {"op": "resume", "k": key}).status_code == 302
    booking.refresh_from_db()
    assert booking.messages_stopped_at is None
    actions = list(booking.events.order_by("seq").values_list("action", flat=True))
    assert actions == ["book", bookings.MESSAGES_STOP, bookings.MESSAGES_RESUME]


def test_the_page_shows_why_the_workshop_cancelled():
    s = sf.shop()
    booking = sf.book(s.haircut)
    bookings.booking_cancel(booking=booking, by=By(s.master), reason=REASON)
    page = Client().get(
        reverse("nearby:booking", args=[booking.pk]), {"k": access.booking_key(booking.pk)}
    )
    assert REASON in page.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en", "mn-mong"])
def test_the_appointment_texts_render_with_their_values(language):
    values = {"service": "一元理发", "time": "2026-12-03 09:00", "link": ""}
    for kind in (Kind.APPT_BOOKED, Kind.APPT_REMIND, Kind.APPT_CANCEL, Kind.APPT_DONE):
        body = texts.render(kind, language, values)
        assert "%(" not in body and "一元理发" in body, (kind, body)
