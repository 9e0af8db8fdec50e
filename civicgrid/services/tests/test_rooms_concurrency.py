"""One room, one time, N people pressing "book" at once, each on their own database
connection as N app processes would: the database's guard lets one in and the others get a
clear refusal (`room_taken`), never a 500 and never a second booking."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civicgrid.core.errors import Conflict
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as nf
from civicgrid.services import rooms
from civicgrid.services.models import Room, RoomBooking, RoomBookingState, RoomKind
from civicgrid.services.tests.test_rooms import at

N = 8


def _race(target, n: int = N) -> list[object]:
    results: list[object] = []
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as failure:  # the test reads what each one got
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
def test_n_staff_book_the_same_room_and_time_at_once_one_booking_n_minus_one_refusals():
    """PostgreSQL's exclusion constraint decides between truly concurrent writers; on SQLite
    the writers take turns and the trigger refuses all but the first."""
    t = nf.region()
    staff = [nf.person(f"干部{i}", roles=[(Role.COMMUNITY_STAFF, t["comm1"])]) for i in range(N)]
    hall = Room.objects.create(node=t["comm1"], name="排练大厅", kind=RoomKind.HALL, capacity=120)

    def book(i: int) -> RoomBooking:
        return rooms.room_book(
            room=hall,
            starts_at=at(2, 9, 30 if i % 2 else 0),  # overlapping, not all the same start
            ends_at=at(2, 11),
            title=f"排练{i}",
            by=rooms.By(person=staff[i]),
        )

    results = _race(book)
    made = [r for r in results if isinstance(r, RoomBooking)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1, results
    assert len(refused) == N - 1, results
    assert {r.code for r in refused} == {"room_taken"}
    span = f"{timezone.localtime(made[0].starts_at):%H:%M}–11:00"
    assert all(span in r.message for r in refused), [r.message for r in refused]
    assert RoomBooking.objects.filter(state=RoomBookingState.APPROVED).count() == 1
    assert RoomBooking.objects.count() == 1


@pytest.mark.django_db
def test_a_second_overlapping_insert_is_refused_by_the_database():
    """On both databases (the SQLite triggers, the PostgreSQL constraint)."""
    t = nf.region()
    hall = Room.objects.create(node=t["comm1"], name="排练大厅", kind=RoomKind.HALL)
    row = {
        "room": hall,
        "starts_at": at(2, 9),
        "ends_at": at(2, 11),
        "title": "排练",
        "state": RoomBookingState.APPROVED,
        "created_at": timezone.now(),
    }
    RoomBooking.objects.create(**row)
    with pytest.raises(IntegrityError, match=rooms.OVERLAP), transaction.atomic():
        RoomBooking.objects.create(**(row | {"starts_at": at(2, 10), "ends_at": at(2, 12)}))
    with pytest.raises(IntegrityError, match=rooms.OVERLAP), transaction.atomic():
        RoomBooking.objects.create(**(row | {"state": RoomBookingState.REQUESTED}))
    RoomBooking.objects.create(**(row | {"starts_at": at(2, 11), "ends_at": at(2, 12)}))
    assert RoomBooking.objects.count() == 2
