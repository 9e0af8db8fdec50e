"""A shop's month reconciled: equal to the ledger, recomputed while open, approved once the
month is over and then fixed; its spreadsheet lists every redemption with the totals."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Count, Sum

from civicgrid.care import cards, events, reconcile
from civicgrid.care.models import Reconciliation, ReconciliationState, Redemption
from civicgrid.care.tests import factories_cards as fc
from civicgrid.core.errors import Conflict, Invalid, NotAllowed

pytestmark = pytest.mark.django_db

at = fc.at
NOV = dt.date(2026, 11, 1)


def _november(cw: fc.Cards) -> list[Redemption]:
    other = fc.household_with_card(cw, "李家")
    made = [
        fc.redeem(cw, "35.50", now=at(3, 9, month=11)),
        fc.redeem(cw, "20", card=other, now=at(12, 16, month=11)),
        fc.redeem(cw, "44.45", now=at(30, 23, 50, month=11)),  # late on the last day
        fc.redeem(cw, "15", card=other, shop=cw.other_shop, now=at(20, month=11)),  # elsewhere
    ]
    fc.redeem(cw, "9", now=at(1, 0, 5))  # December: not November's
    return made


def _ledger(shop_id: int, month: dt.date) -> dict[str, object]:
    return Redemption.objects.filter(shop_id=shop_id, month=month).aggregate(
        uses=Count("pk"), amount=Sum("amount"), discount=Sum("discount")
    )


def test_the_reconciliation_equals_the_ledger_and_links_the_months_redemptions() -> None:
    cw = fc.world()
    made = _november(cw)
    rec = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=dt.date(2026, 11, 17), now=at(2))
    assert rec.month == NOV
    ledger = _ledger(cw.shop.pk, NOV)
    assert (rec.uses, rec.amount, rec.discount) == (
        ledger["uses"],
        ledger["amount"],
        ledger["discount"],
    )
    assert (rec.uses, rec.amount, rec.discount) == (3, Decimal("99.95"), Decimal("19.99"))
    assert set(rec.redemptions.values_list("pk", flat=True)) == {r.pk for r in made[:3]}
    assert [e.action for e in events.timeline(rec)] == ["compute"]


def test_an_open_month_is_recomputed_and_the_current_month_is_not_approved() -> None:
    cw = fc.world()
    fc.redeem(cw, "10", now=at(2))
    rec = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=dt.date(2026, 12, 1), now=at(2, 11))
    assert rec.uses == 1
    fc.redeem(cw, "12", now=at(3))
    again = reconcile.reconcile(
        by=cw.staff, shop=cw.shop, month=dt.date(2026, 12, 1), now=at(3, 11)
    )
    assert again.pk == rec.pk
    assert (again.uses, again.amount) == (2, Decimal("22.00"))
    assert Reconciliation.objects.count() == 1
    with pytest.raises(Conflict) as e:
        reconcile.reconciliation_approve(by=cw.staff, rec=rec, now=at(31, 23))
    assert e.value.code == "month_not_over"
    with pytest.raises(Invalid) as e2:
        reconcile.reconcile(by=cw.staff, shop=cw.shop, month=dt.date(2027, 1, 1), now=at(31))
    assert e2.value.code == "future_month"


def test_approval_recomputes_and_then_the_figures_are_fixed() -> None:
    cw = fc.world()
    fc.redeem(cw, "35.50", now=at(3, 9, month=11))
    fc.redeem(cw, "20", now=at(12, 16, month=11))
    rec = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=NOV, now=at(30, 12, month=11))
    assert rec.uses == 2
    fc.redeem(cw, "44.45", now=at(30, 23, 50, month=11))  # the last day's evening
    approved = reconcile.reconciliation_approve(by=cw.staff, rec=rec, now=at(2))
    assert approved.state == ReconciliationState.APPROVED
    assert (approved.approved_by, approved.approved_at) == (cw.staff, at(2))
    fresh = Reconciliation.objects.get(pk=rec.pk)
    assert (fresh.uses, fresh.amount) == (3, Decimal("99.95"))
    linked = fresh.redemptions.aggregate(
        uses=Count("pk"), amount=Sum("amount"), discount=Sum("discount")
    )
    assert (fresh.uses, fresh.amount, fresh.discount) == (
        linked["uses"],
        linked["amount"],
        linked["discount"],
    )
    assert (fresh.uses, fresh.amount, fresh.discount) == tuple(_ledger(cw.shop.pk, NOV).values())
    # Fixed: nothing enters the month, recomputing changes nothing, approving twice is refused.
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "5", now=at(15, month=11))
    assert e.value.code == "month_closed"
    same = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=NOV, now=at(3))
    assert (same.uses, same.amount, same.computed_at) == (
        fresh.uses,
        fresh.amount,
        fresh.computed_at,
    )
    with pytest.raises(Conflict) as e2:
        reconcile.reconciliation_approve(by=cw.staff, rec=rec, now=at(3))
    assert e2.value.code == "approved"
    assert [e.action for e in events.timeline(rec)] == ["compute", "approve"]


def test_only_staff_who_serve_the_shops_place_reconcile_and_approve() -> None:
    cw = fc.world()
    fc.redeem(cw, "10", now=at(2, month=11))
    for who in (cw.leader, cw.clerk, cw.c.w.stranger, cw.c.w.grid_worker):
        with pytest.raises(NotAllowed):
            reconcile.reconcile(by=who, shop=cw.shop, month=NOV, now=at(2))
    rec = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=NOV, now=at(2))
    for who in (cw.leader, cw.clerk, cw.c.w.stranger):
        with pytest.raises(NotAllowed):
            reconcile.reconciliation_approve(by=who, rec=rec, now=at(2))
    assert Reconciliation.objects.get().state == ReconciliationState.OPEN


def test_the_spreadsheet_lists_every_redemption_with_names_masked_and_the_totals() -> None:
    cw = fc.world()
    made = _november(cw)
    rec = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=NOV, now=at(2))
    book = openpyxl.load_workbook(io.BytesIO(reconcile.workbook(rec)))
    sheet = book.active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert cw.shop.name in str(values[0][0])
    body = [row for row in values[3:] if row[1] and "-" in str(row[1])]
    assert len(body) == 3
    assert [row[1] for row in body] == [cards.grouped(r.card.number) for r in made[:3]]
    assert body[0][0] == dt.datetime(2026, 11, 3, 9, 0)  # local time
    assert body[2][0] == dt.datetime(2026, 11, 30, 23, 50)
    households = {row[2] for row in body}
    assert households == {"张*", "李*"}
    assert all(cw.c.household.name not in str(cell) for row in values for cell in row)
    assert [(row[3], row[4], row[5]) for row in body] == [
        (35.5, 7.1, 28.4),
        (20.0, 4.0, 16.0),
        (44.45, 8.89, 35.56),
    ]
    total = values[3 + len(body)]
    assert total[1] == 3
    assert (total[3], total[4], total[5]) == pytest.approx((99.95, 19.99, 79.96))
    assert Decimal(str(total[3])) == rec.amount
