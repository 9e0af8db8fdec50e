"""Builders for the deliveries tests: the care world (`factories.care`) with meals to bring
home on `DAY` — three people in grid A (two of one household at 一组3号, one at 一组10号, one
at 一组9号) and 王奶奶 in grid B — a party member of 一社区 to carry them, and a volunteer.

Orders are written as rows (what `orders.order_place` keeps), so the tests here do not hang on
the age rules; each is `ordered`, to be delivered home, for the meal point of 一社区."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from civicgrid.care import deliveries
from civicgrid.care.models import (
    CaredPerson,
    DeliveryRoute,
    DeliveryRun,
    MealOrder,
    Mobility,
    PlacedBy,
)
from civicgrid.care.tests import factories as cf
from civicgrid.network.models import Person, Role
from civicgrid.network.tests import factories as nf

DAY = cf.DAY


def at(day: dt.date = DAY, hour: int = 11, minute: int = 0) -> dt.datetime:
    """A local time on `day`."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def order(c: cf.Care, cared: CaredPerson, *, day: dt.date = DAY, home: bool = True) -> MealOrder:
    band = c.bands["85"]
    return MealOrder.objects.create(
        point=c.point,
        day=day,
        person=cared,
        band=band,
        band_name=band.name,
        age=cared.age_on(day),
        price=band.price,
        special_dish=band.special_dish,
        free=band.free,
        home_delivery=home,
        placed_by=PlacedBy.STAFF,
        placed_by_person=c.w.dispatcher,
        created_at=at(day, 8),
    )


@dataclass
class Rounds:
    c: cf.Care
    member: Person  # a party member of 一社区: carries routes
    volunteer: Person  # a volunteer of 一社区
    plain: Person  # an account with no role: may carry nothing
    aged_90: CaredPerson  # grid A, 一组10号
    aged_88: CaredPerson  # grid A, 一组9号
    orders: dict[str, MealOrder]  # "70" (grid A, 一组3号), "90", "88", "86" (grid B)


def rounds() -> Rounds:
    c = cf.care()
    t = c.w.t
    aged_90 = cf.person(t["gridA"], "刘大爷", 90, mobility=Mobility.LIMITED, address="一组10号")
    aged_88 = cf.person(t["unitA"], "陈奶奶", 88, mobility=Mobility.BEDRIDDEN, address="一组9号")
    return Rounds(
        c=c,
        member=cf.deliverer(t["comm1"], "送餐党员"),
        volunteer=nf.person("送餐志愿者", roles=[(Role.VOLUNTEER, t["comm1"])]),
        plain=nf.person("普通账号"),
        aged_90=aged_90,
        aged_88=aged_88,
        orders={
            "70": order(c, c.aged_70),
            "90": order(c, aged_90),
            "88": order(c, aged_88),
            "86": order(c, c.aged_86),
        },
    )


def built(r: Rounds, *, day: dt.date = DAY) -> DeliveryRun:
    return deliveries.run_build(by=r.c.w.dispatcher, point=r.c.point, day=day, now=at(day, 9))


def route_of(run: DeliveryRun, grid_key: str, r: Rounds) -> DeliveryRoute:
    return run.routes.get(grid=r.c.w.t[grid_key])
