"""The deadline sweep over 1,000,000 open needs on PostgreSQL: steady state and catch-up.

    .venv/bin/python bench/sweep.py [--database-url URL] [--open 1000000] [--explain]

Default database: postgres://civicgrid:civicgrid@127.0.0.1:5433/civicgrid_sweep (create it
first: `createdb -p 5433 -O civicgrid civicgrid_sweep`). The script migrates it, builds the
`--scale` city if absent, and on every run replaces all needs, events, notifications, tasks
and rollups with generated ones: it refuses a database holding needs it did not generate.

The needs are generated in set-based SQL (one INSERT … SELECT over generate_series per
250,000 needs, the table's secondary indexes dropped and built again afterwards, as
`bench/benchdata.py` does), relative to a moment T0, over the city's grids and
communities (`benchdata.load_network`):

- 1,000,000 open needs: 40 % awaiting a response (submitted 5 %, accepted 5 %, dispatched
  25 %, escalated 5 %), 60 % being worked on (taken 30 %, in progress 30 %);
  plus 100,000 resolved needs waiting up to a week for the resident's rating.
- Awaiting needs: 90 % due within the next 7 days, 10 % overdue by less than a day, and a
  thin tail overdue for a day (a tenth of the density of fresh overdue needs): those are the
  ones the sweep escalates. Needs being worked on: 95 % due within 14 days, 5 % overdue.
- Every mark that fell due before T0 − OUTAGE was made by earlier sweeps (reminded_at,
  overdue_at set; escalated and closed ones gone); everything after is left to do.

Measured, in this order:

1. catch-up: one sweep at T0 after a sweep outage of OUTAGE minutes (60 by default):
   thousands of reminders, overdue marks, escalations and closings; needs processed per
   second;
2. steady state: sweeps at T0 + 1 min, T0 + 2 min, … (one sweep interval each, ~100 needs
   due each, as at 100 new needs a minute), timed one by one: the target is under 2 s.

Each step of each need runs as in production: its own transaction, a claim by conditional
UPDATE, the event, the inbox notifications and their delivery task in the queue table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from child import rows_from_child

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://civicgrid:civicgrid@127.0.0.1:5433/civicgrid_sweep"
OPEN = 1_000_000
RESOLVED = 100_000
OUTAGE_MINUTES = 60
STEADY_ROUNDS = 5
CHUNK = 250_000
MINUTE = 60
DAY = 24 * 3600


def measure(database_url: str = DEFAULT_URL) -> list[dict[str, Any]]:
    """Run the benchmark in a child process and return its rows: what, value, target, note."""
    return rows_from_child(__file__, database_url, timeout=1800)


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    import django

    django.setup()


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Generating -------------------------------------------------------------------------


def _open_sql() -> str:
    """INSERT … SELECT of open needs with ids lo..hi; every time is T0 plus an offset."""
    return """
    INSERT INTO needs_need (
        id, number, kind, category_id, priority, description, answers, node_id,
        owner_node_id, address, channel, contact_phone, contact_name, anonymous,
        on_behalf_of, state, assignee_id, response_due, resolve_due, responded_at,
        responded_on_time, reminded_at, overdue_at, rating, rating_comment, created_at,
        updated_at
    )
    SELECT id, 'S' || lpad(id::text, 10, '0'), 'request', cat, 'normal', 'benchmark', '{}',
        node, owner, '', 'web', '', '', false, '', state,
        CASE WHEN NOT awaiting OR (state = 'dispatched' AND u_assign < 0.5) THEN worker END,
        CASE WHEN awaiting THEN due ELSE least(due, t0) - interval '14 days' END,
        CASE WHEN awaiting THEN due + interval '3 days' ELSE due END,
        CASE WHEN NOT awaiting THEN least(due, t0) - interval '15 days' + interval '2 hours' END,
        CASE WHEN NOT awaiting THEN true END,
        CASE WHEN awaiting AND due - remind <= last_sweep THEN due - remind END,
        CASE WHEN due <= last_sweep THEN due END,
        '', '', least(due, t0) - interval '15 days', t0
    FROM (
        SELECT *, t0 + make_interval(secs => CASE
            WHEN u_piece < p_future THEN u_time * future_span
            WHEN u_piece < p_future + p_overdue THEN -u_time * overdue_span
            ELSE -overdue_span - u_time * tail_span END) AS due
        FROM (
            SELECT i AS id, (%(cats)s::bigint[])[1 + i %% %(ncats)s] AS cat,
                (%(grids)s::bigint[])[g] AS node, (%(owners)s::bigint[])[g] AS owner,
                nullif((%(workers)s::bigint[])[g], -1) AS worker,
                CASE WHEN u_state < 0.05 THEN 'submitted' WHEN u_state < 0.10 THEN 'accepted'
                    WHEN u_state < 0.35 THEN 'dispatched' WHEN u_state < 0.40 THEN 'escalated'
                    WHEN u_state < 0.70 THEN 'taken' ELSE 'in_progress' END AS state,
                u_state < 0.40 AS awaiting,
                CASE WHEN u_state < 0.40 THEN %(aw_future)s ELSE %(wk_future)s END AS p_future,
                CASE WHEN u_state < 0.40 THEN %(aw_overdue)s ELSE %(wk_overdue)s END
                    AS p_overdue,
                CASE WHEN u_state < 0.40 THEN %(aw_span)s ELSE %(wk_span)s END AS future_span,
                u_piece, u_time, u_assign,
                %(t0)s::timestamptz AS t0, %(last_sweep)s::timestamptz AS last_sweep,
                make_interval(mins => %(remind)s) AS remind,
                %(overdue_span)s::float8 AS overdue_span, %(tail_span)s::float8 AS tail_span
            FROM (
                SELECT i, 1 + (i * 7919) %% %(ngrids)s AS g, random() AS u_state,
                    random() AS u_piece, random() AS u_time, random() AS u_assign
                FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) i
            ) r
        ) s
    ) n
    """


def _resolved_sql() -> str:
    return """
    INSERT INTO needs_need (
        id, number, kind, category_id, priority, description, answers, node_id,
        owner_node_id, address, channel, contact_phone, contact_name, anonymous,
        on_behalf_of, state, assignee_id, response_due, resolve_due, responded_at,
        responded_on_time, resolved_at, resolved_on_time, rating, rating_comment,
        created_at, updated_at
    )
    SELECT id, 'S' || lpad(id::text, 10, '0'), 'request', cat, 'normal', 'benchmark', '{}',
        node, owner, '', 'web', '', '', false, '', 'resolved', worker,
        resolved - interval '2 days', resolved + interval '1 hour', resolved - interval '1 day',
        true, resolved, true, '', '', resolved - interval '3 days', resolved
    FROM (
        SELECT i AS id, (%(cats)s::bigint[])[1 + i %% %(ncats)s] AS cat,
            (%(grids)s::bigint[])[1 + (i * 7919) %% %(ngrids)s] AS node,
            (%(owners)s::bigint[])[1 + (i * 7919) %% %(ngrids)s] AS owner,
            nullif((%(workers)s::bigint[])[1 + (i * 7919) %% %(ngrids)s], -1) AS worker,
            %(t0)s::timestamptz - make_interval(secs => random() * %(resolved_span)s)
                AS resolved
        FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) i
    ) n
    """


def generate(open_needs: int, t0: dt.datetime) -> None:
    import benchdata
    from django.conf import settings
    from django.db import connection, transaction

    from civicgrid.demo.scale import SCALE_CODE
    from civicgrid.network.models import Node

    net = benchdata.load_network(Node.objects.get(code=SCALE_CODE))
    outage = OUTAGE_MINUTES * MINUTE
    rounds = (STEADY_ROUNDS + 1) * MINUTE
    # The thin tail of needs overdue for a day covers the outage and the steady rounds, at a
    # tenth of the density of fresh overdue needs.
    tail_span = outage + rounds
    overdue_span = DAY - rounds
    params: dict[str, Any] = {
        "cats": [int(c) for c in net.categories],
        "ncats": len(net.categories),
        "grids": [int(g) for g in net.grids],
        "owners": [int(o) for o in net.owners],
        "workers": [int(w) for w in net.workers],
        "ngrids": len(net.grids),
        "t0": t0,
        "last_sweep": t0 - dt.timedelta(seconds=outage),
        "remind": settings.NEED_REMIND_BEFORE_MINUTES,
        "overdue_span": overdue_span,
        "tail_span": tail_span,
        "aw_overdue": 0.10,
        "aw_future": 1 - 0.10 - 0.10 * 0.1 * tail_span / overdue_span,
        "aw_span": 7 * DAY,
        "wk_overdue": 0.05,
        "wk_future": 1 - 0.05 - 0.05 * 0.1 * tail_span / overdue_span,
        "wk_span": 14 * DAY,
        "resolved_span": settings.NEED_RATING_DAYS * DAY + outage,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE needs_needphoto, needs_needevent, needs_need, core_notification, "
            "django_tasks_database_dbtaskresult, insights_dailystat, insights_monthlystat, "
            "insights_monthlytotal, insights_handlerstat CASCADE"
        )
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SELECT setseed(0.2026)")
    with benchdata.without_indexes("needs_need"):
        for lo in range(1, open_needs + 1, CHUNK):
            hi = min(lo + CHUNK - 1, open_needs)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(_open_sql(), {**params, "lo": lo, "hi": hi})
            say(f"  {hi:,} open needs")
        with transaction.atomic(), connection.cursor() as cursor:
            lo = open_needs + 1
            cursor.execute(_resolved_sql(), {**params, "lo": lo, "hi": lo + RESOLVED - 1})
        say(f"  {RESOLVED:,} resolved needs; building the indexes")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('needs_need', 'id'), "
            "(SELECT max(id) FROM needs_need))"
        )
        cursor.execute("VACUUM (ANALYZE) needs_need")


# --- Measuring ----------------------------------------------------------------------------


def explain(now: dt.datetime) -> list[str]:
    """EXPLAIN ANALYZE of the sweep's candidate queries at `now`."""
    from django.conf import settings
    from django.db.models import Q

    from civicgrid.needs import workflow
    from civicgrid.needs.models import SWEEP_AWAITING, SWEEP_WORKING, Need, State

    remind_at = now + dt.timedelta(minutes=settings.NEED_REMIND_BEFORE_MINUTES)
    grace = now - dt.timedelta(minutes=settings.NEED_ESCALATE_AFTER_MINUTES)
    unrated = now - dt.timedelta(days=settings.NEED_RATING_DAYS)
    queries = {
        "remind": Need.objects.filter(
            state__in=SWEEP_AWAITING, reminded_at__isnull=True, response_due__lte=remind_at
        ).order_by("response_due"),
        "overdue (response)": Need.objects.filter(
            state__in=SWEEP_AWAITING, overdue_at__isnull=True, response_due__lt=now
        ).order_by("response_due"),
        "overdue (resolve)": Need.objects.filter(
            state__in=SWEEP_WORKING, overdue_at__isnull=True, resolve_due__lt=now
        ).order_by("resolve_due"),
        "escalate": Need.objects.filter(
            Q(owner_node__parent__isnull=False) | Q(state__in=workflow.WITH_HANDLER),
            state__in=workflow.TRANSITIONS[workflow.Action.ESCALATE].sources,
            overdue_at__lte=grace,
            consultation__isnull=True,
        ).order_by("overdue_at"),
        "close unrated": Need.objects.filter(
            state=State.RESOLVED, resolved_at__lte=unrated
        ).order_by("resolved_at"),
    }
    lines = []
    for name, query in queries.items():
        plan = query.values_list("pk", flat=True).explain(analyze=True)
        lines.append(f"--- {name}\n{plan}")
    return lines


