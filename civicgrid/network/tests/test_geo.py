"""Which small grid contains a point: inside, on edges and corners, in holes, outside."""

from __future__ import annotations

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
