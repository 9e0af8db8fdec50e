"""The cards' pages: the console for staff (a leader reads and is refused every write before
a form is read), and the shop's phone page where a clerk scans a card and redeems it once."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicgrid.care import cards, reconcile
from civicgrid.care.models import (
    Card,
    CardKind,
    CardState,
    FlagKind,
    FlagState,
    FraudFlag,
    Household,
    PartnerShop,
    Reconciliation,
    ReconciliationState,
    Redemption,
)
from civicgrid.care.tests import factories_cards as fc
from civicgrid.network.models import Person

pytestmark = pytest.mark.django_db

at = fc.at


def _client(who: Person | None) -> Client:
    client = Client()
    if who is not None:
        client.force_login(who)
    return client


def _world_with_uses() -> tuple[fc.Cards, Reconciliation]:
    cw = fc.world()
    fc.redeem(cw, "50", now=at(10, month=11))
    fc.redeem(cw, "10", now=at(11, month=11))
    fc.redeem(cw, "10", shop=cw.other_shop, now=at(11, 10, 5, month=11))  # TWO_SHOPS
    rec = reconcile.reconcile(by=cw.staff, shop=cw.shop, month=dt.date(2026, 11, 1), now=at(1))
    return cw, rec


def _console_pages(cw: fc.Cards, rec: Reconciliation) -> list[str]:
    return [
        reverse("care:cards"),
        reverse("care:cards") + "?q=张&state=active",
        reverse("care:card", args=[cw.card.pk]),
        reverse("care:card_print", args=[cw.card.pk]),
        reverse("care:card_kinds"),
        reverse("care:card_shops"),
        reverse("care:card_shop", args=[cw.shop.pk]),
        reverse("care:card_households"),
        reverse("care:card_households") + "?q=" + cw.card.number,
        reverse("care:card_household", args=[cw.c.household.pk]),
        reverse("care:card_ledger"),
        reverse("care:card_ledger") + f"?shop={cw.shop.pk}&month=2026-11",
        reverse("care:card_reconciliations"),
        reverse("care:card_reconciliation", args=[rec.pk]),
        reverse("care:card_flags"),
        reverse("care:card_flags") + "?all=1",
    ]


@pytest.mark.parametrize("who", ["staff", "leader"])
def test_the_console_pages_open_for_staff_and_a_leader(who: str) -> None:
    cw, rec = _world_with_uses()
    client = _client(cw.staff if who == "staff" else cw.leader)
    for url in _console_pages(cw, rec):
        response = client.get(url)
        assert response.status_code == 200, url
    for url in (reverse("care:card_kind_new"), reverse("care:card_shop_new")):
        assert client.get(url).status_code == (200 if who == "staff" else 403), url


def test_staff_of_another_community_do_not_see_the_cards() -> None:
    cw, rec = _world_with_uses()
    client = _client(cw.c.w.stranger)
    for url in (
        reverse("care:card", args=[cw.card.pk]),
        reverse("care:card_print", args=[cw.card.pk]),
        reverse("care:card_shop", args=[cw.shop.pk]),
        reverse("care:card_household", args=[cw.c.household.pk]),
        reverse("care:card_reconciliation", args=[rec.pk]),
        reverse("care:card_reconciliation_xlsx", args=[rec.pk]),
    ):
        assert client.get(url).status_code == 404, url
    ledger = client.get(reverse("care:card_ledger") + "?month=2026-11")
    assert cards.grouped(cw.card.number) not in ledger.content.decode()


def test_the_ledger_masks_household_names_and_sums_the_month() -> None:
    cw, _rec = _world_with_uses()
    page = _client(cw.staff).get(reverse("care:card_ledger") + "?month=2026-11").content.decode()
    assert "张*" in page and "张家" not in page
    assert "70.00" in page  # 50 + 10 + 10 at list prices
    only = _client(cw.staff).get(reverse("care:card_ledger") + f"?month=2026-11&shop={cw.shop.pk}")
    assert "60.00" in only.content.decode()


def test_the_printed_card_holds_its_number_and_the_qr_code_of_its_address() -> None:
    cw = fc.world()
    page = _client(cw.staff).get(reverse("care:card_print", args=[cw.card.pk])).content.decode()
    assert cards.grouped(cw.card.number) in page
    assert "<svg" in page
    assert cards.card_url(cw.card.number) in page
    assert cw.c.household.name in page and cw.kind.name in page


def _writes(cw: fc.Cards, rec: Reconciliation, flag: FraudFlag) -> list[str]:
    return [
        reverse("care:card_act", args=[cw.card.pk]),
        reverse("care:card_kind_new"),
        reverse("care:card_kind_edit", args=[cw.kind.pk]),
        reverse("care:card_shop_new"),
        reverse("care:card_shop_edit", args=[cw.shop.pk]),
        reverse("care:card_shop_clerks", args=[cw.shop.pk]),
        reverse("care:card_household_add"),
        reverse("care:card_issue", args=[cw.c.household.pk]),
        reverse("care:card_reconcile"),
        reverse("care:card_reconciliation_approve", args=[rec.pk]),
        reverse("care:card_flag_decide", args=[flag.pk]),
    ]


def test_a_leader_is_refused_every_write_before_a_form_is_read() -> None:
    cw, rec = _world_with_uses()
    flag = FraudFlag.objects.get(kind=FlagKind.TWO_SHOPS)
    client = _client(cw.leader)
    for url in _writes(cw, rec, flag):
        assert client.post(url, {}).status_code == 403, url
        assert client.post(url, {"op": "suspend", "reason": "x"}).status_code == 403, url
    assert Card.objects.get(pk=cw.card.pk).state == CardState.ACTIVE
    assert FraudFlag.objects.get(pk=flag.pk).state == FlagState.OPEN
    assert Reconciliation.objects.get(pk=rec.pk).state == ReconciliationState.OPEN


def test_a_clerk_with_no_role_is_kept_out_of_the_console() -> None:
    cw, _rec = _world_with_uses()
    client = _client(cw.clerk)
    assert client.get(reverse("care:cards")).status_code == 403
    assert client.post(reverse("care:card_act", args=[cw.card.pk]), {}).status_code == 403


def test_staff_move_a_card_from_its_page() -> None:
    cw = fc.world()
    client = _client(cw.staff)
    url = reverse("care:card_act", args=[cw.card.pk])
    refused = client.post(url, {"op": "suspend", "reason": ""})
    assert refused.status_code == 400
    assert Card.objects.get(pk=cw.card.pk).state == CardState.ACTIVE
    response = client.post(url, {"op": "suspend", "reason": "说卡丢了"})
    assert response.status_code == 302
    assert Card.objects.get(pk=cw.card.pk).state == CardState.SUSPENDED
    response = client.post(url, {"op": "reissue", "reason": "补办"})
    new = Card.objects.get(replaces=cw.card)
    assert response.headers["Location"] == reverse("care:card", args=[new.pk])
    wrong = client.post(url, {"op": "resume"})
    assert wrong.status_code == 409


def test_staff_add_a_household_and_issue_it_a_card() -> None:
    cw = fc.world()
    client = _client(cw.staff)
    bad = client.post(reverse("care:card_household_add"), {"name": "", "node": ""})
    assert bad.status_code == 400
    response = client.post(
        reverse("care:card_household_add"),
        {"node": cw.c.w.t["gridB"].pk, "name": "赵家", "address": "二组9号", "phone": ""},
    )
    home = Household.objects.get(name="赵家")
    assert response.headers["Location"] == reverse("care:card_household", args=[home.pk])
    issue = reverse("care:card_issue", args=[home.pk])
    refused = client.post(issue, {"kind": cw.kind.pk})
    assert refused.status_code == 400  # nobody of the household on the register
    fc.cf.person(cw.c.w.t["gridB"], "赵老", 80, household=home)
    response = client.post(issue, {"kind": cw.kind.pk, "reason": "低保户"})
    card = Card.objects.get(household=home)
    assert response.headers["Location"] == reverse("care:card", args=[card.pk])
    assert card.issued_by == cw.staff


def test_staff_add_a_kind_and_a_shop_with_its_clerks() -> None:
    cw = fc.world()
    client = _client(cw.staff)
    response = client.post(
        reverse("care:card_kind_new"),
        {
            "name": "残疾人帮扶卡",
            "node": cw.c.w.t["comm1"].pk,
            "eligible_kinds": ["disabled"],
            "monthly_amount": "150",
            "monthly_uses": "6",
            "active": "on",
        },
    )
    assert response.status_code == 302
    kind = CardKind.objects.get(name="残疾人帮扶卡")
    assert (kind.eligible_kinds, kind.monthly_uses, kind.node) == (
        ["disabled"],
        6,
        cw.c.w.t["comm1"],
    )
    # A kind of everywhere is for administrators.
    refused = client.post(
        reverse("care:card_kind_new"),
        {"name": "全旗卡", "monthly_amount": "100", "monthly_uses": "2"},
    )
    assert refused.status_code == 403
    response = client.post(
        reverse("care:card_shop_new"),
        {
            "name": "新开粮店",
            "node": cw.c.w.t["comm1"].pk,
            "licence_number": "NMG-9",
            "licensed_on": "2026-11-01",
            "agreement_from": "2026-11-01",
            "agreement_until": "2027-10-31",
            "discount_percent": "15",
            "active": "on",
        },
    )
    assert response.status_code == 302
    shop = PartnerShop.objects.get(name="新开粮店")
    assert shop.discount_percent == Decimal(15)
    clerks = reverse("care:card_shop_clerks", args=[shop.pk])
    bad = client.post(clerks, {"clerks": "老李 123"})
    assert bad.status_code == 400
    response = client.post(clerks, {"clerks": f"新店员 13700000001\n{cw.clerk.mobile}"})
    assert response.status_code == 302
    assert sorted(shop.clerks.values_list("name", flat=True)) == sorted(["新店员", cw.clerk.name])
    # Listed masked; in full only in the form of the staff who keep the clerks.
    page = _client(cw.leader).get(reverse("care:card_shop", args=[shop.pk])).content.decode()
    assert "137****0001" in page and "13700000001" not in page


def test_staff_compute_approve_and_download_a_month() -> None:
    cw, rec = _world_with_uses()
    client = _client(cw.staff)
    bad = client.post(reverse("care:card_reconcile"), {"shop": cw.shop.pk, "month": "soon"})
    assert bad.status_code == 400
    response = client.post(
        reverse("care:card_reconcile"), {"shop": cw.other_shop.pk, "month": "2026-11"}
    )
    other = Reconciliation.objects.get(shop=cw.other_shop)
    assert response.headers["Location"] == reverse("care:card_reconciliation", args=[other.pk])
    assert other.uses == 1
    approve = reverse("care:card_reconciliation_approve", args=[rec.pk])
    assert client.post(approve, {"op": "approve"}).status_code == 302
    rec.refresh_from_db()
    assert rec.state == ReconciliationState.APPROVED
    again = client.post(approve, {"op": "approve"})
    assert again.status_code == 409
    download = client.get(reverse("care:card_reconciliation_xlsx", args=[rec.pk]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).active
    assert sheet is not None
    rows = [r for r in sheet.iter_rows(values_only=True) if r and r[2] == "张*"]
    assert [r[3] for r in rows] == [50.0, 10.0]
    # The leader reads the month and its sheet.
    leader = _client(cw.leader)
    assert leader.get(reverse("care:card_reconciliation_xlsx", args=[rec.pk])).status_code == 200


def test_staff_decide_a_flag_from_the_list() -> None:
    cw, _rec = _world_with_uses()
    flag = FraudFlag.objects.get(kind=FlagKind.TWO_SHOPS)
    client = _client(cw.staff)
    page = client.get(reverse("care:card_flags")).content.decode()
    assert reverse("care:card_flag_decide", args=[flag.pk]) in page
    client.post(reverse("care:card_flag_decide", args=[flag.pk]), {"state": "confirmed"})
    assert FraudFlag.objects.get(pk=flag.pk).state == FlagState.OPEN  # a note is required
    client.post(
        reverse("care:card_flag_decide", args=[flag.pk]), {"state": "cleared", "note": "家人"}
    )
    assert FraudFlag.objects.get(pk=flag.pk).state == FlagState.CLEARED
    assert (
        reverse("care:card_flag_decide", args=[flag.pk])
        not in client.get(reverse("care:card_flags")).content.decode()
    )


# --- The shop's phone page --------------------------------------------------------------------


def _scan_key(page: str) -> str:
    found = re.search(r'name="scan_key" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_a_clerk_scans_checks_and_confirms_once() -> None:
    cw = fc.world()
    client = _client(cw.clerk)
    scanned = client.get(reverse("care_public:card", args=[cw.card.number]))
    redeem = reverse("care_public:shop_redeem", args=[cw.shop.pk])
    assert scanned.status_code == 302
    assert scanned.headers["Location"] == f"{redeem}?card={cw.card.number}"
    form = client.get(scanned.headers["Location"]).content.decode()
    assert "张*" in form and "张家" not in form
    assert "200.00" in form  # left this month
    checked = client.post(
        redeem, {"op": "check", "card": cw.card.number, "amount": "50", "what": "面粉"}
    )
    page = checked.content.decode()
    assert checked.status_code == 200
    assert "10.00" in page and "40.00" in page  # 20 % off, what the household pays
    assert not Redemption.objects.exists()
    key = _scan_key(page)
    confirm = {"op": "confirm", "card": cw.card.number, "amount": "50.00", "what": "面粉"}
    first = client.post(redeem, confirm | {"scan_key": key})
    second = client.post(redeem, confirm | {"scan_key": key})  # a double tap
    made = Redemption.objects.get()
    receipt = reverse("care_public:shop_receipt", args=[cw.shop.pk, made.pk])
    assert first.headers["Location"] == second.headers["Location"] == receipt
    assert (made.amount, made.paid, made.clerk, made.what) == (
        Decimal("50.00"),
        Decimal("40.00"),
        cw.clerk,
        "面粉",
    )
    shown = client.get(receipt).content.decode()
    assert "40.00" in shown and "150.00" in shown  # paid; left this month


def test_the_clerk_is_told_before_confirming_when_the_month_is_used_up() -> None:
    cw = fc.world()
    fc.redeem(cw, "180", now=dt.datetime.now(tz=fc.LOCAL))
    client = _client(cw.clerk)
    redeem = reverse("care_public:shop_redeem", args=[cw.shop.pk])
    page = client.post(redeem, {"op": "check", "card": cw.card.number, "amount": "30"})
    assert page.status_code == 200
    assert 'name="scan_key"' not in page.content.decode()


def test_a_suspended_card_is_refused_at_the_check_and_flagged() -> None:
    cw = fc.world()
    cards.card_suspend(by=cw.staff, card=cw.card, reason="挂失")
    client = _client(cw.clerk)
    redeem = reverse("care_public:shop_redeem", args=[cw.shop.pk])
    form = client.get(f"{redeem}?card={cw.card.number}")
    assert form.status_code == 200
    refused = client.post(redeem, {"op": "check", "card": cw.card.number, "amount": "30"})
    assert refused.status_code == 409
    assert FraudFlag.objects.get().kind == FlagKind.SUSPENDED_CARD


def test_a_wrong_number_is_said_on_the_form() -> None:
    cw = fc.world()
    client = _client(cw.clerk)
    redeem = reverse("care_public:shop_redeem", args=[cw.shop.pk])
    assert client.get(f"{redeem}?card=ABC").status_code == 400
    unknown = "ABCDEFGHJ" + cards.check_character("ABCDEFGHJ")
    assert client.get(f"{redeem}?card={unknown}").status_code == 404
    assert client.get(redeem).status_code == 200


def test_who_may_open_a_shops_phone_page() -> None:
    cw = fc.world()
    redeem = reverse("care_public:shop_redeem", args=[cw.shop.pk])
    post = {"op": "check", "card": cw.card.number, "amount": "30"}
    anonymous = Client().get(redeem)
    assert (
        anonymous.status_code == 302 and reverse("console:login") in anonymous.headers["Location"]
    )
    for who in (cw.other_clerk, cw.leader, cw.c.w.stranger):
        client = _client(who)
        assert client.get(redeem).status_code == 403
        assert client.post(redeem, post).status_code == 403
    assert _client(cw.staff).get(redeem).status_code == 200  # staff who serve the shop's place
    made = fc.redeem(cw, "10")
    receipt = reverse("care_public:shop_receipt", args=[cw.shop.pk, made.pk])
    assert _client(cw.other_clerk).get(receipt).status_code == 403
    elsewhere = reverse("care_public:shop_receipt", args=[cw.other_shop.pk, made.pk])
    assert _client(cw.other_clerk).get(elsewhere).status_code == 404


def test_the_cards_address_says_only_what_it_is_to_anyone_else() -> None:
    cw = fc.world()
    for client in (Client(), _client(cw.leader), _client(cw.staff)):
        response = client.get(reverse("care_public:card", args=[cw.card.number]))
        page = response.content.decode()
        assert response.status_code == 200
        assert cw.kind.name in page
        assert cw.c.household.name not in page and "张*" not in page
    assert Client().get(reverse("care_public:card", args=["NOTACARD00"])).status_code == 404


def test_a_clerk_of_several_shops_chooses_one() -> None:
    cw = fc.world()
    cw.other_shop.clerks.add(cw.clerk)
    client = _client(cw.clerk)
    page = client.get(reverse("care_public:card", args=[cw.card.number]))
    assert page.status_code == 200
    assert reverse("care_public:shop_redeem", args=[cw.other_shop.pk]) in page.content.decode()
    mine = client.get(reverse("care_public:shops_mine"))
    assert mine.status_code == 200
    assert _client(cw.leader).get(reverse("care_public:shops_mine")).status_code == 403


# --- Lists do not grow in queries with their length ------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


def test_the_lists_read_a_fixed_number_of_queries() -> None:
    cw = fc.world()
    client = _client(cw.staff)
    urls = [
        reverse("care:cards"),
        reverse("care:card_households"),
        reverse("care:card_shops"),
        reverse("care:card_kinds"),
        reverse("care:card_ledger") + "?month=2026-12",
        reverse("care:card_flags"),
        reverse("care:card_reconciliations"),
    ]

    def more() -> None:
        for _ in range(3):
            card = fc.household_with_card(cw)
            fc.kind(cw.c.w.t["town1"], name="又一种卡")
            shop = fc.shop(cw.c.w.t["comm1"], "又一家店", clerk=cw.clerk)
            fc.redeem(cw, "10", card=card, now=at(2, 10))
            fc.redeem(cw, "10", card=card, shop=cw.other_shop, now=at(2, 10, 1))  # a flag
            reconcile.reconcile(by=cw.staff, shop=shop, month=dt.date(2026, 12, 1), now=at(3))

    more()
    before = {url: _queries(client, url) for url in urls}
    more()
    after = {url: _queries(client, url) for url in urls}
    assert after == before