def run(open_needs: int, show_plans: bool) -> list[dict[str, Any]]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from civicgrid.demo.scale import scale_exists
    from civicgrid.needs.models import Category, Need
    from civicgrid.needs.tasks import sweep
    from civicgrid.seed import seed_everything

    if connection.vendor != "postgresql":
        raise SystemExit("The sweep benchmark needs PostgreSQL: set DATABASE_URL.")
    call_command("migrate", verbosity=0)
    if not Category.objects.exists():
        seed_everything()
    if not scale_exists():
        say("building the --scale city (10,000 grids, 100,000 people)")
        call_command("seed_demo", scale=True, verbosity=0)
    if Need.objects.exclude(number__startswith="S").exists():
        raise SystemExit(
            "This database holds needs the benchmark did not generate: use a database of its "
            "own (every run replaces all needs)."
        )
    t0 = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    say(f"generating {open_needs:,} open needs (T0 = {t0:%Y-%m-%d %H:%M} UTC)")
    started = time.perf_counter()
    generate(open_needs, t0)
    generated_in = time.perf_counter() - started
    say(f"generated in {generated_in:.0f} s")
    if show_plans:
        for text in explain(t0 + dt.timedelta(minutes=1)):
            say(text)

    # Catch-up after an outage: everything due in the last OUTAGE minutes.
    started = time.perf_counter()
    caught = sweep(t0)
    catch_up_s = time.perf_counter() - started
    caught_total = sum(caught.values())
    say(f"catch-up: {caught} in {catch_up_s:.2f} s")

    times, totals = [], []
    for minute in range(1, STEADY_ROUNDS + 1):
        started = time.perf_counter()
        counts = sweep(t0 + dt.timedelta(minutes=minute))
        times.append(time.perf_counter() - started)
        totals.append(sum(counts.values()))
        say(f"steady +{minute} min: {counts} in {times[-1]:.3f} s")
    open_count = f"{open_needs:,} open needs"
    return [
        {
            "what": "sweep, steady state (one sweep interval due)",
            "value": f"{statistics.median(times):.2f} s (max {max(times):.2f} s)",
            "target": "< 2 s",
            "note": (
                f"{open_count}; median {statistics.median(totals):.0f} needs due per sweep; "
                f"{STEADY_ROUNDS} sweeps"
            ),
        },
        {
            "what": "sweep, catch-up after an outage",
            "value": f"{caught_total / catch_up_s:,.0f} needs/s",
            "target": "",
            "note": (
                f"{OUTAGE_MINUTES} min outage: {caught['reminded']:,} reminded, "
                f"{caught['overdue']:,} overdue, {caught['escalated']:,} escalated, "
                f"{caught['closed_unrated']:,} closed in {catch_up_s:.1f} s"
            ),
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--open", type=int, default=OPEN, help="open needs to generate")
    parser.add_argument("--explain", action="store_true", help="print the candidate plans")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    _setup()
    rows = run(args.open, args.explain)
    if args.json:
        print(json.dumps(rows))
        return
    for row in rows:
        print(f"{row['what']:<48} {row['value']:>28}  {row['target']:<8} {row['note']}")


if __name__ == "__main__":
    main()
