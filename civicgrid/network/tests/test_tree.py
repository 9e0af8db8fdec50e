"""The tree: subtree queries by path prefix, moves that keep them right."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.network.models import SERVICE_NAMES, Node, NodeKind
from civicgrid.network.services import node_move
from civicgrid.network.tests import factories as f

pytestmark = pytest.mark.django_db


def names(qs) -> set[str]:
    return set(qs.values_list("name", flat=True))


def test_subtree_is_the_node_and_everything_below_it_in_one_query():
    t = f.region()
    with CaptureQueriesContext(connection) as ctx:
        got = names(Node.objects.subtree(t["town1"]))
    assert got == {"一镇", "一社区", "一大网格", "A网格", "B网格", "A单元"}
    assert len(ctx.captured_queries) == 1


def test_paths_and_depths_follow_the_parents():
    t = f.region()
    assert t["unitA"].depth == 6
    assert t["unitA"].ancestor_ids() == [
        t[k].pk for k in ("league", "banner", "town1", "comm1", "big1", "gridA", "unitA")
    ]


def test_moving_a_subtree_keeps_subtree_queries_right():
    t = f.region()
    node_move(node=t["big1"], new_parent=t["comm2"])
    assert names(Node.objects.subtree(t["town1"])) == {"一镇", "一社区"}
    assert {"一大网格", "A网格", "B网格", "A单元"} <= names(Node.objects.subtree(t["town2"]))
    unit = Node.objects.get(pk=t["unitA"].pk)
    assert unit.depth == 6
    assert unit.ancestor_ids()[:4] == [t["league"].pk, t["banner"].pk, t["town2"].pk, t["comm2"].pk]
    assert Node.objects.get(pk=t["big1"].pk).parent_id == t["comm2"].pk


def test_moving_to_the_root_and_back():
    t = f.region()
    node_move(node=t["town2"], new_parent=None)
    moved = Node.objects.get(pk=t["gridC"].pk)
    assert moved.depth == 3 and moved.path.startswith(f"{t['town2'].pk}/")
    node_move(node=t["town2"], new_parent=t["banner"])
    assert Node.objects.get(pk=t["gridC"].pk).path == f.node_path_of(t["gridC"])


def test_a_node_cannot_move_under_its_own_subtree():
    t = f.region()
    with pytest.raises(ValidationError):
        node_move(node=t["town1"], new_parent=t["gridA"])
    with pytest.raises(ValidationError):
        node_move(node=t["town1"], new_parent=t["town1"])


def test_service_side_names_map_onto_node_kinds():
    assert set(SERVICE_NAMES) == {
        NodeKind.TOWN,
        NodeKind.COMMUNITY,
        NodeKind.BIG_GRID,
        NodeKind.SMALL_GRID,
        NodeKind.UNIT,
    }
    assert str(SERVICE_NAMES[NodeKind.BIG_GRID]) in ("Party-mass service station", "党群服务站")


def test_subtree_query_uses_the_path_index():
    f.region()
    sql, params = Node.objects.filter(path__startswith="1/").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        else:
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
            assert "path" in plan and "Index" in plan, plan
