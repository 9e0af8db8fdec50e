"""A day's menu to share in the village's WeChat group: as text to paste (in Chinese or in
Mongolian, `menu_text`) and as a picture to save and send (`menu_png`).

Both say the point's name, the day, the dishes with the special dish (爱心菜) marked ★ and the
age it is for, the prices per age band in force that day (`bands.bands_in_force`), lunch
hours, when orders close, the point's phone and its page.

The picture is drawn with Pillow in Noto Sans CJK (Debian's fonts-noto-cjk). Where Pillow has
raqm (complex text layout) and Noto Sans Mongolian is installed (fonts-noto-core), the
Mongolian half is drawn too, set vertically as it is written: each line laid out left to
right, then turned a quarter clockwise into a column, columns following left to right. Without
them the picture is Chinese only (the Mongolian goes as text). Without any font it is drawn in
Pillow's own font: the Chinese reads as boxes, but the picture is still a valid PNG.
"""

from __future__ import annotations

import datetime as dt
import functools
import glob
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.dateformat import format as date_words
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, features

from civicgrid.care import points
from civicgrid.care.bands import bands_in_force
from civicgrid.care.menus import dish_label
from civicgrid.care.models import AgeBand, Menu
from civicgrid.core.i18n import MONGOLIAN, mongolian

CHINESE = "zh-hans"
SPECIAL_MARK = "★"
CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc",)
CJK_INDEX = 2  # Noto Sans CJK SC in the collection (JP, KR, SC, TC, HK…)
MONGOLIAN_FONTS = (
    "/usr/share/fonts/truetype/noto/NotoSansMongolian-Regular.ttf",
    "/usr/share/fonts/noto/NotoSansMongolian-Regular.ttf",
)


# --- What is shared ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    band: str
    words: str
    special: bool


@dataclass(frozen=True)
class Card:
    """A menu as one language says it: every line the text and the picture print."""

    language: str
    point: str
    day: dt.date
    date: str
    dishes: list[tuple[str, bool]]  # (name, special)
    special_age: int | None
    prices: list[Price]
    hours: str
    cutoff: str
    phone: str
    note: str
    url: str
    lines: dict[str, str] = field(default_factory=dict)


def price_words(band: AgeBand) -> str:
    if band.free or band.price == 0:
        words = _("Free")
    else:
        words = _("%(price)s yuan") % {"price": f"{Decimal(band.price).normalize():f}"}
    if band.delivery:
        words += " · " + _("delivered home")
    return words


def prices(bands: list[AgeBand], language: str) -> list[Price]:
    with translation.override(language):
        return [
            Price(
                band=band.name_mn if band.name_mn and mongolian(language) else band.name,
                words=price_words(band),
                special=band.special_dish,
            )
            for band in bands
        ]


def special_age(bands: list[AgeBand]) -> int | None:
    """The youngest age given the special dish, by the bands in force."""
    ages = [band.min_age for band in bands if band.special_dish]
    return min(ages) if ages else None


def card(menu: Menu, language: str, *, bands: list[AgeBand] | None = None) -> Card:
    """What the menu says in `language` ("zh-hans", "mn-mong"…)."""
    point = menu.point
    if bands is None:
        bands = bands_in_force(point, menu.day)
    mn = mongolian(language)
    with translation.override(language):
        date = f"{date_format(menu.day, 'DATE_FORMAT')} {date_words(menu.day, 'l')}"
        age = special_age(bands)
        shown = Card(
            language=language,
            point=points.label(point, language),
            day=menu.day,
            date=date,
            dishes=[(dish_label(d, language), d.special) for d in menu.dishes.all()],
            special_age=age,
            prices=prices(bands, language),
            hours=points.hours_words(point),
            cutoff=f"{point.order_cutoff:%H:%M}",
            phone=point.phone,
            note=(menu.note_mn if mn and menu.note_mn else menu.note),
            url=settings.SITE_URL.rstrip("/") + reverse("care_public:point", args=[point.pk]),
        )
        shown.lines.update(
            title=_("Menu for %(date)s") % {"date": date},
            special=(
                _("%(mark)s special dish (low salt, soft) for people aged %(age)s and over")
                % {"mark": SPECIAL_MARK, "age": age}
                if age is not None
                else _("%(mark)s special dish (low salt, soft)") % {"mark": SPECIAL_MARK}
            ),
            prices=_("Prices:"),
            hours=_("Lunch: %(hours)s") % {"hours": shown.hours},
            cutoff=_("Order by %(time)s on the day") % {"time": shown.cutoff},
            phone=_("Phone: %(phone)s") % {"phone": shown.phone} if shown.phone else "",
            link=_("Order a meal: %(url)s") % {"url": shown.url},
        )
    return shown


