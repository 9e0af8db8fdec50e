"""What a page costs a browser: bytes on the wire by kind and the time until its charts are
drawn, from a fresh cache each time, against a running server (the demo: `make demo`).

    .venv/bin/python bench/page_weight.py [--base http://127.0.0.1:8000] [--runs 5]
        [--echarts FILE]

Pages: the dashboard (logged in as the demo admin) and the resident pages. Chromium is Debian's
(/usr/bin/chromium); traffic goes to the base URL only, which must be 127.0.0.1.

--echarts FILE answers the dashboard's ECharts request with FILE instead (from memory,
uncompressed), and measures the dashboard twice, alternating runs: once with our build answered
the same way, once with FILE. That compares the time to charts drawn of two builds (say the
full echarts.min.js from `npm pack echarts`) under the same conditions.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

RESIDENT = ["/", "/raise/", "/raise/roads/", "/track/", "/public/"]
LOGIN, PASSWORD = "19900000001", "demo-2026"  # the demo admin (docs/demo.md)


def measure(
    context, url: str, *, charts: bool, echarts: bytes | None = None
) -> tuple[dict[str, int], float]:
    """Encoded bytes per resource type, and milliseconds from navigation to charts drawn (or
    to the load event when the page has no chart)."""
    page = context.new_page()
    if echarts is not None:
        page.route(
            "**/vendor/echarts-*/*.js",
            lambda route: route.fulfill(body=echarts, content_type="text/javascript"),
        )
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(url, wait_until="load")
    if charts:
        page.wait_for_function(
            "document.querySelectorAll('[id^=chart-]').length > 0 && "
            "[...document.querySelectorAll('[id^=chart-]')].every(e => e.dataset.ready)"
        )
        drawn = page.evaluate("performance.now()")
    else:
        drawn = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    page.wait_for_load_state("networkidle")
    sizes: dict[str, int] = {}
    for request in responses:
        wire = request.sizes()["responseBodySize"]
        sizes[request.resource_type] = sizes.get(request.resource_type, 0) + wire
    page.close()
    return sizes, drawn


def log_in(context, base: str) -> None:
    login = context.new_page()
    login.goto(f"{base}/console/login/")
    login.fill("input[name=username]", LOGIN)
    login.fill("input[name=password]", PASSWORD)
    login.click("form:has(input[name=password]) button[type=submit]")
    login.wait_for_load_state("load")
    login.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--echarts", help="another ECharts build to compare the dashboard with")
    args = parser.parse_args()
    if urlsplit(args.base).hostname != "127.0.0.1":
        raise SystemExit("page_weight.py measures a server on 127.0.0.1 only")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        ours = Path(__file__).resolve().parents[1] / "civicgrid/static/vendor/echarts-6.1.0"
        variants: list[tuple[str, bytes | None]] = [("", None)]
        if args.echarts:
            variants = [
                (" (ours)", (ours / "echarts.custom.min.js").read_bytes()),
                (" (other)", Path(args.echarts).read_bytes()),
            ]
        pages = [("/dashboard/", True)] + [(path, False) for path in RESIDENT]
        print(f"{'page':<24}{'KiB on the wire':>16}{'of it JS':>10}{'ms to drawn':>13}")
        for path, charts in pages:
            runs: dict[str, list[tuple[dict[str, int], float]]] = {}
            for _ in range(args.runs):
                for label, body in variants if charts else [("", None)]:
                    context = browser.new_context(locale="zh-CN")  # a fresh cache
                    if charts:
                        log_in(context, args.base)
                    page_runs = runs.setdefault(label, [])
                    page_runs.append(
                        measure(context, f"{args.base}{path}", charts=charts, echarts=body)
                    )
                    context.close()
            for label, found in runs.items():
                total = statistics.median(sum(s.values()) for s, _ in found) / 1024
                script = statistics.median(s.get("script", 0) for s, _ in found) / 1024
                drawn = statistics.median(ms for _, ms in found)
                print(f"{path + label:<24}{total:>16.1f}{script:>10.1f}{drawn:>13.0f}")
        browser.close()


if __name__ == "__main__":
    main()
