"""Using a card at a partner shop: one redemption per scan, within the card's monthly limits.

A clerk scans the card's QR code with the phone, writes the amount at list prices and
confirms; the shop's discount is taken off and the rest is what the household pays. The
form carries a one-time scan key drawn when it was shown: the same key sent twice (a double
tap, a resend on a slow line) is one redemption, and the second answer is the first one's.

The limits (an amount at list prices and a number of uses a calendar month, local time) are
the card kind's and count for the card's *series*, so a reissued card carries on the month of
the card it replaced. Two clerks redeeming the same card at once, on two phones at two shops,
cannot pass the limit together: each redemption locks the series' cards first
(`cards.lock_series`) and counts the month under that lock.

A refusal that looks wrong (a suspended, replaced or withdrawn card scanned; a use over the
limit) is raised as a flag for staff (`flags.py`), written even though the redemption is
refused. What a redemption itself may show (the card at two shops within minutes, a shop far
above its average) is flagged in the redemption's own transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.care import access_cards, cards, events, flags
from civicgrid.care.models import (
    Card,
    CardState,
    FlagKind,
    PartnerShop,
    Reconciliation,
    ReconciliationState,
    Redemption,
)
from civicgrid.core import once
from civicgrid.core.errors import Conflict, DomainError, Invalid, NotFound

CENT = Decimal("0.01")
# The largest single purchase a shop's phone page takes (yuan, at list prices).
MAX_AMOUNT = Decimal("10000")


# --- Months, local time -----------------------------------------------------------------------


def month_of(when: dt.datetime) -> dt.date:
    """The first day of the calendar month `when` falls in, in local time (TIME_ZONE)."""
    return timezone.localtime(when).date().replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first instant and the next month's, as aware times."""
    start = timezone.make_aware(dt.datetime.combine(month.replace(day=1), dt.time()))
    end = timezone.make_aware(dt.datetime.combine(next_month(month), dt.time()))
    return start, end


# --- Amounts ----------------------------------------------------------------------------------


def clean_amount(value: Any) -> Decimal:
    """An amount at list prices in yuan (12, 12.5, 12.50), more than 0 and at most
    MAX_AMOUNT, rounded to the fen."""
    try:
        amount = Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        amount = Decimal(-1)
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        message = _("Write the amount at list prices in yuan, e.g. 35 or 35.50.")
        raise Invalid(message, code="amount_invalid", fields={"amount": [message]})
    return amount


