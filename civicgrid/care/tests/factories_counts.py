"""A small care world with a row of every kind the counts read, made straight in the tables
(no area's service): orders served, free, cancelled and still open, deliveries delivered and
not home (with a welfare check), cards issued and reissued with their redemptions, visits
with every finding, people entering and leaving the register, in two communities of two
towns, and rows on the edges of months in local time (the last evening of January)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from civicgrid.care.models import (
    AgeBand,
    Card,
    CardKind,
    CaredPerson,
    CareKind,
    CareVisit,
    Delivery,
    DeliveryRoute,
    DeliveryRun,
    DeliveryState,
    Finding,
    Household,
    MealOrder,
    MealPoint,
    OrderState,
    PartnerShop,
    PlacedBy,
    Redemption,
    VisitPlan,
)
from civicgrid.care.tests import factories as cf
from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Person

YEAR = 2026


def at(month: int, day: int, hour: int = 12, minute: int = 0, *, year: int = YEAR) -> dt.datetime:
    """A local (Asia/Shanghai) instant."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@dataclass
class CountsWorld:
    c: cf.Care
    far: CaredPerson  # in grid C (community 2, town 2)
    turning_60: CaredPerson  # 60 on 28 February
    late: CaredPerson  # entered in March
    far_household: Household
    shop: PartnerShop
    far_shop: PartnerShop
    card: Card  # the Zhang household's first card (January)
    reissued: Card  # its replacement (February)
    far_card: Card
    welfare: Need
    visit_need: Need


def order(
    c: cf.Care,
    person: CaredPerson,
    day: dt.date,
    *,
    state: str = OrderState.SERVED,
    band: str | None = None,
    point: MealPoint | None = None,
    **fields: Any,
) -> MealOrder:
    age = person.age_on(day)
    chosen: AgeBand = c.bands[band] if band else c.bands["65" if age >= 65 else "60"]
    return MealOrder.objects.create(
        point=point or c.point,
        day=day,
        person=person,
        band=chosen,
        band_name=chosen.name,
        age=age,
        price=chosen.price,
        special_dish=chosen.special_dish,
        free=chosen.free,
        home_delivery=chosen.delivery,
        placed_by=fields.pop("placed_by", PlacedBy.SELF),
        state=state,
        created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(8))),
        served_at=(
            timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
            if state == OrderState.SERVED
            else None
        ),
        **fields,
    )


def deliver(
    c: cf.Care, meal: MealOrder, state: str, *, by: Person | None = None, need: Need | None = None
) -> Delivery:
    run, _ = DeliveryRun.objects.get_or_create(
        point=meal.point, day=meal.day, defaults={"built_at": timezone.now()}
    )
    route, _ = DeliveryRoute.objects.get_or_create(run=run, grid=meal.person.node)
    return Delivery.objects.create(
        route=route,
        order=meal,
        state=state,
        marked_at=timezone.make_aware(dt.datetime.combine(meal.day, dt.time(12))),
        marked_by=by,
        welfare_need=need,
        note="敲门无人应答" if state == DeliveryState.NOT_HOME else "",
    )


def redeem(card: Card, shop: PartnerShop, when: dt.datetime, amount: str, key: str) -> Redemption:
    total = Decimal(amount)
    off = (total * shop.discount_percent / 100).quantize(Decimal("0.01"))
    local = timezone.localtime(when)
    return Redemption.objects.create(
        card=card,
        series=card.series or card.pk,
        shop=shop,
        scan_key=key,
        amount=total,
        discount=off,
        paid=total - off,
        what="大米",
        month=local.date().replace(day=1),
        created_at=when,
    )


def visit(
    person: CaredPerson,
    by: Person,
    when: dt.datetime,
    finding: str,
    *,
    need: Need | None = None,
    plan: VisitPlan | None = None,
) -> CareVisit:
    return CareVisit.objects.create(
        person=person,
        plan=plan,
        visitor=by,
        visited_at=when,
        finding=finding,
        note="情况良好" if finding == Finding.WELL else "需要关注",
        raised_need=need,
    )


def entered(person: CaredPerson, when: dt.datetime) -> CaredPerson:
    CaredPerson.objects.filter(pk=person.pk).update(created_at=when)
    person.refresh_from_db()
    return person


