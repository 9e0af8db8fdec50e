"""Builders for the care tests: the needs tests' world with a meal point at community 1
(一社区), the default age bands (60+ may order at 8 yuan, 65+ get the special dish at 6 yuan,
85+ with limited mobility eat free and are delivered to), a point worker, and people on the
register in grids A and B whose ages sit on the bands' edges on `DAY`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from civicgrid.care.models import (
    AgeBand,
    CaredPerson,
    CareKind,
    CareMark,
    Household,
    MealPoint,
    Mobility,
)
from civicgrid.needs.tests import factories as needf
from civicgrid.network.models import Node, Person, Role
from civicgrid.network.tests import factories as nf

# The day the tests' people are aged on (a Wednesday, a working day).
DAY = dt.date(2026, 12, 2)


def born(age: int, *, day: dt.date = DAY, days_after: int = 0) -> dt.date:
    """A birth date that makes someone `age` on `day`; with `days_after` > 0 the birthday
    `age` falls that many days after `day`: they are `age - 1` on `day` and `age` from then."""
    birthday = dt.date(day.year - age, day.month, day.day)
    return birthday + dt.timedelta(days=days_after) if days_after else birthday


@dataclass
class Care:
    w: needf.World  # dispatcher = 一社区's staff; stranger = 二社区's staff; leader reads
    point: MealPoint  # at comm1, serving comm1
    cook: Person  # the point's staff (no network role)
    bands: dict[str, AgeBand]  # "60", "65", "85"
    household: Household  # in grid A
    aged_70: CaredPerson  # grid A, independent, 65+ band
    aged_62: CaredPerson  # grid A, 60+ band
    aged_86: CaredPerson  # grid B, limited mobility, lives alone: 85+ band (free, delivered)
    aged_55: CaredPerson  # grid B, too young to order
    orphan: CaredPerson  # grid A, a fact orphan of 12


def person(
    node: Node,
    name: str,
    age: int,
    *,
    mobility: str = Mobility.INDEPENDENT,
    lives_alone: bool = False,
    household: Household | None = None,
    kinds: tuple[str, ...] = (CareKind.ELDERLY,),
    days_after: int = 0,
    **fields: object,
) -> CaredPerson:
    cared = CaredPerson.objects.create(
        node=node,
        name=name,
        birth_date=born(age, days_after=days_after),
        mobility=mobility,
        lives_alone=lives_alone,
        household=household,
        **fields,
    )
    for kind in kinds:
        CareMark.objects.create(person=cared, kind=kind)
    return cared


def default_bands(
    point: MealPoint | None = None, *, since: dt.date = dt.date(2026, 1, 1)
) -> dict[str, AgeBand]:
    def band(key: str, **fields: object) -> AgeBand:
        return AgeBand.objects.create(point=point, valid_from=since, **fields)

    return {
        "60": band("60", name="60岁以上", min_age=60, price=Decimal("8.00")),
        "65": band("65", name="65岁以上", min_age=65, price=Decimal("6.00"), special_dish=True),
        "85": band(
            "85",
            name="85岁以上行动不便",
            min_age=85,
            limited_mobility_only=True,
            price=Decimal(0),
            special_dish=True,
            free=True,
            delivery=True,
        ),
    }


def care() -> Care:
    w = needf.world()
    t = w.t
    point = MealPoint.objects.create(
        name="大沟湾助餐点", name_mn="ᠳᠠᠭᠤᠸᠠᠩ", node=t["comm1"], address="大沟湾新村党群服务站"
    )
    cook = nf.person("厨师老王")
    point.staff.add(cook)
    bands = default_bands()
    household = Household.objects.create(node=t["gridA"], name="张家", address="一组3号")
    return Care(
        w=w,
        point=point,
        cook=cook,
        bands=bands,
        household=household,
        aged_70=person(
            t["gridA"], "张万喜", 70, household=household, phone="13800000070", address="一组3号"
        ),
        aged_62=person(t["gridA"], "李桂兰", 62, phone="13800000062", address="一组5号"),
        aged_86=person(
            t["gridB"],
            "王奶奶",
            86,
            mobility=Mobility.LIMITED,
            lives_alone=True,
            phone="13800000086",
            address="二组8号",
            guardian_name="王秀英",
            guardian_relation="女儿",
            guardian_phone="13900000086",
        ),
        aged_55=person(t["gridB"], "赵四", 55),
        orphan=person(t["gridA"], "小明", 12, kinds=(CareKind.FACT_ORPHAN,)),
    )


def deliverer(node: Node, name: str = "党员志愿者") -> Person:
    """A party member in `node` (one of the people who serve)."""
    return nf.person(name, roles=[(Role.PARTY_MEMBER, node)])
