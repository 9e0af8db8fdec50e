"""Export a needs ledger of N rows through the real view and show that memory stays flat.

    DATABASE_URL=postgres://…/civicgrid_bench .venv/bin/python bench/ledger_memory.py --rows 100000

Uses the benchmark database (run `bench/insights.py` first; if it holds fewer than N
needs, this script generates them). The reader is a town's community staff member, who sees
phones in full. The script calls the download view with the console's `since` filter set so
that at least N needs match, reads the streamed response to the end, and prints the wall
time, the rows written, RSS at 10k / 50k / 100k rows and the peak RSS (sampled every 20 ms
and from getrusage).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

import django

django.setup()

import benchdata  # noqa: E402  (bench/, this script's folder)
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from civicgrid.demo.scale import SCALE_CODE, scale_exists  # noqa: E402
from civicgrid.insights import ledgers  # noqa: E402
from civicgrid.insights.ledger_views import needs_xlsx  # noqa: E402
from civicgrid.needs import selectors  # noqa: E402
from civicgrid.needs.models import Category  # noqa: E402
from civicgrid.network.models import Node, NodeKind, Person, Role  # noqa: E402
from civicgrid.seed import seed_everything  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


class Sampler(threading.Thread):
    """The highest RSS seen, read every 20 ms while the export runs."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = rss_mb()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)


def reader_and_town() -> tuple[Person, Node]:
    town = Node.objects.filter(kind=NodeKind.TOWN, code__startswith=SCALE_CODE).order_by("code")
    for node in town:
        person = Person.objects.filter(roles__role=Role.COMMUNITY_STAFF, roles__node=node).first()
        if person is not None:
            return person, node
    raise SystemExit("No town staff in the benchmark city.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    if not Category.objects.exists():
        seed_everything()
    if not scale_exists():
        from django.core.management import call_command

        call_command("seed_demo", scale=True, verbosity=0)
    person, town = reader_and_town()
    visible = selectors.visible_needs(person)
    if visible.count() < args.rows:
        root = Node.objects.get(code=SCALE_CODE)
        print(f"generating needs until {town.code} holds {args.rows:,}…")
        while visible.count() < args.rows:
            benchdata.generate(root, args.rows * 25)
    # The day from which at least `rows` needs were raised: the console's `since` filter.
    nth = visible.order_by("-created_at").values_list("created_at", flat=True)[args.rows - 1]
    since = timezone.localdate(nth)
    request = RequestFactory().get("/dashboard/ledgers/needs.xlsx", {"since": since.isoformat()})
    request.user = person

    checkpoints: dict[int, float] = {}
    wanted = {10_000, 50_000, 100_000, args.rows}
    original = ledgers.write_workbook

    def counting(*a, **kw):  # type: ignore[no-untyped-def]
        def progress(rows: int) -> None:
            if rows in wanted:
                checkpoints[rows] = rss_mb()

        return original(*a, progress=progress, **kw)

    ledgers.write_workbook = counting
    before = rss_mb()
    sampler = Sampler()
    sampler.start()
    started = time.perf_counter()
    with translation.override("zh-hans"):
        response = needs_xlsx(request)
    built = time.perf_counter() - started
    size = sum(len(block) for block in response.streaming_content)  # type: ignore[attr-defined]
    response.close()
    total = time.perf_counter() - started
    sampler.running = False
    sampler.join()
    peak_rusage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = selectors.filtered(visible, selectors.NeedFilter(since=since)).count()
    print(f"reader: {person.name} (community staff of {town.code}); since {since}")
    print(f"rows: {rows:,}   file: {size / 2**20:.1f} MB   status: {response.status_code}")
    print(f"time: {built:.1f} s to build, {total:.1f} s with streaming it out")
    print(f"RSS before: {before:.0f} MB")
    for mark in sorted(checkpoints):
        print(f"RSS at {mark:>7,} rows: {checkpoints[mark]:.0f} MB")
    print(f"peak RSS (sampled): {sampler.peak:.0f} MB   peak RSS (getrusage): {peak_rusage:.0f} MB")


if __name__ == "__main__":
    main()
