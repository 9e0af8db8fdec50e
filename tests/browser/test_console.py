"""The console's journeys: a dispatcher sends a need to a member unit, whose member takes it
and resolves it with a photo; a grid worker enters an urgent need for an old man who phoned,
takes it at once and resolves it within its 15-minute response deadline.

Selectors use names, values and data- attributes, not visible text: the console's own strings
are English until translated, and the tests must pass before and after."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from civicgrid.needs.models import Need, State
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"


def photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (70, 130, 90)).save(out, format="JPEG")
    return {"name": "done.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def log_in(page: Page, base: str, person: Person, next_path: str) -> None:
    page.goto(f"{base}/console/login/?next={next_path}")
    page.get_by_label("手机号").fill(person.mobile or "")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}{next_path}")


def detail(page: Page):
    return page.locator("#need-detail")


def test_dispatch_to_a_member_unit_which_takes_and_resolves_it(
    page: Page, browser: Browser, live_server, output_dir
):
    w = nf.world()
    need = nf.raise_need(w, description="村口路面塌了一个大坑，车过不去")
    base = live_server.url

    log_in(page, base, w.dispatcher, "/console/needs/")
    page.locator('[data-tab="to_accept"]').click()
    row = page.locator(f'tr[data-number="{need.number}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("139****5678")  # the phone is masked in the list
    page.screenshot(path=str(output_dir / "console-list.png"), full_page=True)
    row.locator("a").click()
    url = f"{base}/console/needs/{need.number}/"
    expect(page).to_have_url(url)
    expect(page.locator("ol.timeline")).to_have_attribute("data-count", "1")

    # Dispatch with htmx: the fragment is swapped, the page itself is not reloaded.
    page.evaluate("window.__stillHere = true")
    form = page.locator('form[data-action="dispatch"]')
    form.locator("summary").click()
    form.locator('select[name="target"]').select_option(f"unit:{w.unit.pk}")
    form.locator('button[type="submit"]').click()
    expect(detail(page)).to_have_attribute("data-state", "dispatched")
    expect(page.locator("ol.timeline")).to_have_attribute("data-count", "2")
    expect(page.locator('.timeline-item[data-action="dispatch"]')).to_contain_text(w.unit.name)
    assert page.url == url
    assert page.evaluate("window.__stillHere") is True
    page.screenshot(path=str(output_dir / "console-dispatched.png"), full_page=True)

    # The unit's member, in a browser of their own.
    member_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    other = member_context.new_page()
    log_in(other, base, w.unit_member, "/console/needs/?tab=mine")
    expect(other.locator(".bell-count")).to_have_text("1")
    other.locator(f'tr[data-number="{need.number}"] a').click()
    other.locator('form[data-action="take"] button').click()
    expect(detail(other)).to_have_attribute("data-state", "taken")
    resolve = other.locator('form[data-action="resolve"]')
    resolve.locator("summary").click()
    resolve.locator('textarea[name="reason"]').fill("已回填路面，恢复通行")
    resolve.locator('input[name="photos"]').set_input_files(photo())
    resolve.locator('button[type="submit"]').click()
    expect(detail(other)).to_have_attribute("data-state", "resolved")
    thumb = other.locator('.timeline-item[data-action="resolve"] .thumbs img')
    expect(thumb).to_have_count(1)
    # A function, not an expression string: Playwright evaluates strings with eval(), which
    # the site's Content-Security-Policy refuses.
    other.wait_for_function(
        "() => document.querySelector('.timeline-item[data-action=resolve] .thumbs img')"
        ".naturalWidth > 0"
    )
    other.screenshot(path=str(output_dir / "console-resolved.png"), full_page=True)
    member_context.close()

    need.refresh_from_db()
    assert (need.state, need.assignee) == (State.RESOLVED, w.unit_member)
    assert need.photos.count() == 1


def test_a_grid_worker_enters_an_urgent_pension_need_by_phone_and_resolves_it(
    page: Page, browser: Browser, live_server, output_dir
):
    w = nf.world()
    base = live_server.url
    log_in(page, base, w.grid_worker, "/console/needs/new/")

    page.locator('select[name="channel"]').select_option("phone")
    page.locator('input[name="on_behalf_of"]').fill("王大爷")
    page.locator('input[name="contact_phone"]').fill("13700001111")
    page.locator('select[name="category"]').select_option(str(nf.category("pension").pk))
    # Choosing the category brings its questions in (htmx).
    page.locator('input[name="answer_age"]').fill("78")
    page.locator('select[name="priority"]').select_option("urgent")
    expect(page.locator('select[name="node"]')).to_have_value(str(w.t["gridA"].pk))
    page.locator('textarea[name="description"]').fill("老人78岁，本月养老金没有到账，行动不便")
    page.screenshot(path=str(output_dir / "console-entry.png"), full_page=True)
    page.locator('form.entry-form button[type="submit"]').click()

    expect(page.locator("#need-detail")).to_be_visible()
    need = Need.objects.get()
    assert (need.entered_by, need.on_behalf_of) == (w.grid_worker, "王大爷")
    assert need.answers == {"age": 78.0}
    minutes = (need.response_due - need.created_at).total_seconds() / 60
    assert round(minutes) == 15
    due = timezone.localtime(need.response_due).strftime("%Y-%m-%d %H:%M")
    expect(page.locator("[data-response-due]")).to_contain_text(due)
    expect(page.locator("[data-response-due] [data-limit]")).to_contain_text("15")
    expect(page.locator("#need-detail")).to_contain_text("王大爷")
    page.screenshot(path=str(output_dir / "console-entered.png"), full_page=True)

    # The grid worker takes it at once, in their own grid: no dispatch needed (接单).
    page.locator('form[data-action="take"] button').click()
    expect(detail(page)).to_have_attribute("data-state", "taken")
    resolve = page.locator('form[data-action="resolve"]')
    resolve.locator("summary").click()
    resolve.locator('textarea[name="reason"]').fill("已联系社保所，补发到账")
    resolve.locator('input[name="photos"]').set_input_files(photo())
    resolve.locator('button[type="submit"]').click()
    expect(detail(page)).to_have_attribute("data-state", "resolved")
    need.refresh_from_db()
    assert need.responded_on_time is True and need.resolved_on_time is True
    assert need.resolved_at - need.created_at < need.response_due - need.created_at
    page.screenshot(path=str(output_dir / "console-pension-resolved.png"), full_page=True)

    # The same page on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    small = phone.new_page()
    log_in(small, base, w.grid_worker, f"/console/needs/{need.number}/")
    small.screenshot(path=str(output_dir / "console-detail-phone.png"), full_page=True)
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the detail page scrolls sideways on a phone ({width}px)"

    # Their list on the phone: a short header with what they use there, one card per need
    # (issue 14: a 230 px header of desk links and columns one character wide).
    small.goto(f"{base}/console/needs/?tab=all")
    header = small.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= 110, header
    expect(small.locator(".site-nav a.desk-only").first).to_be_hidden()
    expect(small.locator(".site-nav").get_by_text("地图")).to_be_visible()
    card = small.locator(f'tr[data-number="{need.number}"]')
    box = card.bounding_box()
    assert box is not None and box["width"] >= 300  # a card across the screen, not a column
    number, state = (
        card.locator(".cell-number").bounding_box(),
        card.locator(".cell-state").bounding_box(),
    )
    assert number is not None and state is not None and abs(number["y"] - state["y"]) < 12
    expect(card.locator('td[data-label="办理人"]')).to_contain_text(w.grid_worker.name)
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the list scrolls sideways on a phone ({width}px)"
    small.screenshot(path=str(output_dir / "console-list-phone.png"), full_page=True)
    phone.close()
    # On a desk, every page of the console is in the header.
    expect(page.locator(".site-nav a.desk-only").first).to_be_visible()
