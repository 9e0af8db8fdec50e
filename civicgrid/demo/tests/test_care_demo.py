"""The demo's care (`demo/care.py`) at the test settings' scale: Dagouwan's point with its 50+
elderly, orders carrying the band that applied on their day, deliveries with a welfare check,
Shanba's cards within their limits with months reconciled to their redemptions, visiting plans
with visits recorded as proactive work."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from civicgrid.care import bands as care_bands
from civicgrid.care import events as care_events
from civicgrid.care.cards import clean_number
from civicgrid.care.models import (
    AgeBand,
    Card,
    CardKind,
    CardState,
    CaredPerson,
    CareKind,
    CareVisit,
    Delivery,
    DeliveryRoute,
    DeliveryState,
    FlagKind,
    FraudFlag,
    MealOrder,
    MealPoint,
    Menu,
    Mobility,
    OrderState,
    PartnerShop,
    Reconciliation,
    ReconciliationState,
    Redemption,
    VisitPlan,
)
from civicgrid.demo import care as demo_care
from civicgrid.demo.care import Built, build_care
from civicgrid.demo.login import DEMO_PASSWORD
from civicgrid.demo.region import build_demo_region
from civicgrid.needs.models import Category, Kind, Priority, State
from civicgrid.network.models import Organisation, Person, Role
from civicgrid.seed import seed_everything
from civicgrid.volunteers.models import MemberMonth

pytestmark = pytest.mark.django_db

DAYS = settings.DEMO_HISTORY_DAYS


def _end() -> dt.datetime:
    """A fixed end, so that what the history holds does not depend on the day tests run."""
    return timezone.make_aware(dt.datetime(2026, 11, 20, 10, 15))


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Built]:
    """The demo built once for the module's tests, in a transaction rolled back after them."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(_end(), tick=False),
        transaction.atomic(),
    ):
        if not Category.objects.filter(code="care_visits").exists():
            seed_everything()  # a test database made without migrations (PostgreSQL, for now)
        build_demo_region()
        yield build_care(days=DAYS, end=_end())
        transaction.set_rollback(True)


def _point() -> MealPoint:
    return MealPoint.objects.select_related("node", "area").get(name=demo_care.POINT_NAME)


def test_dagouwan_has_its_point_and_50_elderly(built: Built) -> None:
    point = _point()
    assert point.node.code == demo_care.DAGOUWAN
    assert point.area is not None and point.area.code == demo_care.CHENGCHUAN
    assert point.name_mn and point.staff.exists()
    elderly = CaredPerson.objects.filter(
        marks__kind=CareKind.ELDERLY, node__path__startswith=point.area.path
    )
    assert elderly.count() == built.elderly >= 50
    villages = Counter(p.node.code.split("-")[0] for p in elderly.select_related("node"))
    assert villages[demo_care.DAGOUWAN] > 25 and villages[demo_care.DACHANGZI] > 10
    today = timezone.localtime(_end()).date()
    ages = [p.age_on(today) for p in elderly]
    assert min(ages) >= 60 and max(ages) <= 95
    assert sum(a >= 65 for a in ages) > 30
    old = [p for p in elderly if p.age_on(today) >= 85]
    assert len(old) >= 6 and all(p.guardian_name and p.guardian_phone for p in old)
    assert sum(p.mobility != Mobility.INDEPENDENT for p in old) >= 4
    assert elderly.filter(lives_alone=True).count() >= 8
    assert elderly.exclude(name_mn="").exists()
    assert elderly.filter(name=demo_care.ZHANG_WANXI).exists()
    assert all(p.phone.startswith("19907") for p in elderly.exclude(phone=""))
    # The extra services at the point, bookable as appointments.
    extras = {s.kind for s in point.extra_services.all()}
    assert extras == {"laundry", "bathing", "haircut", "massage"}
    assert all(s.hours.exists() for s in point.extra_services.all())


