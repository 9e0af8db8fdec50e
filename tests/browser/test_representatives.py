"""Representatives, as a resident finds them on the phone: a resident opens Hongxing-like
town's list, the representatives' home page (its phone, timetable, next receptions, who
receives there) and a deputy's profile (no personal phone), in elder mode.

Screenshots looked at (`output_dir`, representatives-*.png). Elements are found by URLs,
never by their visible text (the browser's locale is Chinese).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, expect

from civicgrid.core.elder import COOKIE
from civicgrid.representatives.tests import factories as rf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_resident_opens_a_station_and_a_representatives_profile(
    browser: Browser, live_server, output_dir, axe_check
):
    r = rf.reps()
    base = live_server.url
    context = browser.new_context(locale="zh-CN", **PHONE)
    host = base.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": COOKIE, "value": "1", "domain": host, "path": "/"}])
    page = context.new_page()

    page.goto(base + reverse("representatives_public:place", args=[r.w.t["town1"].pk]))
    station_url = reverse("representatives_public:station", args=[r.station.pk])
    page.locator(f"a[href='{station_url}']").first.click()
    expect(page).to_have_url(base + station_url)
    axe_check(page, "liaison station page")
    expect(page.locator(f"a[href='tel:{rf.STATION_PHONE}']")).to_be_visible()
    page.screenshot(path=str(output_dir / "representatives-1-station.png"), full_page=True)
    assert rf.REP_MOBILE not in page.content()

    profile_url = reverse("representatives_public:representative", args=[r.deputy.pk])
    page.locator(f"a[href='{profile_url}']").first.click()
    expect(page).to_have_url(base + profile_url)
    axe_check(page, "representative profile page")
    expect(page.locator("h1")).to_contain_text("陈代表")
    expect(page.locator(f"a[href='{station_url}']")).to_be_visible()
    assert rf.REP_MOBILE not in page.content()
    assert "tel:" not in page.content()
    page.screenshot(path=str(output_dir / "representatives-2-profile.png"), full_page=True)
    context.close()


def test_staff_turn_a_matter_raised_at_a_reception_into_a_need(
    browser: Browser, live_server, output_dir
):
    r = rf.reps()
    reception = rf.held(
        r, day=timezone.localdate() - dt.timedelta(days=1), matters=("楼道堆放杂物",)
    )
    base = live_server.url
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    target = reverse("representatives:reception", args=[reception.pk])
    page.goto(f"{base}{reverse('console:login')}?next={target}")
    page.locator("input[name=username]").fill(r.w.dispatcher.mobile or "")
    page.locator("input[name=password]").fill("pass-12345")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(base + target)
    matter = reception.matters.get()
    form = page.locator(
        f"form[action='{reverse('representatives:matter_need', args=[matter.pk])}']"
    )
    form.locator("select[name=category]").select_option(str(rf.category().pk))
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(base + target)
    matter.refresh_from_db()
    assert matter.need is not None
    expect(
        page.locator(f"a[href='{reverse('needs:detail', args=[matter.need.number])}']")
    ).to_be_visible()
    page.screenshot(path=str(output_dir / "representatives-3-reception.png"), full_page=True)
    page.goto(base + reverse("representatives:station", args=[r.station.pk]))
    page.screenshot(path=str(output_dir / "representatives-4-station-console.png"), full_page=True)
    page.context.close()
