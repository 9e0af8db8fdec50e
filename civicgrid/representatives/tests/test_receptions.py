"""Receptions: recorded with their matters, a room booked for one still to come (a clash is
a 409 "room_taken" and nothing is saved), corrected with a log of who changed what, a matter
made a need once (channel "representative", the representative as its source), and the
counts equal a recount from the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from civicgrid.core.errors import Conflict, Invalid, NotAllowed
from civicgrid.needs.models import Channel, Need
from civicgrid.representatives import counts, receptions
from civicgrid.representatives.models import Reception, ReceptionChange, ReceptionMatter
from civicgrid.representatives.tests import factories as rf
from civicgrid.services import rooms
from civicgrid.services.models import RoomBooking, RoomBookingState

pytestmark = pytest.mark.django_db


def _ahead(days: int = 3) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_a_reception_is_recorded_with_its_matters_and_logged() -> None:
    r = rf.reps()
    day = timezone.localdate() - dt.timedelta(days=7)
    reception = rf.held(
        r,
        day=day,
        attendance=12,
        reps_present=[r.deputy, r.delegate],
        matters=("路灯不亮", "小区停车难"),
    )
    assert reception.attendance == 12
    assert reception.room_booking is None  # a past reception books no room
    assert list(reception.matters.values_list("summary", flat=True)) == ["路灯不亮", "小区停车难"]
    assert set(reception.representatives.all()) == {r.deputy, r.delegate}
    log = list(ReceptionChange.objects.filter(reception=reception))
    assert [(c.seq, c.action, c.actor) for c in log] == [(1, "record", r.w.dispatcher)]


def test_recording_refuses_what_makes_no_sense() -> None:
    r = rf.reps()
    base: dict[str, Any] = {
        "by": r.w.dispatcher,
        "station": r.station,
        "day": timezone.localdate(),
        "starts": dt.time(9),
        "ends": dt.time(11),
        "representatives": [r.deputy],
        "attendance": 3,
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"ends": dt.time(8)}, "end_before_start"),
        ({"representatives": []}, "representatives_required"),
        ({"attendance": -1}, "bad_attendance"),
        ({"day": timezone.localdate() + dt.timedelta(days=200)}, "too_far_ahead"),
        ({"matters": [receptions.MatterIn(summary=" ")]}, "summary_required"),
    ]
    for change, code in cases:
        with pytest.raises(Invalid) as failure:
            receptions.reception_record(**{**base, **change})
        assert failure.value.code == code
    for who in (r.w.stranger, r.w.leader):
        with pytest.raises(NotAllowed):
            receptions.reception_record(**{**base, "by": who})
    assert not Reception.objects.exists()


def test_a_reception_to_come_books_the_room_and_a_clash_is_refused() -> None:
    r = rf.reps()
    day = _ahead()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    other = rooms.room_book(
        room=r.room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        title="合唱排练",
        by=rooms.By(person=r.w.dispatcher),
    )
    with pytest.raises(Conflict) as failure:
        receptions.reception_record(
            by=r.w.dispatcher,
            station=r.station,
            day=day,
            starts=dt.time(9),
            ends=dt.time(11),
            representatives=[r.deputy],
        )
    assert failure.value.code == "room_taken"
    assert "starts" in failure.value.details["fields"]
    assert not Reception.objects.exists()
    rooms.room_cancel(booking=other, by=rooms.By(person=r.w.dispatcher), reason="改期")
    reception = receptions.reception_record(
        by=r.w.dispatcher,
        station=r.station,
        day=day,
        starts=dt.time(9),
        ends=dt.time(11),
        representatives=[r.deputy],
    )
    booking = RoomBooking.objects.get(pk=reception.room_booking_id or 0)
    assert (booking.room, booking.state) == (r.room, RoomBookingState.APPROVED)
    # Moved to the afternoon: the old booking is cancelled, a new one holds the new time.
    moved = receptions.reception_change(
        by=r.w.dispatcher,
        reception=reception,
        day=day,
        starts=dt.time(14),
        ends=dt.time(16),
        representatives=[r.deputy, r.delegate],
        attendance=0,
    )
    booking.refresh_from_db()
    assert booking.state == RoomBookingState.CANCELLED
    new = RoomBooking.objects.get(pk=moved.room_booking_id or 0)
    assert timezone.localtime(new.starts_at).time() == dt.time(14)
    change = ReceptionChange.objects.get(reception=reception, seq=2)
    assert change.action == "change"
    assert set(change.data) == {"starts", "ends", "representatives", "room_booking"}


def test_a_correction_that_clashes_leaves_everything_as_it_was() -> None:
    r = rf.reps()
    day = _ahead()
    reception = receptions.reception_record(
        by=r.w.dispatcher,
        station=r.station,
        day=day,
        starts=dt.time(9),
        ends=dt.time(10),
        representatives=[r.deputy],
    )
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(15)))
    rooms.room_book(
        room=r.room,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        title="书法班",
        by=rooms.By(person=r.w.dispatcher),
    )
    with pytest.raises(Conflict):
        receptions.reception_change(
            by=r.w.dispatcher,
            reception=reception,
            day=day,
            starts=dt.time(15),
            ends=dt.time(16),
            representatives=[r.deputy],
        )
    reception.refresh_from_db()
    assert reception.starts == dt.time(9)
    assert reception.room_booking is not None
    assert reception.room_booking.state == RoomBookingState.APPROVED
    assert ReceptionChange.objects.filter(reception=reception).count() == 1


def test_a_matter_becomes_a_need_once_linked_to_the_representative() -> None:
    r = rf.reps()
    reception = rf.held(
        r, day=timezone.localdate() - dt.timedelta(days=2), matters=("楼道堆放杂物",)
    )
    matter = reception.matters.get()
    need = receptions.matter_to_need(by=r.w.dispatcher, matter=matter, category=rf.category())
    matter.refresh_from_db()
    assert matter.need == need
    assert need.channel == Channel.REPRESENTATIVE
    assert need.source_person == r.deputy.person
    assert need.node == r.station.node
    assert need.description == "楼道堆放杂物"
    with pytest.raises(Conflict) as failure:
        receptions.matter_to_need(by=r.w.dispatcher, matter=matter, category=rf.category())
    assert failure.value.code == "already_need"
    with pytest.raises(NotAllowed):
        receptions.matter_to_need(by=r.w.leader, matter=matter, category=rf.category())
    assert Need.objects.filter(channel=Channel.REPRESENTATIVE).count() == 1
    assert [c.action for c in reception.changes.all()] == ["record", "need"]


def test_counts_equal_a_recount() -> None:
    r = rf.reps()
    today = timezone.localdate()
    rows = [
        (today - dt.timedelta(days=40), 8, [r.deputy], ("a", "b")),
        (today - dt.timedelta(days=20), 15, [r.deputy, r.delegate], ("c",)),
        (today - dt.timedelta(days=5), 0, [r.delegate, r.hidden, r.deputy], ()),
        (today - dt.timedelta(days=400), 99, [r.deputy], ("old",)),  # outside the period
    ]
    for day, people, present, matters in rows:
        rf.held(r, day=day, attendance=people, reps_present=present, matters=matters)
    first = ReceptionMatter.objects.filter(summary="c").get()
    receptions.matter_to_need(by=r.w.dispatcher, matter=first, category=rf.category())
    start, end = today - dt.timedelta(days=365), today
    figures = counts.reception_counts(r.w.t["town1"], start, end)
    inside = [row for row in rows if row[0] >= start]
    assert figures == {
        "receptions": len(inside),
        "people": sum(row[1] for row in inside),
        "participations": sum(len(row[2]) for row in inside),
        "matters": sum(len(row[3]) for row in inside),
        "needs": 1,
    }
    assert counts.reception_counts(r.w.t["town2"], start, end) == dict.fromkeys(counts.KEYS, 0)
    by_station = counts.counts_by_station(r.w.t["town1"], start, end)
    assert [(s["receptions"], s["people"], s["participations"]) for s in by_station] == [(3, 23, 6)]


def test_names_of_who_raised_a_matter_are_blanked_after_the_retention_period() -> None:
    from civicgrid.representatives import personal

    r = rf.reps()
    today = timezone.localdate()
    old = rf.held(r, day=today - dt.timedelta(days=4 * 365), matters=("旧事",))
    new = rf.held(r, day=today - dt.timedelta(days=30), matters=("新事",))
    assert personal.retention().names == 1
    assert old.matters.get().raised_by == "" and old.matters.get().summary == "旧事"
    assert new.matters.get().raised_by == "张大娘"
    exported = personal.personal_export(phone=rf.REP_MOBILE, by=r.w.dispatcher)
    assert [m["body"] for m in exported["representatives"]] == ["peoples_congress"]
    assert personal.phone_forget(phone=rf.REP_MOBILE, by=r.w.dispatcher).total == 0
