"""The care counts page and its three ledgers (xlsx): who may read them, what they hold, names
masked for a leader and in full (logged) for community staff, bad parameters answered."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.care import counts
from civicgrid.care.tests import factories_counts as fc
from civicgrid.core.models import RevealLog
from civicgrid.network.models import Person, Role, RoleBinding

pytestmark = pytest.mark.django_db

YEAR = fc.YEAR


def client_for(person: Person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def sheet_rows(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    # A heading line, an empty line, the header, the rows.
    return [tuple(row) for row in book.worksheets[0].iter_rows(min_row=4, values_only=True)]


def test_the_page_shows_the_year_by_month_and_the_sentences_to_a_leader() -> None:
    w = fc.world()
    node = w.c.w.t["comm1"]
    response = client_for(w.c.w.leader).get(reverse("care:counts"), {"node": node.pk, "year": YEAR})
    assert response.status_code == 200
    months = response.context["months"]
    assert [first.month for first, _f in months] == list(range(1, 13))
    total = response.context["total"]
    assert total == counts.care_months(paths=[node.path], year=YEAR)[1]
    assert response.context["sentences"] == counts.care_parts(total, "zh-hans")
    january = client_for(w.c.w.leader).get(
        reverse("care:counts"), {"node": node.pk, "year": YEAR, "month": 1}
    )
    jan = counts.care_month(paths=[node.path], year=YEAR, month=1)
    assert january.context["sentences"] == counts.care_parts(jan, "zh-hans")
    # Nothing personal on the page.
    assert "张万喜" not in response.content.decode()


def test_the_page_opens_on_the_readers_area() -> None:
    w = fc.world()
    response = client_for(w.c.w.dispatcher).get(reverse("care:counts"))
    assert response.status_code == 200
    assert response.context["node"] == w.c.w.t["comm1"]


@pytest.mark.parametrize(
    "params",
    [{"node": "abc"}, {"year": "1999"}, {"year": "next"}, {"month": "13"}, {"month": "x"}],
)
def test_bad_parameters_are_a_400_with_a_message(params: dict[str, str]) -> None:
    w = fc.world()
    response = client_for(w.c.w.dispatcher).get(reverse("care:counts"), params)
    assert response.status_code == 400
    assert response.content
    ledger = client_for(w.c.w.dispatcher).get(reverse("care:ledger_meals"), params)
    assert ledger.status_code == 400 or "month" in params  # the ledgers take no month


def test_a_place_outside_the_area_is_not_found() -> None:
    w = fc.world()
    stranger = client_for(w.c.w.stranger)  # 二社区's staff
    params = {"node": w.c.w.t["comm1"].pk, "year": YEAR}
    assert stranger.get(reverse("care:counts"), params).status_code == 404
    for name in ("care:ledger_meals", "care:ledger_cards", "care:ledger_visits"):
        assert stranger.get(reverse(name), params).status_code == 404
    # A point's cook holds no role: no console.
    assert client_for(w.c.cook).get(reverse("care:counts")).status_code == 403


def test_the_meals_ledger_adds_up_to_the_figures() -> None:
    w = fc.world()
    node = w.c.w.t["comm1"]
    response = client_for(w.c.w.leader).get(
        reverse("care:ledger_meals"), {"node": node.pk, "year": YEAR}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][3]]
    rows = sheet_rows(response)
    total = counts.care_months(paths=[node.path], year=YEAR)[1]
    bands = [name for name, _n in total.meals_by_band]
    assert header[4 : 4 + len(bands)] == bands
    assert sum(r[2] for r in rows) == total.orders
    assert sum(r[3] for r in rows) == total.meals
    for index, (_name, served) in enumerate(total.meals_by_band):
        assert sum(r[4 + index] for r in rows) == served
    free, delivered, not_home, paid = (4 + len(bands) + i for i in range(4))
    assert sum(r[free] for r in rows) == total.free_meals
    assert sum(r[delivered] for r in rows) == total.delivered
    assert sum(r[not_home] for r in rows) == total.not_home
    assert Decimal(str(sum(r[paid] for r in rows))) == total.meals_paid
    assert rows[0][0] == "大沟湾助餐点"


def test_the_cards_ledger_adds_up_to_the_figures() -> None:
    w = fc.world()
    node = w.c.w.t["town1"]
    rows = sheet_rows(
        client_for(w.c.w.leader).get(reverse("care:ledger_cards"), {"node": node.pk, "year": YEAR})
    )
    total = counts.care_months(paths=[node.path], year=YEAR)[1]
    assert [r[1] for r in rows] == ["粮油店", "粮油店"]  # January, February
    assert sum(r[3] for r in rows) == total.uses
    assert Decimal(str(sum(r[5] for r in rows))) == total.amount
    assert Decimal(str(sum(r[6] for r in rows))) == total.discount
    assert Decimal(str(sum(r[7] for r in rows))) == total.card_paid


def visits_by_name(rows: list[tuple[Any, ...]]) -> dict[str, tuple[Any, ...]]:
    return {r[0]: r for r in rows}


def test_the_visits_ledger_masks_names_for_a_leader_and_logs_nothing() -> None:
    w = fc.world()
    t = w.c.w.t
    for reader, node, masked in (
        (w.c.w.leader, t["comm1"], {"小*", "李**", "王**"}),
        (w.c.w.grid_worker, t["gridA"], {"小*", "李**"}),  # serves the grid, not a phone role
    ):
        rows = sheet_rows(
            client_for(reader).get(reverse("care:ledger_visits"), {"node": node.pk, "year": YEAR})
        )
        assert {r[0] for r in rows} == masked, reader
    assert not RevealLog.objects.exists()


def test_the_visits_ledger_names_people_in_full_for_community_staff_and_logs_it() -> None:
    w = fc.world()
    node = w.c.w.t["comm1"]
    rows = visits_by_name(
        sheet_rows(
            client_for(w.c.w.dispatcher).get(
                reverse("care:ledger_visits"), {"node": node.pk, "year": YEAR}
            )
        )
    )
    assert set(rows) == {"小明", "李桂兰", "王奶奶"}
    orphan = rows["小明"]
    assert orphan[3] == 2  # visits
    assert orphan[4].date().isoformat() == "2026-01-31"  # the last, on January's last evening
    assert orphan[6] == 1 and orphan[7] == 30  # a need raised; a plan every 30 days
    assert rows["李桂兰"][3] == 0 and rows["李桂兰"][7] == 7  # a plan, no visit yet
    log = RevealLog.objects.get()
    assert (log.actor_id, log.field) == (w.c.w.dispatcher.pk, "name")
    assert log.subject == f"ledger:care-visits:{node.code}"
    # Each download is one more row.
    client_for(w.c.w.dispatcher).get(reverse("care:ledger_visits"), {"node": node.pk})
    assert RevealLog.objects.count() == 2


def test_town_staff_read_both_towns_people_only_where_they_hold_the_role() -> None:
    """A reader with the role over one town reads the other town's names masked."""
    w = fc.world()
    t = w.c.w.t
    reader = w.c.w.town_staff  # community staff bound to town 1
    RoleBinding.objects.create(person=reader, role=Role.LEADER, node=t["banner"])
    rows = sheet_rows(
        client_for(reader).get(reverse("care:ledger_visits"), {"node": t["banner"].pk})
    )
    names = {r[0] for r in rows}
    assert "小明" in names and "刘**" in names and "刘大爷" not in names
