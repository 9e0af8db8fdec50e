"""The monthly limits under real concurrency: N clerks scan the same card at the same moment,
each on their own database connection as N app processes would. The series' lock lets them
count the month one after another, so together they never pass the limit; the others get a
clear refusal, never a 500. On PostgreSQL the writers truly race; on SQLite they take turns
(each transaction takes the write lock at BEGIN), and the outcome must be the same."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from civicgrid.care import redemptions
from civicgrid.care.models import CardKind, FlagKind, FraudFlag, Redemption
from civicgrid.care.tests import factories_cards as fc
from civicgrid.core import once
from civicgrid.core.errors import Conflict

N = 8


def _race(target: Callable[[int], object], n: int = N) -> list[object]:
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
def test_n_clerks_at_once_never_pass_the_monthly_uses() -> None:
    cw = fc.world()
    CardKind.objects.filter(pk=cw.kind.pk).update(monthly_uses=3, monthly_amount=Decimal(1000))

    def scan(i: int) -> object:
        shop, clerk = (cw.shop, cw.clerk) if i % 2 else (cw.other_shop, cw.other_clerk)
        return redemptions.redeem(
            by=clerk,
            shop=shop,
            card_number=cw.card.number,
            amount="10",
            scan_key=once.new_key(),
            now=fc.at(2, 10),
        )

    results = _race(scan)
    made = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 3, results
    assert len(refused) == N - 3, results
    assert {r.code for r in refused} == {"over_count"}
    assert Redemption.objects.filter(series=cw.card.pk).count() == 3
    assert FraudFlag.objects.filter(kind=FlagKind.OVER_LIMIT).exists()


@pytest.mark.django_db(transaction=True)
def test_n_clerks_at_once_never_pass_the_monthly_amount() -> None:
    cw = fc.world()  # 200 yuan a month: four of 45 fit, the fifth would make 225
    CardKind.objects.filter(pk=cw.kind.pk).update(monthly_uses=100)

    def scan(i: int) -> object:
        return redemptions.redeem(
            by=cw.clerk,
            shop=cw.shop,
            card_number=cw.card.number,
            amount="45",
            scan_key=once.new_key(),
            now=fc.at(2, 10, i),
        )

    results = _race(scan)
    made = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 4, results
    assert {r.code for r in refused} == {"over_amount"} and len(refused) == N - 4, results
    total = sum((r.amount for r in Redemption.objects.filter(series=cw.card.pk)), Decimal(0))
    assert total == Decimal("180.00") <= cw.kind.monthly_amount


@pytest.mark.django_db(transaction=True)
def test_one_scan_sent_n_times_at_once_is_one_redemption() -> None:
    cw = fc.world()
    key = once.new_key()

    def tap(i: int) -> object:
        return redemptions.redeem(
            by=cw.clerk,
            shop=cw.shop,
            card_number=cw.card.number,
            amount="20",
            scan_key=key,
            now=fc.at(2, 10),
        )

    results = _race(tap)
    assert all(isinstance(r, Redemption) for r in results), results
    assert {r.pk for r in results if isinstance(r, Redemption)} == {Redemption.objects.get().pk}
