"""Draws the home-screen icons (static/img/icon-*.png) from the favicon's design: a red
rounded square with a white grid of four cells. Run again only if the design changes:
    .venv/bin/python scripts/make-icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

RED, WHITE = (179, 22, 27), (255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "civicgrid" / "static" / "img"


def icon(size: int, *, maskable: bool) -> Image.Image:
    mode, background = ("RGB", RED) if maskable else ("RGBA", (0, 0, 0, 0))
    image = Image.new(mode, (size, size), background)
    draw = ImageDraw.Draw(image)
    if not maskable:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size * 6 // 32, fill=RED)
    # A maskable icon keeps its drawing inside the middle 80 % (the safe zone).
    inner = size * (0.3 if maskable else 0.25)
    a, b, mid = inner, size - inner, size / 2
    width = max(2, round(size * (2.5 / 32) * (0.8 if maskable else 1)))
    draw.rectangle((a, a, b, b), outline=WHITE, width=width)
    draw.line((mid, a, mid, b), fill=WHITE, width=width)
    draw.line((a, mid, b, mid), fill=WHITE, width=width)
    return image


for size in (192, 512):
    icon(size, maskable=False).save(OUT / f"icon-{size}.png", optimize=True)
icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
