"""What a newcomer runs into on a first walk through the site (issue 14), each on a phone and
on a desk: a mistyped tracking link, the Excel ledgers, finding a closed need by the start of
its number, a bell that counts what still waits, a leader who may only read, duplicates
offered with their reason, deadlines said in words, and a public page a phone can read.

Selectors use names, labels, ids and data- attributes; the words checked are the Chinese of
civicgrid/locale/zh_Hans (the default language) unless the test asks for English."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import openpyxl
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from civicgrid.needs import services, workflow
from civicgrid.needs.models import Need, State, format_number
from civicgrid.needs.tests import factories as nf
from civicgrid.network.models import NodeKind, Person
from civicgrid.network.tests import factories as netf

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PASSWORD = "pass-12345"
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
DESK: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
SIZES = {"phone": PHONE, "desk": DESK}
WIDTH = {"phone": 390, "desk": 1280}


# --- Helpers -------------------------------------------------------------------------------


def each_size(browser: Browser, locale: str = "zh-CN") -> Iterator[tuple[str, Page]]:
    """A page on a phone, then one on a desk; each context is closed once its turn is done."""
    for size in SIZES:
        context: BrowserContext = browser.new_context(**SIZES[size], locale=locale)
        try:
            yield size, context.new_page()
        finally:
            context.close()


def shot(page: Page, output_dir: Path, flow: str, size: str) -> None:
    page.screenshot(path=str(output_dir / f"newcomer-{flow}-{size}.png"), full_page=True)


def assert_no_sideways_scroll(page: Page, size: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH[size], f"{page.url} scrolls sideways on a {size} ({width}px)"


def log_in(page: Page, base: str, person: Person, next_path: str) -> None:
    """Through the login form, as test_console.py does."""
    page.goto(f"{base}/console/login/?next={quote(next_path)}")
    page.get_by_label("手机号").fill(person.mobile or "")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}{next_path}")


def sign_in(page: Page, base: str, person: Person, next_path: str) -> None:
    """Logged in without the form, to keep the file fast: a session made by Django's test
    client, its cookie handed to the browser. The form itself is driven in one test."""
    client = Client()
    client.force_login(person)
    name = settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base}])
    response = page.goto(f"{base}{next_path}")
    assert response is not None and response.status == 200, next_path
    expect(page.locator(".site-header .user-name")).to_have_text(person.name)


def row(page: Page, need: Need):
    return page.locator(f'tr[data-number="{need.number}"]')


def workbook_texts(path: Path) -> list[str]:
    # The download is stored without a suffix, which openpyxl refuses as a file name.
    sheet = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
    assert sheet is not None
    return [str(cell.value) for line in sheet.iter_rows() for cell in line if cell.value]


def bell_count(page: Page) -> int:
    bell = page.locator(".site-header .bell")
    label = bell.get_attribute("aria-label") or ""
    found = re.match(r"(\d+) 条未读通知", label)
    assert found is not None, label
    count = int(found[1])
    if count:
        expect(bell.locator(".bell-count")).to_have_text(str(count))
    else:
        expect(bell.locator(".bell-count")).to_have_count(0)
    return count


# --- 1. A mistyped tracking link -----------------------------------------------------------


def look_at_not_found(page: Page, base: str, size: str) -> None:
    response = page.goto(f"{base}/track/ZZZZZZZZ/")
    assert response is not None and response.status == 404
    # The site's layout, its stylesheet applied, on a phone's width.
    expect(page.locator("header.r-header")).to_be_visible()
    expect(page.locator("footer.r-footer")).to_be_visible()
    assert page.evaluate(
        """() => [...document.styleSheets].some(
            (s) => (s.href || '').includes('/static/css/resident') && s.cssRules.length > 0)"""
    ), "the resident stylesheet did not load on the 404 page"
    content = page.locator('meta[name="viewport"]').get_attribute("content") or ""
    assert "width=device-width" in content
    assert_no_sideways_scroll(page, size)


def test_a_mistyped_tracking_link_is_a_page_in_the_visitors_language_with_ways_forward(
    browser: Browser, live_server, output_dir, axe_check
):
    base = live_server.url
    for size, page in each_size(browser):
        look_at_not_found(page, base, size)
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.locator("h1")).to_have_text("我们找不到这个页面")
        expect(page).to_have_title(re.compile("^我们找不到这个页面"))
        ways = page.locator(".r-ways")
        expect(ways.get_by_role("link", name="用查询编号查找诉求")).to_have_attribute(
            "href", "/track/"
        )
        expect(ways.get_by_role("link", name="提出诉求")).to_have_attribute("href", "/")
        expect(ways.get_by_role("link", name="返回工作台")).to_have_count(0)  # not staff
        expect(page.locator(".r-brand")).to_have_attribute("href", "/")  # home
        shot(page, output_dir, "not-found", size)
        if size == "phone":
            axe_check(page, "404 page on a phone")

        # The way forward works: the lookup form, in Chinese.
        ways.get_by_role("link", name="用查询编号查找诉求").click()
        expect(page).to_have_url(f"{base}/track/")
        expect(page.locator("h1")).to_have_text("查询我的诉求")

    # In English: by the browser's language on the phone, by the language cookie on the desk.
    context = browser.new_context(**PHONE, locale="en-US")
    page = context.new_page()
    look_at_not_found(page, base, "phone")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("We could not find that page")
    expect(page.get_by_role("link", name="Look up a need by its tracking number")).to_be_visible()
    expect(page.get_by_role("link", name="Raise a need")).to_have_attribute("href", "/")
    shot(page, output_dir, "not-found-en", "phone")
    context.close()

    context = browser.new_context(**DESK, locale="zh-CN")
    host = urlparse(base).hostname
    context.add_cookies([{"name": "django_language", "value": "en", "domain": host, "path": "/"}])
    page = context.new_page()
    look_at_not_found(page, base, "desk")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("We could not find that page")
    expect(page.get_by_role("link", name="Look up a need by its tracking number")).to_be_visible()
    shot(page, output_dir, "not-found-en", "desk")
    context.close()


# --- 2. The ledgers, a click away ----------------------------------------------------------


def test_the_ledgers_download_from_the_dashboard_and_from_the_filtered_list(
    browser: Browser, live_server, output_dir
):
    w = nf.world()
    road = nf.raise_need(w, description="路面塌了一个坑")
    light = nf.raise_need(
        w, description="楼道灯坏了", category=nf.category("repairs"), answers={"what": "power"}
    )
    nf.follow_up()
    repairs = nf.category("repairs").pk
    base = live_server.url

    for size, page in each_size(browser):
        sign_in(page, base, w.dispatcher, "/dashboard/")
        head = page.locator(".dash-head")
        kpis_link = head.locator('a[href^="/dashboard/ledgers/kpis.xlsx"]')
        needs_link = head.locator('a[href^="/dashboard/ledgers/needs.xlsx"]')
        expect(kpis_link).to_have_text("分区域指标（Excel）")
        expect(needs_link).to_have_text("诉求台账（Excel）")
        query = parse_qs(urlparse(needs_link.get_attribute("href") or "").query)
        assert query["node"] == [str(w.t["comm1"].pk)] and "since" in query, query
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "ledgers-dashboard", size)

        with page.expect_download() as download:
            kpis_link.click()
        assert re.fullmatch(r"kpis-\d{8}-\d{8}-.+\.xlsx", download.value.suggested_filename)
        texts = workbook_texts(Path(download.value.path()))
        assert {"单位", "合计"} <= set(texts), texts[:12]

        with page.expect_download() as download:
            needs_link.click()
        assert download.value.suggested_filename.endswith(".xlsx")
        texts = workbook_texts(Path(download.value.path()))
        assert format_number(road.number) in texts and format_number(light.number) in texts

        # The list, filtered by category through its own form: the link carries the filter.
        page.goto(f"{base}/console/needs/")
        filters = page.locator("form.filters")
        filters.locator("details.filter-more > summary").click()
        filters.locator('select[name="category"]').select_option(str(repairs))
        filters.get_by_role("button", name="确定").click()
        page.wait_for_url(re.compile(rf"category={repairs}\b"))
        expect(row(page, light)).to_be_visible()
        expect(row(page, road)).to_have_count(0)
        link = page.get_by_role("link", name="导出为 Excel")
        expect(link).to_be_visible()
        query = parse_qs(urlparse(link.get_attribute("href") or "").query)
        assert query["category"] == [str(repairs)] and query["tab"] == ["to_accept"], query
        shot(page, output_dir, "ledgers-list", size)
        with page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename.endswith(".xlsx")
        texts = workbook_texts(Path(download.value.path()))
        assert format_number(light.number) in texts, texts[:40]
        assert format_number(road.number) not in texts and "路面塌了一个坑" not in texts


# --- 3. A closed need found by the start of its number -------------------------------------


def test_a_closed_need_is_found_from_the_default_tab_by_the_start_of_its_number(
    browser: Browser, live_server, output_dir
):
    w = nf.world()
    closed = nf.force(
        nf.raise_need(w, description="桥头护栏松了"), state=State.CLOSED, closed_at=timezone.now()
    )
    waiting = nf.raise_need(w, description="垃圾箱满了没人收")
    nf.follow_up()
    base = live_server.url
    # As people read a number out: the first four on the desk, "abcd-e" on the phone.
    typed = {"desk": closed.number[:4], "phone": f"{closed.number[:4]}-{closed.number[4]}".lower()}

    for size, page in each_size(browser):
        sign_in(page, base, w.dispatcher, "/console/needs/")
        expect(page.locator('[data-tab="to_accept"]')).to_have_attribute("aria-current", "page")
        expect(row(page, waiting)).to_be_visible()
        expect(row(page, closed)).to_have_count(0)  # not in the default inbox

        search = page.get_by_role("searchbox", name="搜索")
        search.fill(typed[size])
        search.press("Enter")
        expect(row(page, closed)).to_be_visible()
        expect(row(page, closed).locator(".cell-state")).to_contain_text("已关闭")
        expect(row(page, closed).locator(".cell-number")).to_have_text(format_number(closed.number))
        expect(page.get_by_role("searchbox", name="搜索")).to_have_value(typed[size])
        expect(page.locator('[data-tab="all"]')).to_have_attribute("aria-current", "page")
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "search", size)

        # Three characters are no number's start: no result from them.
        search = page.get_by_role("searchbox", name="搜索")
        search.fill(closed.number[:3])
        search.press("Enter")
        expect(page.locator(".result-count")).to_contain_text(re.compile(r"^\s*共 0 条诉求"))
        expect(row(page, closed)).to_have_count(0)


# --- 4. The bell counts what still waits ---------------------------------------------------


def test_accepting_a_need_settles_its_new_need_notice(browser: Browser, live_server, output_dir):
    w = nf.world()
    mine = {
        "phone": nf.raise_need(w, description="小区门口的水管冻裂了"),
        "desk": nf.raise_need(w, description="广场上的健身器材坏了"),
    }
    nf.follow_up()
    base = live_server.url

    for size, page in each_size(browser):
        need, other = mine[size], mine["desk" if size == "phone" else "phone"]
        sign_in(page, base, w.dispatcher, "/console/inbox/")
        before = bell_count(page)
        assert before >= 1
        item = page.locator(".inbox-item", has_text=format_number(need.number))
        expect(item).to_have_count(1)
        expect(item).to_contain_text("有新诉求")
        expect(item).to_have_class(re.compile(r"\bunread\b"))

        # Accepted from its own page, not from the notice: the notice is settled all the same.
        page.goto(f"{base}/console/needs/{need.number}/")
        accept = page.locator('form[data-action="accept"]')
        accept.locator("summary").click()
        accept.locator('button[type="submit"]').click()
        expect(page.locator("#need-detail")).to_have_attribute("data-state", "accepted")

        page.goto(f"{base}/console/inbox/")
        assert bell_count(page) == before - 1
        item = page.locator(".inbox-item", has_text=format_number(need.number))
        expect(item).to_have_count(1)  # kept, read
        expect(item).not_to_have_class(re.compile(r"\bunread\b"))
        expect(item.locator(".unread-mark")).to_have_count(0)
        if size == "phone":  # the other need still waits, and says so
            waiting = page.locator(".inbox-item", has_text=format_number(other.number))
            expect(waiting.locator(".unread-mark")).to_have_text("未读")
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "inbox", size)


def test_a_need_accepted_before_the_worker_follows_it_up_leaves_nothing_unread(
    browser: Browser, live_server, output_dir
):
    # Production follows a raised need up from the worker, a moment later (INTAKE_FOLLOW_UP);
    # a dispatcher who accepts it first, or a worker that lags, must not leave a stale notice.
    w = nf.world()
    need = nf.raise_need(w, description="路口的红绿灯不亮了")
    base = live_server.url
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    sign_in(page, base, w.dispatcher, f"/console/needs/{need.number}/")
    accept = page.locator('form[data-action="accept"]')
    accept.locator("summary").click()
    accept.locator('button[type="submit"]').click()
    expect(page.locator("#need-detail")).to_have_attribute("data-state", "accepted")
    nf.follow_up()  # the worker, a moment late
    page.goto(f"{base}/console/inbox/")
    shot(page, output_dir, "inbox-late-follow-up", "phone")
    unread = bell_count(page)
    context.close()
    assert unread == 0, f"{unread} unread notice(s) about a need already accepted"


# --- 5. A leader reads; only those who may enter needs are offered the entry forms ---------


def test_a_leader_is_offered_no_entry_forms_and_a_dispatcher_is(
    browser: Browser, live_server, output_dir
):
    w = nf.world()
    need = nf.raise_need(w, description="村里的桥被水冲坏了")
    nf.follow_up()
    base = live_server.url
    entry = ("代为录入诉求", "记录主动工作")

    # The leader logs in through the form on the phone; typed in by hand, each entry form is
    # refused in words, with the way back to the console (the new need on the phone, proactive
    # work on the desk).
    refused = {"phone": "/console/needs/new/", "desk": "/console/needs/proactive/new/"}
    for size, page in each_size(browser):
        (log_in if size == "phone" else sign_in)(page, base, w.leader, "/console/needs/")
        actions = page.locator(".page-head .actions")
        expect(actions.get_by_role("link", name="二维码海报")).to_be_visible()
        for name in entry:
            expect(page.get_by_role("link", name=name)).to_have_count(0)
        expect(page.locator('a[href="/console/needs/new/"]')).to_have_count(0)
        expect(page.locator('a[href="/console/needs/proactive/new/"]')).to_have_count(0)
        expect(row(page, need)).to_be_visible()  # reads everything
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "leader-list", size)

        row(page, need).locator(".cell-number a").click()
        expect(page.locator("#need-detail")).to_have_attribute("data-state", "submitted")
        expect(page.locator(".need-actions")).to_contain_text("此诉求目前没有需要您办理的事项。")
        expect(page.locator("form.action-form")).to_have_count(0)

        response = page.goto(f"{base}{refused[size]}")
        assert response is not None and response.status == 403, refused[size]
        expect(page.locator("h1")).to_have_text("您无权访问此页面")
        expect(page.locator(".r-errors")).to_contain_text("您的角色没有可以录入诉求的地点。")
        expect(page.get_by_role("link", name="返回工作台")).to_have_attribute("href", "/console/")
        expect(page.locator("form.entry-form")).to_have_count(0)
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "leader-refused", size)

        # The dispatcher, in the same browser after logging out, is offered both.
        page.context.clear_cookies()
        sign_in(page, base, w.dispatcher, "/console/needs/")
        for name, path in zip(entry, refused.values(), strict=True):
            expect(page.get_by_role("link", name=name)).to_have_attribute("href", path)
            expect(page.get_by_role("link", name=name)).to_be_visible()
        shot(page, output_dir, "dispatcher-list", size)


# --- 6. Plausible duplicates, with their reason in words -----------------------------------


def test_a_plausible_duplicate_is_offered_with_its_reason_and_a_closed_one_is_not(
    browser: Browser, live_server, output_dir
):
    w = nf.world()
    words = "村口的路塌了一个大坑"
    first = nf.raise_need(w, description=words)
    neighbour = nf.raise_need(w, description=words, node=w.t["gridB"])
    closed = nf.force(nf.raise_need(w, description=words), state=State.CLOSED)
    repairs = nf.raise_need(
        w, description=words, category=nf.category("repairs"), answers={"what": "power"}
    )
    unlike = nf.raise_need(w, description="路灯不亮")
    dup = nf.raise_need(w, description="村口路塌了大坑，车过不去")
    nf.follow_up()
    base = live_server.url
    reason = re.compile(r"^同一网格、同一类别，相隔 \d+ 分钟，描述相似度 \d+%$")

    for size, page in each_size(browser):
        sign_in(page, base, w.dispatcher, f"/console/needs/{dup.number}/")
        section = page.locator("section.duplicates")
        expect(section.locator("h2")).to_have_text("可能重复的诉求")
        offered = section.locator("li.dup")
        # The same grid first, then the neighbouring grid; nothing else.
        expect(offered).to_have_count(2)
        expect(offered.nth(0)).to_have_attribute("data-number", first.number)
        expect(offered.nth(1)).to_have_attribute("data-number", neighbour.number)
        expect(offered.nth(0).locator(".dup-reason")).to_have_text(reason)
        expect(offered.nth(1).locator(".dup-reason")).to_have_text(re.compile(r"^相邻网格、"))
        expect(offered.nth(0)).to_contain_text(words)
        expect(offered.nth(0).locator("[data-merge]")).to_contain_text(format_number(first.number))
        for other in (closed, repairs, unlike):
            expect(section.locator(f'li.dup[data-number="{other.number}"]')).to_have_count(0)
        section.scroll_into_view_if_needed()
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "duplicates", size)
    assert Need.objects.filter(state=State.MERGED).count() == 0  # offered, not merged


# --- 7. Deadlines said in words --------------------------------------------------------------


def test_the_list_says_which_deadline_it_shows_and_the_entry_form_shows_them_before_saving(
    browser: Browser, live_server, output_dir
):
    w = nf.world()
    waiting = nf.raise_need(w, description="路边的下水道堵了")
    working = nf.raise_need(w, description="电线杆歪了，快倒了")
    nf.follow_up()
    services.need_act(need=working, action="accept", by=workflow.By(w.dispatcher))
    services.need_act(need=working, action="dispatch", by=workflow.By(w.dispatcher), to=w.handler)
    services.need_act(need=working, action="take", by=workflow.By(w.handler))
    working.refresh_from_db()
    assert working.state == State.TAKEN
    base = live_server.url
    roads, pension = nf.category("roads").pk, nf.category("pension").pk
    count = Need.objects.count()

    for size, page in each_size(browser):
        sign_in(page, base, w.dispatcher, "/console/needs/?tab=all")
        for need, kind, due in (
            (waiting, "响应期限", waiting.response_due),
            (working, "办结期限", working.resolve_due),
        ):
            cell = row(page, need).locator('td[data-label="截止时间"]')
            expect(cell).to_be_visible()
            expect(cell.locator(".deadline-kind")).to_have_text(kind)
            expect(cell).to_contain_text(timezone.localtime(due).strftime("%m-%d %H:%M"))
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "deadlines-list", size)

        page.get_by_role("link", name="代为录入诉求").click()
        expect(page).to_have_url(f"{base}/console/needs/new/")
        expect(page.locator("#deadline-preview")).to_have_count(0)  # no category yet
        page.locator('select[name="category"]').select_option(str(roads))
        preview = page.locator("#deadline-preview")
        expect(preview).to_be_visible()
        expect(preview).to_contain_text("此类别的办理时限（自保存时起算）")
        expect(preview.locator("thead")).to_contain_text("响应时限")
        lines = preview.locator("tbody tr")
        expect(lines.filter(has_text="紧急")).to_have_text(re.compile(r"紧急\s*30 分钟\s*2 天"))
        expect(lines.filter(has_text="一般")).to_have_text(re.compile(r"一般\s*4 小时\s*7 天"))
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "deadlines-entry", size)

        # Another category, other deadlines: an old man's pension is answered in 15 minutes.
        page.locator('select[name="category"]').select_option(str(pension))
        expect(lines.filter(has_text="紧急")).to_have_text(re.compile(r"紧急\s*15 分钟"))
    assert Need.objects.count() == count  # nothing was saved


# --- 8. The public page on a phone ---------------------------------------------------------


def test_the_public_page_is_short_on_a_phone_with_a_way_to_raise_a_need_and_to_each_area(
    browser: Browser, live_server, output_dir, axe_check
):
    w = nf.world()
    # A second region of many towns: the page must stay short all the same.
    other = netf.node(NodeKind.LEAGUE, name="锡林郭勒盟")
    banner = netf.node(NodeKind.BANNER, other, name="东乌旗")
    for n in range(1, 9):
        netf.node(NodeKind.TOWN, banner, name=f"第{n}苏木")
    for n in range(3):
        nf.raise_need(w, description=f"第{n}号路段积水")
    nf.follow_up()
    cache.clear()
    base = live_server.url
    town1, town2, comm1 = w.t["town1"], w.t["town2"], w.t["comm1"]

    for size, page in each_size(browser):
        response = page.goto(f"{base}/public/")
        assert response is not None and response.status == 200
        main = page.locator("main")
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.locator("h1")).to_have_text("服务数据公开")
        raise_link = main.get_by_role("link", name="提出诉求")
        expect(raise_link).to_be_visible()
        expect(raise_link).to_have_attribute("href", "/")
        places = page.get_by_role("navigation", name="前往您所在的地区")
        expect(places.get_by_role("link")).to_have_text([w.t["league"].name, other.name])
        height = page.evaluate("document.documentElement.scrollHeight")
        if size == "phone":
            assert height < 6000, f"the public page is {height}px tall on a phone"
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "public", size)
        axe_check(page, f"public page ({size})")

        # Each town of a region is a link to its own figures, there on request.
        region = page.locator("#region-1")
        region.locator("details.pub-towns-more > summary").click()
        expect(region.get_by_role("link", name=town2.name)).to_have_attribute(
            "href", f"?at={town2.code}&period=year"
        )
        # The second region is a tap away on the same page.
        places.get_by_role("link", name=other.name).click()
        expect(page.locator("#region-2 h3")).to_be_in_viewport()

        # The picker: a town, then its communities, each a link.
        page.get_by_label("看看您所在苏木镇（街道）的数据").select_option(label=town1.name)
        page.locator("form.pub-picker").get_by_role("button", name="查看").click()
        page.wait_for_url(re.compile(rf"at={town1.code}\b"))
        expect(page.locator("article.pub-region h3")).to_contain_text(town1.name)
        expect(main.get_by_role("link", name=comm1.name)).to_have_attribute(
            "href", f"?at={comm1.code}&period=year"
        )
        expect(main.get_by_role("link", name="整个地区")).to_be_visible()
        expect(main).not_to_contain_text(w.t["comm2"].name)  # another town's community
        assert_no_sideways_scroll(page, size)
        shot(page, output_dir, "public-town", size)
