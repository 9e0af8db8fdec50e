"""Grid polygons for generated places: a tessellation of rectangles around a centre.

A place is cut into a rectilinear lattice whose column widths and row heights vary a little
(streets are not evenly spaced). Each big grid takes a block of lattice cells and fills it row
by row with its small grids, so a big grid's small grids are always adjacent; blocks of one
community sit side by side. Neighbouring rectangles are built from the same rounded lattice
lines, so they share edges exactly and never overlap: the grid index then routes every point
inside the place to exactly one grid (or two on a shared edge, where the smaller id wins).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, box, mapping
from shapely.geometry.polygon import orient

# Six decimals of a degree are about 0.1 m: finer than any grid boundary anyone draws.
PRECISION = 6
# Kilometres per degree of latitude, for sizing cells in metres.
KM_PER_DEGREE = 111.32


def _lines(rng: random.Random, start: float, count: int, step: float, jitter: float) -> list[float]:
    """`count + 1` increasing lattice lines from `start`, each gap `step` ± `jitter`."""
    lines = [round(start, PRECISION)]
    for _ in range(count):
        gap = step * (1 + rng.uniform(-jitter, jitter))
        lines.append(round(lines[-1] + gap, PRECISION))
    return lines


@dataclass(frozen=True)
class Lattice:
    """Column lines west to east and row lines north to south, in degrees."""

    xs: list[float]
    ys: list[float]

    @classmethod
    def around(
        cls,
        rng: random.Random,
        *,
        lon: float,
        lat: float,
        cols: int,
        rows: int,
        cell_m: float,
        jitter: float = 0.2,
    ) -> Lattice:
        """A `cols` × `rows` lattice of cells about `cell_m` metres square, centred on a point."""
        step_lat = cell_m / 1000 / KM_PER_DEGREE
        step_lon = step_lat / math.cos(math.radians(lat))
        xs = _lines(rng, lon - step_lon * cols / 2, cols, step_lon, jitter)
        # Rows run north to south, so row 0 is the top of a map.
        ys = [-y for y in _lines(rng, -(lat + step_lat * rows / 2), rows, step_lat, jitter)]
        return cls(xs, ys)

    def cell(self, col: int, row: int) -> shapely.Geometry:
        return box(self.xs[col], self.ys[row + 1], self.xs[col + 1], self.ys[row])


@dataclass(frozen=True)
class GridShape:
    polygon: dict
    lon: float
    lat: float


def geojson(geometry: shapely.Geometry) -> dict:
    """GeoJSON with lists (not tuples), so it compares equal to what the database returns."""
    # Exterior rings counter-clockwise, as RFC 7946 asks; collinear vertices left by a union
    # of neighbouring cells are dropped.
    data = mapping(_orient(shapely.simplify(geometry, 0)))
    return {
        "type": data["type"],
        "coordinates": _listify(data["coordinates"]),
    }


def _orient(geometry: shapely.Geometry) -> shapely.Geometry:
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([orient(part) for part in geometry.geoms])
    return orient(geometry)


def _listify(value: object) -> object:
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], float):
            return [round(v, PRECISION) for v in value]
        return [_listify(v) for v in value]
    return value


def shape_of(geometry: shapely.Geometry) -> GridShape:
    centre = geometry.centroid
    return GridShape(geojson(geometry), round(centre.x, PRECISION), round(centre.y, PRECISION))


def block_cells(
    lattice: Lattice, *, block: tuple[int, int], block_size: tuple[int, int], count: int
) -> list[shapely.Geometry]:
    """The first `count` cells of a block, row by row: one big grid's small grids."""
    bx, by = block
    width, height = block_size
    if count > width * height:
        raise ValueError(f"{count} small grids do not fit a {width}×{height} block")
    return [lattice.cell(bx * width + i % width, by * height + i // width) for i in range(count)]
