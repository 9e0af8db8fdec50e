"""码上找代表, as its people would use it, each on their own phone.

A resident (in elder mode) scans a representative's poster and leaves a suggestion with her
number; the representative (no staff role) signs in on his phone, finds it in his inbox and
answers; the resident opens her tracking link and reads the answer. Community staff print the
poster.

Screenshots looked at (`output_dir`, liaison-*.png). Elements are found by form field names and
URLs, never by their visible text (the browser's locale is Chinese).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from civicgrid.core.elder import COOKIE
from civicgrid.liaison import publication
from civicgrid.liaison.models import Message, MessageState
from civicgrid.liaison.tests import factories as lf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _shot(page: Page, output_dir, name: str) -> None:
    page.screenshot(path=str(output_dir / f"liaison-{name}.png"), full_page=True)


def _phone(browser: Browser, base: str = "", *, elder: bool = False) -> Page:
    context = browser.new_context(locale="zh-CN", **PHONE)
    if elder:  # large print, as an older resident keeps it on
        host = base.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": COOKIE, "value": "1", "domain": host, "path": "/"}])
    return context.new_page()


def _log_in(page: Page, base: str, person, target: str) -> None:
    page.goto(f"{base}{reverse('console:login')}?next={target}")
    page.locator("input[name=username]").fill(person.mobile or "")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page).to_have_url(f"{base}{target}")


def test_a_resident_leaves_a_suggestion_and_reads_the_representatives_answer(
    browser: Browser, live_server, output_dir, axe_check
):
    lw = lf.liaison_world()
    base = live_server.url

    # Staff print the representative's poster; its code opens the message page.
    staff = browser.new_context(locale="zh-CN").new_page()
    poster = reverse("liaison:poster_representative", args=[lw.rep.pk])
    _log_in(staff, base, lw.w.dispatcher, poster)
    expect(staff.locator(".poster-qr svg")).to_be_visible()
    _shot(staff, output_dir, "0-poster")
    link = staff.locator(".poster-zh .poster-url").inner_text().strip()
    assert link.endswith(reverse("liaison_public:write_to_representative", args=[lw.rep.pk]))

    resident = _phone(browser, base, elder=True)
    resident.goto(link)
    axe_check(resident, "message page")
    _shot(resident, output_dir, "1-write")
    resident.locator("input[name=kind][value=suggestion]").check()
    resident.locator("textarea[name=text]").fill("建议在顺元小区门口增设减速带，上下学时段车速太快")
    resident.locator("input[name=phone]").fill("13912345678")
    resident.locator("input[name=name]").fill("张女士")
    resident.locator("input[name=consent]").check()
    resident.locator("form.r-form button[type=submit]").click()
    expect(resident.locator(".r-state[data-state=received]")).to_be_visible()
    axe_check(resident, "tracking page")
    _shot(resident, output_dir, "2-sent")
    message = Message.objects.get()
    assert message.representative == lw.rep and message.kind == "suggestion"
    tracking = f"{base}{publication.tracking_path(message.number)}"

    rep = _phone(browser)
    inbox = reverse("liaison:inbox")
    _log_in(rep, base, lw.rep_person, inbox)
    expect(rep.locator(f"a[href$='/m/{message.number}/']")).to_be_visible()
    _shot(rep, output_dir, "3-inbox")
    rep.locator(f"a[href$='/m/{message.number}/']").click()
    rep.locator("textarea[name=answer]").fill(
        "感谢建议。已与交管部门联系，下月在小区门口设置减速带。"
    )
    _shot(rep, output_dir, "4-answer-form")
    rep.locator("#answer button[type=submit]").click()
    expect(rep.locator("#answer blockquote")).to_be_visible()
    _shot(rep, output_dir, "5-answered")
    message.refresh_from_db()
    assert message.state == MessageState.ANSWERED and message.answered_by == lw.rep_person

    resident.goto(tracking)
    expect(resident.locator(".r-answer")).to_be_visible()
    assert "减速带" in resident.locator(".r-answer").inner_text()
    assert lw.rep_person.mobile not in resident.content()
    _shot(resident, output_dir, "6-answer-read")
    resident.locator("input[name=action][value=close] + button").click()
    expect(resident.locator(".r-state[data-state=closed]")).to_be_visible()
    message.refresh_from_db()
    assert message.state == MessageState.CLOSED
    wrong = resident.goto(f"{base}/liaison/t/{message.number}/wrongkey12/")
    assert wrong is not None and wrong.status == 404
