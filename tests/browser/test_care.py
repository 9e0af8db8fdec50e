"""Care, as its people would use it, each in their own browser.

- An 86-year-old's daughter opens her mother's meal-order link on her phone in elder mode and
  orders tomorrow's lunch for her: free and delivered, as the age rule says.
- A party member delivering meals opens the day's list on the phone, reveals an address and
  marks the meal delivered.
- A grain-shop clerk scans a household's assistance card and redeems it at the discount.
- Community staff compute last month's reconciliation for the shop and approve it.

Screenshots looked at (`output_dir`, care-*.png). Elements are found by form field names and
URLs, never by their visible text (the browser's locale is Chinese).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from civicgrid.care import access
from civicgrid.care.models import MealOrder, OrderState
from civicgrid.care.tests import factories as cf
from civicgrid.core.elder import COOKIE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _shot(page: Page, output_dir, name: str) -> None:
    page.screenshot(path=str(output_dir / f"care-{name}.png"), full_page=True)


def _elder_phone(browser: Browser, base: str) -> Page:
    context = browser.new_context(locale="zh-CN", **PHONE)
    host = base.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": COOKIE, "value": "1", "domain": host, "path": "/"}])
    return context.new_page()


def test_an_86_year_olds_daughter_orders_her_lunch_free_and_delivered(
    browser: Browser, live_server, output_dir, axe_check
):
    c = cf.care()
    mother = c.aged_86
    base = live_server.url
    link = reverse("care_public:order", args=[mother.pk, access.person_key(mother.pk)])

    daughter = _elder_phone(browser, base)
    daughter.goto(f"{base}{link}")
    axe_check(daughter, "meal order page")
    _shot(daughter, output_dir, "1-order-page")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    daughter.locator(f"input[name=day][value='{tomorrow}']").check()
    daughter.locator("input[name=placed_by][value=family]").check()
    daughter.locator("input[name=placer_name]").fill(mother.guardian_name)
    daughter.locator("input[name=placer_phone]").fill(mother.guardian_phone)
    daughter.locator("form.r-form button[type=submit]").click()
    expect(daughter.locator("p.r-lead[role=status]")).to_be_visible()
    _shot(daughter, output_dir, "2-ordered")

    order = MealOrder.objects.get(person=mother)
    assert order.state == OrderState.ORDERED
    assert order.placed_by == "family" and order.placer_phone == mother.guardian_phone
    assert order.free and order.home_delivery and order.price == Decimal(0)
    assert order.band_id == c.bands["85"].pk
    # A wrong key opens nothing.
    wrong = daughter.goto(f"{base}{reverse('care_public:order', args=[mother.pk, 'x' * 12])}")
    assert wrong is not None and wrong.status == 404


def _log_in(page: Page, base: str, person, target: str) -> None:
    page.goto(f"{base}{reverse('console:login')}?next={target}")
    page.locator("input[name=username]").fill(person.mobile or "")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(f"{base}{target}")


def test_a_party_member_brings_the_meals_and_marks_one_delivered(
    browser: Browser, live_server, output_dir, axe_check
):
    from civicgrid.care import deliveries
    from civicgrid.care.models import Delivery, DeliveryState
    from civicgrid.care.tests import factories_deliveries as fd
    from civicgrid.core.models import RevealLog

    today = timezone.localdate()
    r = fd.rounds()
    # Today's orders of the four people delivered to (the factory's are for its own day).
    MealOrder.objects.all().delete()
    for cared in (r.c.aged_86, r.aged_90):
        fd.order(r.c, cared, day=today)
    run = deliveries.run_build(by=r.c.w.dispatcher, point=r.c.point, day=today)
    for route in run.routes.all():
        deliveries.route_assign(by=r.c.w.dispatcher, route=route, deliverer=r.member)
    base = live_server.url

    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    mine = reverse("care:my_deliveries")
    _log_in(phone, base, r.member, mine)
    stop = Delivery.objects.get(order__person=r.aged_90)
    row = phone.locator(f"#stop-{stop.pk}")
    expect(row).to_be_visible()
    assert "10号" not in row.inner_text()  # the address is hidden until shown
    axe_check(phone, "the deliverer's list")
    _shot(phone, output_dir, "3-deliveries")
    row.locator(f"form[action='{reverse('care:delivery_address', args=[stop.pk])}'] button").click()
    expect(phone.locator(f"#stop-{stop.pk}")).to_contain_text("一组10号")
    assert RevealLog.objects.filter(actor=r.member).count() == 1
    phone.locator(f"#stop-{stop.pk} button[name=state][value=delivered]").click()
    expect(phone.locator(f"#stop-{stop.pk} button[name=state]")).to_have_count(0)
    _shot(phone, output_dir, "4-delivered")
    stop.refresh_from_db()
    assert stop.state == DeliveryState.DELIVERED
    assert stop.order.state == OrderState.SERVED


def test_a_grain_shop_clerk_scans_a_card_and_sells_at_the_discount(
    browser: Browser, live_server, output_dir, axe_check
):
    from civicgrid.care.models import Redemption
    from civicgrid.care.tests import factories_cards as fc

    cw = fc.world()
    base = live_server.url
    scanned = reverse("care_public:card", args=[cw.card.number])  # what the card's QR holds

    clerk = browser.new_context(locale="zh-CN", **PHONE).new_page()
    _log_in(clerk, base, cw.clerk, reverse("care_public:shop_redeem", args=[cw.shop.pk]))
    clerk.goto(f"{base}{scanned}")  # the phone's camera opens the card's address
    expect(clerk.locator("input[name=amount]")).to_be_visible()
    clerk.locator("input[name=amount]").fill("85.50")
    clerk.locator("input[name=what]").fill("面粉一袋、菜籽油一桶")
    clerk.locator("form.r-form:has(input[name=op][value=check]) button[type=submit]").click()
    confirm = clerk.locator("form.r-form:has(input[name=op][value=confirm]) button[type=submit]")
    expect(confirm).to_be_visible()
    axe_check(clerk, "the shop's redemption page")
    _shot(clerk, output_dir, "5-redeem-check")
    confirm.click()
    expect(clerk.locator("input[name=op][value=confirm]")).to_have_count(0)
    _shot(clerk, output_dir, "6-redeemed")
    sale = Redemption.objects.get()
    assert sale.shop_id == cw.shop.pk and sale.clerk_id == cw.clerk.pk
    assert sale.amount == Decimal("85.50") and sale.discount == Decimal("17.10")  # 20 % off
    assert sale.paid == Decimal("68.40")
    # The same confirmation sent again (a double tap, the back button) sells once.
    clerk.go_back()
    if confirm.count():
        confirm.click()
    assert Redemption.objects.count() == 1


def test_staff_compute_a_shops_month_from_the_ledger_and_approve_it(
    browser: Browser, live_server, output_dir
):
    from civicgrid.care.models import Reconciliation, ReconciliationState
    from civicgrid.care.tests import factories_cards as fc

    cw = fc.world()
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for day, amount in ((3, "40"), (12, "62.50"), (20, "18")):
        fc.redeem(cw, amount, now=fc.at(day, 10, month=last_month.month, year=last_month.year))
    base = live_server.url

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _log_in(desk, base, cw.staff, reverse("care:card_reconciliations"))
    desk.locator("select[name=shop]").select_option(str(cw.shop.pk))
    desk.locator("input[name=month]").fill(last_month.strftime("%Y-%m"))
    desk.locator(f"form[action='{reverse('care:card_reconcile')}'] button[type=submit]").click()
    approve = desk.locator("button[name=op][value=approve]")
    expect(approve).to_be_visible()
    _shot(desk, output_dir, "7-reconciliation")
    approve.click()
    expect(desk.locator("button[name=op][value=approve]")).to_have_count(0)
    _shot(desk, output_dir, "8-approved")
    rec = Reconciliation.objects.get(shop=cw.shop, month=last_month)
    assert rec.state == ReconciliationState.APPROVED and rec.approved_by_id == cw.staff.pk
    assert rec.uses == 3 and rec.amount == Decimal("120.50")
    assert rec.amount == sum(r.amount for r in rec.redemptions.all())
