"""The care counted (care/counts.py): every figure equal to a recount of the rows in Python,
for every month of the year and the year, at every level of the tree; a year in as many
queries as a month; the last evening of a month in local time; the report sentences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from civicgrid.care import counts
from civicgrid.care.models import (
    Card,
    CaredPerson,
    CareKind,
    CareMark,
    CareVisit,
    Delivery,
    DeliveryState,
    Finding,
    MealOrder,
    OrderState,
    Redemption,
    age_on,
)
from civicgrid.care.tests import factories_counts as fc

pytestmark = pytest.mark.django_db

YEAR = fc.YEAR


def recount(path: str, start: dt.date, end: dt.date) -> counts.CareFigures:
    """The figures, counted one row at a time in Python (the definitions in counts.py)."""

    def inside(node: Any) -> bool:
        return node.path.startswith(path)

    def local_day(value: dt.datetime) -> dt.date:
        return timezone.localtime(value).date()

    deliveries = {d.order_id: d for d in Delivery.objects.all()}
    orders = [
        o
        for o in MealOrder.objects.select_related("person__node", "band")
        if inside(o.person.node) and start <= o.day <= end
    ]
    live = [o for o in orders if o.state != OrderState.CANCELLED]
    served = [o for o in live if o.state == OrderState.SERVED]

    def marked(o: MealOrder, state: str) -> bool:
        return o.pk in deliveries and deliveries[o.pk].state == state

    delivered = [o for o in live if marked(o, DeliveryState.DELIVERED)]
    bands: dict[str, int] = {}
    ages: dict[str, int] = {}
    for o in served:
        bands[o.band_name] = bands.get(o.band_name, 0) + 1
        ages[o.band_name] = min(ages.get(o.band_name, 999), o.band.min_age)

    cards = [
        c
        for c in Card.objects.select_related("household__node")
        if inside(c.household.node) and start <= local_day(c.issued_at) <= end
    ]
    uses = [
        r
        for r in Redemption.objects.select_related("card__household__node")
        if inside(r.card.household.node) and start.replace(day=1) <= r.month <= end
    ]
    orphans = set(
        CareMark.objects.filter(kind=CareKind.FACT_ORPHAN).values_list("person_id", flat=True)
    )
    visits = [
        v
        for v in CareVisit.objects.select_related("person__node")
        if inside(v.person.node) and start <= local_day(v.visited_at) <= end
    ]
    until = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    people = [
        p
        for p in CaredPerson.objects.select_related("node")
        if inside(p.node) and p.created_at < until and (p.left_at is None or p.left_at >= until)
    ]
    kinds = {k.value: 0 for k in CareKind}
    for mark in CareMark.objects.filter(person__in=people):
        kinds[mark.kind] += 1
    return counts.CareFigures(
        orders=len(live),
        cancelled=len(orders) - len(live),
        meals=len(served),
        meals_by_band=tuple(
            (name, bands[name]) for name in sorted(bands, key=lambda n: (ages[n], n))
        ),
        free_meals=sum(o.free for o in served),
        special_dishes=sum(o.special_dish for o in served),
        meals_paid=sum((o.price for o in served), Decimal(0)),
        diners=len({o.person_id for o in served}),
        delivered=len(delivered),
        not_home=sum(marked(o, DeliveryState.NOT_HOME) for o in live),
        people_delivered=len({o.person_id for o in delivered}),
        welfare_checks=sum(
            o.pk in deliveries and deliveries[o.pk].welfare_need_id is not None for o in orders
        ),
        cards_issued=sum(c.replaces_id is None for c in cards),
        cards_reissued=sum(c.replaces_id is not None for c in cards),
        cards_used=len({r.series for r in uses}),
        uses=len(uses),
        amount=sum((r.amount for r in uses), Decimal(0)),
        discount=sum((r.discount for r in uses), Decimal(0)),
        card_paid=sum((r.paid for r in uses), Decimal(0)),
        visits=len(visits),
        visits_by_finding=tuple((f.value, sum(v.finding == f for v in visits)) for f in Finding),
        people_visited=len({v.person_id for v in visits}),
        orphan_visits=sum(v.person_id in orphans for v in visits),
        orphans_visited=len({v.person_id for v in visits if v.person_id in orphans}),
        visit_needs=sum(v.raised_need_id is not None for v in visits),
        registered=len(people),
        by_kind=tuple((k.value, kinds[k.value]) for k in CareKind),
        aged_60=sum(age_on(p.birth_date, end) >= 60 for p in people),
        aged_80=sum(age_on(p.birth_date, end) >= 80 for p in people),
        living_alone=sum(p.lives_alone for p in people),
    )


def test_every_figure_equals_a_recount_for_every_month_and_place() -> None:
    w = fc.world()
    t = w.c.w.t
    for name in ("league", "town1", "comm1", "gridA", "gridB", "town2", "gridC"):
        months, year = counts.care_months(paths=[t[name].path], year=YEAR)
        assert len(months) == 12 and months[0][0] == dt.date(YEAR, 1, 1)
        for first, figures in months:
            last = counts.month_period(YEAR, first.month)[1]
            assert figures == recount(t[name].path, first, last), (name, first)
        assert year == recount(t[name].path, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)), name


def test_the_small_world_is_counted_as_expected() -> None:
    """A few figures written out, so that a recount wrong in the same way as the code fails."""
    w = fc.world()
    t = w.c.w.t
    jan = counts.care_month(paths=[t["comm1"].path], year=YEAR, month=1)
    assert (jan.orders, jan.cancelled, jan.meals) == (4, 1, 3)
    # The 85+ meal is free and delivered; the meal of 31 January counts in January.
    assert jan.meals_by_band == (("60岁以上", 1), ("65岁以上", 1), ("85岁以上行动不便", 1))
    assert (jan.free_meals, jan.meals_paid) == (1, Decimal("14.00"))
    assert (jan.delivered, jan.not_home, jan.welfare_checks) == (1, 1, 1)
    # The card issued at 23:30 on 31 January (local; 15:30 UTC) is January's, its reissue at
    # 00:30 on 1 February (16:30 UTC on 31 January) February's; both are one card used.
    assert (jan.cards_issued, jan.cards_reissued, jan.uses, jan.cards_used) == (1, 0, 2, 1)
    assert (jan.amount, jan.discount, jan.card_paid) == (
        Decimal("150.00"),
        Decimal("30.00"),
        Decimal("120.00"),
    )
    assert (jan.visits, jan.orphan_visits, jan.orphans_visited, jan.visit_needs) == (2, 2, 1, 1)
    assert jan.found(Finding.CONCERN) == 1
    # On 31 January: 70, 62, 86, 55, the orphan and 周桂芝 (59 until 28 February).
    assert (jan.registered, jan.aged_60, jan.aged_80, jan.living_alone) == (6, 3, 1, 1)
    assert jan.kind(CareKind.FACT_ORPHAN) == 1
    feb = counts.care_month(paths=[t["comm1"].path], year=YEAR, month=2)
    assert (feb.cards_issued, feb.cards_reissued, feb.uses, feb.cards_used) == (0, 1, 1, 1)
    # 赵四 left on 10 February; 周桂芝 turned 60 on the 28th.
    assert (feb.registered, feb.aged_60) == (5, 4)
    assert (feb.meals, feb.orders) == (2, 3)
    year = counts.care_months(paths=[t["comm1"].path], year=YEAR)[1]
    # 王奶奶 ate in January and February: one diner of the year, not two.
    assert (year.meals, year.diners) == (5, 3)
    mar = counts.care_month(paths=[t["comm1"].path], year=YEAR, month=3)
    assert (mar.registered, mar.aged_80) == (6, 2)  # 孙奶奶 entered in March
    town2 = counts.care_month(paths=[t["town2"].path], year=YEAR, month=1)
    assert (town2.meals, town2.uses, town2.visits, town2.registered) == (1, 1, 1, 1)
    assert town2.kind(CareKind.HARDSHIP) == 1


def test_a_year_with_its_total_takes_the_queries_of_one_month(
    django_assert_num_queries: Any,
) -> None:
    w = fc.world()
    paths = [w.c.w.t["town1"].path]
    with django_assert_num_queries(7):
        counts.care_month(paths=paths, year=YEAR, month=1)
    with django_assert_num_queries(7):
        counts.care_months(paths=paths, year=YEAR)
    periods = [counts.month_period(year, 1) for year in range(2020, 2027)]
    with django_assert_num_queries(7):
        counts.figures_of_periods(paths=paths, periods=periods)


def test_no_place_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert counts.figures_of_periods(paths=[], periods=[counts.month_period(YEAR, 1)]) == [
            counts.CareFigures()
        ]
    with pytest.raises(ValueError):
        counts.figures_of_periods(
            paths=["1/"], periods=[(dt.date(2026, 2, 1), dt.date(2026, 1, 1))]
        )


def test_born_by_follows_the_birthday_rule() -> None:
    assert counts.born_by(dt.date(2026, 1, 31), 60) == dt.date(1966, 1, 31)
    # 29 February 2024: someone born on 1 March 1964 is not 60 yet, on 28 February they are.
    assert counts.born_by(dt.date(2024, 2, 29), 60) == dt.date(1964, 2, 29)
    assert counts.born_by(dt.date(2024, 2, 29), 61) == dt.date(1963, 2, 28)
    for born in (dt.date(1963, 2, 28), dt.date(1963, 3, 1)):
        assert (born <= counts.born_by(dt.date(2024, 2, 29), 61)) == (
            age_on(born, dt.date(2024, 2, 29)) >= 61
        )


def test_the_sentences_carry_the_figures() -> None:
    w = fc.world()
    jan = counts.care_month(paths=[w.c.w.t["comm1"].path], year=YEAR, month=1)
    english = counts.care_parts(jan, "en")
    assert len(english) == 5  # meals, not home, cards, visits, register
    assert english[0].startswith("The meal points served 3 meals to 3 people (1 free, ¥14 paid)")
    assert "¥150 of goods (¥30 off) on 1 cards" in english[2]
    assert "2 care visits to 1 people, 2 of them to fact orphans" in english[3]
    assert counts.care_sentence(jan, "en") == " ".join(english)
    # Chinese runs its sentences on (the words come from the catalogue).
    assert counts.care_sentence(jan, "zh-hans") == "".join(counts.care_parts(jan, "zh-hans"))
    quiet = counts.care_parts(counts.CareFigures(), "en")
    assert len(quiet) == 4  # no "nobody answered" line without a not-home
    assert counts.money(Decimal("12400.50")) == "12,400.50"
    assert counts.money(Decimal("12400.00")) == "12,400"


def test_sums_of_money_read_to_the_fen_on_every_database() -> None:
    """SQLite adds decimals as REAL: 0.10 + 0.20 read back as 0.30000000000000004 and the
    counts page printed 3943.20000000000; sums are read to the fen."""
    w = fc.world()
    for n, amount in enumerate(("0.10", "0.20", "0.10", "0.20")):
        fc.redeem(w.card, w.shop, fc.at(7, 1 + n), amount, f"fen-{n}")
    july = counts.care_month(paths=[w.c.w.t["town1"].path], year=fc.YEAR, month=7)
    assert str(july.amount) == "0.60"
