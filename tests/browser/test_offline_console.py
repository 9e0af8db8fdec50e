"""A grid worker without signal: the "my needs" list and each need on it are kept on the phone
and readable offline with the time they were synced; take, start, resolve (with a note and a
photo) and a comment made offline wait on the phone with a count and are sent once, in order,
when the signal returns; a replay the server refuses (a colleague took the need meanwhile) is
shown with the reason and what was typed. The pages install as a home-screen app.

Selectors use data- attributes and classes: the console's strings are checked elsewhere."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from civicgrid.needs import workflow
from civicgrid.needs.models import Channel, Kind, Need, State
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import Action, By
from civicgrid.network.models import Role
from civicgrid.network.tests import factories as netf
from tests.browser.test_console import log_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("transactional_db"),
    pytest.mark.browser_context_args(**PHONE),
]


def photo() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (70, 130, 90)).save(out, format="JPEG")
    return {"name": "fence.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def controlled(page: Page) -> None:
    """Wait until the console's worker is active (at most 10 s), and the page is under it."""
    assert page.evaluate(
        """() => Promise.race([
            navigator.serviceWorker.ready.then(() => true),
            new Promise(done => setTimeout(() => done(false), 10000)),
        ])"""
    ), "no service worker"
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)


def dispatched(w: nf.World, text: str) -> Need:
    need = nf.raise_need(w, description=text)
    workflow.transition(need, Action.DISPATCH, By(w.dispatcher))
    return need


def test_a_grid_worker_takes_and_resolves_without_signal_and_it_syncs_once(
    context: BrowserContext, page: Page, live_server, output_dir
):
    w = nf.world()
    need = dispatched(w, "草场围栏被雪压倒了，羊跑到路上")
    other = dispatched(w, "水井的泵坏了")
    base = live_server.url
    log_in(page, base, w.grid_worker, "/console/needs/?tab=mine")
    controlled(page)
    kept = page.locator(".c-offline-kept")
    expect(kept).to_be_visible()
    expect(kept).to_contain_text("2")

    # No signal: the list and each need open from the phone, saying when they were synced.
    context.set_offline(True)
    page.goto(f"{base}/console/needs/{other.number}/")
    expect(page.locator("#need-detail")).to_contain_text("水井的泵坏了")
    page.goto(f"{base}/console/needs/{need.number}/")
    expect(page.locator("#need-detail")).to_contain_text("草场围栏被雪压倒了")
    expect(page.locator(".c-offline-synced")).to_be_visible()

    # Take, start and resolve with a note and a photo, and an internal note: all wait.
    page.locator('form[data-action="take"]:not([data-after]) button[type=submit]').click()
    expect(page.locator(".c-waiting-item")).to_have_count(1)
    start = page.locator('form[data-action="start"][data-after="take"]')
    expect(start).to_be_visible()
    start.locator("button[type=submit]").click()
    expect(page.locator(".c-waiting-item")).to_have_count(2)
    resolve = page.locator('form[data-action="resolve"][data-after="take"]')
    resolve.locator("summary").click()
    resolve.locator("textarea").fill("围栏已扶正加固，羊已赶回")
    resolve.locator('input[type="file"]').set_input_files(photo())
    resolve.locator("button[type=submit]").click()
    comment = page.locator("form.comment-form")
    comment.locator("textarea").fill("牧户说明天再看一次")
    comment.locator("button[type=submit]").click()
    expect(page.locator(".c-waiting-item")).to_have_count(4)
    expect(page.locator(".c-offline-waiting")).to_contain_text("4")
    page.screenshot(path=str(output_dir / "console-offline-waiting.png"), full_page=True)
    need.refresh_from_db()
    assert need.state == State.DISPATCHED

    # A reload without signal keeps the queue (and still offers what follows the take).
    page.reload()
    expect(page.locator(".c-waiting-item")).to_have_count(4)
    expect(page.locator('form[data-action="take"]:not([data-after])')).to_be_hidden()

    # Signal again: sent in order, once, through the console's own views; the page shows the
    # need as it now is.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator(".c-offline-sent")).to_contain_text("4")
    expect(page.locator("#need-detail")).to_have_attribute("data-state", "resolved")
    page.screenshot(path=str(output_dir / "console-offline-synced.png"), full_page=True)
    need.refresh_from_db()
    assert (need.state, need.assignee) == (State.RESOLVED, w.grid_worker)
    actions = list(need.events.order_by("seq").values_list("action", flat=True))
    assert actions[-4:] == ["take", "start", "resolve", "comment"]
    assert need.photos.count() == 1
    assert need.events.get(action="resolve").note == "围栏已扶正加固，羊已赶回"
    page.reload()
    expect(page.locator(".c-waiting-item")).to_have_count(0)


