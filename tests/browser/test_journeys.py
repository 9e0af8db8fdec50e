"""Whole journeys across roles, each in its own browser as the people would be.

1. A herder scans a grid's QR poster, raises "road damaged" with a photo and gets a tracking
   number; the dispatcher dispatches it to a member unit; the unit takes it and resolves it with
   a photo; the herder rates it satisfied and it closes.
3. A need left untaken past its deadline is reminded, marked overdue, then escalated to the
   community by the worker process (`civicgrid worker`, running tasks from the database queue).

Journey 2 (the pension need entered by phone) is in test_console.py, journey 4 (a dissatisfied
rating reopens the need) in test_resident.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from civicgrid.needs import workflow
from civicgrid.needs.models import Need, NeedEvent, Priority, Rating, State
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def jpeg(name: str, colour: tuple[int, int, int]) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def staff_page(browser: Browser, base: str, person: Person, path: str) -> Page:
    page = browser.new_context(locale="zh-CN", **DESKTOP).new_page()
    page.goto(f"{base}/console/login/?next={path}")
    page.get_by_label("手机号").fill(person.mobile or "")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}{path}")
    return page


def test_journey_1_qr_poster_to_a_satisfied_herder(browser: Browser, live_server, output_dir):
    w = nf.world()
    base = live_server.url
    grid = w.t["gridA"]

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(output_dir / f"journey1-{name}.png"), full_page=True)

    # The herder, on a phone, opens the grid's poster and follows its QR link.
    herder = browser.new_context(locale="zh-CN", **PHONE).new_page()
    herder.goto(f"{base}/poster/n/{grid.code}/")
    expect(herder.locator("svg").first).to_be_visible()
    shot(herder, "poster")
    herder.goto(f"{base}/q/n/{grid.code}/")
    herder.get_by_role("link", name=re.compile("道路损坏")).click()
    herder.locator("#id_description").fill("夏营地的牧道被雨水冲断了，拉草料的车过不去")
    herder.get_by_label("不能通行").check()
    herder.locator("#id_photos").set_input_files(jpeg("road.jpg", (140, 110, 70)))
    herder.locator("#id_contact_phone").fill("13812345678")
    herder.locator("#id_contact_name").fill("巴特尔")
    herder.locator("form.r-form button[type=submit]").click()
    expect(herder).to_have_url(re.compile(r"/raise/done/"))
    number = herder.locator(".r-number").inner_text().strip()
    shot(herder, "receipt")
    tracking_link = herder.locator(".r-receipt a.r-button").get_attribute("href")
    need = Need.objects.get(number=number.replace("-", ""))
    assert need.photos.count() == 1 and need.channel == "qr"

    # The community's dispatcher dispatches it to the police post, a member unit.
    desk = staff_page(browser, base, w.dispatcher, f"/console/needs/{need.number}/")
    dispatch = desk.locator('form[data-action="dispatch"]')
    dispatch.locator("summary").click()
    dispatch.locator('select[name="target"]').select_option(f"unit:{w.unit.pk}")
    dispatch.locator('button[type="submit"]').click()
    expect(desk.locator("#need-detail")).to_have_attribute("data-state", "dispatched")
    shot(desk, "dispatched")

    # The unit's member takes it and resolves it with a photo.
    unit = staff_page(browser, base, w.unit_member, f"/console/needs/{need.number}/")
    unit.locator('form[data-action="take"] button').click()
    expect(unit.locator("#need-detail")).to_have_attribute("data-state", "taken")
    resolve = unit.locator('form[data-action="resolve"]')
    resolve.locator("summary").click()
    resolve.locator('textarea[name="reason"]').fill("派出所民警带铲车填平了冲沟，已通车")
    resolve.locator('input[name="photos"]').set_input_files(jpeg("mended.jpg", (90, 140, 90)))
    resolve.locator('button[type="submit"]').click()
    expect(unit.locator("#need-detail")).to_have_attribute("data-state", "resolved")
    thumbs = "[...document.querySelectorAll('.timeline-item .thumbs img')]"
    # A function, not an expression string, which Playwright would eval() against the CSP.
    unit.wait_for_function(f"() => {thumbs}.every(i => i.naturalWidth > 0)")
    shot(unit, "resolved")

    # The herder opens the tracking link again and rates it.
    herder.goto(f"{base}{tracking_link}" if tracking_link.startswith("/") else tracking_link)
    expect(herder.locator(".r-photos img")).to_have_count(2)
    herder.get_by_label("满意", exact=True).check()
    herder.locator("section[aria-labelledby=rate-title] button[type=submit]").click()
    expect(herder.locator(".r-notice")).to_be_visible()
    shot(herder, "rated")

    need.refresh_from_db()
    assert need.state == State.CLOSED and need.rating == Rating.SATISFIED
    assert need.assignee == w.unit_member and need.assignee_org == w.unit
    assert list(need.events.order_by("seq").values_list("action", flat=True)) == [
        "raise",
        "dispatch",
        "take",
        "resolve",
        "confirm",
    ]


@override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
    NEED_REMIND_BEFORE_MINUTES=5,
    NEED_ESCALATE_AFTER_MINUTES=30,
)
def test_journey_3_the_worker_reminds_marks_overdue_and_escalates(
    browser: Browser, live_server, output_dir
):
    w = nf.world()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    with time_machine.travel(start, tick=False):
        need = nf.raise_need(
            w, category=nf.category("pension"), priority=Priority.URGENT, answers={}
        )
        workflow.transition(need, workflow.Action.DISPATCH, workflow.By(w.dispatcher))

    def worker_at(minutes: int) -> None:
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            call_command("worker", "--once", stdout=StringIO())

    worker_at(11)  # 4 minutes before the 15-minute response deadline: a reminder
    worker_at(16)  # past it: overdue
    worker_at(47)  # 30 minutes later still untaken: escalated to the community

    need.refresh_from_db()
    assert need.state == State.ESCALATED and need.owner_node == w.t["comm1"]
    actions = list(
        NeedEvent.objects.filter(need=need).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["raise", "dispatch", "remind", "overdue", "escalate"]
    assert w.grid_worker.notifications.filter(kind="need_reminder").count() == 1

    # The grid worker was reminded; the dispatcher finds it escalated back to them.
    worker = staff_page(browser, live_server.url, w.grid_worker, "/console/inbox/")
    worker.screenshot(path=str(output_dir / "journey3-worker-inbox.png"), full_page=True)
    desk = staff_page(browser, live_server.url, w.dispatcher, "/console/needs/?tab=escalated")
    expect(desk.locator(f'tr[data-number="{need.number}"]')).to_be_visible()
    desk.screenshot(path=str(output_dir / "journey3-escalated-list.png"), full_page=True)
    desk.goto(f"{live_server.url}/console/needs/{need.number}/")
    for action in ("remind", "overdue", "escalate"):
        expect(desk.locator(f'.timeline-item[data-action="{action}"]')).to_have_count(1)
    desk.screenshot(path=str(output_dir / "journey3-timeline.png"), full_page=True)
