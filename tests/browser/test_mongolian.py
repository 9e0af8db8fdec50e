"""A Mongolian-speaking herder raises a need from a gacha's poster, in vertical Mongolian: the
browser's language chooses it, the page is set vertically in the app's Mongolian font, the form's
inputs and buttons work in that layout, and each page passes axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from civicgrid.needs.models import Channel, Need
from civicgrid.needs.tests import factories as nf

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "mn-Mong-CN",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.usefixtures("transactional_db"),
    pytest.mark.browser_context_args(**PHONE),
]

GACHA = "ᠮᠠᠨᠳᠤᠬᠤ ᠪᠤᠯᠠᠭ ᠭᠠᠴᠠᠭ\u180eᠠ"
GRID = f"{GACHA} 1\u202fᠳᠤᠭᠠᠷ ᠲᠣᠣᠷ"


def style(page: Page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


def mongolian_font_loaded(page: Page) -> bool:
    page.evaluate("document.fonts.ready.then(() => true)")
    return page.evaluate(
        "[...document.fonts].some(f => f.family.includes('CivicGrid Mongolian')"
        " && f.status === 'loaded')"
    )


def test_a_herder_raises_a_need_from_a_gacha_poster_in_vertical_mongolian(
    page: Page, live_server, output_dir, axe_check
):
    w = nf.world()
    grid = w.t["gridA"]
    grid.name_mn = GRID
    grid.save(update_fields=["name_mn"])

    # The poster on the gacha's notice board: Mongolian on the left, vertical, same size.
    page.goto(f"{live_server.url}/poster/n/{grid.code}/")
    mn, zh = ".poster-mn", ".poster-zh"
    assert style(page, mn, "writingMode") == "vertical-lr"
    assert style(page, zh, "writingMode") == "horizontal-tb"
    assert style(page, f"{mn} h1", "fontSize") == style(page, f"{zh} h1", "fontSize")
    assert style(page, f"{mn} .poster-words li", "fontSize") == style(
        page, f"{zh} .poster-words li", "fontSize"
    )
    # A phone held upright has no room for two columns: the Mongolian half comes above.
    box_mn, box_zh = page.locator(mn).bounding_box(), page.locator(zh).bounding_box()
    assert box_mn and box_zh
    assert box_mn["x"] < box_zh["x"] or box_mn["y"] + box_mn["height"] <= box_zh["y"]
    page.set_viewport_size({"width": 1100, "height": 900})  # on the desk, before printing
    box_mn, box_zh = page.locator(mn).bounding_box(), page.locator(zh).bounding_box()
    assert box_mn and box_zh and box_mn["x"] + box_mn["width"] <= box_zh["x"]
    page.set_viewport_size(PHONE["viewport"])
    expect(page.locator(f"{mn} h1")).to_have_text(GRID)
    page.screenshot(path=str(output_dir / "mongolian-poster.png"), full_page=True)

    # The phone's language is Mongolian: the code opens the intake in Mongolian, vertically.
    page.goto(f"{live_server.url}/q/n/{grid.code}/")
    expect(page.locator("html")).to_have_attribute("lang", "mn-mong")
    assert style(page, "html", "writingMode") == "vertical-lr"
    assert mongolian_font_loaded(page)
    expect(page.locator(".r-bound")).to_contain_text(GRID)
    page.screenshot(path=str(output_dir / "mongolian-choose.png"))
    axe_check(page, "category chooser in Mongolian")

    page.get_by_role("link", name=re.compile("ᠵᠠᠮ ᠡᠪᠳᠡᠷᠡᠭᠰᠡᠨ")).click()
    expect(page).to_have_url(re.compile(rf"/raise/roads/\?at={grid.code}$"))
    description = page.locator("#id_description")
    assert style(page, "#id_description", "writingMode") == "vertical-lr"
    description.fill("ᠵᠤᠨ\u202fᠤ ᠨᠤᠲᠤᠭ ᠲᠤ ᠣᠴᠢᠬᠤ ᠵᠠᠮ ᠤᠰᠤᠨ ᠳᠤ ᠲᠠᠰᠤᠷᠠᠪᠠ")
    page.get_by_label("ᠶᠠᠪᠤᠵᠤ ᠴᠢᠳᠠᠬᠤ ᠦᠭᠡᠢ").check()
    page.locator("#id_contact_phone").fill("13812345678")
    page.screenshot(path=str(output_dir / "mongolian-form.png"), full_page=True)
    axe_check(page, "form in Mongolian")

    send = page.locator("form.r-form button[type=submit]")
    box = send.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44
    send.click()
    expect(page).to_have_url(re.compile(r"/raise/done/[2-9A-Z]{8}/\?k=\w{10}$"))
    expect(page.locator("h1")).not_to_contain_text("Thank")
    page.screenshot(path=str(output_dir / "mongolian-receipt.png"), full_page=True)
    axe_check(page, "receipt in Mongolian")

    need = Need.objects.get()
    assert need.node == grid and need.channel == Channel.QR
    assert need.answers["passable"] == "no"
    assert need.description.startswith("ᠵᠤᠨ")

    page.locator("main a[href*='/track/']").first.click()
    expect(page).to_have_url(re.compile(r"/track/[2-9A-Z]{8}/"))
    expect(page.locator("html")).to_have_attribute("lang", "mn-mong")
    page.screenshot(path=str(output_dir / "mongolian-track.png"), full_page=True)
    axe_check(page, "tracking page in Mongolian")
