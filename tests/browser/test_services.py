"""Services close to home, as their people would use them, each in their own browser.

An elderly resident with a blocked drain books a door-to-door visit on a phone-size screen in
elder mode, no account; the workshop's master sees it on the phone list with the address,
confirms it, goes and records it done with the price; the resident opens the link of the text
message and rates it.

Screenshots looked at: the booking form, the resident's appointment page, the master's phone
list, the rated appointment. Elements are found by form field names, never by their visible
text (the browser's locale is Chinese).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from civicgrid.core.elder import COOKIE
from civicgrid.services.models import Booking, BookingState, Mode
from civicgrid.services.tests import factories as sf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_an_elderly_resident_books_a_door_to_door_repair_the_master_does_it_and_she_rates_it(
    browser: Browser, live_server, output_dir, axe_check
):
    s = sf.shop()
    base = live_server.url

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(output_dir / f"services-{name}.png"), full_page=True)

    # The resident: a phone, elder mode on (large type), no account.
    context = browser.new_context(locale="zh-CN", **PHONE)
    host = base.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": COOKIE, "value": "1", "domain": host, "path": "/"}])
    resident = context.new_page()
    resident.goto(f"{base}{reverse('nearby:place_services', args=[s.w.t['comm1'].code])}")
    resident.locator(f"a[href='{reverse('nearby:service', args=[s.drains.pk])}']").click()
    resident.locator("a.svc-day").nth(1).click()  # tomorrow
    resident.locator("input[name=slot]").first.check()
    resident.locator(f"input[name=mode][value={Mode.DOOR}]").check()
    resident.locator("input[name=resident_name]").fill("张大娘")
    resident.locator("input[name=resident_phone]").fill("13900001111")
    resident.locator("input[name=address]").fill("一社区青园小区5栋2单元301")
    resident.locator("textarea[name=note]").fill("厨房下水道堵了")
    axe_check(resident, "service booking form")
    shot(resident, "1-booking-form")
    resident.locator("form.r-form button[type=submit]").click()
    expect(resident.locator(".r-state-booked")).to_be_visible()
    booking = Booking.objects.get()
    assert booking.mode == Mode.DOOR and booking.address.endswith("301")
    keyed_link = resident.url.split("#")[0]  # as the text message carries it
    axe_check(resident, "appointment page")
    shot(resident, "2-appointment")

    # The master: the phone list shows the address; confirm, then record it done.
    master = browser.new_context(locale="zh-CN", **PHONE).new_page()
    mine = reverse("services:my_appointments")
    master.goto(f"{base}{reverse('console:login')}?next={mine}")
    master.locator("input[name=username]").fill(s.master.mobile or "")
    master.locator("input[name=password]").fill(PASSWORD)
    master.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(master).to_have_url(f"{base}{mine}")
    expect(master.locator(".job").first).to_contain_text("5栋2单元301")
    shot(master, "3-master-list")
    master.locator(f"a[href='{reverse('services:appointment', args=[booking.pk])}']").click()
    master.locator("button[name=op][value=confirm]").click()
    expect(master.locator("button[name=op][value=done]")).to_be_visible()
    master.locator("input[name=done_note]").fill("疏通了厨房下水，换了一段管子")
    master.locator("input[name=price_paid]").fill("20")
    master.locator("button[name=op][value=done]").click()
    expect(master.locator("button[name=op]")).to_have_count(0)
    booking.refresh_from_db()
    assert booking.state == BookingState.DONE

    # The resident opens the link of the text message and rates it.
    resident.goto(keyed_link)
    resident.locator("input[name=rating][value='5']").check()
    resident.locator("textarea[name=comment]").fill("师傅很耐心")
    resident.locator("form:has(input[name=op][value=rate]) button[type=submit]").click()
    expect(resident.locator(".r-state-done")).to_be_visible()
    booking.refresh_from_db()
    assert booking.rating == 5
    shot(resident, "4-rated")
