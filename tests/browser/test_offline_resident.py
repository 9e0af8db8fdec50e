"""A resident without signal: the form is there, what is typed survives a reload, sending
queues it on the phone and says so, and it is sent once when the signal returns, even after
the page was closed; a receipt follows. Never a duplicate, never a silent loss."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from civicgrid.needs.models import Need
from civicgrid.needs.tests import factories as nf

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("transactional_db"),
    pytest.mark.browser_context_args(**PHONE),
]


def worker_ready(page: Page) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null || true")


def waiting(page: Page) -> int:
    return page.evaluate(
        """() => new Promise(done => {
            const r = indexedDB.open('civicgrid-resident', 2);
            r.onsuccess = () => {
              const c = r.result.transaction('outbox').objectStore('outbox').count();
              c.onsuccess = () => { done(c.result); r.result.close(); };
            };
        })"""
    )


def form_without_signal(context: BrowserContext, page: Page, live_server) -> None:
    """The roads form, opened with signal (so the worker keeps it), then the signal lost."""
    w = nf.world()
    page.goto(f"{live_server.url}/raise/roads/?at={w.t['gridA'].code}")
    worker_ready(page)
    page.reload()
    context.set_offline(True)


def test_a_need_written_without_signal_is_sent_once_when_the_signal_returns(
    context: BrowserContext, page: Page, live_server, output_dir
):
    w = nf.world()
    grid = w.t["gridA"]
    form_url = f"{live_server.url}/raise/roads/?at={grid.code}"

    # With signal: the home page installs the worker, which keeps the shell.
    page.goto(f"{live_server.url}/")
    worker_ready(page)
    page.goto(form_url)  # the form is kept too, once opened with signal
    page.reload()

    context.set_offline(True)
    page.goto(form_url)  # from the worker, not the network
    expect(page.locator("#id_description")).to_be_visible()
    page.locator("#id_description").fill("草场围栏被雪压倒了，羊跑到路上。")
    page.get_by_label("不能通行").check()
    page.locator("#id_contact_phone").fill("13812345678")
    page.wait_for_timeout(600)  # the draft is saved 300 ms after the last key
    page.reload()  # a reload without signal keeps everything typed
    expect(page.locator("#id_description")).to_have_value("草场围栏被雪压倒了，羊跑到路上。")
    expect(page.get_by_label("不能通行")).to_be_checked()
    expect(page.locator("#id_contact_phone")).to_have_value("13812345678")

    page.locator("form.r-form button[type=submit]").click()
    notice = page.locator("#r-offline")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("没有信号")
    expect(notice).to_contain_text("1")
    page.screenshot(path=str(output_dir / "offline-queued.png"))
    assert Need.objects.count() == 0 and waiting(page) == 1
    page.close()

    # Signal again; the resident opens the site later: the need goes, once, and the receipt
    # is offered. A second page opened at the same moment sends nothing more.
    context.set_offline(False)
    first, second = context.new_page(), context.new_page()
    first.goto(f"{live_server.url}/")
    second.goto(f"{live_server.url}/track/")
    receipt = first.locator("#r-offline a")
    expect(receipt).to_be_visible()
    receipt.click()
    expect(first).to_have_url(re.compile(r"/raise/done/[2-9A-Z]{8}/\?k=\w{10}$"))
    first.screenshot(path=str(output_dir / "offline-receipt.png"))
    second.reload()
    assert Need.objects.count() == 1
    need = Need.objects.get()
    assert need.description == "草场围栏被雪压倒了，羊跑到路上。" and need.node == grid
    assert waiting(first) == 0


def test_a_queued_need_the_server_refuses_comes_back_as_the_draft(
    context: BrowserContext, page: Page, live_server
):
    form_without_signal(context, page, live_server)
    page.locator("#id_description").fill("路断了")  # no phone: the server will refuse it
    page.locator("form.r-form button[type=submit]").click()
    expect(page.locator("#r-offline")).to_be_visible()
    context.set_offline(False)
    # The signal returns while the form is open: it is sent from there, and refused.
    expect(page.locator("#r-offline")).to_contain_text("请检查")
    # The resident had already moved on: every resident page still says so, until the form
    # is opened again.
    for path in ("/", "/track/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#r-offline")).to_contain_text("请检查")
    page.locator("#r-offline a").click()
    expect(page.locator("#id_description")).to_have_value("路断了")
    assert Need.objects.count() == 0
    page.goto(f"{live_server.url}/")
    page.wait_for_timeout(300)
    expect(page.locator("#r-offline")).to_be_hidden()


def test_a_receipt_sent_in_the_background_is_offered_until_it_is_opened(
    context: BrowserContext, page: Page, live_server
):
    form_without_signal(context, page, live_server)
    page.locator("#id_description").fill("桥头的路灯不亮了")
    page.get_by_label("不能通行").check()
    page.locator("#id_contact_phone").fill("13812345678")
    page.locator("form.r-form button[type=submit]").click()
    expect(page.locator("#r-offline")).to_contain_text("没有信号")
    context.set_offline(False)
    expect(page.locator("#r-offline a")).to_be_visible()  # sent from the open form
    expect(page.locator("#r-offline")).not_to_contain_text("请检查")
    assert Need.objects.count() == 1
    page.goto(f"{live_server.url}/")
    receipt = page.locator("#r-offline a")
    expect(receipt).to_be_visible()
    receipt.click()
    expect(page).to_have_url(re.compile(r"/raise/done/[2-9A-Z]{8}/\?k=\w{10}$"))
    # The receipt page forgets the news in the phone's storage in a transaction of its own:
    # leaving the page before it commits would abort it (a resident reads the receipt first),
    # so the test stays until the news is gone, then reads the home page.
    page.wait_for_function(NEWS_HEARD)
    page.goto(f"{live_server.url}/")
    expect(page.locator("#r-offline")).to_be_hidden()
    assert Need.objects.count() == 1


# True once the phone keeps no news of a background send (a promise, awaited by Playwright).
NEWS_HEARD = """() => new Promise(done => {
    const r = indexedDB.open('civicgrid-resident', 2);
    r.onsuccess = () => {
      const q = r.result.transaction('news').objectStore('news').getAll();
      q.onsuccess = () => { r.result.close(); done(q.result.length === 0); };
      q.onerror = () => { r.result.close(); done(false); };
    };
    r.onerror = () => done(false);
})"""


def age_drafts(page: Page, days: float) -> int:
    """Make every draft on the phone `days` old; how many there are."""
    return page.evaluate(
        """(days) => new Promise(done => {
            const r = indexedDB.open('civicgrid-resident', 2);
            r.onsuccess = () => {
              const tx = r.result.transaction('drafts', 'readwrite');
              const store = tx.objectStore('drafts');
              let n = 0;
              store.openCursor().onsuccess = (e) => {
                const c = e.target.result;
                if (!c) return;
                n += 1;
                c.update({...c.value, savedAt: Date.now() - days * 86400000});
                c.continue();
              };
              tx.oncomplete = () => { r.result.close(); done(n); };
            };
        })""",
        days,
    )


@pytest.mark.parametrize(("days", "kept"), [(6, True), (8, False)])
def test_a_draft_left_for_a_week_is_forgotten(page: Page, live_server, days, kept):
    """A draft carries the phone number and the location on a phone others may use."""
    w = nf.world()
    page.goto(f"{live_server.url}/raise/roads/?at={w.t['gridA'].code}")
    page.locator("#id_contact_phone").fill("13812345678")
    page.locator("#id_description").fill("路灯坏了三盏")
    page.wait_for_timeout(600)  # saved 300 ms after the last key
    assert age_drafts(page, days) == 1
    page.reload()
    expect(page.locator("#id_description")).to_have_value("路灯坏了三盏" if kept else "")
    expect(page.locator("#id_contact_phone")).to_have_value("13812345678" if kept else "")
    if not kept:
        page.wait_for_timeout(300)
        assert age_drafts(page, 0) == 0  # deleted, not only left unused