def discount_of(shop: PartnerShop, amount: Decimal) -> Decimal:
    """The shop's discount on an amount, to the fen (half up)."""
    percent = Decimal(shop.discount_percent)
    return (amount * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Allowance:
    """What a card's series has used and has left this month."""

    month: dt.date
    amount_limit: Decimal
    uses_limit: int
    amount_used: Decimal
    uses_used: int

    @property
    def amount_left(self) -> Decimal:
        return max(Decimal(0), self.amount_limit - self.amount_used)

    @property
    def uses_left(self) -> int:
        return max(0, self.uses_limit - self.uses_used)


def allowance(card: Card, *, now: dt.datetime | None = None) -> Allowance:
    """The card's month so far (its series', its kind's limits)."""
    month = month_of(now or timezone.now())
    used = Redemption.objects.filter(series=card.series or card.pk, month=month).aggregate(
        amount=Sum("amount"), uses=Count("pk")
    )
    return Allowance(
        month=month,
        amount_limit=card.kind.monthly_amount,
        uses_limit=card.kind.monthly_uses,
        amount_used=used["amount"] or Decimal(0),
        uses_used=used["uses"] or 0,
    )


# --- Checks -----------------------------------------------------------------------------------


def check_shop_open(shop: PartnerShop, today: dt.date) -> None:
    """The shop honours cards today: active and within its agreement."""
    if not shop.active:
        raise Conflict(
            _("This shop does not honour the cards at the moment."), code="shop_inactive"
        )
    if today < shop.agreement_from:
        raise Conflict(
            _("The shop's agreement starts on %(day)s.") % {"day": shop.agreement_from},
            code="agreement_not_started",
        )
    if shop.agreement_until is not None and today > shop.agreement_until:
        raise Conflict(
            _("The shop's agreement ended on %(day)s.") % {"day": shop.agreement_until},
            code="agreement_ended",
        )


def find_card(card_number: str) -> Card:
    number = cards.clean_number(card_number)
    if number is None:
        message = _("This is not a card number: check it and write it again.")
        raise Invalid(message, code="card_number_invalid", fields={"card_number": [message]})
    card = Card.objects.select_related("kind", "household").filter(number=number).first()
    if card is None:
        raise NotFound(_("No card has this number."), code="no_such_card")
    return card


REFUSED_STATE = {
    CardState.SUSPENDED: (
        "card_suspended",
        lambda: _("This card is suspended: do not sell on it."),
    ),
    CardState.REPLACED: (
        "card_replaced",
        lambda: _("This card was replaced by a new one: do not sell on it."),
    ),
    CardState.WITHDRAWN: (
        "card_withdrawn",
        lambda: _("This card is withdrawn: do not sell on it."),
    ),
}


def _first(scan_key: str) -> Redemption | None:
    return Redemption.objects.select_related("card", "shop").filter(scan_key=scan_key).first()


def _same_scan(first: Redemption, shop: PartnerShop, card: Card) -> Redemption:
    if first.shop_id != shop.pk or first.series != (card.series or card.pk):
        raise Conflict(_("This form was already used; scan the card again."), code="scan_key_used")
    return first


def _refuse_card(locked: Card, shop: PartnerShop, now: dt.datetime) -> Conflict | None:
    """A card not in use: its flag written, the refusal returned (None for a card in use)."""
    if locked.state == CardState.ACTIVE:
        return None
    code, words = REFUSED_STATE[CardState(locked.state)]
    flags.raise_flag(
        kind=FlagKind.SUSPENDED_CARD,
        card=locked,
        shop=shop,
        detail=f"{code} {cards.grouped(locked.number)}",
        now=now,
    )
    return Conflict(words(), code=code)


# --- Redeem -----------------------------------------------------------------------------------


def redeem(
    *,
    by: Any,
    shop: PartnerShop,
    card_number: str,
    amount: Any,
    what: str = "",
    scan_key: str,
    now: dt.datetime | None = None,
) -> Redemption:
    """Redeem the card at the shop for `amount` (yuan at list prices): the clerk of the shop
    (or staff who serve its place) acting. Returns the redemption; the same `scan_key` again
    returns the first one. Refused (each with its code): not the shop's clerk (`not_clerk`),
    the shop closed (`shop_inactive`, `agreement_not_started`, `agreement_ended`), a card not in
    use (`card_suspended`, `card_replaced`, `card_withdrawn`: flagged), over the month's limit
    (`over_amount`, `over_count`: flagged), a month already reconciled (`month_closed`)."""
    now = now or timezone.now()
    access_cards.check_may_redeem(by, shop)
    if not once.well_formed(scan_key):
        raise Invalid(_("The form is out of date; scan the card again."), code="scan_key_invalid")
    amount = clean_amount(amount)
    what = (what or "").strip()[:120]
    card = find_card(card_number)
    first = _first(scan_key)
    if first is not None:
        return _same_scan(first, shop, card)
    refusal: DomainError | None = None
    try:
        with transaction.atomic():
            made = _redeem(
                by=by, shop=shop, card=card, amount=amount, what=what, scan_key=scan_key, now=now
            )
            if isinstance(made, DomainError):
                refusal = made  # its flag is written; the refusal is raised after the commit
            else:
                return made
    except IntegrityError:
        # The same scan committed by a concurrent request between our look and our insert.
        first = _first(scan_key)
        if first is None:
            raise
        return _same_scan(first, shop, card)
    assert refusal is not None
    raise refusal


def _redeem(
    *,
    by: Any,
    shop: PartnerShop,
    card: Card,
    amount: Decimal,
    what: str,
    scan_key: str,
    now: dt.datetime,
) -> Redemption | DomainError:
    """Under the series' lock: a redemption, or a refusal whose flag is written (returned, not
    raised, so that the flag commits)."""
    locked = cards.lock_series(card)
    first = _first(scan_key)  # a double tap that waited for our lock
    if first is not None:
        return _same_scan(first, shop, locked)
    check_shop_open(shop, timezone.localdate(now))
    refused = _refuse_card(locked, shop, now)
    if refused is not None:
        return refused
    month = month_of(now)
    if Reconciliation.objects.filter(
        shop=shop, month=month, state=ReconciliationState.APPROVED
    ).exists():
        return Conflict(_("This month is reconciled and closed at this shop."), code="month_closed")
    series = locked.series or locked.pk
    used = allowance(locked, now=now)
    kind = locked.kind
    over: tuple[str, str] | None = None
    if used.uses_used + 1 > kind.monthly_uses:
        over = (
            "over_count",
            _("The card has been used %(uses)s times this month, its limit.")
            % {"uses": used.uses_used},
        )
    elif used.amount_used + amount > kind.monthly_amount:
        over = (
            "over_amount",
            _("That is more than the %(left)s yuan left on the card this month.")
            % {"left": used.amount_left},
        )
    if over is not None:
        code, message = over
        flags.raise_flag(
            kind=FlagKind.OVER_LIMIT,
            card=locked,
            shop=shop,
            detail=f"{code} {amount}",
            now=now,
        )
        return Conflict(message, code=code, fields={"amount": [message]})
    discount = discount_of(shop, amount)
    redemption = Redemption.objects.create(
        card=locked,
        series=series,
        shop=shop,
        clerk=by if getattr(by, "pk", None) else None,
        scan_key=scan_key,
        amount=amount,
        discount=discount,
        paid=amount - discount,
        what=what,
        month=month,
        created_at=now,
    )
    events.append(
        locked,
        "redeem",
        actor=by,
        actor_kind="clerk" if access_cards.is_clerk(by, shop) else "staff",
        note=what,
        data=cards.Redeemed(
            redemption=redemption.pk, shop=shop.pk, amount=str(amount), discount=str(discount)
        ),
        now=now,
    )
    flags.after_redemption(redemption, now=now)
    return redemption


def check(
    *, by: Any, shop: PartnerShop, card_number: str, amount: Any, now: dt.datetime | None = None
) -> dict[str, Any]:
    """What the clerk sees before confirming: the discount, what the household pays, and
    whether the month's allowance takes it. A card not in use is refused here already, and
    flagged as `redeem` flags it (the clerk went on with a card the page said to refuse);
    nothing else is written."""
    now = now or timezone.now()
    access_cards.check_may_redeem(by, shop)
    amount = clean_amount(amount)
    card = find_card(card_number)
    check_shop_open(shop, timezone.localdate(now))
    refusal: DomainError | None = None
    with transaction.atomic():
        locked = cards.lock_series(card)
        refusal = _refuse_card(locked, shop, now)
    if refusal is not None:
        raise refusal
    discount = discount_of(shop, amount)
    left = allowance(locked, now=now)
    return {
        "card": locked,
        "amount": amount,
        "discount": discount,
        "paid": amount - discount,
        "allowance": left,
        "over_count": left.uses_used + 1 > left.uses_limit,
        "over_amount": left.amount_used + amount > left.amount_limit,
    }
