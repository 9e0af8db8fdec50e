"""Which small grid contains a point: inside, on edges and corners, in holes, outside."""

from __future__ import annotations

import random

import pytest
from django.test import override_settings

from civicgrid.network.geo import (
    BadPolygon,
    GridIndex,
    forget_grid_index,
    grid_containing,
    grid_index,
    parse_polygon,
)
from civicgrid.network.models import Node, NodeKind
from civicgrid.network.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def t():
    # gridA is the square [0,1]x[0,1], gridB [1,2]x[0,1] (sharing the edge x=1),
    # gridC [5,6]x[5,6] with a hole [5.25,5.75]x[5.25,5.75].
    return f.region()


def test_a_point_inside_a_grid_is_routed_to_it(t):
    assert grid_containing(0.5, 0.5) == t["gridA"]
    assert grid_containing(1.5, 0.5) == t["gridB"]
    assert grid_containing(5.1, 5.1) == t["gridC"]


def test_a_point_outside_every_grid_has_no_grid(t):
    assert grid_containing(3.0, 3.0) is None
    assert grid_containing(-0.0001, 0.5) is None


def test_a_point_on_an_outer_edge_or_corner_belongs_to_the_grid(t):
    assert grid_containing(0.0, 0.5) == t["gridA"]
    assert grid_containing(0.0, 0.0) == t["gridA"]
    assert grid_containing(6.0, 6.0) == t["gridC"]


def test_a_point_on_a_shared_edge_goes_to_one_grid_the_same_way_every_time(t):
    first = min(t["gridA"].pk, t["gridB"].pk)
    assert grid_containing(1.0, 0.5).pk == first
    assert grid_containing(1.0, 1.0).pk == first


def test_a_point_in_a_hole_is_outside_but_the_hole_edge_is_inside(t):
    assert grid_containing(5.5, 5.5) is None
    assert grid_containing(5.25, 5.5) == t["gridC"]


def test_locate_many_agrees_with_locate(t):
    index = grid_index()
    points = [(0.5, 0.5), (1.0, 0.5), (5.5, 5.5), (5.1, 5.9), (9, 9), (1.5, 0.99)]
    assert index.locate_many(points) == [index.locate(x, y) for x, y in points]


def test_multipolygons_and_features_are_accepted():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [f.square(0, 0)["coordinates"], f.square(10, 10)["coordinates"]],
    }
    index = GridIndex.build([(7, multi), (8, {"type": "Feature", "geometry": f.square(20, 20)})])
    assert index.locate(10.5, 10.5) == 7
    assert index.locate(20.5, 20.5) == 8


@pytest.mark.parametrize(
    "bad",
    [
        None,
        {"type": "Point", "coordinates": [0, 0]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
        {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]},  # bow tie
        {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 1], [0, 0]]]},
        {"type": "Polygon", "coordinates": "nonsense"},
    ],
)
def test_bad_polygons_are_refused_with_a_reason(bad):
    with pytest.raises(BadPolygon) as exc:
        parse_polygon(bad)
    assert str(exc.value)


@override_settings(GRID_INDEX_TTL=0)
def test_the_index_follows_polygon_changes_made_elsewhere(t):
    assert grid_containing(3.5, 3.5) is None
    f.node(NodeKind.SMALL_GRID, t["big2"], name="D网格", polygon=f.square(3, 3))
    assert grid_containing(3.5, 3.5).name == "D网格"
    Node.objects.filter(name="D网格").update(polygon=None)
    assert grid_containing(3.5, 3.5) is None
    forget_grid_index()


def test_the_bucket_lookup_agrees_with_the_tree_everywhere():
    # A 20 x 10 lattice of unit squares with gaps, one overlapping grid, one with a hole,
    # and one far away (a second cluster on the same raster).
    def square(x0, y0, x1, y1, holes=()):
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        return {"type": "Polygon", "coordinates": [ring, *holes]}

    grids = [
        (100 + i * 10 + j, square(i, j, i + 1, j + 1))
        for i in range(20)
        for j in range(10)
        if (i * 7 + j) % 9
    ]
    grids.append((5, square(3.5, 3.5, 6.5, 5.5)))  # overlaps its neighbours, smallest id
    hole = [[[10.25, 2.25], [10.75, 2.25], [10.75, 2.75], [10.25, 2.75], [10.25, 2.25]]]
    grids.append((7, square(10, 2, 11, 3, hole)))
    grids.append((9, square(60, 40, 61, 41)))
    index = GridIndex.build(grids)
    rng = random.Random(6)
    points = [(rng.uniform(-1, 62), rng.uniform(-1, 42)) for _i in range(3000)]
    points += [(rng.uniform(-0.5, 21), rng.uniform(-0.5, 11)) for _i in range(3000)]
    # Edges and corners, where rounding matters.
    points += [(rng.randint(0, 21) / 2, rng.randint(0, 22) / 2) for _i in range(2000)]
    points += [(10.25, 2.5), (10.5, 2.5), (60, 40), (61, 41), (20, 10), (0, 0), (-0.0, 0)]
    found = [index.locate(x, y) for x, y in points]
    assert found == [index.locate_in_tree(x, y) for x, y in points]
    assert found == index.locate_many(points)
    assert index.locate(10.5, 2.5) is None and index.locate(4, 4) == 5
    assert index.locate(float("nan"), 1.0) is None


def test_a_located_grid_costs_no_query_and_is_the_row_without_its_polygon(
    t, django_assert_num_queries
):
    grid_index()  # built (two queries: the version and the rows)
    with django_assert_num_queries(0):
        first = grid_containing(0.5, 0.5)
        again = grid_containing(0.5, 0.5)
    assert first == t["gridA"] and first is not again  # a new instance each time: safe to change
    stored = Node.objects.get(pk=t["gridA"].pk)
    for name in ("code", "name", "kind", "parent_id", "path", "depth", "updated_at"):
        assert getattr(first, name) == getattr(stored, name)
    assert "polygon" in first.get_deferred_fields()
    assert first.polygon == stored.polygon  # read on demand


@override_settings(GRID_INDEX_TTL=0)
def test_grids_renamed_or_moved_elsewhere_are_seen_at_the_next_check(t):
    from civicgrid.network.services import node_move

    assert grid_containing(0.5, 0.5).name == "A网格"
    grid = Node.objects.get(pk=t["gridA"].pk)
    grid.name = "甲网格"
    grid.save()
    assert grid_containing(0.5, 0.5).name == "甲网格"
    # A move rewrites paths with update(): it must still be seen (it sets updated_at).
    node_move(node=t["big1"], new_parent=t["comm2"])
    moved = grid_containing(0.5, 0.5)
    assert moved.path == f.node_path_of(moved)
    assert moved.path.startswith(Node.objects.get(pk=t["comm2"].pk).path)
    forget_grid_index()
