"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).

Playwright's sync API runs an event loop in the test thread, and Django refuses ORM calls from a
thread with a running loop unless told this is safe. Here it is: the test builds its data before
driving the page, and the live server answers in its own thread.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "browser"


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # A phone-sized desktop window is the console's common case; Chinese is the default.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


@pytest.fixture
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"  # version in vendor/VERSION


# WCAG 2.0–2.2 A and AA, with the 2.2 target-size rule on (axe leaves it off by default).
WCAG22 = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "rules": {"target-size": {"enabled": True}},
}


@pytest.fixture
def axe_check():
    """`axe_check(page, "name")` runs axe-core on the page as it stands and fails on any
    violation of serious or critical impact, listing each with the elements it found.
    `wcag22=True` runs exactly the WCAG 2.0–2.2 A/AA rules, target size included."""

    def check(page, name: str = "", *, wcag22: bool = False) -> list[dict]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, not added as a <script> element: the
            # site's Content-Security-Policy refuses inline scripts, and must stay on here.
            page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
        options = (
            {**WCAG22, "resultTypes": ["violations"]} if wcag22 else {"resultTypes": ["violations"]}
        )
        results = page.evaluate("options => axe.run(document, options)", options)
        bad = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
        report = "\n".join(
            f"{v['impact']} {v['id']}: {v['help']} — "
            + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:5])
            for v in bad
        )
        assert not bad, f"axe on {name or page.url}:\n{report}"
        return results["violations"]

    return check
