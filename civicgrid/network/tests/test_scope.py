"""The scope rule: a staff user sees and acts on exactly the subtrees their roles bind."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from civicgrid.network.models import Node, NodeKind, Person, Role, RoleBinding
from civicgrid.network.scope import (
    access_node,
    can_change,
    can_see,
    check_can_change,
    is_staff_user,
    within_scope,
)
from civicgrid.network.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def t():
    return f.region()


def visible(user) -> set[str]:
    return set(within_scope(Node.objects.all(), user).values_list("name", flat=True))


def test_grid_worker_of_grid_a_sees_nothing_of_grid_b(t):
    worker = f.person(roles=[(Role.GRID_WORKER, t["gridA"])])
    assert visible(worker) == {"A网格", "A单元"}
    assert not can_see(worker, t["gridB"])
    with pytest.raises(Http404):
        access_node(worker, t["gridB"].pk)


def test_town_staff_see_all_their_grids_and_nothing_of_the_next_town(t):
    staff = f.person(roles=[(Role.COMMUNITY_STAFF, t["town1"])])
    seen = visible(staff)
    assert {"一镇", "一社区", "一大网格", "A网格", "B网格", "A单元"} == seen
    assert "二镇" not in seen and "C网格" not in seen
    assert can_change(staff, t["gridB"])
    with pytest.raises(Http404):
        access_node(staff, t["gridC"].pk, write=True)


def test_banner_leader_sees_every_town_below_and_can_change_nothing(t):
    leader = f.person(roles=[(Role.LEADER, t["banner"])])
    seen = visible(leader)
    assert {"一镇", "二镇", "A网格", "B网格", "C网格"} <= seen
    assert "兴安盟" not in seen
    for node in Node.objects.subtree(t["banner"]):
        assert can_see(leader, node)
        assert not can_change(leader, node)
    assert within_scope(Node.objects.all(), leader, write=True).count() == 0
    with pytest.raises(PermissionDenied):
        access_node(leader, t["town1"].pk, write=True)
    with pytest.raises(PermissionDenied):
        check_can_change(leader, t["gridA"])


def test_several_roles_add_their_subtrees_and_a_write_role_beats_a_read_role(t):
    person = f.person(roles=[(Role.LEADER, t["banner"]), (Role.GRID_WORKER, t["gridC"])])
    assert can_change(person, t["gridC"])
    assert not can_change(person, t["gridA"])
    assert can_see(person, t["gridA"])


def test_residents_party_members_and_volunteers_get_no_console_scope(t):
    for role in (Role.RESIDENT, Role.PARTY_MEMBER, Role.VOLUNTEER, Role.PROVIDER):
        person = f.person(roles=[(role, t["town1"])])
        assert visible(person) == set()
        assert not is_staff_user(person)


def test_anonymous_sees_nothing_and_superuser_sees_everything(t):
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == set()
    root = Person.objects.create_superuser(mobile="13900000001", name="超管", password="x-12345")
    assert len(visible(root)) == Node.objects.count()


def test_scope_applies_to_things_at_nodes_through_their_foreign_key(t):
    worker = f.person(roles=[(Role.GRID_WORKER, t["gridA"])])
    other = f.person(roles=[(Role.GRID_WORKER, t["gridB"])])
    rows = within_scope(RoleBinding.objects.all(), worker, node_field="node")
    assert set(rows.values_list("person_id", flat=True)) == {worker.pk}
    assert other.pk not in rows.values_list("person_id", flat=True)


def test_scope_costs_one_query_per_request_however_many_lists(t, django_assert_num_queries):
    staff = Person.objects.get(pk=f.person(roles=[(Role.COMMUNITY_STAFF, t["town1"])]).pk)
    with django_assert_num_queries(3):  # bindings once, then one query per list
        list(within_scope(Node.objects.all(), staff))
        list(within_scope(Node.objects.filter(kind=NodeKind.SMALL_GRID), staff))
