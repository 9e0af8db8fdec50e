"""Marks under real concurrency, each on its own database connection as app processes would:
the last stops of a route marked at the same moment credit its deliverer exactly once, and two
people marking the same stop "not home" at once raise one welfare check."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from civicgrid.care import deliveries
from civicgrid.care.models import DeliveryRoute, DeliveryState
from civicgrid.care.tests import factories_deliveries as df
from civicgrid.core.errors import Conflict
from civicgrid.needs.models import Need
from civicgrid.volunteers.models import MemberMonth

S = DeliveryState


def _race(target: Callable[[int], object], n: int) -> list[object]:
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


def _route(r: df.Rounds, grid: str) -> DeliveryRoute:
    run = df.built(r)
    return deliveries.route_assign(
        by=r.c.w.dispatcher, route=df.route_of(run, grid, r), deliverer=r.member
    )


@pytest.mark.django_db(transaction=True)
def test_the_last_stops_marked_at_once_credit_the_route_once() -> None:
    r = df.rounds()
    route = _route(r, "gridA")
    stops = list(route.deliveries.order_by("position"))
    markers = [r.member, r.c.w.dispatcher, r.c.w.grid_worker]

    def mark(i: int) -> object:
        return deliveries.delivery_mark(
            by=markers[i], delivery=stops[i].pk, state=S.DELIVERED, now=df.at()
        )

    results = _race(mark, len(stops))
    assert not [x for x in results if isinstance(x, Exception)], results
    route.refresh_from_db()
    assert route.hours == Decimal("0.75")
    month = MemberMonth.objects.get(person=r.member)
    assert (month.hours, month.service_hours) == (Decimal("0.75"), Decimal("0.75"))


@pytest.mark.django_db(transaction=True)
def test_one_stop_marked_not_home_twice_at_once_raises_one_welfare_check() -> None:
    r = df.rounds()
    route = _route(r, "gridB")
    stop = route.deliveries.get()
    markers = [r.member, r.c.w.dispatcher]

    def mark(i: int) -> object:
        return deliveries.delivery_mark(
            by=markers[i], delivery=stop.pk, state=S.NOT_HOME, now=df.at()
        )

    results = _race(mark, 2)
    refused = [x for x in results if isinstance(x, Conflict)]
    assert len(refused) == 1 and refused[0].code == "wrong_state", results
    assert Need.objects.count() == 1
    route.refresh_from_db()
    assert route.hours == Decimal("0.25")
