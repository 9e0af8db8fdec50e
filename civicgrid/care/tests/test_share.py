"""The menu to share in a WeChat group: text in Chinese and in Mongolian with the dishes, the
special dish marked, the prices of the age bands in force that day; a picture that is a valid
PNG, drawn even without a font."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from PIL import Image

from civicgrid.care import share
from civicgrid.care.models import AgeBand
from civicgrid.care.tests import factories as cf
from civicgrid.care.tests import factories_meals as mf

pytestmark = pytest.mark.django_db


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch == ".")


@pytest.fixture
def c():
    c = cf.care()
    mf.locate(c.point, 0.5, 0.5, phone="0477-8612345")
    AgeBand.objects.filter(pk=c.bands["65"].pk).update(name_mn="ᠵᠢᠷᠠᠨ ᠲᠠᠪᠤ")
    return c


def test_the_chinese_text_has_the_dishes_the_special_dish_and_the_prices(c):
    menu = mf.menu(c.point, cf.DAY, note="今天少盐")
    text = share.menu_text(menu, "zh-hans")
    lines = text.splitlines()
    assert lines[0] == "大沟湾助餐点"
    assert "2026年12月2日" in lines[1]
    assert f"{share.SPECIAL_MARK} 红烧豆腐" in lines  # the special dish (爱心菜) marked
    assert "· 土豆炖牛肉" in lines and "· 小米粥" in lines
    legend = next(line for line in lines if line.startswith(share.SPECIAL_MARK) and "65" in line)
    assert "红烧豆腐" not in legend
    assert "今天少盐" in lines
    # The bands' lines (the legend of the special dish says "65岁以上" too).
    price_lines = [line for line in lines if "岁以上" in line and line != legend]
    assert len(price_lines) == 3
    prices = [_digits(line.split("岁以上", 1)[1]) for line in price_lines]
    assert prices == ["8", "6", ""]  # 85+ with limited mobility eat free
    assert share.SPECIAL_MARK not in price_lines[0]
    assert price_lines[1].endswith(share.SPECIAL_MARK)
    assert price_lines[2].endswith(share.SPECIAL_MARK)
    assert "09:30" in text and "11:30–13:00" in text and "0477-8612345" in text
    assert text.endswith(f"/care/points/{c.point.pk}/")


def test_the_mongolian_text_has_the_mongolian_names_and_the_same_prices(c):
    menu = mf.menu(c.point, cf.DAY)
    text = share.menu_text(menu, "mn-mong")
    lines = text.splitlines()
    assert lines[0] == "ᠳᠠᠭᠤᠸᠠᠩ"  # the point's Mongolian name
    assert f"{share.SPECIAL_MARK} ᠳᠣᠣᠹᠦ" in lines
    assert "· ᠦᠬᠡᠷ ᠦᠨ ᠮᠢᠬᠠ" in lines
    assert "· 小米粥" in lines  # no Mongolian name: the Chinese one
    assert "红烧豆腐" not in text
    band_65 = next(line for line in lines if "ᠵᠢᠷᠠᠨ ᠲᠠᠪᠤ" in line)
    assert "6" in band_65 and band_65.endswith(share.SPECIAL_MARK)
    assert any("60岁以上" in line and "8" in line for line in lines)  # no Mongolian band name
    assert "2026.12.02" in lines[1]


def test_the_prices_are_those_of_the_bands_in_force_that_day(c):
    c.bands["60"].valid_until = dt.date(2026, 12, 10)
    c.bands["60"].save()
    AgeBand.objects.create(
        name="60岁以上", min_age=60, price=Decimal("9.50"), valid_from=dt.date(2026, 12, 10)
    )
    before = share.menu_text(mf.menu(c.point, dt.date(2026, 12, 9)), "zh-hans")
    after = share.menu_text(mf.menu(c.point, dt.date(2026, 12, 10)), "zh-hans")
    assert _digits(_band_60(before)) == "8"
    assert _digits(_band_60(after)) == "9.5"


def _band_60(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("60岁以上"))[5:]


def test_a_points_own_bands_replace_the_regions(c):
    AgeBand.objects.create(
        point=c.point,
        name="本点60岁以上",
        min_age=60,
        price=Decimal(5),
        valid_from=dt.date(2026, 1, 1),
    )
    text = share.menu_text(mf.menu(c.point, cf.DAY), "zh-hans")
    assert "本点60岁以上" in text and "65岁以上" not in text
    # No special dish for any band: the legend names no age.
    legend = next(
        line
        for line in text.splitlines()
        if line.startswith(share.SPECIAL_MARK) and "红烧" not in line
    )
    assert not any(ch.isdigit() for ch in legend)


def _picture(data: bytes) -> Image.Image:
    Image.open(io.BytesIO(data)).verify()
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def test_the_picture_is_a_png_of_a_sensible_size(c):
    data = share.menu_png(mf.menu(c.point, cf.DAY))
    picture = _picture(data)
    assert picture.format == "PNG" and picture.width == share.WIDTH
    assert 700 < picture.height < 4000
    assert len(data) < 400_000
    # Not blank: the red header and dark text are there.
    colours = {colour for _n, colour in picture.convert("RGB").getcolors(maxcolors=100_000) or []}
    assert any(r > 150 and g < 60 and b < 60 for r, g, b in colours)
    assert any(r < 80 and g < 80 and b < 80 for r, g, b in colours)


def test_the_picture_holds_the_mongolian_where_it_can_be_drawn(c, monkeypatch):
    menu = mf.menu(c.point, cf.DAY)
    if not share.renders_mongolian():
        pytest.skip("raqm or Noto Sans Mongolian is missing here")
    both = _picture(share.menu_png(menu))
    monkeypatch.setattr(share, "renders_mongolian", lambda: False)
    chinese = _picture(share.menu_png(menu))
    assert both.height > chinese.height + 300


def test_the_picture_is_drawn_without_any_font(c, monkeypatch):
    monkeypatch.setattr(share, "CJK_FONTS", ("/nowhere/NotoSansCJK-{weight}.ttc",))
    monkeypatch.setattr(share, "MONGOLIAN_FONTS", ("/nowhere/NotoSansMongolian.ttf",))
    for cached in (
        share._cjk_font_path,
        share._mongolian_font_path,
        share._font,
        share._mongolian_font,
    ):
        cached.cache_clear()
    try:
        assert not share.renders_mongolian()
        picture = _picture(share.menu_png(mf.menu(c.point, cf.DAY)))
        assert picture.format == "PNG" and picture.width == share.WIDTH
    finally:
        for cached in (
            share._cjk_font_path,
            share._mongolian_font_path,
            share._font,
            share._mongolian_font,
        ):
            cached.cache_clear()
