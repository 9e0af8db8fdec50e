"""Department reviews (部门评议), as a resident and the subdistrict's staff would use them.

A resident opens the town's review mailbox on the phone in elder mode, picks the open round
and a department, answers the questionnaire and proves the number with the code texted to it
(the test's log backend prints the text: read from the log, as `test_mailbox.py` does); the
town's staff close the round and publish its results; the public results page shows the
averages and counts, and no comment that staff did not mark.

Screenshots looked at (`output_dir`, reviews-*.png). Elements are found by form field names
and URLs, never by their visible text (the browser's locale is Chinese).
"""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from civicgrid.core.elder import COOKIE
from civicgrid.reviews.models import Answer, Response, Round, RoundState
from civicgrid.reviews.tests import factories as rf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _shot(page: Page, output_dir, name: str) -> None:
    page.screenshot(path=str(output_dir / f"reviews-{name}.png"), full_page=True)


def _code(caplog, masked: str) -> str:
    lines = [r.getMessage() for r in caplog.records if r.name == "civicgrid.notifications"]
    codes = [
        m.group(1)
        for line in lines
        if masked in line
        for m in [re.search(r"(\d{6})", line.split(masked, 1)[1])]
        if m
    ]
    assert codes, lines
    return codes[-1]


def _log_in(page: Page, base: str, person, target: str) -> None:
    page.goto(f"{base}{reverse('console:login')}?next={target}")
    page.locator("input[name=username]").fill(person.mobile or "")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(f"{base}{target}")


def test_a_resident_reviews_a_department_and_reads_the_published_results(
    browser: Browser, live_server, output_dir, axe_check, caplog
):
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")
    cache.clear()
    rv = rf.opened()
    base = live_server.url
    host = base.split("//", 1)[1].split(":")[0]

    context = browser.new_context(locale="zh-CN", **PHONE)
    context.add_cookies([{"name": COOKIE, "value": "1", "domain": host, "path": "/"}])
    resident = context.new_page()
    resident.goto(f"{base}{reverse('reviews_public:mailbox', args=[rv.round.node_id])}")
    axe_check(resident, "review mailbox")
    _shot(resident, output_dir, "1-mailbox")
    resident.locator(f"a[href='{reverse('reviews_public:round', args=[rv.round.pk])}']").click()
    review = reverse("reviews_public:review", args=[rv.round.pk, rv.dept.pk])
    resident.locator(f"a[href='{review}']").click()
    resident.locator(f"input[name=q{rv.score.pk}][value='4']").check()
    resident.locator(f"input[name=q{rv.choice.pk}][value=o1]").check()
    resident.locator(f"textarea[name=q{rv.comment.pk}]").fill("路灯修得很及时")
    resident.locator("input[name=phone]").fill("139 1234 5678")
    caplog.clear()
    resident.locator("button[name=op][value=send]").click()
    expect(resident.locator("p.r-notice[role=status]")).to_be_visible()
    # The answers stay while the code is on its way.
    expect(resident.locator(f"input[name=q{rv.score.pk}][value='4']")).to_be_checked()
    resident.locator("input[name=code]").fill(_code(caplog, "139****5678"))
    axe_check(resident, "questionnaire with the code")
    _shot(resident, output_dir, "2-questionnaire")
    resident.locator("button[name=op][value=submit]").click()
    expect(resident.locator("p.r-notice[role=status]")).to_be_visible()
    _shot(resident, output_dir, "3-thanks")
    made = Response.objects.get(round=rv.round, department=rv.dept)
    assert Answer.objects.get(response=made, question=rv.score).score == 4

    # A second review of the same department from the same phone is refused.
    resident.goto(f"{base}{review}")
    resident.locator(f"input[name=q{rv.score.pk}][value='1']").check()
    resident.locator(f"input[name=q{rv.choice.pk}][value=o2]").check()
    resident.locator("input[name=phone]").fill("13912345678")
    caplog.clear()
    resident.locator("button[name=op][value=send]").click()
    resident.locator("input[name=code]").fill(_code(caplog, "139****5678"))
    resident.locator("button[name=op][value=submit]").click()
    expect(resident.locator(".r-errors .r-error")).to_be_visible()
    _shot(resident, output_dir, "4-refused")
    assert Response.objects.filter(department=rv.dept).count() == 1

    # The town's staff close the round and publish its results.
    staff = browser.new_context(locale="zh-CN").new_page()
    console = reverse("reviews:round", args=[rv.round.pk])
    _log_in(staff, base, rv.w.town_staff, console)
    staff.locator("input[name=action][value=close] + button").click()
    expect(staff.locator("input[name=action][value=publish]")).to_have_count(1)
    staff.locator("input[name=action][value=publish] + button").click()
    expect(staff.locator("input[name=action][value=withdraw]")).to_have_count(1)
    _shot(staff, output_dir, "5-console-round")
    staff.goto(f"{base}{reverse('reviews:results', args=[rv.round.pk])}")
    _shot(staff, output_dir, "6-console-results")
    assert Round.objects.get(pk=rv.round.pk).state == RoundState.PUBLISHED

    resident.goto(f"{base}{reverse('reviews_public:results', args=[rv.round.pk])}")
    expect(resident.locator(f"#dep-{rv.dept.pk}")).to_be_visible()
    assert "路灯修得很及时" not in resident.content()
    axe_check(resident, "public review results")
    _shot(resident, output_dir, "7-public-results")
