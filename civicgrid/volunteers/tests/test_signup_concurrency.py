"""Twelve members sign up for five places at the same moment, each on its own database
connection: exactly five are confirmed, seven wait, and the count is five.

Run on PostgreSQL (DATABASE_URL=postgres://…) this is the proof: the row lock and the
conditional UPDATE decide, with the `activity_not_overbooked` constraint behind them. On SQLite
the same test runs too (SQLite takes the write lock at BEGIN, so the sign-ups queue)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import Conflict
from civicgrid.network.models import Person, Role
from civicgrid.network.tests import factories as nf
from civicgrid.volunteers import activities as acts
from civicgrid.volunteers.models import Activity, ActivityState, SignUp, VolunteerEvent
from civicgrid.volunteers.tests import factories as cf

PEOPLE = 12
PLACES = 5


def race(activity_id: int, people: list[int], call) -> dict[int, object]:
    """Run `call(activity, person)` for every person at once, one thread and connection each."""
    barrier = threading.Barrier(len(people))
    results: dict[int, object] = {}

    def one(person_id: int) -> None:
        try:
            person = Person.objects.get(pk=person_id)
            activity = Activity.objects.get(pk=activity_id)
            barrier.wait(timeout=30)
            results[person_id] = call(activity, person)
        except Exception as exc:  # reported by the assertions below
            results[person_id] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=one, args=(pk,)) for pk in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_twelve_at_once_for_five_places(round_):
    c = cf.crew()
    activity = cf.activity(c, capacity=PLACES, state=ActivityState.OPEN)
    people = [
        nf.person(f"党员{i}", roles=[(Role.PARTY_MEMBER, c.w.t["comm1"])]).pk for i in range(PEOPLE)
    ]
    before = activity.starts_at - dt.timedelta(hours=3)

    results = race(
        activity.pk,
        people,
        lambda a, p: acts.activity_sign_up(activity=a, person=p, now=before).state,
    )

    assert len(results) == PEOPLE
    errors = [r for r in results.values() if isinstance(r, Exception)]
    assert not errors, errors
    states = sorted(results.values())
    assert states == ["confirmed"] * PLACES + ["waiting"] * (PEOPLE - PLACES)
    fresh = Activity.objects.get(pk=activity.pk)
    assert fresh.confirmed_count == PLACES
    assert SignUp.objects.filter(activity=activity, state="confirmed").count() == PLACES
    assert SignUp.objects.filter(activity=activity, state="waiting").count() == PEOPLE - PLACES
    # One event each, numbered 1…12 without a gap or a clash.
    seqs = sorted(VolunteerEvent.objects.filter(activity=activity).values_list("seq", flat=True))
    assert seqs == list(range(1, PEOPLE + 1))
    assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.django_db(transaction=True)
def test_the_same_member_twice_at_once_signs_up_once():
    c = cf.crew()
    activity = cf.activity(c, capacity=PLACES, state=ActivityState.OPEN)
    before = activity.starts_at - dt.timedelta(hours=3)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def one() -> None:
        try:
            person = Person.objects.get(pk=c.member.pk)
            mine = Activity.objects.get(pk=activity.pk)
            barrier.wait(timeout=30)
            results.append(acts.activity_sign_up(activity=mine, person=person, now=before).state)
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(map(str, results)) == ["already_signed_up", "confirmed"]
    assert Activity.objects.get(pk=activity.pk).confirmed_count == 1