def test_menus_every_day_published(built: Built) -> None:
    point = _point()
    today = timezone.localtime(_end()).date()
    menus = Menu.objects.filter(point=point)
    assert menus.count() == DAYS + 1 == built.menus
    assert not menus.filter(published_at__isnull=True).exists()
    for menu in menus.annotate(n=Count("dishes")):
        assert 4 <= menu.n <= 6
        assert menu.dishes.filter(special=True).count() == 1
    assert menus.filter(day=today).exists()


def test_orders_carry_the_band_of_their_day(built: Built) -> None:
    point = _point()
    today = timezone.localtime(_end()).date()
    orders = MealOrder.objects.filter(point=point).select_related("person", "band")
    assert orders.count() == built.orders > 20 * DAYS
    in_force: dict[dt.date, list[AgeBand]] = {}
    for order in orders:
        # band_for(person, point, day), with the day's bands read once.
        if order.day not in in_force:
            in_force[order.day] = care_bands.bands_in_force(point, order.day)
        band = care_bands.pick(order.person, in_force[order.day], order.day)
        assert band is not None and order.band_id == band.pk, order
        assert order.age == order.person.age_on(order.day)
        assert order.price == band.price and order.free == band.free
        assert order.home_delivery == band.delivery and order.special_dish == band.special_dish
        if order.age >= 85 and order.person.mobility != Mobility.INDEPENDENT:
            assert order.free and order.price == 0 and order.home_delivery
        if order.day < today:
            assert order.state in (OrderState.SERVED, OrderState.CANCELLED) or hasattr(
                order, "delivery"
            )
        else:
            assert order.state == OrderState.ORDERED
            assert order.created_at <= _end()
    # The 60+ price went from 7 to 8 yuan: the orders before the change keep 7.
    bands = AgeBand.objects.filter(min_age=60).order_by("valid_from")
    old, new = list(bands)
    assert (old.price, new.price) == (Decimal("7.00"), Decimal("8.00"))
    assert old.valid_until == new.valid_from
    before = orders.filter(band_name=old.name, day__lt=new.valid_from, age__lt=65)
    after = orders.filter(day__gte=new.valid_from, age__lt=65)
    assert before.exists() and after.exists()
    assert set(before.values_list("price", flat=True)) == {Decimal("7.00")}
    assert set(after.values_list("price", flat=True)) == {Decimal("8.00")}
    # Someone crossed into the free band on their 85th birthday within the history.
    crossed = [
        p
        for p in CaredPerson.objects.filter(meal_orders__free=True).distinct()
        if p.meal_orders.filter(free=False).exists()
    ]
    assert crossed


def test_deliveries_and_the_welfare_checks(built: Built) -> None:
    point = _point()
    today = timezone.localtime(_end()).date()
    delivered = MealOrder.objects.filter(point=point, home_delivery=True).exclude(
        state=OrderState.CANCELLED
    )
    assert delivered.count() == Delivery.objects.filter(route__run__point=point).count()
    past = Delivery.objects.filter(route__run__day__lt=today).select_related(
        "route", "order__person"
    )
    assert not past.filter(state=DeliveryState.PENDING).exists()
    for delivery in past:
        assert delivery.route.deliverer is not None
        assert delivery.marked_by_id == delivery.route.deliverer_id
        assert delivery.order.person.node_id == delivery.route.grid_id
        assert (delivery.order.state == OrderState.SERVED) == (
            delivery.state == DeliveryState.DELIVERED
        )
    # Each finished route credited its deliverer a quarter of an hour a stop.
    for route in DeliveryRoute.objects.filter(run__day__lt=today).annotate(n=Count("deliveries")):
        assert route.hours == Decimal("0.25") * route.n
    assert (
        not Delivery.objects.filter(route__run__day=today)
        .exclude(state=DeliveryState.PENDING)
        .exists()
    )
    not_home = list(past.filter(state=DeliveryState.NOT_HOME).select_related("welfare_need"))
    assert len(not_home) == built.not_home == 2
    for delivery in not_home:
        need = delivery.welfare_need
        assert need is not None and need.category.code == "welfare_check"
        assert need.priority == Priority.URGENT and need.node_id == delivery.order.person.node_id
        assert need.source_person_id == delivery.route.deliverer_id
        assert delivery.marked_at is not None and need.created_at == delivery.marked_at
        assert need.state == State.RESOLVED
        assert delivery.order.state == OrderState.ORDERED  # the meal was not taken in
        assert [e.action for e in care_events.timeline(delivery)] == ["not_home"]
    # The deliverer the demo logs in as carries meals on his grid, today too.
    deliverer = Person.objects.get(mobile=demo_care.DELIVERER_LOGIN[1])
    assert deliverer.name == demo_care.DELIVERER_LOGIN[0]
    assert deliverer.roles.filter(role=Role.PARTY_MEMBER).exists()
    assert Delivery.objects.filter(route__deliverer=deliverer, route__run__day=today).exists()
    assert authenticate(mobile=deliverer.mobile, password=DEMO_PASSWORD) == deliverer
    # His hours count in his points.
    hours = DeliveryRoute.objects.filter(deliverer=deliverer).aggregate(h=Sum("hours"))["h"]
    months = MemberMonth.objects.filter(person=deliverer).aggregate(h=Sum("service_hours"))
    assert hours and months["h"] == hours


