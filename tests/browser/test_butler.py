"""The project butler, as its people would use it, each in their own browser.

The enterprise's contact opens the project's QR link on a phone and raises a matter; the
party-member cadre (a butler with no staff role over the place's needs) logs in and sees it in
the team's list and on the project's timeline; Hongxing's staff dispatch it to the department,
whose clerk resolves it; the contact opens the tracking link again and rates it.

Screenshots looked at (`output_dir`, butler-*.png). Elements are found by form field names and
URLs, never by their visible text (the browser's locale is Chinese).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from civicgrid.butler.models import Matter
from civicgrid.butler.tests import factories as bf
from civicgrid.needs import workflow
from civicgrid.needs.models import Rating, State
from civicgrid.needs.tracking import tracking_url

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


def _shot(page: Page, output_dir, name: str) -> None:
    page.screenshot(path=str(output_dir / f"butler-{name}.png"), full_page=True)


def _log_in(page: Page, base: str, person, target: str) -> None:
    page.goto(f"{base}{reverse('console:login')}?next={target}")
    page.locator("input[name=username]").fill(person.mobile or "")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(f"{base}{target}")


def test_an_enterprise_raises_a_matter_by_qr_and_the_team_sees_it_through(
    browser: Browser, live_server, output_dir, axe_check
):
    b = bf.butler_world()
    base = live_server.url
    link = reverse("butler_public:raise", args=[b.project.pk, bf.qr_key(b)])

    # The contact scans the poster at the enterprise.
    phone = browser.new_context(locale="zh-CN", **PHONE).new_page()
    phone.goto(f"{base}{link}")
    axe_check(phone, "butler QR page")
    _shot(phone, output_dir, "1-qr-page")
    phone.locator("input[name=phone]").fill(bf.CONTACT_PHONE)
    phone.locator("input[name=kind][value=approval]").check()
    phone.locator("textarea[name=description]").fill("二期厂房环评批复已提交一个月，请帮忙跟进")
    phone.locator("form.r-form button[type=submit]").click()
    matter = Matter.objects.get()
    expect(phone).to_have_url(f"{base}{tracking_url(matter.need.number)}")
    _shot(phone, output_dir, "2-raised")
    # A wrong key opens nothing.
    wrong = phone.goto(f"{base}{reverse('butler_public:raise', args=[b.project.pk, 'x' * 12])}")
    assert wrong is not None and wrong.status == 404

    # The cadre logs in and finds it in the team's matters and on the project's timeline.
    desk = browser.new_page()
    _log_in(desk, base, b.cadre, reverse("butler:matters"))
    row = desk.locator(f"a[href='{reverse('butler:matter', args=[matter.pk])}']")
    expect(row).to_be_visible()
    _shot(desk, output_dir, "3-butler-matters")
    row.click()
    expect(
        desk.locator(f"a[href='{reverse('needs:detail', args=[matter.need.number])}']")
    ).to_be_visible()
    _shot(desk, output_dir, "4-butler-matter")

    # Staff dispatch it to the department; its clerk takes and resolves it.
    need = workflow.need_dispatch(
        need=matter.need, by=workflow.By(person=b.w.dispatcher), to=b.department
    )
    clerk = workflow.By(person=b.clerk)
    need = workflow.need_take(need=need, by=clerk)
    workflow.need_resolve(need=need, by=clerk, reason="批复已下达", public=True)

    desk.goto(f"{base}{reverse('butler:project', args=[b.project.pk])}")
    expect(desk.locator("ol.timeline li.timeline-matter").first).to_be_visible()
    _shot(desk, output_dir, "5-project-timeline")

    # The contact opens the tracking link again and rates it.
    phone.goto(f"{base}{tracking_url(matter.need.number)}")
    _shot(phone, output_dir, "6-to-rate")
    rate = phone.locator("form:has(input[name=op][value=rate])")
    rate.locator("input[name=rate-rating][value=satisfied]").check()
    rate.locator("button[type=submit]").click()
    phone.wait_for_load_state()
    _shot(phone, output_dir, "7-rated")
    matter.need.refresh_from_db()
    assert matter.need.state == State.CLOSED and matter.need.rating == Rating.SATISFIED
