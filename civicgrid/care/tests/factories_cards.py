"""Builders for the cards' tests: the care world with a card kind (200 yuan and 4 uses a
month, for elderly households, issued at 一镇), two partner shops at 一社区 with a clerk each
(20 % and 10 % off), and a card issued to 张家 (grid A, where 张万喜, 70, lives)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from civicgrid.care import cards, redemptions
from civicgrid.care.models import (
    Card,
    CardKind,
    CareKind,
    Household,
    PartnerShop,
    Redemption,
)
from civicgrid.care.tests import factories as cf
from civicgrid.core import once
from civicgrid.network.models import Node, Person
from civicgrid.network.tests import factories as nf

LOCAL = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def at(
    day: int, hour: int = 10, minute: int = 0, *, month: int = 12, year: int = 2026
) -> dt.datetime:
    """A local time (Asia/Shanghai) in December 2026 unless told."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


@dataclass
class Cards:
    c: cf.Care
    kind: CardKind  # 200 yuan, 4 uses a month; elderly households; issued within 一镇
    shop: PartnerShop  # 一社区 粮油店, 20 % off, clerk
    other_shop: PartnerShop  # 一社区 米面店, 10 % off, other_clerk
    clerk: Person
    other_clerk: Person
    card: Card  # 张家's card

    @property
    def staff(self) -> Person:
        return self.c.w.dispatcher  # 一社区's staff: serve the shops and the household

    @property
    def leader(self) -> Person:
        return self.c.w.leader


def kind(node: Node | None = None, **fields: Any) -> CardKind:
    values: dict[str, Any] = {
        "name": "困难老人爱心卡",
        "node": node,
        "monthly_amount": Decimal("200.00"),
        "monthly_uses": 4,
        "eligible_kinds": [CareKind.ELDERLY],
    }
    values.update(fields)
    return CardKind.objects.create(**values)


def shop(
    node: Node, name: str, *, discount: str = "20", clerk: Person | None = None, **fields: Any
) -> PartnerShop:
    values: dict[str, Any] = {
        "name": name,
        "node": node,
        "licence_number": f"NMG-{next(_seq):04d}",
        "licensed_on": dt.date(2020, 1, 1),
        "agreement_from": dt.date(2020, 1, 1),
        "discount_percent": Decimal(discount),
    }
    values.update(fields)
    made = PartnerShop.objects.create(**values)
    if clerk is not None:
        made.clerks.add(clerk)
    return made


def world() -> Cards:
    c = cf.care()
    t = c.w.t
    the_kind = kind(t["town1"])
    clerk = nf.person("粮油店店员")
    other_clerk = nf.person("米面店店员")
    first = shop(t["comm1"], "大沟湾粮油店", discount="20", clerk=clerk)
    second = shop(t["comm1"], "山坝米面店", discount="10", clerk=other_clerk)
    card = cards.card_issue(by=c.w.dispatcher, household=c.household, kind=the_kind, now=at(1, 9))
    return Cards(
        c=c,
        kind=the_kind,
        shop=first,
        other_shop=second,
        clerk=clerk,
        other_clerk=other_clerk,
        card=card,
    )


def household_with_card(cw: Cards, name: str = "", *, node: Node | None = None) -> Card:
    """Another elderly household of grid A with its card."""
    t = cw.c.w.t
    place = node or t["gridA"]
    home = Household.objects.create(node=place, name=name or f"户{next(_seq)}", address="二组")
    cf.person(place, f"老人{next(_seq)}", 75, household=home)
    return cards.card_issue(by=cw.staff, household=home, kind=cw.kind, now=at(1, 9))


def redeem(
    cw: Cards,
    amount: str | Decimal = "50",
    *,
    card: Card | None = None,
    shop: PartnerShop | None = None,
    by: Person | None = None,
    now: dt.datetime | None = None,
    scan_key: str | None = None,
    what: str = "",
) -> Redemption:
    the_shop = shop or cw.shop
    clerk = by or (cw.clerk if the_shop.pk == cw.shop.pk else cw.other_clerk)
    return redemptions.redeem(
        by=clerk,
        shop=the_shop,
        card_number=(card or cw.card).number,
        amount=amount,
        what=what,
        scan_key=scan_key or once.new_key(),
        now=now or at(2, 10),
    )


def past_uses(shop: PartnerShop, card: Card, when: list[dt.datetime]) -> None:
    """Test set-up only: redemptions written straight to the ledger (a shop's history)."""
    Redemption.objects.bulk_create(
        Redemption(
            card=card,
            series=card.series or card.pk,
            shop=shop,
            scan_key=once.new_key(),
            amount=Decimal("10.00"),
            discount=Decimal("2.00"),
            paid=Decimal("8.00"),
            month=redemptions.month_of(moment),
            created_at=moment,
        )
        for moment in when
    )
