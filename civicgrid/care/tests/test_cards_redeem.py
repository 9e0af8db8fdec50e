"""Redeeming a card at a partner shop: the discount, the monthly limits per series, one
redemption per scan, refusals and the flags they raise."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from civicgrid.care import cards, events, flags, reconcile, redemptions
from civicgrid.care.models import (
    Card,
    FlagKind,
    FlagState,
    FraudFlag,
    PartnerShop,
    Redemption,
)
from civicgrid.care.tests import factories_cards as fc
from civicgrid.core import once
from civicgrid.core.errors import Conflict, Invalid, NotAllowed, NotFound

pytestmark = pytest.mark.django_db

at = fc.at


def test_the_shops_discount_is_taken_off_and_the_rest_is_paid() -> None:
    cw = fc.world()
    r = fc.redeem(cw, "37.55", what="大米一袋")
    assert (r.amount, r.discount, r.paid) == (Decimal("37.55"), Decimal("7.51"), Decimal("30.04"))
    assert (r.shop, r.clerk, r.card, r.series, r.what) == (
        cw.shop,
        cw.clerk,
        cw.card,
        cw.card.series,
        "大米一袋",
    )
    assert r.month == dt.date(2026, 12, 1)
    last = events.timeline(cw.card).last()
    assert last is not None and last.action == "redeem" and last.actor_kind == "clerk"
    data = events.read(last)
    assert isinstance(data, cards.Redeemed)
    assert (data.redemption, data.amount, data.discount) == (r.pk, "37.55", "7.51")


def test_amounts_are_checked() -> None:
    cw = fc.world()
    for bad in ("0", "-3", "abc", "", "10001", "NaN"):
        with pytest.raises(Invalid) as e:
            fc.redeem(cw, bad)
        assert e.value.code == "amount_invalid", bad
    assert not Redemption.objects.exists()


def test_card_numbers_are_checked_before_they_are_looked_up() -> None:
    cw = fc.world()
    wrong = cw.card.number[:-1] + ("0" if cw.card.number[-1] != "0" else "1")
    with pytest.raises(Invalid) as e:
        redemptions.redeem(
            by=cw.clerk, shop=cw.shop, card_number=wrong, amount="5", scan_key=once.new_key()
        )
    assert e.value.code == "card_number_invalid"
    unknown = "ABCDEFGHJ" + cards.check_character("ABCDEFGHJ")
    with pytest.raises(NotFound) as e2:
        redemptions.redeem(
            by=cw.clerk, shop=cw.shop, card_number=unknown, amount="5", scan_key=once.new_key()
        )
    assert e2.value.code == "no_such_card"
    # Written as people write it: lower case, a dash.
    written = cards.grouped(cw.card.number).lower()
    r = redemptions.redeem(
        by=cw.clerk,
        shop=cw.shop,
        card_number=written,
        amount="5",
        scan_key=once.new_key(),
        now=at(2),
    )
    assert r.card == cw.card


# --- Limits -----------------------------------------------------------------------------------


def test_the_monthly_amount_is_a_limit_and_going_over_is_refused_and_flagged() -> None:
    cw = fc.world()
    fc.redeem(cw, "150", now=at(2))
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "50.01", now=at(3))
    assert e.value.code == "over_amount"
    assert e.value.details["fields"]["amount"]
    flag = FraudFlag.objects.get()
    assert (flag.kind, flag.card, flag.shop, flag.state) == (
        FlagKind.OVER_LIMIT,
        cw.card,
        cw.shop,
        FlagState.OPEN,
    )
    assert [e.action for e in events.timeline(flag)] == ["raise"]
    fc.redeem(cw, "50", now=at(3))  # exactly what is left
    assert Redemption.objects.filter(series=cw.card.pk).count() == 2


def test_the_monthly_uses_are_a_limit() -> None:
    cw = fc.world()
    for day in range(2, 6):
        fc.redeem(cw, "10", now=at(day))
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "1", now=at(6))
    assert e.value.code == "over_count"
    assert FraudFlag.objects.filter(kind=FlagKind.OVER_LIMIT).count() == 1
    # The clerk tries again at once: one flag, not one a tap.
    with pytest.raises(Conflict):
        fc.redeem(cw, "1", now=at(6, 10, 1))
    assert FraudFlag.objects.filter(kind=FlagKind.OVER_LIMIT).count() == 1


def test_the_month_is_the_calendar_month_in_local_time() -> None:
    cw = fc.world()
    # 30 November 23:30 in Shanghai is 15:30 UTC: November's.
    late = dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC)
    for minute in range(4):
        r = fc.redeem(cw, "50", now=late + dt.timedelta(minutes=minute))
        assert r.month == dt.date(2026, 11, 1)
    with pytest.raises(Conflict):
        fc.redeem(cw, "1", now=late + dt.timedelta(minutes=5))
    # Half an hour later, past midnight in Shanghai (still 30 November in UTC): a new month.
    r = fc.redeem(cw, "200", now=late + dt.timedelta(minutes=31))
    assert r.month == dt.date(2026, 12, 1)


def test_the_limits_are_the_series_and_a_reissued_card_carries_on_the_month() -> None:
    cw = fc.world()
    for day in (2, 3, 4):
        fc.redeem(cw, "50", now=at(day))
    new = cards.card_reissue(by=cw.staff, card=cw.card, reason="丢失补办", now=at(4, 12))
    left = redemptions.allowance(new, now=at(5))
    assert (left.uses_left, left.amount_left) == (1, Decimal("50.00"))
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "60", card=new, now=at(5))
    assert e.value.code == "over_amount"
    r = fc.redeem(cw, "50", card=new, now=at(5))
    assert (r.card, r.series) == (new, cw.card.series)
    with pytest.raises(Conflict) as e2:
        fc.redeem(cw, "1", card=new, now=at(6))
    assert e2.value.code == "over_count"


def test_limits_count_the_whole_series_at_every_shop() -> None:
    cw = fc.world()
    fc.redeem(cw, "120", now=at(2))
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "81", shop=cw.other_shop, now=at(3))
    assert e.value.code == "over_amount"


# --- One redemption per scan ------------------------------------------------------------------


def test_the_same_scan_sent_twice_is_one_redemption() -> None:
    cw = fc.world()
    key = once.new_key()
    first = fc.redeem(cw, "30", scan_key=key, now=at(2))
    again = fc.redeem(cw, "30", scan_key=key, now=at(2, 10, 1))
    assert again.pk == first.pk
    assert Redemption.objects.count() == 1
    assert [e.action for e in events.timeline(cw.card)].count("redeem") == 1


def test_a_scan_key_cannot_be_used_for_another_card_or_shop() -> None:
    cw = fc.world()
    key = once.new_key()
    fc.redeem(cw, "30", scan_key=key, now=at(2))
    other = fc.household_with_card(cw)
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "30", card=other, scan_key=key, now=at(2))
    assert e.value.code == "scan_key_used"
    with pytest.raises(Conflict) as e2:
        fc.redeem(cw, "30", shop=cw.other_shop, scan_key=key, now=at(2))
    assert e2.value.code == "scan_key_used"
    with pytest.raises(Invalid) as e3:
        fc.redeem(cw, "30", scan_key="short")
    assert e3.value.code == "scan_key_invalid"


# --- Cards not in use, shops not open ---------------------------------------------------------


@pytest.mark.parametrize(
    ("move", "code"),
    [("suspend", "card_suspended"), ("reissue", "card_replaced"), ("withdraw", "card_withdrawn")],
)
def test_a_card_not_in_use_is_refused_and_flagged(move: str, code: str) -> None:
    cw = fc.world()
    cards.card_act(by=cw.staff, card=cw.card, action=cards.Action(move), reason="原因")
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "10", now=at(3))
    assert e.value.code == code
    flag = FraudFlag.objects.get()
    assert (flag.kind, flag.card_id, flag.shop) == (FlagKind.SUSPENDED_CARD, cw.card.pk, cw.shop)
    assert not Redemption.objects.exists()


def test_a_resumed_card_is_honoured_again() -> None:
    cw = fc.world()
    cards.card_suspend(by=cw.staff, card=cw.card, reason="核查")
    with pytest.raises(Conflict):
        fc.redeem(cw, "10", now=at(3))
    cards.card_resume(by=cw.staff, card=cw.card)
    assert fc.redeem(cw, "10", now=at(3)).pk


def test_a_shop_honours_cards_only_while_active_and_within_its_agreement() -> None:
    cw = fc.world()
    PartnerShop.objects.filter(pk=cw.shop.pk).update(agreement_from=dt.date(2026, 12, 5))
    cw.shop.refresh_from_db()
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "10", now=at(4, 23, 59))
    assert e.value.code == "agreement_not_started"
    assert fc.redeem(cw, "10", now=at(5, 0, 1)).pk
    PartnerShop.objects.filter(pk=cw.shop.pk).update(agreement_until=dt.date(2026, 12, 6))
    cw.shop.refresh_from_db()
    assert fc.redeem(cw, "10", now=at(6, 23, 59)).pk
    with pytest.raises(Conflict) as e2:
        fc.redeem(cw, "10", now=at(7, 0, 1))
    assert e2.value.code == "agreement_ended"
    PartnerShop.objects.filter(pk=cw.shop.pk).update(agreement_until=None, active=False)
    cw.shop.refresh_from_db()
    with pytest.raises(Conflict) as e3:
        fc.redeem(cw, "10", now=at(8))
    assert e3.value.code == "shop_inactive"


# --- Who may redeem ---------------------------------------------------------------------------


def test_only_the_shops_clerks_and_staff_who_serve_its_place_redeem() -> None:
    cw = fc.world()
    for who in (cw.other_clerk, cw.leader, cw.c.w.stranger, cw.c.w.grid_worker):
        with pytest.raises(NotAllowed) as e:
            fc.redeem(cw, "10", by=who)
        assert e.value.code == "not_clerk"
    assert not Redemption.objects.exists()
    r = fc.redeem(cw, "10", by=cw.staff)
    assert r.clerk == cw.staff
    last = events.timeline(cw.card).last()
    assert last is not None and last.actor_kind == "staff"


def test_a_month_reconciled_and_approved_takes_no_more_redemptions() -> None:
    cw = fc.world()
    fc.redeem(cw, "10", now=at(2, month=11))
    rec = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=dt.date(2026, 11, 1), now=at(1))
    reconcile.reconciliation_approve(by=cw.staff, rec=rec, now=at(1))
    with pytest.raises(Conflict) as e:
        fc.redeem(cw, "10", now=at(29, month=11))
    assert e.value.code == "month_closed"
    assert fc.redeem(cw, "10", shop=cw.other_shop, now=at(29, month=11)).pk


# --- Flags ------------------------------------------------------------------------------------


def test_the_same_card_at_another_shop_within_ten_minutes_is_flagged() -> None:
    cw = fc.world()
    fc.redeem(cw, "10", now=at(2, 10, 0))
    r = fc.redeem(cw, "10", shop=cw.other_shop, now=at(2, 10, 9))
    flag = FraudFlag.objects.get(kind=FlagKind.TWO_SHOPS)
    assert (flag.card, flag.shop, flag.redemption) == (cw.card, cw.other_shop, r)
    # The same shop again, or another shop later than ten minutes: nothing.
    fc.redeem(cw, "10", shop=cw.other_shop, now=at(2, 10, 12))
    fc.redeem(cw, "10", now=at(2, 10, 30))
    assert FraudFlag.objects.filter(kind=FlagKind.TWO_SHOPS).count() == 1


def test_a_reissued_card_at_another_shop_within_minutes_is_flagged_too() -> None:
    cw = fc.world()
    fc.redeem(cw, "10", now=at(2, 10, 0))
    new = cards.card_reissue(by=cw.staff, card=cw.card, reason="补办", now=at(2, 10, 1))
    fc.redeem(cw, "10", card=new, shop=cw.other_shop, now=at(2, 10, 5))
    assert FraudFlag.objects.filter(kind=FlagKind.TWO_SHOPS, card=new).count() == 1


def _spike_world(previous_uses: int) -> tuple[fc.Cards, list[Card]]:
    cw = fc.world()
    # Spread over the 30 days before 2 December (1 December back to 2 November).
    midnight = at(2, 0)
    before = [
        midnight - dt.timedelta(days=1 + i % 30) + dt.timedelta(hours=8 + i % 5)
        for i in range(previous_uses)
    ]
    fc.past_uses(cw.shop, cw.card, before)
    holders = [fc.household_with_card(cw) for _ in range(6)]
    return cw, holders


def test_a_shop_far_above_its_average_is_flagged_once_a_day() -> None:
    cw, holders = _spike_world(previous_uses=30)  # one a day on average
    for i, card in enumerate(holders[:4]):
        fc.redeem(cw, "10", card=card, now=at(2, 9, i * 10))
    assert not FraudFlag.objects.filter(kind=FlagKind.SHOP_SPIKE).exists()  # 4 < 5
    fifth = fc.redeem(cw, "10", card=holders[4], now=at(2, 11))
    flag = FraudFlag.objects.get(kind=FlagKind.SHOP_SPIKE)
    assert (flag.shop, flag.redemption, flag.card) == (cw.shop, fifth, None)
    fc.redeem(cw, "10", card=holders[5], now=at(2, 12))
    assert FraudFlag.objects.filter(kind=FlagKind.SHOP_SPIKE).count() == 1


def test_a_shop_within_three_times_its_average_is_not_flagged() -> None:
    cw, holders = _spike_world(previous_uses=60)  # two a day: six is not more than 3 × 2
    for i, card in enumerate(holders):
        fc.redeem(cw, "10", card=card, now=at(2, 9, i * 5))
    assert not FraudFlag.objects.filter(kind=FlagKind.SHOP_SPIKE).exists()


def test_history_older_than_thirty_days_does_not_count() -> None:
    cw = fc.world()
    fc.past_uses(cw.shop, cw.card, [at(1) - dt.timedelta(days=31, hours=i) for i in range(100)])
    holders = [fc.household_with_card(cw) for _ in range(5)]
    for i, card in enumerate(holders):
        fc.redeem(cw, "10", card=card, now=at(2, 9, i))
    assert FraudFlag.objects.filter(kind=FlagKind.SHOP_SPIKE).count() == 1


def test_staff_decide_a_flag_once() -> None:
    cw = fc.world()
    fc.redeem(cw, "10", now=at(2, 10, 0))
    fc.redeem(cw, "10", shop=cw.other_shop, now=at(2, 10, 3))
    flag = FraudFlag.objects.get()
    for who in (cw.leader, cw.clerk, cw.c.w.stranger):
        with pytest.raises(NotAllowed):
            flags.flag_decide(by=who, flag=flag, state=FlagState.CLEARED)
    with pytest.raises(Invalid) as e:
        flags.flag_decide(by=cw.staff, flag=flag, state=FlagState.CONFIRMED, note=" ")
    assert e.value.code == "note_required"
    with pytest.raises(Invalid) as e2:
        flags.flag_decide(by=cw.staff, flag=flag, state=FlagState.OPEN)
    assert e2.value.code == "state_invalid"
    decided = flags.flag_decide(by=cw.staff, flag=flag, state=FlagState.CLEARED, note="家人代买")
    assert (decided.state, decided.decided_by, decided.note) == (
        FlagState.CLEARED,
        cw.staff,
        "家人代买",
    )
    with pytest.raises(Conflict) as e3:
        flags.flag_decide(by=cw.staff, flag=flag, state=FlagState.CONFIRMED, note="冒用")
    assert e3.value.code == "decided"
    assert [e.action for e in events.timeline(flag)] == ["raise", "decide"]
    assert FraudFlag.objects.get().state == FlagState.CLEARED


def test_an_amount_whose_discount_is_not_exact_in_binary_is_stored_to_the_fen():
    """23.60 yuan at 10 % off: 2.36 off, 21.24 paid. SQLite keeps decimals as REAL, where
    23.60 − 2.36 is not exactly 21.24: a database check of the sum refused it (a 500 at the
    till); the sum is the code's, and stored as computed."""
    cw = fc.world()
    sale = fc.redeem(cw, "23.60", shop=cw.other_shop)
    sale.refresh_from_db()
    assert (sale.amount, sale.discount, sale.paid) == (
        Decimal("23.60"),
        Decimal("2.36"),
        Decimal("21.24"),
    )
