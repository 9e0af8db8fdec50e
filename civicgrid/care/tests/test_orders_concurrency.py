"""Orders under real concurrency: N people order the last meals of a point at the same moment,
each on their own database connection, as N app processes would. The point's row lock counts
them one at a time; the database's partial unique index keeps one live order a person a day
even when the same person is ordered for at two points at once (two different row locks).
On SQLite the writers take turns (one write transaction at a time), and the same holds."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from civicgrid.care import orders
from civicgrid.care.models import MealOrder, MealPoint
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_orders as of
from civicgrid.core.errors import Conflict

N = 6


def _race(target: Callable[[int], object], n: int = N) -> list[object]:
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
def test_n_people_and_three_meals_left_give_three_orders_and_clear_refusals():
    c = cf.care()
    MealPoint.objects.filter(pk=c.point.pk).update(capacity=3)
    people = [cf.person(c.w.t["gridA"], f"老人{i}", 70 + i) for i in range(N)]

    results = _race(lambda i: of.place(c, people[i]))
    made = [r for r in results if isinstance(r, MealOrder)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 3, results
    assert len(refused) == N - 3 and {r.code for r in refused} == {"full"}, results
    assert MealOrder.objects.live().filter(point=c.point, day=cf.DAY).count() == 3


@pytest.mark.django_db(transaction=True)
def test_one_person_ordered_for_at_two_points_at_once_gets_one_order():
    c = cf.care()
    points = [c.point] + [
        MealPoint.objects.create(name=f"助餐点{i}", node=c.w.t["comm1"]) for i in range(1, N)
    ]

    def order(i: int) -> MealOrder:
        return orders.order_place(
            by=c.w.dispatcher,
            person=c.aged_70,
            point=points[i],
            day=cf.DAY,
            placed_by="staff",
            now=of.MORNING,
        )

    results = _race(order)
    made = [r for r in results if isinstance(r, MealOrder)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1, results
    assert {r.code for r in refused} == {"already_ordered"} and len(refused) == N - 1, results
