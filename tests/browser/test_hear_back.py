"""A resident hears back: staff ask a question about a need; the resident is sent a short text
in the language of the page they used, with the keyed link and not the description; the link
opens the tracking page, where they answer and stop further messages. In Mongolian (vertical)
and in Chinese; each page state passes axe-core."""

from __future__ import annotations

import logging
import re

import pytest
from playwright.sync_api import Page, expect

from civicgrid.needs import services
from civicgrid.needs.tests import factories as nf
from civicgrid.needs.workflow import By
from civicgrid.outreach.models import Kind, MessageState, ResidentMessage

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("transactional_db"),
    pytest.mark.browser_context_args(**PHONE),
]

DESCRIPTION = "冬季草场的围栏被雪压倒，三户牧民的羊跑到公路上"


@pytest.mark.parametrize(
    ("language", "answer_button", "stop_button", "stopped"),
    [
        ("mn-mong", "ᠬᠠᠷᠢᠭᠤ ᠢᠯᠡᠭᠡᠬᠦ", "ᠮᠡᠳᠡᠭᠡ·ᠶᠢ ᠵᠣᠭᠰᠣᠭᠠᠬᠤ", "ᠵᠣᠭᠰᠣᠭᠠᠭᠰᠠᠨ"),
        ("zh-hans", "提交回答", "不再接收此诉求的短信", "不再接收"),
    ],
)
def test_a_question_reaches_the_resident_who_answers_and_stops_messages(
    page: Page,
    live_server,
    output_dir,
    axe_check,
    caplog,
    settings,
    language,
    answer_button,
    stop_button,
    stopped,
):
    settings.SITE_URL = live_server.url
    w = nf.world()
    need = nf.raise_need(w, description=DESCRIPTION, language=language)
    # The question is queued with the event and sent by the worker (here, at once).
    with caplog.at_level(logging.INFO, logger="civicgrid.outreach"):
        services.need_comment(
            need=need,
            by=By(w.dispatcher),
            text="围栏在哪段路边？请说一个标志物。",
            public=True,
            question=True,
        )
    message = ResidentMessage.objects.get(need=need, kind=Kind.MORE_INFO)
    assert (message.language, message.state) == (language, MessageState.SENT)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert DESCRIPTION not in logged and "13912345678" not in logged
    link = re.search(re.escape(live_server.url) + r"/track/\S+", logged).group(0)
    assert link.endswith(f"&lang={language}")

    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", language)
    axe_check(page, f"tracking with a question ({language})", wcag22=True)
    page.get_by_role("textbox").first.fill("在桥头往北两百米，有块红石头。")
    page.get_by_role("button", name=answer_button).click()
    expect(page.get_by_role("button", name=answer_button)).to_have_count(0)
    page.screenshot(path=str(output_dir / f"hear-back-answered-{language}.png"), full_page=True)
    assert need.events.filter(action="comment").count() == 2

    page.get_by_role("button", name=stop_button.replace("·", "\u202f")).click()
    expect(page.locator("main")).to_contain_text(stopped)
    axe_check(page, f"tracking with messages stopped ({language})", wcag22=True)
    page.screenshot(path=str(output_dir / f"hear-back-stopped-{language}.png"), full_page=True)
    need.refresh_from_db()
    assert need.messages_stopped_at is not None


@pytest.mark.browser_context_args(viewport={"width": 1280, "height": 900})
def test_staff_see_that_a_message_did_not_reach_the_resident(
    page: Page, live_server, output_dir, axe_check, settings
):
    from civicgrid.outreach import sending
    from civicgrid.outreach.backends.base import PermanentFailure
    from civicgrid.outreach.tests.fakes import FakeBackend
    from tests.browser.test_console import log_in

    settings.OUTREACH_BACKENDS = ["civicgrid.outreach.tests.fakes.FakeBackend"]
    FakeBackend.reset(PermanentFailure("invalid number 13912345678", code="InvalidPhone"))
    w = nf.world()
    need = nf.raise_need(w, description=DESCRIPTION)
    sending.send(ResidentMessage.objects.get(need=need, kind=Kind.RECEIVED).pk)
    log_in(page, live_server.url, w.dispatcher, f"/console/needs/{need.number}/")
    panel = page.locator("section[aria-labelledby=resident-messages-h]")
    expect(panel).to_contain_text("给居民的通知")
    expect(panel.locator("[data-undelivered]")).to_contain_text("请给居民打电话")
    expect(panel.locator("tr[data-state=failed]")).to_contain_text("发送失败")
    expect(panel).not_to_contain_text("13912345678")
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "console-resident-messages.png"))
    axe_check(page, "need page with a failed message", wcag22=True)
