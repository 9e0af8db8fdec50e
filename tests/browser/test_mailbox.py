"""The subdistrict's mailbox for livelihood projects, as residents use it on their phones.

A resident scans the mailbox's QR poster, reads the call and proposes a project, proving the
number with the code texted to it (the test's log backend prints the text: read from the log,
as `test_resident.py` does); staff publish it; another resident opens it and supports it with
a code of their own; the mailbox page shows the support.

Screenshots looked at (`output_dir`, mailbox-*.png). Elements are found by form field names
and URLs, never by their visible text (the browser's locale is Chinese).
"""

from __future__ import annotations

import logging
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from civicgrid.mailbox.models import Proposal, ProposalState, Support
from civicgrid.mailbox.tests import factories as mf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _shot(page: Page, output_dir, name: str) -> None:
    page.screenshot(path=str(output_dir / f"mailbox-{name}.png"), full_page=True)


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


def test_a_resident_proposes_and_another_supports(
    browser: Browser, live_server, output_dir, axe_check, caplog
):
    caplog.set_level(logging.INFO, logger="civicgrid.notifications")
    cache.clear()
    mw = mf.mworld()
    base = live_server.url
    town = mw.w.t["town1"]

    # The QR poster opens the mailbox's page.
    resident = browser.new_context(locale="zh-CN", **PHONE).new_page()
    resident.goto(f"{base}{reverse('mailbox_public:landing', args=[town.pk])}")
    axe_check(resident, "mailbox landing page")
    _shot(resident, output_dir, "1-landing")
    resident.locator(f"a[href='{reverse('mailbox_public:propose', args=[town.pk])}']").click()
    resident.locator("input[name=title]").fill("顺元小区老旧院落路灯改造")
    resident.locator("textarea[name=body]").fill("院里只有两盏路灯，晚上老人出门看不清台阶。")
    resident.locator("select[name=node]").select_option(str(mw.w.t["comm1"].pk))
    resident.locator("input[name=place]").fill("1至6号楼院内")
    resident.locator("input[name=estimated_cost]").fill("86000")
    resident.locator("input[name=phone]").fill("139 1234 5678")
    caplog.clear()
    resident.locator("button[name=send_code]").click()
    expect(resident.locator("input[name=code]")).to_be_visible()
    resident.locator("input[name=code]").fill(_code(caplog, "139****5678"))
    axe_check(resident, "propose form with the code")
    _shot(resident, output_dir, "2-propose-code")
    resident.locator("button[name=submit]").click()
    expect(resident.locator("p.r-lead[role=status]")).to_be_visible()
    _shot(resident, output_dir, "3-proposed")
    proposal = Proposal.objects.get()
    assert proposal.state == ProposalState.SUBMITTED and proposal.proposer_phone == "13912345678"

    # Not public until staff publish it.
    page = resident.goto(f"{base}{reverse('mailbox_public:proposal', args=[proposal.pk])}")
    assert page is not None and page.status == 404
    # The town's staff screen it in on the console (a desk) and publish it.
    staff = mw.w.town_staff
    staff.set_password(PASSWORD)
    staff.save()
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    target = reverse("mailbox:proposal", args=[proposal.pk])
    desk.goto(f"{base}{reverse('console:login')}?next={target}")
    desk.locator("input[name=username]").fill(staff.mobile or "")
    desk.locator("input[name=password]").fill(PASSWORD)
    desk.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(desk).to_have_url(f"{base}{target}")
    assert "13912345678" not in desk.content()  # masked until revealed
    desk.locator("form:has(input[name=action][value=publish]) button").click()
    expect(desk).to_have_url(f"{base}{target}")
    _shot(desk, output_dir, "3b-console-published")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.PUBLISHED

    # Another resident supports it with a code texted to their own phone.
    neighbour = browser.new_context(locale="zh-CN", **PHONE).new_page()
    neighbour.goto(f"{base}{reverse('mailbox_public:proposal', args=[proposal.pk])}")
    neighbour.locator("input[name=phone]").fill("13712345678")
    caplog.clear()
    neighbour.locator("button[name=send_code]").click()
    expect(neighbour.locator("input[name=code]")).to_be_visible()
    neighbour.locator("input[name=code]").fill(_code(caplog, "137****5678"))
    neighbour.locator("button[name=support]").click()
    expect(neighbour.locator("#supports")).to_have_text("1")
    axe_check(neighbour, "proposal page, supported")
    _shot(neighbour, output_dir, "4-supported")
    assert Support.objects.filter(proposal=proposal).count() == 1

    neighbour.goto(f"{base}{reverse('mailbox_public:landing', args=[town.pk])}")
    expect(
        neighbour.locator(f"a[href='{reverse('mailbox_public:proposal', args=[proposal.pk])}']")
    ).to_be_visible()
    _shot(neighbour, output_dir, "5-landing-with-proposal")
    page_text = neighbour.content()
    assert "13912345678" not in page_text and "139****5678" not in page_text


