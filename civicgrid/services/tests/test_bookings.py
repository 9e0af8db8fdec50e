"""The appointment's state machine: the transition table written out by hand, the clock's
rules, booking's checks, seats, the events appended, and the messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.core.models import Notification
from civicgrid.services import bookings
from civicgrid.services.bookings import Action, By
from civicgrid.services.models import Booking, BookingState, Mode, ServiceEvent
from civicgrid.services.tests import factories as sf

pytestmark = pytest.mark.django_db

S = BookingState

# action → the states it leaves from, written out by hand (the module's TRANSITIONS must agree).
EXPECTED = {
    Action.CONFIRM: ({S.BOOKED}, S.CONFIRMED, {"provider", "staff"}),
    Action.DONE: ({S.BOOKED, S.CONFIRMED}, S.DONE, {"provider", "staff"}),
    Action.CANCEL: ({S.BOOKED, S.CONFIRMED}, S.CANCELLED, {"resident", "provider", "staff"}),
    Action.NO_SHOW: ({S.BOOKED, S.CONFIRMED}, S.NO_SHOW, {"provider", "staff"}),
    Action.RATE: ({S.DONE}, S.DONE, {"resident"}),
}


def test_the_transition_table_is_the_one_written_here():
    for action, (sources, target, actors) in EXPECTED.items():
        rule = bookings.TRANSITIONS[action]
        assert set(rule.sources) == sources, action
        assert rule.target == target, action
        assert {a.value for a in rule.actors} == actors, action
    assert set(bookings.TRANSITIONS) == set(EXPECTED)


def _at(booking: Booking, state: str) -> Booking:
    Booking.objects.filter(pk=booking.pk).update(state=state)
    booking.refresh_from_db()
    return booking


def _do(action: Action, booking: Booking, by: By, now: dt.datetime) -> None:
    if action == Action.CONFIRM:
        bookings.booking_confirm(booking=booking, by=by, now=now)
    elif action == Action.DONE:
        bookings.booking_done(booking=booking, by=by, done_note="修好了", now=now)
    elif action == Action.CANCEL:
        bookings.booking_cancel(booking=booking, by=by, reason="临时有事", now=now)
    elif action == Action.NO_SHOW:
        bookings.booking_no_show(booking=booking, by=by, now=now)
    else:
        if by != bookings.RESIDENT:
            raise NotAllowed("only the resident rates")
        bookings.booking_rate(booking=booking, rating=5, now=now)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("actor", ["resident", "provider", "staff", "reader", "stranger"])
def test_every_action_state_and_actor(action, state, actor):
    s = sf.shop()
    who = {
        "resident": bookings.RESIDENT,
        "provider": By(s.master),
        "staff": By(s.w.dispatcher),
        "reader": By(s.w.leader),
        "stranger": By(s.w.stranger),
    }[actor]
    booking = _at(sf.book(s.haircut), state)
    # The time has come (a no-show may be marked) but a resident could still cancel if
    # the clock allowed: test the table at the appointment's start, clock rules aside.
    now = booking.starts_at - dt.timedelta(minutes=1)
    if action == Action.NO_SHOW:
        now = booking.starts_at + dt.timedelta(minutes=5)
    sources, target, actors = EXPECTED[action]
    events_before = ServiceEvent.objects.filter(booking=booking).count()
    allowed = state in sources and actor in actors
    if allowed:
        _do(action, booking, who, now)
        booking.refresh_from_db()
        assert booking.state == target
        last = ServiceEvent.objects.filter(booking=booking).order_by("-seq").first()
        assert last.action == action and last.to_state == target
        assert last.seq == events_before + 1
    else:
        with pytest.raises((NotAllowed, Conflict)):
            _do(action, booking, who, now)
        booking.refresh_from_db()
        assert booking.state == state
        assert ServiceEvent.objects.filter(booking=booking).count() == events_before


def test_a_resident_cannot_cancel_once_it_has_begun_and_nobody_marks_a_no_show_before():
    s = sf.shop()
    booking = sf.book(s.haircut)
    with pytest.raises(Conflict) as begun:
        bookings.booking_cancel(
            booking=booking, by=bookings.RESIDENT, now=booking.starts_at + dt.timedelta(minutes=1)
        )
    assert begun.value.code == "not_now"
    with pytest.raises(Conflict) as early:
        bookings.booking_no_show(
            booking=booking, by=By(s.master), now=booking.starts_at - dt.timedelta(minutes=1)
        )
    assert early.value.code == "not_now"
    assert Booking.objects.get(pk=booking.pk).state == S.BOOKED


def test_staff_say_why_they_cancel_and_a_rating_is_given_once():
    s = sf.shop()
    booking = sf.book(s.haircut)
    with pytest.raises(Invalid) as failure:
        bookings.booking_cancel(booking=booking, by=By(s.master), reason=" ")
    assert failure.value.code == "reason_required"
    bookings.booking_done(booking=booking, by=By(s.master), done_note="剪好了", price_paid="1")
    bookings.booking_rate(booking=booking, rating=4, comment="手艺好")
    with pytest.raises(Conflict):
        bookings.booking_rate(booking=booking, rating=1)
    booking.refresh_from_db()
    assert (booking.rating, booking.rating_comment) == (4, "手艺好")
    assert booking.price_paid == Decimal("1.00")
    with pytest.raises(Invalid):
        bookings.booking_rate(booking=sf.book(s.haircut, sf.slot_start(2)), rating=6)


def test_booking_checks_say_what_to_fix():
    s = sf.shop()
    cases = [
        ({"resident_name": ""}, "name_required"),
        ({"resident_phone": "123"}, "phone_invalid"),
        ({"starts_at": sf.slot_start(1, 9, 10)}, "no_such_slot"),  # not a slot's start
        ({"starts_at": sf.slot_start(1, 21, 0)}, "no_such_slot"),  # closed
        ({"mode": Mode.DOOR}, "mode_not_offered"),  # the haircut is not door to door
        ({"mode": "teleport"}, "mode_not_offered"),
    ]
    for change, code in cases:
        with pytest.raises(Invalid) as failure:
            sf.book(s.haircut, **change)
        assert failure.value.code == code, change
    with pytest.raises(Invalid) as failure:
        sf.book(s.drains, mode=Mode.DOOR, address="")
    assert failure.value.code == "address_required"
    with pytest.raises(Invalid) as failure:
        sf.book(s.drains, mode=Mode.DOOR, address="二社区3号", node=s.w.t["comm2"])
    assert failure.value.code == "outside_area"
    past = timezone.now() - dt.timedelta(hours=1)
    past = past.replace(minute=0, second=0, microsecond=0)
    with pytest.raises(Invalid) as failure:
        sf.book(s.haircut, past)
    assert failure.value.code in {"slot_passed", "no_such_slot"}
    assert not Booking.objects.exists()


def test_a_slot_takes_as_many_bookings_as_the_service_has_chairs():
    s = sf.shop()
    at = sf.slot_start(1, 10)
    first = sf.book(s.haircut, at)
    second = sf.book(s.haircut, at, resident_name="李大爷", resident_phone="13900002222")
    assert {first.seat, second.seat} == {1, 2}
    with pytest.raises(Conflict) as failure:
        sf.book(s.haircut, at, resident_name="赵奶奶", resident_phone="13900003333")
    assert failure.value.code == "slot_taken"
    # A cancellation frees its chair for the next one.
    bookings.booking_cancel(booking=first, by=bookings.RESIDENT)
    third = sf.book(s.haircut, at, resident_name="赵奶奶", resident_phone="13900003333")
    assert third.seat == first.seat


def test_after_hours_slots_are_after_hours_and_door_bookings_carry_the_address():
    s = sf.shop()
    late = sf.book(s.mending, sf.slot_start(1, 18, 30), mode=Mode.APPOINTMENT)
    assert late.mode == Mode.AFTER_HOURS
    door = sf.book(s.drains, mode=Mode.DOOR, address="一社区5栋2单元301", node=s.w.t["gridA"])
    assert door.address == "一社区5栋2单元301" and door.node == s.w.t["gridA"]
    walk_in = sf.book(s.haircut, mode=Mode.WORKSHOP)
    assert walk_in.address == "" and walk_in.node == s.haircut.node


def test_staff_book_on_a_residents_behalf_and_strangers_may_not():
    s = sf.shop()
    made = sf.book(s.haircut, by=By(s.w.dispatcher))
    assert made.booked_by == s.w.dispatcher
    first = ServiceEvent.objects.get(booking=made)
    assert first.action == "book" and first.data["on_behalf"] is True
    for outsider in (s.w.stranger, s.w.leader):
        with pytest.raises(NotAllowed):
            sf.book(s.haircut, sf.slot_start(1, 11), by=By(outsider))


def test_the_provider_is_told_of_a_new_booking():
    s = sf.shop()
    sf.book(s.haircut)
    sf.book(s.mending)
    assert Notification.objects.filter(recipient=s.master, kind="booking_new").count() == 1
    assert Notification.objects.filter(recipient=s.tailor, kind="booking_new").count() == 1


def test_reminders_go_once_a_day_ahead():
    """The reminder is the "remind" event, once: the messages to residents turn it into one
    text (civicgrid/outreach/tests/test_bookings_outreach.py)."""
    from civicgrid.outreach.models import Kind, ResidentMessage

    s = sf.shop()
    soon = sf.book(s.haircut, sf.slot_start(1, 9))
    later = sf.book(s.haircut, sf.slot_start(3, 9))
    now = soon.starts_at - dt.timedelta(hours=20)
    assert bookings.remind_due(now=now) == 1
    assert bookings.remind_due(now=now) == 0
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.reminded_at == now and later.reminded_at is None
    assert ServiceEvent.objects.filter(booking=soon, action="remind").count() == 1
    reminders = ResidentMessage.objects.filter(kind=Kind.APPT_REMIND)
    assert list(reminders.values_list("booking_id", flat=True)) == [soon.pk]


def test_the_residents_texts_carry_the_keyed_link_and_no_note():
    """The texts are the messages to residents' (outreach): the service, the time and the
    keyed link; never the note, and a cancellation's reason is read on the page only."""
    from civicgrid.outreach import texts
    from civicgrid.outreach.models import Kind, ResidentMessage

    s = sf.shop()
    booking = sf.book(s.haircut, note="头发很长，需要剪短")
    key = f"k={bookings.access.booking_key(booking.pk)}"
    values = texts.booking_params(booking, booking.language)
    text = texts.render(Kind.APPT_BOOKED, booking.language, values)
    assert key in text and bookings.link(booking) in text
    assert "头发" not in text and "13900001111" not in text
    bookings.booking_cancel(booking=booking, by=By(s.master), reason="师傅病了")
    told = ResidentMessage.objects.filter(booking=booking)
    assert sorted(told.values_list("kind", flat=True)) == [Kind.APPT_BOOKED, Kind.APPT_CANCEL]
    cancelled = texts.render(Kind.APPT_CANCEL, booking.language, values)
    assert key in cancelled and "师傅病了" not in cancelled and "头发" not in cancelled
