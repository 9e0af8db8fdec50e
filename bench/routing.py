"""Routing: "which small grid contains this point", lookups per second over 10,000 grids.

    .venv/bin/python bench/routing.py [--database-url URL] [--points 200000]

Uses the `--scale` city's 10,000 small grid polygons (built by `seed_demo --scale` if the
database has none; default database: postgres://civicgrid:civicgrid@127.0.0.1:5433/
civicgrid_sweep). Points are drawn uniformly in the city's bounding box enlarged by 5 % on
each side, so some fall outside every grid. Measured, after a warm-up:

- single lookups through `grid_index().locate` (what `grid_containing` does before it reads
  the node), one call per point;
- the vectorised `locate_many` over the same points at once;
- `grid_containing` itself, which also makes the grid's Node from the row kept with the
  index (no query);
- the time to build the index from parsed polygons, and to load it as a process does (the
  grids' polygons and rows read from the database, then built): once per process, and again
  after grids change.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from child import rows_from_child

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://civicgrid:civicgrid@127.0.0.1:5433/civicgrid_sweep"
POINTS = 200_000
FETCHES = 50_000  # grid_containing builds a model instance per lookup: fewer rounds
SEED = 6


def measure(database_url: str = DEFAULT_URL) -> list[dict[str, Any]]:
    """Run the benchmark in a child process and return its rows: what, value, target, note."""
    return rows_from_child(__file__, database_url, timeout=900)


def run(count: int) -> list[dict[str, Any]]:
    import numpy as np
    import shapely
    from django.core.management import call_command

    from civicgrid.demo.scale import SCALE_CODE, scale_exists
    from civicgrid.network import geo
    from civicgrid.network.models import Node, NodeKind

    call_command("migrate", verbosity=0)
    if not scale_exists():
        print("building the --scale city (10,000 grids)", file=sys.stderr, flush=True)
        call_command("seed_demo", scale=True, verbosity=0)
    root = Node.objects.get(code=SCALE_CODE)
    grids = list(
        Node.objects.subtree(root)
        .filter(kind=NodeKind.SMALL_GRID, polygon__isnull=False)
        .values_list("id", "polygon")
    )
    started = time.perf_counter()
    index = geo.GridIndex.build(grids)
    build_s = time.perf_counter() - started
    x0, y0, x1, y1 = shapely.total_bounds(index.geometries)
    mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    rng = np.random.default_rng(SEED)
    lons = rng.uniform(x0 - mx, x1 + mx, count).tolist()
    lats = rng.uniform(y0 - my, y1 + my, count).tolist()
    points = list(zip(lons, lats, strict=True))

    # The process's own index, as grid_containing uses it (built from the whole database).
    geo.forget_grid_index()
    started = time.perf_counter()
    shared = geo.grid_index()
    load_s = time.perf_counter() - started
    locate = shared.locate
    for lon, lat in points[:5000]:
        locate(lon, lat)  # warm-up
    started = time.perf_counter()
    found = [locate(lon, lat) for lon, lat in points]
    single_s = time.perf_counter() - started
    outside = sum(1 for f in found if f is None) / count

    started = time.perf_counter()
    many = shared.locate_many(points)
    many_s = time.perf_counter() - started
    if many != found:
        raise SystemExit("locate_many and locate disagree")

    for lon, lat in points[:100]:
        geo.grid_containing(lon, lat)
    started = time.perf_counter()
    for lon, lat in points[:FETCHES]:
        geo.grid_containing(lon, lat)
    fetch_s = time.perf_counter() - started
    grids_n = f"{len(index):,} grids"
    return [
        {
            "what": "routing: single lookups (grid_index().locate)",
            "value": f"{count / single_s:,.0f} lookups/s",
            "target": "> 50,000 lookups/s",
            "note": f"{grids_n}, {count:,} random points, {outside:.0%} outside every grid",
        },
        {
            "what": "routing: batch lookups (locate_many)",
            "value": f"{count / many_s:,.0f} lookups/s",
            "target": "",
            "note": f"{grids_n}, the same {count:,} points in one call",
        },
        {
            "what": "routing: grid_containing (lookup + node row)",
            "value": f"{FETCHES / fetch_s:,.0f} lookups/s",
            "target": "",
            "note": "no query: the grid's row is kept with the index",
        },
        {
            "what": "routing: building the index",
            "value": f"{build_s * 1000:,.0f} ms",
            "target": "",
            "note": f"{grids_n}, from parsed polygons",
        },
        {
            "what": "routing: loading the index (as a process does)",
            "value": f"{load_s * 1000:,.0f} ms",
            "target": "",
            "note": f"{len(shared):,} grids with their rows read from the database, then built: "
            "once per process and after grids change",
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--points", type=int, default=POINTS)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    rows = run(args.points)
    if args.json:
        print(json.dumps(rows))
        return
    for row in rows:
        print(f"{row['what']:<48} {row['value']:>20}  {row['target']:<20} {row['note']}")


if __name__ == "__main__":
    main()
