"""No double booking under real concurrency: N residents press "book" on the one free slot at
the same moment, each on their own database connection, as N app processes would. The
database's guard (an exclusion constraint on PostgreSQL, triggers on SQLite) lets one in; the
others get a clear refusal, never a 500 and never a second booking."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from civicgrid.core.errors import Conflict
from civicgrid.services import bookings
from civicgrid.services.models import Booking, BookingState, Mode
from civicgrid.services.tests import factories as sf

N = 8


def _race(target, n: int = N) -> list[object]:
    results: list[object] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as failure:
            results.append(failure)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_n_clients_one_slot_one_booking_and_n_minus_one_clear_refusals():
    s = sf.shop()
    at = sf.slot_start(2, 10)

    def book(i: int) -> Booking:
        return bookings.booking_book(
            service=s.drains,
            starts_at=at,
            mode=Mode.DOOR,
            resident_name=f"居民{i}",
            resident_phone=f"1390000{i:04d}",
            address=f"一社区{i}号",
            by=bookings.RESIDENT,
        )

    results = _race(book)
    made = [r for r in results if isinstance(r, Booking)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1, results
    assert len(refused) == N - 1, results
    assert {r.code for r in refused} == {"slot_taken"}
    assert all(r.message and r.details["fields"]["slot"] for r in refused)  # said on the form
    assert Booking.objects.filter(state=BookingState.BOOKED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_n_clients_on_a_two_chair_slot_get_two_bookings():
    s = sf.shop()
    at = sf.slot_start(2, 11)

    def book(i: int) -> Booking:
        return sf.book(s.haircut, at, resident_phone=f"1390000{i:04d}")

    results = _race(book)
    made = [r for r in results if isinstance(r, Booking)]
    assert len(made) == 2, results
    assert sorted(b.seat for b in made) == [1, 2]
    assert sum(isinstance(r, Conflict) for r in results) == N - 2


@pytest.mark.django_db
def test_the_guard_refuses_any_overlap_not_only_the_same_start():
    """A row written past the services (a slot moved by changed hours, an import) is refused
    too when it overlaps a live booking of the same seat."""
    s = sf.shop()
    first = sf.book(s.drains, sf.slot_start(3, 9), mode=Mode.DOOR, address="一社区1号")
    overlapping = {
        "service": s.drains,
        "seat": 1,
        "starts_at": first.starts_at + dt.timedelta(minutes=20),
        "ends_at": first.ends_at + dt.timedelta(minutes=20),
        "mode": Mode.DOOR,
        "resident_name": "李",
        "resident_phone": "13900009999",
        "node": s.drains.node,
        "created_at": first.created_at,
    }
    with pytest.raises(IntegrityError, match=bookings.OVERLAP), transaction.atomic():
        Booking.objects.create(**overlapping)
    # Back to back is not an overlap; a cancelled booking holds nothing.
    Booking.objects.create(
        **(
            overlapping
            | {"starts_at": first.ends_at, "ends_at": first.ends_at + dt.timedelta(hours=1)}
        )
    )
    Booking.objects.create(**(overlapping | {"state": BookingState.CANCELLED}))
    with pytest.raises(IntegrityError, match=bookings.OVERLAP), transaction.atomic():
        Booking.objects.filter(state=BookingState.CANCELLED).update(state=BookingState.BOOKED)