def test_a_take_refused_on_replay_is_shown_with_the_reason_and_kept_until_dismissed(
    context: BrowserContext, page: Page, live_server, output_dir
):
    w = nf.world()
    colleague = netf.person("李晓燕", roles=[(Role.GRID_WORKER, w.t["gridA"])])
    need = dispatched(w, "路灯不亮")
    base = live_server.url
    log_in(page, base, w.grid_worker, f"/console/needs/{need.number}/")
    controlled(page)

    context.set_offline(True)
    page.locator('form[data-action="take"]:not([data-after]) button[type=submit]').click()
    expect(page.locator(".c-waiting-item")).to_have_count(1)
    workflow.transition(need, Action.TAKE, By(colleague))  # meanwhile, with signal

    context.set_offline(False)
    page.goto(f"{base}/console/needs/")
    refused = page.locator(".c-refused-item")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("李晓燕")  # the server's reason: who has it
    expect(page.locator("#c-offline")).to_have_class("c-offline has-refused")
    page.screenshot(path=str(output_dir / "console-offline-refused.png"), full_page=True)
    need.refresh_from_db()
    assert need.assignee == colleague and need.events.filter(action="take").count() == 1

    page.reload()  # still said on the next page, until dismissed
    expect(page.locator(".c-refused-item")).to_have_count(1)
    page.locator(".c-dismiss").click()
    expect(page.locator(".c-refused-item")).to_have_count(0)


def test_the_need_pages_are_an_installable_app(page: Page, live_server):
    w = nf.world()
    base = live_server.url
    log_in(page, base, w.grid_worker, "/console/needs/?tab=mine")
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    manifest = page.request.get(f"{base}{href}").json()
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith(
        "/console/needs/"
    )
    controlled(page)
    scope = page.evaluate(
        "navigator.serviceWorker.getRegistration().then(r => new URL(r.scope).pathname)"
    )
    assert scope == "/console/needs/"


def test_proactive_work_recorded_without_signal_is_sent_once(
    context: BrowserContext, page: Page, live_server
):
    """A visit to an old herder, recorded on the way back without signal: the form was kept
    with the list, the record waits on the phone, and it is recorded once with signal."""
    w = nf.world()
    category = nf.category("key_visits")
    base = live_server.url
    log_in(page, base, w.grid_worker, "/console/needs/?tab=mine")
    controlled(page)
    expect(page.locator(".c-offline-kept")).to_be_visible()

    context.set_offline(True)
    page.goto(f"{base}/console/needs/proactive/new/")
    page.locator("#id_kind").select_option(Kind.VISIT)
    page.locator("#id_category").select_option(str(category.pk))
    page.locator("#id_node").select_option(str(w.t["gridA"].pk))
    page.locator("#id_contact_name").fill("独居老人张奶奶")
    page.locator("#id_note").fill("上门走访，身体状况良好")
    page.locator("form[data-offline-queue] button[type=submit]").click()
    expect(page.locator(".c-waiting-item")).to_have_count(1)
    assert not Need.objects.exists()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator(".c-offline-sent")).to_contain_text("1")
    page.goto(f"{base}/console/needs/?tab=mine")  # a second page sends nothing more
    expect(page.locator(".c-waiting-item")).to_have_count(0)
    need = Need.objects.get()
    assert (need.kind, need.channel, need.state) == (Kind.VISIT, Channel.PROACTIVE, State.CLOSED)
