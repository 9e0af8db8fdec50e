"""Which small grid contains this point: a spatial index over the grid polygons.

The index is a shapely STRtree built from every small grid that carries a polygon, with a
raster of buckets over it for single lookups (each bucket lists the grids touching it; a lookup
tests the point against those few with `intersects_xy`, in id order). A point on
an edge belongs to the grids whose boundary it touches (`intersects`, not `contains`); when it
touches several (a shared edge or corner) the grid with the smallest id wins, so the answer is
the same in every process. A point in a hole is outside.

Each process keeps its index in memory, with each grid's row (all but the polygon), so that
routing a need costs no query. Grids may be changed by another process, so the index is rebuilt
when the database says a grid changed (their number or latest `updated_at`), checked at most
every `GRID_INDEX_TTL` seconds: a grid's row can be that old. Services that change grids with
`update()` set `updated_at` themselves (`network.services.node_move`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Max
from shapely.geometry import shape
from shapely.strtree import STRtree

from civicgrid.network.models import Node, NodeKind


class BadPolygon(ValueError):
    """The GeoJSON is not a valid Polygon or MultiPolygon; the message says why."""


def parse_polygon(geojson: object) -> shapely.Geometry:
    """Check a GeoJSON Polygon/MultiPolygon (lon, lat order) and return it as a geometry."""
    if not isinstance(geojson, dict):
        raise BadPolygon("a GeoJSON object is expected")
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
        if not isinstance(geojson, dict):
            raise BadPolygon("the Feature has no geometry")
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        raise BadPolygon(f"type must be Polygon or MultiPolygon, not {geojson.get('type')!r}")
    try:
        geometry = shape(geojson)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
        raise BadPolygon(f"the coordinates cannot form a polygon ({exc})") from exc
    if geometry.is_empty:
        raise BadPolygon("the polygon is empty")
    if not geometry.is_valid:
        raise BadPolygon(f"the polygon is invalid: {shapely.is_valid_reason(geometry)}")
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BadPolygon("coordinates must be longitude, latitude in degrees (WGS84)")
    return geometry


# Single lookups go through a raster of buckets over the grids' bounds, about this many per
# grid: each bucket lists the few grids that touch it, so a lookup is some arithmetic and one
# or two exact point-in-polygon tests (no geometry object is made for the point).
BUCKETS_PER_GRID = 8
# A bucket touched by more grids than this (grids far apart, one raster over all of them)
# is answered by the tree instead.
MAX_BUCKET_MEMBERS = 16


@dataclass(frozen=True)
class Buckets:
    x0: float
    y0: float
    x1: float
    y1: float
    kx: float  # buckets per degree of longitude
    ky: float
    nx: int
    ny: int
    starts: list[int]  # bucket b's members are members[starts[b]:starts[b + 1]]
    members: list[int]  # tree indices, ascending (so in node id order)

    @classmethod
    def build(cls, tree: STRtree, geometries: Sequence[shapely.Geometry]) -> Buckets:
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(geometries))
        width, height = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
        side = math.sqrt(width * height / (BUCKETS_PER_GRID * len(geometries)))
        nx = max(1, min(math.ceil(width / side), 4096))
        ny = max(1, min(math.ceil(height / side), 4096))
        kx, ky = nx / width, ny / height
        cells = np.arange(nx * ny)
        cx, cy = cells % nx, cells // nx
        # Each bucket's box is enlarged a little, so that rounding at a bucket's edge never
        # leaves out a grid that touches the point.
        ex, ey = 1e-6 / kx, 1e-6 / ky
        boxes = shapely.box(
            x0 + cx / kx - ex, y0 + cy / ky - ey, x0 + (cx + 1) / kx + ex, y0 + (cy + 1) / ky + ey
        )
        cell_idx, tree_idx = tree.query(boxes, predicate="intersects")
        order = np.lexsort((tree_idx, cell_idx))
        starts = np.concatenate([[0], np.cumsum(np.bincount(cell_idx, minlength=nx * ny))])
        return cls(x0, y0, x1, y1, kx, ky, nx, ny, starts.tolist(), tree_idx[order].tolist())


@dataclass(frozen=True)
class GridIndex:
    tree: STRtree
    node_ids: np.ndarray  # node id of each geometry, in tree order
    geometries: list[shapely.Geometry]  # prepared, in tree order
    ids: list[int]  # node_ids as Python ints
    buckets: Buckets | None
    rows: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # id → ROW_FIELDS values

    @classmethod
    def build(cls, grids: Iterable[tuple[int, object]]) -> GridIndex:
        ids: list[int] = []
        geometries: list[shapely.Geometry] = []
        for node_id, polygon in grids:
            try:
                geometries.append(parse_polygon(polygon))
            except BadPolygon:
                continue  # import and admin refuse bad polygons; never route to one
            ids.append(node_id)
        order = np.argsort(np.array(ids, dtype=np.int64), kind="stable")
        geometries = [geometries[i] for i in order]
        shapely.prepare(geometries)
        tree = STRtree(geometries)
        node_ids = np.array(ids, dtype=np.int64)[order]
        buckets = Buckets.build(tree, geometries) if geometries else None
        return cls(tree, node_ids, geometries, node_ids.tolist(), buckets)

    def locate(self, lon: float, lat: float) -> int | None:
        """The id of the small grid containing (lon, lat), or None."""
        b = self.buckets
        if b is None or not (b.x0 <= lon <= b.x1 and b.y0 <= lat <= b.y1):
            return None  # outside the bounds of every grid (or not a number)
        cell = min(int((lat - b.y0) * b.ky), b.ny - 1) * b.nx + min(
            int((lon - b.x0) * b.kx), b.nx - 1
        )
        start, end = b.starts[cell], b.starts[cell + 1]
        if end - start > MAX_BUCKET_MEMBERS:
            return self.locate_in_tree(lon, lat)
        # Members are in id order: the first grid that touches the point has the smallest id.
        for i in b.members[start:end]:
            if shapely.intersects_xy(self.geometries[i], lon, lat):
                return self.ids[i]
        return None

    def locate_in_tree(self, lon: float, lat: float) -> int | None:
        """`locate` through the tree alone (the reference the buckets must agree with)."""
        hits = self.tree.query(shapely.points(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        # Geometries are in id order, so the smallest index is the smallest node id.
        return int(self.node_ids[hits.min()])

    def locate_many(self, points: Sequence[tuple[float, float]]) -> list[int | None]:
        """Vectorised `locate` for many (lon, lat) points at once."""
        if len(points) == 0:
            return []
        coords = np.asarray(points, dtype=float)
        geoms = shapely.points(coords[:, 0], coords[:, 1])
        point_idx, tree_idx = self.tree.query(geoms, predicate="intersects")
        best = np.full(len(points), -1, dtype=np.int64)
        # Keep the smallest tree index per point: walk pairs from largest to smallest.
        order = np.lexsort((-tree_idx, point_idx))
        best[point_idx[order]] = tree_idx[order]
        return [int(self.node_ids[i]) if i >= 0 else None for i in best]

    def __len__(self) -> int:
        return len(self.node_ids)


_lock = threading.Lock()
_cached: dict[str, object] = {"index": None, "version": None, "checked": 0.0}

# A grid's columns kept with the index: all but the polygon, which the index holds parsed.
ROW_FIELDS = tuple(f.attname for f in Node._meta.concrete_fields if f.name != "polygon")


def _grids_version() -> tuple[int, str]:
    row = Node.objects.filter(kind=NodeKind.SMALL_GRID, polygon__isnull=False).aggregate(
        n=Count("id"), last=Max("updated_at")
    )
    return row["n"], str(row["last"])


def _build() -> GridIndex:
    """The index of every grid with a polygon, and their rows, read in one pass."""
    rows: dict[int, tuple[Any, ...]] = {}
    columns = Node.objects.filter(kind=NodeKind.SMALL_GRID, polygon__isnull=False).values_list(
        "polygon", *ROW_FIELDS
    )

    def grids() -> Iterable[tuple[int, object]]:
        for polygon, *row in columns.iterator(chunk_size=2000):
            rows[row[0]] = tuple(row)  # ROW_FIELDS starts with the id
            yield row[0], polygon

    return replace(GridIndex.build(grids()), rows=rows)


def grid_index() -> GridIndex:
    """This process's index, rebuilt when grids changed (checked every TTL seconds)."""
    now = time.monotonic()
    index = _cached["index"]
    if index is not None and now - float(_cached["checked"]) < settings.GRID_INDEX_TTL:  # type: ignore[arg-type]
        return index  # type: ignore[return-value]
    with _lock:
        version = _grids_version()
        if _cached["index"] is None or version != _cached["version"]:
            _cached["index"] = _build()
            _cached["version"] = version
        _cached["checked"] = now
        return _cached["index"]  # type: ignore[return-value]


def forget_grid_index() -> None:
    with _lock:
        _cached.update(index=None, version=None, checked=0.0)


def grid_containing(lon: float, lat: float) -> Node | None:
    """The small grid that contains the point (longitude, latitude), or None.

    A new Node each time, built from the row read with the index (no query; the polygon is
    left deferred). A grid deleted since then is still returned until the index is rebuilt:
    writing a need there fails on its foreign key (`needs.services.need_raise` says so)."""
    index = grid_index()
    node_id = index.locate(lon, lat)
    if node_id is None:
        return None
    return Node.from_db(DEFAULT_DB_ALIAS, ROW_FIELDS, index.rows[node_id])


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in metres (haversine): how far a phone checking in is from the
    place of an activity or a meeting."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * r * math.asin(min(1.0, math.sqrt(a))))
