"""What a page costs a browser: bytes on the wire by kind and the time until its charts are
drawn, from a fresh cache each time, against a running server (the demo: `make demo`).

    .venv/bin/python bench/page_weight.py [--base http://127.0.0.1:8000] [--runs 5]

Pages: the dashboard (logged in as the demo admin) and the resident pages. Chromium is Debian's
(/usr/bin/chromium); traffic goes to the base URL only, which must be 127.0.0.1.
"""

from __future__ import annotations

import argparse
import statistics
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

RESIDENT = ["/", "/raise/", "/raise/roads/", "/track/", "/public/"]
LOGIN, PASSWORD = "19900000001", "demo-2026"  # the demo admin (docs/demo.md)


def measure(context, url: str, *, charts: bool) -> tuple[dict[str, int], float]:
    """Encoded bytes per resource type, and milliseconds from navigation to charts drawn (or
    to the load event when the page has no chart)."""
    page = context.new_page()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if urlsplit(args.base).hostname != "127.0.0.1":
        raise SystemExit("page_weight.py measures a server on 127.0.0.1 only")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"]
        )
        pages = [("/dashboard/", True)] + [(path, False) for path in RESIDENT]
        print(f"{'page':<16}{'KiB on the wire':>16}{'of it JS':>10}{'ms to drawn':>13}")
        for path, charts in pages:
            runs = []
            for _ in range(args.runs):
                context = browser.new_context(locale="zh-CN")  # a fresh cache
                if charts:
                    login = context.new_page()
                    login.goto(f"{args.base}/console/login/")
                    login.fill("input[name=username]", LOGIN)
                    login.fill("input[name=password]", PASSWORD)
                    login.click("form:has(input[name=password]) button[type=submit]")
                    login.wait_for_load_state("load")
                    login.close()
                runs.append(measure(context, f"{args.base}{path}", charts=charts))
                context.close()
            total = statistics.median(sum(s.values()) for s, _ in runs) / 1024
            script = statistics.median(s.get("script", 0) for s, _ in runs) / 1024
            drawn = statistics.median(ms for _, ms in runs)
            print(f"{path:<16}{total:>16.1f}{script:>10.1f}{drawn:>13.0f}")
        browser.close()


if __name__ == "__main__":
    main()