def world() -> CountsWorld:
    c = cf.care()
    t = c.w.t
    for p in CaredPerson.objects.all():
        entered(p, at(1, 1, 9))
    far_household = Household.objects.create(node=t["gridC"], name="刘家", address="三组1号")
    far = entered(
        cf.person(
            t["gridC"],
            "刘大爷",
            81,
            household=far_household,
            lives_alone=True,
            phone="13800000081",
            kinds=(CareKind.ELDERLY, CareKind.HARDSHIP),
        ),
        at(1, 1, 9),
    )
    turning_60 = CaredPerson.objects.create(
        node=t["gridA"], name="周桂芝", birth_date=dt.date(1966, 2, 28), phone="13800000060"
    )
    entered(turning_60, at(1, 5))
    late = entered(cf.person(t["gridB"], "孙奶奶", 90, lives_alone=True), at(3, 5))
    # Moved away in February: on January's register, not on February's.
    CaredPerson.objects.filter(pk=c.aged_55.pk).update(left_at=at(2, 10))

    welfare = needf.raise_need(c.w, node=t["gridB"], description="送餐无人应答")
    visit_need = needf.raise_need(c.w, node=t["gridA"], description="孩子需要课后照看")

    # Meals: January (one on the 31st), February, and one of another town.
    order(c, c.aged_62, dt.date(YEAR, 1, 15), band="60")
    delivered = order(c, c.aged_86, dt.date(YEAR, 1, 15), band="85")
    deliver(c, delivered, DeliveryState.DELIVERED, by=c.w.grid_worker)
    missed = order(c, c.aged_86, dt.date(YEAR, 1, 16), band="85", state=OrderState.ORDERED)
    deliver(c, missed, DeliveryState.NOT_HOME, by=c.w.grid_worker, need=welfare)
    order(c, c.aged_62, dt.date(YEAR, 1, 20), band="60", state=OrderState.CANCELLED)
    order(
        c,
        c.aged_70,
        dt.date(YEAR, 1, 31),
        placed_by=PlacedBy.FAMILY,
        placer_name="张小红",
        placer_phone="13700000070",
    )
    order(c, c.aged_70, dt.date(YEAR, 2, 1))
    order(c, c.aged_70, dt.date(YEAR, 2, 3), state=OrderState.ORDERED)
    order(c, c.aged_86, dt.date(YEAR, 2, 3), band="85")
    order(c, far, dt.date(YEAR, 1, 15), band="65")

    # Cards: issued on January's last evening (local) and reissued just after February began.
    kind = CardKind.objects.create(name="低保户", monthly_amount=Decimal("300.00"), monthly_uses=8)
    shop = PartnerShop.objects.create(
        name="粮油店",
        node=t["comm1"],
        licensed_on=dt.date(2025, 6, 1),
        agreement_from=dt.date(2025, 6, 1),
        discount_percent=Decimal("20"),
    )
    far_shop = PartnerShop.objects.create(
        name="二镇粮店",
        node=t["comm2"],
        licensed_on=dt.date(2025, 6, 1),
        agreement_from=dt.date(2025, 6, 1),
        discount_percent=Decimal("10"),
    )
    card = Card.objects.create(
        number="C0001", household=c.household, kind=kind, issued_at=at(1, 31, 23, 30)
    )
    Card.objects.filter(pk=card.pk).update(series=card.pk)
    card.refresh_from_db()
    redeem(card, shop, at(1, 31, 23, 40), "100.00", "k1")
    redeem(card, shop, at(1, 20), "50.00", "k2")
    Card.objects.filter(pk=card.pk).update(state="replaced")
    reissued = Card.objects.create(
        number="C0002",
        household=c.household,
        kind=kind,
        series=card.pk,
        replaces=card,
        issued_at=at(2, 1, 0, 30),
    )
    redeem(reissued, shop, at(2, 2), "80.00", "k3")
    far_card = Card.objects.create(
        number="C0100", household=far_household, kind=kind, issued_at=at(1, 3)
    )
    Card.objects.filter(pk=far_card.pk).update(series=far_card.pk)
    far_card.refresh_from_db()
    redeem(far_card, far_shop, at(1, 10), "60.00", "k4")

    # Visits: the orphan twice in January (the second on its last evening), a not-home in
    # February, a plan with no visit yet, and one in the other town.
    plan = VisitPlan.objects.create(
        person=c.orphan, every_days=30, next_due=dt.date(YEAR, 3, 1), visitor=c.w.grid_worker
    )
    visit(c.orphan, c.w.grid_worker, at(1, 10), Finding.WELL, plan=plan)
    visit(c.orphan, c.w.grid_worker, at(1, 31, 23), Finding.CONCERN, need=visit_need, plan=plan)
    visit(c.aged_86, c.w.other_grid_worker, at(2, 2), Finding.NOT_HOME)
    VisitPlan.objects.create(person=c.aged_62, every_days=7, next_due=dt.date(YEAR, 3, 1))
    visit(far, c.w.stranger, at(1, 12), Finding.URGENT)
    return CountsWorld(
        c=c,
        far=far,
        turning_60=turning_60,
        late=late,
        far_household=far_household,
        shop=shop,
        far_shop=far_shop,
        card=card,
        reissued=reissued,
        far_card=far_card,
        welfare=welfare,
        visit_need=visit_need,
    )
