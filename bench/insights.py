"""`python bench/insights.py --needs N`: the dashboard on rollups against the same figures from
raw needs, at city scale. See bench/README.md.

Builds the `--scale` city if absent, generates N needs over its grids (bench/benchdata.py),
computes the rollups in set-based SQL, then times the dashboard's queries for the root and
for one town over the last 365 days, and `kpis.recount` (the raw aggregation) for the same
scopes, checking that both give the same figures. Meant for a database of its own.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

import django

django.setup()

import benchdata  # noqa: E402  (bench/, this script's folder)
from django.core.management import call_command  # noqa: E402
from django.core.management.base import BaseCommand, CommandError, CommandParser  # noqa: E402
from django.db import connection  # noqa: E402

from civicgrid.demo.scale import SCALE_CODE, scale_exists  # noqa: E402
from civicgrid.insights import kpis  # noqa: E402
from civicgrid.insights.kpis import Period, Scope  # noqa: E402
from civicgrid.insights.models import (  # noqa: E402
    COUNTERS,
    DailyStat,
    HandlerStat,
    MonthlyStat,
    MonthlyTotal,
)
from civicgrid.insights.selectors import dashboard_data  # noqa: E402
from civicgrid.needs.models import Category, Need  # noqa: E402
from civicgrid.network.models import Node, NodeKind  # noqa: E402
from civicgrid.seed import seed_everything  # noqa: E402

SQLITE_LIMIT = 1_000_000

QUERIES: dict[str, Callable[[Scope], Any]] = {
    "kpis": kpis.kpis,
    "by_category": kpis.by_category,
    "by_channel": kpis.by_channel,
    "by_child": kpis.by_child,
    "trend_week": lambda s: kpis.trend(s, "week"),
    "leaderboard": kpis.leaderboard,
    "overdue": lambda s: list(kpis.overdue(s)),
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Benchmark the dashboard's rollups against raw aggregation on generated needs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--needs", type=int, default=100_000, help="needs to generate")
        parser.add_argument("--rounds", type=int, default=30, help="timed rounds per scope")
        parser.add_argument("--raw-rounds", type=int, default=5, help="timed raw recounts")
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="generate afresh even if the database already holds exactly N bench needs",
        )

    def say(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        self.stdout.write(f"[{elapsed:7.1f} s] {message}")
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        self.started = time.perf_counter()
        count: int = options["needs"]
        postgres = benchdata.is_postgres()
        if count < 1:
            raise CommandError("--needs must be at least 1.")
        if not postgres and count >= SQLITE_LIMIT:
            raise CommandError(
                "A million needs or more need PostgreSQL: set DATABASE_URL to a database "
                "created for the benchmark (see bench/README.md)."
            )
        if not Category.objects.exists():
            seed_everything()
        if not scale_exists():
            self.say("building the --scale city (10,000 grids, 100,000 people)")
            call_command("seed_demo", scale=True, verbosity=0)
        root = Node.objects.get(code=SCALE_CODE)
        if Need.objects.exclude(node__path__startswith=root.path).exists():
            raise CommandError(
                "This database holds needs outside the benchmark city: use a database of its "
                "own (the benchmark replaces every need and every rollup)."
            )
        existing = Need.objects.count()
        if existing != count or options["regenerate"]:
            self.generate(root, count, postgres)
        else:
            self.say(f"reusing the {existing:,} needs already generated")
        town = Node.objects.filter(kind=NodeKind.TOWN, path__startswith=root.path).order_by("code")
        scopes = [("root", root), ("town", town.first() or root)]
        period = Period.last_days(365)
        self.measure(scopes, period, options["rounds"], options["raw_rounds"])

    # --- Building the data ---------------------------------------------------------------

    def generate(self, root: Node, count: int, postgres: bool) -> None:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE needs_needphoto, needs_needevent, needs_need, "
                    "insights_dailystat, insights_monthlystat, insights_monthlytotal, "
                    "insights_handlerstat CASCADE"
                )
                # Bulk-load settings for this session only. Replica mode skips the foreign
                # keys' triggers: the generator draws ids from the tables they point to.
                cursor.execute("SET session_replication_role = replica")
                cursor.execute("SET maintenance_work_mem = '1GB'")
                cursor.execute("SET work_mem = '256MB'")
                cursor.execute("SET synchronous_commit = off")
        else:
            Need.objects.all().delete()
            DailyStat.objects.all().delete()
            MonthlyStat.objects.all().delete()
            MonthlyTotal.objects.all().delete()
            HandlerStat.objects.all().delete()
        step = max(count // 20, 1)
        marks = {"next": step}

        def progress(done: int) -> None:
            if done >= marks["next"] or done == count:
                self.say(f"generated {done:,} / {count:,} needs")
                marks["next"] = done + step

        self.say(f"generating {count:,} needs")
        if postgres:
            with benchdata.without_indexes("needs_need"):
                benchdata.generate(root, count, progress=progress)
                self.say("rebuilding the needs' indexes")
        else:
            benchdata.generate(root, count, progress=progress)
        self.say("computing the rollups in SQL")
        if postgres:
            with benchdata.without_indexes("insights_dailystat"):
                rows = benchdata.build_rollups(report=self.say)
                self.say("rebuilding the rollups' indexes")
        else:
            rows = benchdata.build_rollups(report=self.say)
        town = Node.objects.filter(kind=NodeKind.TOWN, path__startswith=root.path).order_by("code")
        handler_rows = benchdata.build_handler_rollups([root, *town[:1]])
        self.say(f"{rows:,} daily rows, {handler_rows:,} handler rows (root and one town)")
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                # Vacuum now rather than let autovacuum wake up during the timing: it sets
                # the hint bits and the visibility map a steady-state database has.
                for table in ("needs_need", "insights_dailystat", "insights_handlerstat"):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
                cursor.execute("ANALYZE")
            self.say("vacuumed and analyzed")

    # --- Measuring -----------------------------------------------------------------------

    def measure(
        self, scopes: list[tuple[str, Node]], period: Period, rounds: int, raw_rounds: int
    ) -> None:
        lines = []
        needs = Need.objects.count()
        daily = DailyStat.objects.count()
        self.say(f"measuring over {period.start} – {period.end}")
        for label, node in scopes:
            scope = Scope(node=node, period=period)
            for _warm in range(3):
                for query in QUERIES.values():
                    query(scope)
            timings: dict[str, list[float]] = {name: [] for name in QUERIES}
            totals: list[float] = []
            for _round in range(rounds):
                for name, query in QUERIES.items():
                    t = time.perf_counter()
                    query(scope)
                    timings[name].append((time.perf_counter() - t) * 1000)
                # The whole dashboard as the page builds it: every chart, list and sentence.
                t = time.perf_counter()
                dashboard_data(scope, "week", lambda **changes: "")
                totals.append((time.perf_counter() - t) * 1000)
            fast = kpis.kpis(scope)
            raw_times = []
            raw = kpis.recount(scope)  # warm-up
            for _round in range(raw_rounds):
                t = time.perf_counter()
                raw = kpis.recount(scope)
                raw_times.append((time.perf_counter() - t) * 1000)
            same = all(getattr(fast, c) == getattr(raw, c) for c in COUNTERS)
            rows = DailyStat.objects.filter(
                node=node, day__range=(period.start, period.end)
            ).count()
            lines.append((label, node, scope, timings, totals, raw_times, same, fast, rows))
            self.say(f"measured {label}")
        self.report(lines, needs, daily, rounds, raw_rounds)

    def report(
        self, lines: list[Any], needs: int, daily: int, rounds: int, raw_rounds: int
    ) -> None:
        out = self.stdout.write
        out("")
        out(
            f"needs: {needs:,}   daily rollup rows: {daily:,}   "
            f"database: {connection.vendor}   rounds: {rounds} (raw: {raw_rounds})"
        )
        out("")
        header = f"{'scope':<28}{'query':<14}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        for label, node, _scope, timings, totals, raw_times, same, fast, rows in lines:
            out(f"{label}: {node.code} ({node.name}), {fast.received:,} needs received in the year,"
                f" {rows:,} rollup rows of the node")  # fmt: skip
            out(header)
            for name, values in [*timings.items(), ("dashboard", totals)]:
                out(
                    f"{'':<28}{name:<14}{statistics.median(values):>9.1f}"
                    f"{percentile(values, 0.95):>9.1f}{max(values):>9.1f}"
                )
            raw_p50 = statistics.median(raw_times)
            kpi_p50 = statistics.median(timings["kpis"])
            out(
                f"{'':<28}{'raw recount':<14}{raw_p50:>9.1f}"
                f"{percentile(raw_times, 0.95):>9.1f}{max(raw_times):>9.1f}"
            )
            out(
                f"{'':<28}raw recount / rollup kpis (p50): {raw_p50 / kpi_p50:,.0f}×;"
                f" raw / whole dashboard (p50): {raw_p50 / statistics.median(totals):,.1f}×;"
                f" same figures: {'yes' if same else 'NO'}"
            )
            out("")
        self.say("done")


if __name__ == "__main__":
    # A management command's parsing, --help and CommandError handling, run as a script.
    Command().run_from_argv(["python", "bench/insights.py", *sys.argv[1:]])