def test_cards_within_limits_every_month(built: Built) -> None:
    cards = Card.objects.select_related("kind")
    assert cards.count() == built.cards >= 40
    assert all(clean_number(c.number) == c.number for c in cards)
    assert cards.filter(state=CardState.REPLACED).count() == 1
    assert cards.filter(state=CardState.SUSPENDED).count() == 1
    replaced = cards.get(state=CardState.REPLACED)
    assert replaced.replaced_by.series == replaced.series == replaced.pk
    months = Redemption.objects.values("series", "month").annotate(
        amount=Sum("amount"), uses=Count("pk")
    )
    limits = {c.series: c.kind for c in cards}
    assert len({m["month"] for m in months}) == demo_care.CARD_MONTHS + 1
    for month in months:
        kind = limits[month["series"]]
        assert month["amount"] <= kind.monthly_amount and month["uses"] <= kind.monthly_uses
    for row in Redemption.objects.select_related("shop"):
        assert row.paid == row.amount - row.discount
        expected = (row.amount * row.shop.discount_percent / 100).quantize(Decimal("0.01"))
        assert abs(row.discount - expected) <= Decimal("0.01")
        assert timezone.localtime(row.created_at).date().replace(day=1) == row.month
        assert row.created_at < _end()
    orphans = CaredPerson.objects.filter(marks__kind=CareKind.FACT_ORPHAN)
    assert 3 <= orphans.count() <= 5
    assert all(p.guardian_name for p in orphans)


def test_shops_and_reconciliations_equal_their_redemptions(built: Built) -> None:
    shops = list(PartnerShop.objects.all())
    assert len(shops) == built.shops == len(demo_care.SHOPS)
    assert all(Decimal(10) <= s.discount_percent <= Decimal(15) for s in shops)
    assert all(s.clerks.exists() and s.enterprise_id for s in shops)
    enterprises = Organisation.objects.filter(name__endswith="（爱心帮扶卡）")
    assert enterprises.count() == 7
    today = timezone.localtime(_end()).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for shop in shops:
        month = Reconciliation.objects.get(shop=shop, month=last_month)
        assert month.state == ReconciliationState.APPROVED and month.approved_by_id
    by_key: dict[int, list[Redemption]] = defaultdict(list)
    for row in Redemption.objects.filter(reconciliation__isnull=False):
        by_key[row.reconciliation_id or 0].append(row)
    for rec in Reconciliation.objects.all():
        rows = by_key[rec.pk]
        assert rec.uses == len(rows)
        assert rec.amount == sum((r.amount for r in rows), Decimal(0))
        assert rec.discount == sum((r.discount for r in rows), Decimal(0))
        assert all(r.shop_id == rec.shop_id and r.month == rec.month for r in rows)
        assert Redemption.objects.filter(shop=rec.shop, month=rec.month).count() == rec.uses
    # This month is not reconciled yet.
    assert Redemption.objects.filter(month=today.replace(day=1), reconciliation__isnull=True)
    flag = FraudFlag.objects.get()
    assert flag.kind == FlagKind.TWO_SHOPS and flag.state == "open"
    uses = Redemption.objects.filter(card=flag.card, created_at__lte=flag.created_at).order_by(
        "-created_at"
    )[:2]
    assert uses[0].shop_id != uses[1].shop_id
    assert uses[0].created_at - uses[1].created_at <= dt.timedelta(minutes=10)
    clerk = Person.objects.get(mobile=demo_care.CLERK_LOGIN[1])
    assert clerk.partner_shops.filter(name=demo_care.SHOPS[0].name).exists()
    assert authenticate(mobile=clerk.mobile, password=DEMO_PASSWORD) == clerk