def _dish_line(name: str, special: bool) -> str:
    return f"{SPECIAL_MARK} {name}" if special else f"· {name}"


def _price_line(price: Price) -> str:
    mark = f" {SPECIAL_MARK}" if price.special else ""
    return _("%(band)s: %(price)s") % {"band": price.band, "price": price.words} + mark


def text_lines(shown: Card) -> list[str]:
    """The lines of the text, each price line in the words of the menu's language (the price
    lines are built here, under it)."""
    with translation.override(shown.language):
        lines = [shown.point, shown.lines["title"], ""]
        lines += [_dish_line(name, special) for name, special in shown.dishes]
        if any(special for _name, special in shown.dishes):
            lines.append(shown.lines["special"])
        if shown.note:
            lines.append(shown.note)
        if shown.prices:
            lines += ["", shown.lines["prices"]]
            lines += [_price_line(p) for p in shown.prices]
        lines += ["", shown.lines["hours"], shown.lines["cutoff"]]
        if shown.lines["phone"]:
            lines.append(shown.lines["phone"])
        lines.append(shown.lines["link"])
    return lines


def menu_text(menu: Menu, language: str) -> str:
    """The menu as text to paste into a messaging group, in `language`."""
    return "\n".join(text_lines(card(menu, language)))


# --- The picture ------------------------------------------------------------------------------

WIDTH = 1080
MARGIN = 64
COLUMN_LENGTH = 880  # the longest Mongolian column, in pixels
MONGOLIAN_SCALE = 1.3  # Noto Sans Mongolian reads small beside Noto Sans CJK at one size
INK = (38, 30, 24)
RED = (179, 22, 27)
PAPER = (255, 251, 242)
MUTED = (110, 98, 88)


def renders_mongolian() -> bool:
    """Whether the picture can hold the Mongolian half: raqm to shape it, and its font."""
    return bool(features.check("raqm")) and _mongolian_font_path() is not None


@functools.cache
def _cjk_font_path(weight: str) -> str | None:
    for pattern in CJK_FONTS:
        for found in sorted(glob.glob(pattern.format(weight=weight))):
            return found
    return None


@functools.cache
def _mongolian_font_path() -> str | None:
    return next((p for p in MONGOLIAN_FONTS if Path(p).is_file()), None)


@functools.cache
def _font(size: int, bold: bool = False) -> Any:
    """Noto Sans CJK SC (bold or regular), else Pillow's own font; never raises."""
    path = _cjk_font_path("Bold" if bold else "Regular") or _cjk_font_path("Regular")
    if path:
        try:
            return ImageFont.truetype(path, size, index=CJK_INDEX)
        except OSError:
            pass
    return ImageFont.load_default(size)


@functools.cache
def _mongolian_font(size: int) -> Any:
    path = _mongolian_font_path()
    if path is None:
        return None
    try:
        return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)
    except (OSError, KeyError):
        return None


def _wrap(text: str, font: Any, width: int) -> list[str]:
    """Break a line to fit `width`: between characters (Chinese has no spaces)."""
    if not text or font.getlength(text) <= width:
        return [text]
    lines, line = [], ""
    for ch in text:
        if line and font.getlength(line + ch) > width:
            lines.append(line)
            line = ch.lstrip()
        else:
            line += ch
    return [*lines, line] if line else lines


def _is_mongolian(ch: str) -> bool:
    return "\u1800" <= ch <= "\u18af" or ch in "\u202f\u200c\u200d"


def _runs(text: str) -> list[tuple[str, bool]]:
    """The text cut where it passes between Mongolian and anything else (digits, Chinese,
    marks), which the Mongolian font does not hold."""
    runs: list[tuple[str, bool]] = []
    for ch in text:
        mn = _is_mongolian(ch) if ch != " " else (runs[-1][1] if runs else False)
        if runs and runs[-1][1] == mn:
            runs[-1] = (runs[-1][0] + ch, mn)
        else:
            runs.append((ch, mn))
    return runs


def _mixed_length(text: str, mn_font: Any, other: Any) -> float:
    return sum(
        (mn_font if mn else other).getlength(run, direction="ltr" if mn else None)
        for run, mn in _runs(text)
    )


