"""The care module's personal data (care/personal.py): a person's export, forgetting a person
or a phone (the figures unchanged), and the retention period."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from civicgrid.care import counts, personal
from civicgrid.care.models import (
    CaredPerson,
    CareVisit,
    Delivery,
    Household,
    MealOrder,
    OrderState,
    Redemption,
    VisitPlan,
)
from civicgrid.care.tests import factories_counts as fc
from civicgrid.core import xlsx
from civicgrid.core.errors import Conflict, NotAllowed
from civicgrid.core.models import RevealLog

pytestmark = pytest.mark.django_db

YEAR = fc.YEAR


def leave(person: CaredPerson, when: dt.datetime) -> CaredPerson:
    CaredPerson.objects.filter(pk=person.pk).update(left_at=when)
    person.refresh_from_db()
    return person


def year_figures(w: fc.CountsWorld) -> counts.CareFigures:
    return counts.care_months(paths=[w.c.w.t["league"].path], year=YEAR)[1]


def test_the_export_holds_the_persons_record_household_cards_orders_and_visits() -> None:
    w = fc.world()
    c = w.c
    RevealLog.objects.create(
        actor=c.w.dispatcher, subject=f"care-person:{c.aged_70.pk}", field="phone"
    )
    data = personal.personal_export(phone="13800000070", by=c.w.dispatcher)
    (person,) = data["people"]
    assert person["matched_by"] == ["phone"]
    assert (person["name"], person["phone"], person["address"]) == (
        "张万喜",
        "13800000070",
        "一组3号",
    )
    assert person["birth_date"] == c.aged_70.birth_date.isoformat()
    assert person["care_kinds"] == ["elderly"]
    assert [o["day"] for o in person["meal_orders"]] == ["2026-01-31", "2026-02-01", "2026-02-03"]
    assert person["meal_orders"][0]["placer_phone"] == "13700000070"
    household = person["household"]
    assert household["name"] == "张家"
    assert [card["number"] for card in household["cards"]] == ["C0001", "C0002"]
    assert [u["amount"] for u in household["cards"][0]["uses"]] == ["50.00", "100.00"]
    assert household["cards"][1]["uses"][0]["shop"] == "粮油店"
    assert [r["field"] for r in person["revealed_to_staff"]] == ["phone"]
    # The orders placed by the family are in the person's record, not again apart.
    assert data["meal_orders_placed"] == [] and data["guardian_of"] == []


def test_the_export_holds_deliveries_and_visits() -> None:
    fc.world()
    data = personal.personal_export(phone="13800000086", by=None)
    (person,) = data["people"]
    states = [(o["day"], (o["delivery"] or {}).get("state")) for o in person["meal_orders"]]
    assert states == [("2026-01-15", "delivered"), ("2026-01-16", "not_home"), ("2026-02-03", None)]
    assert person["meal_orders"][1]["delivery"]["note"] == "敲门无人应答"
    assert [(v["finding"], v["by"]) for v in person["visits"]] == [("not_home", "staff")]
    assert person["guardian_phone"] == "13900000086"


def test_a_guardians_phone_exports_a_childs_record_and_only_the_guardian_of_an_adult() -> None:
    w = fc.world()
    CaredPerson.objects.filter(pk=w.c.orphan.pk).update(
        guardian_name="王秀英", guardian_phone="13900000086"
    )
    data = personal.personal_export(phone="13900000086", by=w.c.w.dispatcher, today=fc.cf.DAY)
    (child,) = data["people"]
    assert child["name"] == "小明" and child["matched_by"] == ["guardian_phone"]
    assert [v["finding"] for v in child["visits"]] == ["well", "concern"]
    (adult,) = data["guardian_of"]
    assert adult == {
        "guardian_of": "王奶奶",
        "place": "B网格",
        "guardian_name": "王秀英",
        "guardian_relation": "女儿",
        "guardian_phone": "13900000086",
    }


def test_the_orders_a_family_member_placed_are_in_their_export() -> None:
    w = fc.world()
    data = personal.personal_export(phone="13700000070", by=w.c.w.dispatcher)
    assert data["people"] == []
    assert data["meal_orders_placed"] == [
        {
            "day": "2026-01-31",
            "point": "大沟湾助餐点",
            "for": "张万喜",
            "placer_name": "张小红",
            "placer_phone": "13700000070",
            "state": "served",
        }
    ]


def test_the_export_reaches_only_the_places_of_the_staffs_role() -> None:
    w = fc.world()
    for outsider in (w.c.w.stranger, w.c.w.leader, w.c.w.grid_worker):
        data = personal.personal_export(phone="13800000070", by=outsider)
        assert data["people"] == [] and data["meal_orders_placed"] == [], outsider
    assert personal.personal_export(phone="13800000081", by=w.c.w.stranger)["people"]


def test_someone_on_the_register_is_not_forgotten() -> None:
    w = fc.world()
    with pytest.raises(Conflict) as error:
        personal.person_forget(person=w.c.aged_70, by=w.c.w.dispatcher)
    assert error.value.code == "person_on_register"
    leave(w.c.aged_70, fc.at(6, 1))
    with pytest.raises(NotAllowed):
        personal.person_forget(person=w.c.aged_70, by=w.c.w.stranger)
    assert CaredPerson.objects.get(pk=w.c.aged_70.pk).forgotten_at is None


def test_forgetting_blanks_the_person_and_keeps_every_figure() -> None:
    w = fc.world()
    c = w.c
    CaredPerson.objects.filter(pk=c.aged_70.pk).update(
        identity_digest="ab" * 32, note="腿脚不便", name_mn="ᠵᠠᠩ"
    )
    leave(c.aged_70, fc.at(3, 1))
    leave(c.orphan, fc.at(3, 1))
    before = year_figures(w)
    orders_before = list(
        MealOrder.objects.filter(person=c.aged_70).values_list("day", "price", "state", "band_name")
    )
    uses_before = list(Redemption.objects.values_list("amount", "discount", "paid", "card_id"))
    assert personal.person_forget(person=c.aged_70, by=c.w.dispatcher) is True
    assert personal.person_forget(person=c.orphan, by=c.w.dispatcher) is True
    assert personal.person_forget(person=c.aged_70, by=c.w.dispatcher) is False  # once

    gone = CaredPerson.objects.get(pk=c.aged_70.pk)
    assert gone.name == personal.FORGOTTEN and gone.forgotten_at is not None
    for name in (
        "name_mn",
        "address",
        "phone",
        "guardian_name",
        "guardian_phone",
        "identity_digest",
        "note",
    ):
        assert getattr(gone, name) == "", name
    assert gone.birth_date == c.aged_70.birth_date  # what the register is counted by stays
    assert (
        not MealOrder.objects.filter(person=gone).exclude(placer_name="", placer_phone="").exists()
    )
    assert not CareVisit.objects.filter(person=c.orphan).exclude(note="").exists()
    assert not VisitPlan.objects.filter(person=c.orphan, active=True).exists()
    # Its household had no other member: forgotten too; its cards and their uses stay.
    household = Household.objects.get(pk=c.household.pk)
    assert (household.name, household.address, household.forgotten_at is not None) == (
        personal.FORGOTTEN,
        "",
        True,
    )
    assert (
        list(
            MealOrder.objects.filter(person=c.aged_70).values_list(
                "day", "price", "state", "band_name"
            )
        )
        == orders_before
    )
    assert (
        list(Redemption.objects.values_list("amount", "discount", "paid", "card_id")) == uses_before
    )
    assert year_figures(w) == before
    # Forgotten people are in no export.
    assert personal.personal_export(phone="13800000070", by=None)["people"] == []


def test_a_household_with_someone_left_is_kept() -> None:
    w = fc.world()
    c = w.c
    CaredPerson.objects.filter(pk=c.aged_62.pk).update(household=c.household)
    leave(c.aged_70, fc.at(3, 1))
    personal.person_forget(person=c.aged_70, by=None)
    assert Household.objects.get(pk=c.household.pk).name == "张家"


def test_forgetting_a_phone_forgets_who_left_and_lists_who_is_on_the_register() -> None:
    w = fc.world()
    c = w.c
    # The daughter's phone: guardian of 王奶奶 and the orderer of 张万喜's meals, one closed
    # and one still to be served.
    CaredPerson.objects.filter(pk=c.aged_62.pk).update(phone="13900000086")
    leave(c.aged_62, fc.at(3, 1))
    MealOrder.objects.filter(person=c.aged_70, day=dt.date(YEAR, 2, 3)).update(
        placer_name="王秀英", placer_phone="13900000086"
    )
    MealOrder.objects.filter(person=c.aged_70, day=dt.date(YEAR, 1, 31)).update(
        placer_phone="13900000086"
    )
    Household.objects.filter(pk=w.far_household.pk).update(phone="13900000086")
    CaredPerson.objects.filter(pk=c.aged_86.pk).update(phone="13900000086")  # on the register
    now = timezone.make_aware(dt.datetime(YEAR, 2, 3, 8))  # before the 3 February lunch
    result = personal.phone_forget(phone="13900000086", by=None, now=now)
    assert result.people == 1 and result.on_register == ["王奶奶 · B网格"]
    assert result.guardians == 1
    assert CaredPerson.objects.get(pk=c.aged_86.pk).guardian_phone == ""
    assert CaredPerson.objects.get(pk=c.aged_86.pk).name == "王奶奶"
    assert (result.orders, result.orders_open) == (1, 1)
    assert MealOrder.objects.get(person=c.aged_70, day=dt.date(YEAR, 2, 3)).placer_phone
    assert result.households == 1
    assert Household.objects.get(pk=w.far_household.pk).phone == ""


def test_forgetting_a_phone_stays_within_the_staffs_places() -> None:
    w = fc.world()
    leave(w.far, fc.at(3, 1))
    result = personal.phone_forget(phone="13800000081", by=w.c.w.dispatcher)
    assert result.total == 0
    assert CaredPerson.objects.get(pk=w.far.pk).forgotten_at is None
    assert personal.phone_forget(phone="13800000081", by=w.c.w.stranger).people == 1


def test_retention_forgets_only_those_who_left_longer_ago_than_the_period(settings) -> None:
    w = fc.world()
    c = w.c
    settings.CARE_RETENTION_DAYS = 365
    now = timezone.make_aware(dt.datetime(2028, 1, 10))
    leave(c.aged_62, timezone.make_aware(dt.datetime(2026, 12, 1)))  # 13 months before
    leave(c.orphan, timezone.make_aware(dt.datetime(2027, 3, 1)))  # 10 months before
    # 赵四 left on 10 February 2026; everyone else is on the register.
    before = year_figures(w)
    result = personal.retention(now=now)
    assert result.people == 2
    forgotten = set(
        CaredPerson.objects.filter(forgotten_at__isnull=False).values_list("pk", flat=True)
    )
    assert forgotten == {c.aged_62.pk, c.aged_55.pk}
    # Every order of 2026 is older than a year: whoever placed it is cleared.
    assert result.orders == 1
    assert not MealOrder.objects.exclude(placer_name="", placer_phone="").exists()
    assert year_figures(w) == before
    assert personal.retention(now=now).total == 0  # a second run changes nothing


def test_retention_zero_keeps_everything(settings) -> None:
    w = fc.world()
    settings.CARE_RETENTION_DAYS = 0
    leave(w.c.aged_62, fc.at(1, 2))
    assert personal.retention(now=timezone.make_aware(dt.datetime(2040, 1, 1))).total == 0
    assert not CaredPerson.objects.filter(forgotten_at__isnull=False).exists()


def test_retention_defaults_to_three_years(settings) -> None:
    w = fc.world()
    del settings.CARE_RETENTION_DAYS
    assert personal.retention_days() == 3 * 365
    leave(w.c.aged_62, fc.at(1, 2))
    # 赵四 (left 10 February 2026) and 李桂兰 (2 January 2026): three years on 1 February 2029.
    result = personal.retention(now=timezone.make_aware(dt.datetime(2029, 2, 1)))
    assert result.people == 1
    assert CaredPerson.objects.get(pk=w.c.aged_62.pk).forgotten_at is not None


def test_figures_of_a_delivery_and_a_card_survive_a_forgotten_person() -> None:
    w = fc.world()
    leave(w.c.aged_86, fc.at(3, 1))
    personal.person_forget(person=w.c.aged_86, by=None)
    assert Delivery.objects.filter(order__person=w.c.aged_86).count() == 2
    assert not Delivery.objects.filter(order__person=w.c.aged_86).exclude(note="").exists()
    served = MealOrder.objects.filter(person=w.c.aged_86, state=OrderState.SERVED)
    assert sum(o.price for o in served) == Decimal(0) and served.count() == 2


def test_the_export_workbooks_sheets_hold_the_records_as_text() -> None:
    w = fc.world()
    CaredPerson.objects.filter(pk=w.c.aged_70.pk).update(note='=HYPERLINK("http://x","y")')
    data = personal.personal_export(phone="13800000070", by=None)
    out = io.BytesIO()
    book = xlsx.workbook(out, in_memory=True)
    for title, headers, rows in personal.export_sheets(data):
        sheet = book.add_worksheet(title)
        xlsx.write_row(sheet, 0, headers)
        for number, row in enumerate(rows, start=1):
            xlsx.write_row(sheet, number, row)
    book.close()
    read = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert len(read.worksheets) == 4  # register, orders, cards, uses (no visit)
    register, orders, cards, uses = (list(s.iter_rows(min_row=2, values_only=True)) for s in read)
    assert register[0][:4] == ("张万喜", "A网格", w.c.aged_70.birth_date.isoformat(), "13800000070")
    assert register[0][9] == '=HYPERLINK("http://x","y")'  # text, not a formula
    assert [r[1] for r in orders] == ["2026-01-31", "2026-02-01", "2026-02-03"]
    assert [r[3] for r in cards] == ["C0001", "C0002"]
    assert [r[3] for r in uses] == ["50.00", "100.00", "80.00"]
    assert personal.export_sheets(personal.personal_export(phone="13000000000", by=None)) == []