def test_staff_make_the_selection_and_residents_follow_the_project(
    browser: Browser, live_server, output_dir, axe_check
):
    from django.utils import timezone

    from civicgrid.mailbox import residents
    from civicgrid.mailbox.models import LivelihoodProject

    mw = mf.mworld()
    base = live_server.url
    lights = mf.proposal(mw, state=ProposalState.PUBLISHED, title="顺元小区老旧院落路灯改造")
    mf.proposal(mw, state=ProposalState.PUBLISHED, title="更新小区健身器材", estimated_cost="25000")
    for i in range(3):
        residents.record_support(proposal_id=lights.pk, digest=f"{i:064d}", now=timezone.now())
    mf.close_call(mw)
    staff = mw.w.town_staff
    staff.set_password(PASSWORD)
    staff.save()
    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    target = reverse("mailbox:selection", args=[mw.mailbox.pk])
    desk.goto(f"{base}{reverse('console:login')}?next={target}")
    desk.locator("input[name=username]").fill(staff.mobile or "")
    desk.locator("input[name=password]").fill(PASSWORD)
    desk.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(desk).to_have_url(f"{base}{target}")
    desk.locator(f"input[name=select][value='{lights.pk}']").check()
    desk.locator(f"input[name=reason_{lights.pk}]").fill("支持数最多，惠及600余户")
    _shot(desk, output_dir, "6-selection")
    desk.locator("form.form button[type=submit]").click()
    expect(desk).to_have_url(f"{base}{reverse('mailbox:projects', args=[mw.mailbox.pk])}")
    project = LivelihoodProject.objects.get()
    desk.goto(f"{base}{reverse('mailbox:project', args=[project.pk])}")
    desk.locator("input[name=title]").fill("入户走访，摸清照明死角")
    desk.locator("input[name=due]").fill(timezone.localdate().isoformat())
    desk.locator("form:has(input[name=form][value=milestone]) button[type=submit]").click()
    desk.locator("form:has(input[name=form][value=done]) button").click()
    desk.locator("input[name=title]").fill("安装施工")
    desk.locator("input[name=due]").fill(f"{timezone.localdate().year}-12-31")
    desk.locator("form:has(input[name=form][value=milestone]) button[type=submit]").click()
    expect(desk.locator("table.table tbody tr")).to_have_count(2)
    _shot(desk, output_dir, "7-console-project")
    desk.goto(f"{base}{reverse('mailbox:poster', args=[mw.mailbox.pk])}")
    _shot(desk, output_dir, "8-poster")

    resident = browser.new_context(locale="zh-CN", **PHONE).new_page()
    resident.goto(f"{base}{reverse('mailbox_public:project', args=[project.pk])}")
    expect(resident.locator("progress")).to_have_attribute("value", "50")
    axe_check(resident, "project page")
    _shot(resident, output_dir, "9-project")