def _wrap_words(text: str, mn_font: Any, other: Any, width: int) -> list[str]:
    """Break a Mongolian line to fit `width`: between words."""
    if _mixed_length(text, mn_font, other) <= width:
        return [text]
    lines, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}" if line else word
        if line and _mixed_length(trial, mn_font, other) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def _column(text: str, size: int, colour: tuple[int, int, int]) -> Image.Image:
    """One line of Mongolian drawn left to right, then turned a quarter clockwise into a
    column; digits and Chinese in it are drawn in the CJK font, on the same middle line."""
    mn_font, other = _mongolian_font(round(size * MONGOLIAN_SCALE)), _font(size)
    pitch = round(size * 1.6)
    length = max(1, round(_mixed_length(text, mn_font, other)) + 4)
    strip = Image.new("RGB", (length, pitch), PAPER)
    draw = ImageDraw.Draw(strip)
    x = 0.0
    for run, mn in _runs(text):
        font = mn_font if mn else other
        draw.text((x, pitch / 2), run, font=font, fill=colour, anchor="lm")
        x += font.getlength(run)
    return strip.rotate(-90, expand=True)


def _chinese_block(shown: Card) -> list[tuple[str, Any, tuple[int, int, int], int]]:
    """(text, font, colour, space after) for each line of the Chinese half."""
    body, big, small = _font(40), _font(46, bold=True), _font(32)
    width = WIDTH - 2 * MARGIN
    rows: list[tuple[str, Any, tuple[int, int, int], int]] = []

    def add(text: str, font: Any, colour: tuple[int, int, int] = INK, after: int = 10) -> None:
        parts = _wrap(text, font, width)
        for n, part in enumerate(parts):
            rows.append((part, font, colour, after if n == len(parts) - 1 else 4))

    for name, special in shown.dishes:
        add(_dish_line(name, special), big, RED if special else INK, 14)
    if any(special for _name, special in shown.dishes):
        add(shown.lines["special"], small, RED, 12)
    if shown.note:
        add(shown.note, small, MUTED, 12)
    if shown.prices:
        add(shown.lines["prices"], body, INK, 6)
        for p in shown.prices:
            add(_price_line(p), body, INK, 6)
    for key in ("hours", "cutoff", "phone"):
        if shown.lines[key]:
            add(shown.lines[key], small, MUTED, 6)
    return rows


def menu_png(menu: Menu) -> bytes:
    """The menu as a PNG picture: Chinese, and Mongolian below it where it can be drawn."""
    bands = bands_in_force(menu.point, menu.day)
    zh = card(menu, CHINESE, bands=bands)
    header = _font(56, bold=True)
    with translation.override(CHINESE):
        rows = _chinese_block(zh)
    columns: list[Image.Image] = []
    if renders_mongolian():
        mn = card(menu, MONGOLIAN, bands=bands)
        size = 34
        mn_font, other = _mongolian_font(round(size * MONGOLIAN_SCALE)), _font(size)
        # The page's link is left out: a picture's link cannot be followed.
        for n, line in enumerate(text_lines(mn)[:-1]):
            if not line:
                continue
            colour = RED if n < 2 else INK
            for part in _wrap_words(line, mn_font, other, COLUMN_LENGTH):
                columns.append(_column(part, size, colour))
    header_height = 150
    body_height = sum(_line_height(font) + after for _t, font, _c, after in rows)
    # The Mongolian columns run left to right and start a new row when the width is full.
    column_rows: list[list[Image.Image]] = []
    x = WIDTH
    for col in columns:
        if x + col.width > WIDTH - MARGIN:
            column_rows.append([])
            x = MARGIN
        column_rows[-1].append(col)
        x += col.width
    mn_height = sum(max(c.height for c in row) + 40 for row in column_rows)
    height = header_height + 32 + body_height + (mn_height + 40 if column_rows else 0) + MARGIN
    picture = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 0, WIDTH, header_height), fill=RED)
    title = _wrap(zh.point, header, WIDTH - 2 * MARGIN)[0]
    draw.text((MARGIN, 26), title, font=header, fill=(255, 255, 255))
    draw.text((MARGIN, 100), zh.date, font=_font(32), fill=(255, 236, 200))
    y = header_height + 32
    for text, font, colour, after in rows:
        draw.text((MARGIN, y), text, font=font, fill=colour)
        y += _line_height(font) + after
    if column_rows:
        y += 16
        draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=(220, 205, 185), width=2)
        y += 24
        for row in column_rows:
            x = MARGIN
            for col in row:
                picture.paste(col, (x, y))
                x += col.width
            y += max(c.height for c in row) + 40
    out = io.BytesIO()
    # 64 colours are plenty for text on paper: a third of the bytes, and quick to write.
    picture.convert("P", palette=Image.Palette.ADAPTIVE, colors=64).save(out, format="PNG")
    return out.getvalue()


def _line_height(font: Any) -> int:
    size = getattr(font, "size", 16)
    return round(size * 1.35)