def test_visiting_plans_with_visits(built: Built) -> None:
    today = timezone.localtime(_end()).date()
    plans = VisitPlan.objects.select_related("person")
    assert plans.count() == built.plans
    orphans = plans.filter(person__marks__kind=CareKind.FACT_ORPHAN)
    assert orphans.count() >= 3 and all(p.every_days == 30 for p in orphans)
    alone = plans.filter(person__lives_alone=True)
    assert alone.count() >= 8 and all(p.every_days == 7 for p in alone)
    overdue = plans.filter(next_due__lt=today)
    assert overdue.count() == 2
    assert overdue.filter(every_days=7).exists() and overdue.filter(every_days=30).exists()
    visits = CareVisit.objects.select_related("record", "plan", "visitor", "person")
    assert visits.count() == built.visits == built.records > DAYS // 7 * 8
    for visit in visits:
        assert visit.visited_at < _end() and visit.plan is not None
        assert visit.visitor.roles.filter(role=Role.GRID_WORKER, node=visit.person.node).exists()
        assert visit.record is not None and visit.record.kind == Kind.VISIT
        assert visit.record.category.code == "care_visits"
        assert visit.record.created_at == visit.visited_at
    for plan in plans:
        last = plan.visits.order_by("-visited_at").first()
        if last is not None:
            day = timezone.localtime(last.visited_at).date()
            assert plan.next_due == day + dt.timedelta(days=plan.every_days)


def test_stable_facts(built: Built) -> None:
    """What the seed fixes (a second build on a fresh database is too slow to compare)."""
    today = timezone.localtime(_end()).date()
    assert built.elderly == demo_care.HISTORY_ELDERLY == 55
    zhang = CaredPerson.objects.select_related("node").get(name=demo_care.ZHANG_WANXI)
    assert zhang.age_on(today) == 72 and zhang.node.code == f"{demo_care.DAGOUWAN}-G1-S1"
    assert zhang.household is not None and zhang.household.members.count() == 2
    change = today - dt.timedelta(days=min(demo_care.PRICE_CHANGE_DAYS, DAYS // 2))
    assert AgeBand.objects.get(min_age=60, price=Decimal("8.00")).valid_from == change
    assert {(k.name, k.monthly_amount, k.monthly_uses) for k in CardKind.objects.all()} == {
        ("低保户", Decimal("200.00"), 4),
        ("特困户", Decimal("300.00"), 6),
        ("残疾人家庭", Decimal("150.00"), 4),
    }
    flag = FraudFlag.objects.get()
    yesterday = timezone.localtime(_end() - dt.timedelta(days=1))
    assert timezone.localtime(flag.created_at) == yesterday.replace(hour=9, minute=57, second=0)
    # The elderly of each village, in the order they were drawn.
    first = CaredPerson.objects.filter(marks__kind=CareKind.ELDERLY).order_by("pk")
    assert [p.age_on(today) for p in first[:12]] == [72, 70, 91, 87, 89, 86, 93, 88, 85, 86, 85, 65]
    drawn = [(p.name, p.age_on(today)) for p in first[12:16]]
    assert drawn == [("巴特尔", 79), ("图雅", 78), ("吴梅慧", 80), ("何志浩", 67)]


def test_building_again_builds_nothing(built: Built) -> None:
    orders = MealOrder.objects.count()
    assert build_care(days=DAYS, end=_end()) == Built()
    assert MealOrder.objects.count() == orders
